"""Delivering the outbox over Zalo: one notice -> one or more sendMessage, its actions as numbered choices."""

from __future__ import annotations

import logging

from bot.dialogs.runtime import Choice
from bot.services.sender import Channel, Delivery, OutboxSender, SendingLimits, render_notice
from handlers.zalo.bot import CHANNEL
from handlers.zalo.client import ZaloClient, ZaloError
from handlers.zalo.render import numbered, split_text
from storage import dialogs as stored
from storage.outbox import Notice

log = logging.getLogger(__name__)

# Zalo publishes no rate limits: a gentle pace per person, and backing off on any error.
PER_CHAT_INTERVAL = 1.0
ZALO_LIMITS = SendingLimits(per_second=10.0, max_attempts=6, in_flight=4, backoff_seconds=5.0)


class ZaloDelivery:
    def __init__(self, client: ZaloClient, services, i18n) -> None:
        self._client = client
        self._services = services
        self._i18n = i18n

    async def deliver(self, notice: Notice) -> Delivery:
        t = self._i18n.for_locale(notice.locale)
        rendered = render_notice(notice, t, self._services.communes)
        if isinstance(rendered, Delivery):
            return rendered
        text, actions = rendered.text, rendered.actions
        if actions:
            # What a typed "1" means from now on, when no dialog is running: this notice's first action.
            async with self._services.database.transaction() as db:
                await stored.set_notice_choices(db, CHANNEL, notice.external_id, [list(action) for action in actions])
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
        return Delivery(ok=True)


def zalo_sender(client: ZaloClient, services, i18n, limits: SendingLimits = ZALO_LIMITS, clock=None,
                per_chat_interval: float = PER_CHAT_INTERVAL) -> OutboxSender:
    delivery = ZaloDelivery(client, services, i18n)
    channel = Channel(CHANNEL, delivery.deliver, lambda notice: per_chat_interval)
    kwargs = {"clock": clock} if clock is not None else {}
    return OutboxSender(services.notifications, channel, limits, **kwargs)
