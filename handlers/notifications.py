"""Delivering the outbox over Telegram (one notice -> one sendMessage), and the office's /undelivered list.

The sender itself (pace, retries, batching) is channel-neutral: bot/services/sender.py."""

from __future__ import annotations

import logging
import ssl
import urllib.request
import warnings
from urllib.parse import urlsplit

from telegram import Bot, ReplyKeyboardRemove, Update
from telegram.error import BadRequest, Forbidden, RetryAfter, TelegramError
from telegram.request import HTTPXRequest

from bot.errors import DomainError, describe
from bot.notices import render
from bot.services.sender import Channel, Delivery, OutboxSender, SendingLimits, render_notice
from handlers.context import CHANNEL, BotContext, answer
from handlers.keepalive_request import KeepAliveRequest
from handlers.keyboards import inline
from storage.outbox import Notice

log = logging.getLogger(__name__)

# Notices after which the reader's buttons are not what they were (a role withdrawn).
CHANGES_THE_MENU = frozenset({"role_revoked"})

# Bad requests that mean the person cannot be reached, whatever the message says.
_UNREACHABLE = ("chat not found", "user is deactivated", "peer_id_invalid", "bot was blocked", "bot can't initiate")


def _seconds(pause: RetryAfter) -> float:
    with warnings.catch_warnings():  # PTB 22 warns that retry_after will become a timedelta: either is read
        warnings.simplefilter("ignore")
        retry_after = pause.retry_after
    return retry_after.total_seconds() if hasattr(retry_after, "total_seconds") else float(retry_after)


class NoticeBot(Bot):
    """A Bot whose sendMessage does not build a Message from Telegram's answer: nobody reads it, and
    at a thousand notices a second that parsing is a third of the sender's time."""

    async def send_notice(self, chat_id: int, text: str, markup=None) -> None:
        data = {"chat_id": chat_id, "text": text}
        if markup is not None:
            data["reply_markup"] = markup
        await self._post("sendMessage", data)


class TelegramDelivery:
    """Renders a notice in its reader's language and sends it with Bots of its own.

    Its own Bots, without the Application's AIORateLimiter: that limiter retries a 429 by pausing
    every request of the process, while the sender pauses only the chat concerned. One Bot over
    KeepAliveRequest; over httpx (behind a proxy) several Bots (lanes; up to 16, one per request in
    flight) with a connection or two each, because httpcore's pool spends time in proportion to
    requests x connections on every request: sixteen pools of one connection send about 1.6 times as
    many notices a second as one pool of sixteen."""

    def __init__(self, bots: list[NoticeBot], services, i18n, *, per_chat_per_second: float = 1.0,
                 per_group_per_minute: float = 20.0) -> None:
        self.bots = bots
        self._busy = [0] * len(bots)
        self._services = services
        self._i18n = i18n
        self._private_interval = 1.0 / per_chat_per_second if per_chat_per_second > 0 else 0.0
        self._group_interval = 60.0 / per_group_per_minute if per_group_per_minute > 0 else 0.0

    def chat_interval(self, notice: Notice) -> float:
        # Telegram's group and channel ids are negative; people's chats are positive.
        return self._group_interval if notice.external_id.startswith("-") else self._private_interval

    async def deliver(self, notice: Notice) -> Delivery:
        t = self._i18n.for_locale(notice.locale)
        rendered = render_notice(notice, t, self._services.communes)
        if isinstance(rendered, Delivery):
            return rendered
        text, actions = rendered.text, rendered.actions
        markup = inline([[action] for action in actions]) if actions else None
        if notice.kind in CHANGES_THE_MENU and notice.on_behalf_of is None and markup is None:
            # The notice that tells someone their roles changed carries their new keyboard, so the
            # buttons change with the news, in one message, whenever the sender gets to it.
            markup = await self._menu_of(notice, t)
        lane = self._busy.index(min(self._busy))
        self._busy[lane] += 1
        try:
            await self.bots[lane].send_notice(int(notice.external_id), text, markup)
        except RetryAfter as pause:
            return Delivery(ok=False, failure="429", retry_after=_seconds(pause))
        except Forbidden as refusal:
            return Delivery(ok=False, failure=str(refusal), unreachable=True)
        except BadRequest as refusal:
            unreachable = any(words in str(refusal).lower() for words in _UNREACHABLE)
            return Delivery(ok=False, failure=str(refusal), unreachable=unreachable, permanent=True)
        except TelegramError as error:
            # Timeouts and server errors: the request may or may not have arrived; sending it again
            # risks a duplicate, while giving up risks a lost notice, which is worse.
            return Delivery(ok=False, failure=f"{type(error).__name__}: {error}")
        finally:
            self._busy[lane] -= 1
        return Delivery(ok=True)


    async def _menu_of(self, notice: Notice, t):
        from handlers.menus import main_menu

        actor = await self._services.staff.actor(CHANNEL, notice.external_id)
        official = actor if actor is not None and actor.is_official else None
        resident = await self._services.residents.find(CHANNEL, notice.external_id) is not None
        if official is None and not resident:
            return ReplyKeyboardRemove()
        return main_menu(t, official, resident=resident)


def _proxied(base_url: str) -> bool:
    """Whether the environment sends requests to the Bot API through a proxy (as httpx would read it)."""
    parts = urlsplit(base_url)
    proxies = urllib.request.getproxies_environment()
    if not (proxies.get(parts.scheme) or proxies.get("all")):
        return False
    return not urllib.request.proxy_bypass_environment(parts.hostname or "", proxies)


def telegram_sender(*, token: str, base_url: str, base_file_url: str, services, i18n,
                    limits: SendingLimits, per_chat_per_second: float, per_group_per_minute: float,
                    clock=None, give_way=None, http_client: str = "lean", shared=None) -> tuple[OutboxSender, list[NoticeBot]]:
    """The one background sender of Telegram notices, and the Bots it sends with (initialise them with the Application).

    One Bot over KeepAliveRequest (a connection per request in flight): a tenth of httpx's CPU a
    notice. Through a proxy named in the environment (HTTPS_PROXY, ALL_PROXY), which that client does
    not speak, or when the operator asks for it (NOTICE_HTTP_CLIENT=httpx), PTB's HTTPXRequest as before:
    lanes of small pools (see TelegramDelivery)."""
    tls = ssl.create_default_context()  # one for all connections: loading the CA store takes ~25 ms each time
    if http_client == "httpx" or _proxied(base_url):
        lanes = max(1, min(16, limits.in_flight))
        per_lane = -(-limits.in_flight // lanes) + 1
        requests = [HTTPXRequest(connection_pool_size=per_lane, httpx_kwargs={"verify": tls}) for _ in range(lanes)]
    else:
        requests = [KeepAliveRequest(connection_pool_size=max(1, limits.in_flight), tls=tls)]
    bots = [NoticeBot(token, base_url=base_url, base_file_url=base_file_url, request=request,
                      get_updates_request=request) for request in requests]
    delivery = TelegramDelivery(bots, services, i18n, per_chat_per_second=per_chat_per_second,
                                per_group_per_minute=per_group_per_minute)
    channel = Channel(CHANNEL, delivery.deliver, delivery.chat_interval)
    kwargs = {"clock": clock} if clock is not None else {}
    # `shared`: the overall rate the notices share with the Application's replies (bot.app.SharedRateLimiter).
    return OutboxSender(services.notifications, channel, limits, give_way=give_way, shared=shared, **kwargs), bots


# --- /undelivered: what the office must carry by other means ---------------------------------

async def undelivered(update: Update, context: BotContext) -> None:
    """/undelivered: notices of the commune that could not be delivered, newest first."""
    t = await context.translator(update)
    actor = await context.actor(update)
    try:
        listing = await context.services.notifications.undelivered(actor)
    except DomainError as refusal:
        await answer(update, describe(refusal, t))
        return
    if not listing.total:
        await answer(update, t("Every notice was delivered."))
        return
    communes = context.services.communes
    commune = communes.get(actor.commune_id)
    lines = [t("Notices that could not be delivered: %(count)d (the newest %(shown)d below).",
               count=listing.total, shown=len(listing.items))]
    for item in listing.items:
        hamlet = commune.hamlet(item.hamlet_id) if commune is not None and item.hamlet_id else None
        try:
            first_line = render(item.kind, item.payload, t, communes).text.splitlines()[0][:80]
        except Exception:  # noqa: BLE001 - an old notice whose kind is gone still belongs in the list
            first_line = item.kind
        who = item.name or "—"
        if hamlet is not None:
            who = f"{who} ({hamlet.name(t.locale)})"
        lines.append("")
        lines.append(t("• %(who)s: “%(what)s”", who=who, what=first_line))
        lines.append(t("  Reason: %(why)s", why=item.failure or "—"))
        if item.passed:
            lines.append(t("  Passed to the hamlet head %(name)s to deliver by hand.", name=item.passed_to_name or "—"))
    await answer(update, "\n".join(lines)[:4000])
