"""Delivering the outbox over Zalo: one notice -> one or more sendMessage, its actions as numbered choices."""

from __future__ import annotations

import logging

from bot.dialogs.runtime import Choice
from bot.services.sender import Channel, Delivery, OutboxSender, SendingLimits, render_notice
from handlers.zalo.bot import CHANNEL
from handlers.zalo.client import ZaloClient, ZaloError
from handlers.zalo.render import numbered, split_text
from storage import dialogs as stored
from storage.database import DatabaseBusy
from storage.outbox import Notice

log = logging.getLogger(__name__)

# Zalo publishes no rate limits: a gentle pace per person, and backing off on any error.
PER_CHAT_INTERVAL = 1.0
ZALO_LIMITS = SendingLimits(per_second=10.0, max_attempts=6, in_flight=4, backoff_seconds=5.0)


class ZaloDelivery:
    def __init__(self, client: ZaloClient, services, i18n, user_lock=None) -> None:
        self._client = client
        self._services = services
        self._i18n = i18n
        self._user_lock = user_lock

    async def deliver(self, notice: Notice) -> Delivery:
        t = self._i18n.for_locale(notice.locale)
        rendered = render_notice(notice, t, self._services.communes)
        if isinstance(rendered, Delivery):
            return rendered
        if self._user_lock is None:
            return await self._deliver(notice, rendered, t)
        # Never between a message of theirs and its replies: which list came last is then what they saw.
        async with self._user_lock(notice.external_id):
            return await self._deliver(notice, rendered, t)

    async def _deliver(self, notice: Notice, rendered, t) -> Delivery:
        text, actions = rendered.text, rendered.actions
        title = text.strip().split("\n", 1)[0][:200]
        if actions:
            text = numbered(text, [Choice(label, data) for label, data in actions], t)
        try:
            for part in split_text(text):
                await self._client.send_message(notice.external_id, part)
        except ZaloError as error:
            failure = str(error)
            if error.temporary:
                # Timeouts and server errors: it may have arrived; a duplicate is better than a lost notice.
                return Delivery(ok=False, failure=failure, retry_after=30.0 if error.code == 429 else None)
            if error.unreachable:
                return Delivery(ok=False, failure=failure, unreachable=True)
            return Delivery(ok=False, failure=failure, permanent=True)
        if actions:
            # What a typed "1" means from now on: this notice's first action (the list shown last wins).
            # Kept once sent: a notice not delivered yet must not take the numbers meant for an open flow.
            try:
                async with self._services.database.transaction() as db:
                    await stored.set_notice_choices(db, CHANNEL, notice.external_id,
                                                    [list(action) for action in actions], title)
            except DatabaseBusy:
                log.warning("a Zalo notice's choices were not kept: the database was busy")
        return Delivery(ok=True)


def zalo_sender(client: ZaloClient, services, i18n, limits: SendingLimits = ZALO_LIMITS, clock=None,
                per_chat_interval: float = PER_CHAT_INTERVAL, user_lock=None) -> OutboxSender:
    delivery = ZaloDelivery(client, services, i18n, user_lock)
    channel = Channel(CHANNEL, delivery.deliver, lambda notice: per_chat_interval)
    kwargs = {"clock": clock} if clock is not None else {}
    return OutboxSender(services.notifications, channel, limits, **kwargs)
