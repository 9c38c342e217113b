"""Delivering the outbox over Telegram: each notice claimed once, rendered in the reader's language."""

from __future__ import annotations

import logging

import httpx

from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut
from telegram.ext import Application

from bot.notices import render
from handlers.context import CHANNEL
from handlers.keyboards import inline

log = logging.getLogger(__name__)


def _never_sent(timeout: TimedOut) -> bool:
    """A connect or pool timeout means the request never left: safe to send again."""
    return isinstance(timeout.__cause__, (httpx.ConnectTimeout, httpx.PoolTimeout))


def _seconds(retry_after) -> float:
    return retry_after.total_seconds() if hasattr(retry_after, "total_seconds") else float(retry_after)


async def deliver_notices(application: Application, *, look_anyway: bool = False) -> int:
    """Send what the outbox holds for Telegram users. Returns how many were delivered."""
    services = application.bot_data["services"]
    i18n = application.bot_data["i18n"]
    delivered = 0
    while notices := await services.notifications.claim(CHANNEL, look_anyway=look_anyway):
        for index, notice in enumerate(notices):
            t = i18n.for_locale(notice.locale)
            try:
                rendered = render(notice.kind, notice.payload, t, services.communes)
                text, actions = rendered.text, rendered.actions
                if notice.on_behalf_of is not None:
                    # For a resident without a phone: the official passes it on; the buttons are the resident's.
                    text = t("For %(name)s, who has no phone (you entered their concern) — please pass this on:",
                             name=notice.on_behalf_of) + "\n\n" + text
                    actions = []
                markup = inline([[action] for action in actions]) if actions else None
                await application.bot.send_message(int(notice.external_id), text, reply_markup=markup)
            except (RetryAfter, NetworkError) as pause:
                if isinstance(pause, TimedOut) and not _never_sent(pause):
                    # The request may have reached Telegram: sending it again could deliver it twice.
                    log.warning("notice %s timed out; not sent again", notice.id)
                    await services.notifications.failed(notice, "timed out: may have been delivered")
                    continue
                # Telegram is busy or unreachable: this notice and the rest of the batch go back to the queue,
                # and after a 429 the outbox waits as long as Telegram asked.
                log.warning("notice %s postponed: %s", notice.id, type(pause).__name__)
                if isinstance(pause, RetryAfter):
                    services.notifications.pause(_seconds(pause.retry_after))
                for waiting in notices[index:]:
                    await services.notifications.retry_later(waiting)
                return delivered
            except (Forbidden, BadRequest) as refusal:
                log.warning("notice %s not delivered: %s", notice.id, refusal)
                await services.notifications.failed(notice, str(refusal))
            except Exception as error:  # noqa: BLE001 - one bad notice must not block the others
                log.exception("notice %s failed", notice.id)
                await services.notifications.failed(notice, repr(error))
            else:
                await services.notifications.sent(notice)
                delivered += 1
    return delivered
