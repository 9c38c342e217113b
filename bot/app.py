"""Wiring: the python-telegram-bot Application with its persistence, rate limiter, commands and jobs."""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta
from functools import partial

from telegram import BotCommand, BotCommandScopeAllPrivateChats
from telegram import Update
from telegram.error import InvalidToken
from telegram.ext import AIORateLimiter, Application, ApplicationBuilder, BaseUpdateProcessor, ContextTypes
from telegram.request import HTTPXRequest
import tornado.web

from bot.i18n import I18n
from bot.persistence import SqlitePersistence
from bot.services import Services
from storage import ops
from handlers import register
from handlers.context import CHANNEL, BotContext
from handlers.menus import PRIVACY_COMMANDS, RESIDENT_COMMANDS
from bot.services.sender import SendingLimits, SharedRate
from handlers.notifications import telegram_sender

log = logging.getLogger(__name__)

# The longest the outbox sender waits for users' updates to be handled before starting more requests:
# users go first, but a steady stream of updates still lets a burst of notices out this often.
GIVE_WAY_AT_MOST = 0.05


class PerUserUpdateProcessor(BaseUpdateProcessor):
    """Different users' updates run concurrently; one user's updates run strictly in order.

    The ConversationHandler needs a user's updates one by one (its state is per user and
    chat), and a double tap must see the first tap's result; but one user waiting on
    SQLite or on Telegram should not hold up everybody else in the commune.

    It also tells `on_finished` the update_id of every update whose handling ended, however it
    ended (it wrote, only read, was stopped, or failed and the error handler answered): the journal
    of received updates forgets it. An update cancelled midway (the process is stopping) has not ended."""

    # PTB takes a slot before a user's lock is awaited, so one user's burst holds slots while it
    # waits its turn: keep plenty, so other users are not stalled behind it.
    def __init__(self, max_concurrent_updates: int = 256, on_finished: Callable[[int], None] | None = None) -> None:
        super().__init__(max_concurrent_updates)
        self._locks: dict[object, asyncio.Lock] = {}
        self._waiting: dict[object, int] = {}
        self._on_finished = on_finished
        self._handling = 0
        self._idle = asyncio.Event()
        self._idle.set()

    async def quiet(self) -> None:
        """Return once no update is being handled, or after GIVE_WAY_AT_MOST seconds (the outbox sender waits here)."""
        if not self._idle.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._idle.wait(), GIVE_WAY_AT_MOST)

    @staticmethod
    def _key(update: object) -> object:
        if isinstance(update, Update):
            if update.effective_user is not None:
                return ("user", update.effective_user.id)
            if update.effective_chat is not None:
                return ("chat", update.effective_chat.id)
        return ("other", None)

    async def do_process_update(self, update: object, coroutine) -> None:
        key = self._key(update)
        lock = self._locks.setdefault(key, asyncio.Lock())
        self._waiting[key] = self._waiting.get(key, 0) + 1
        self._handling += 1
        self._idle.clear()
        try:
            async with lock:
                await coroutine
        except asyncio.CancelledError:
            raise  # cut short (the process is stopping): the journal replays it at the next start
        except Exception:
            self._finished(update)
            raise
        else:
            self._finished(update)
        finally:
            self._handling -= 1
            if not self._handling:
                self._idle.set()
            self._waiting[key] -= 1
            if not self._waiting[key]:  # nobody else queued for this user: forget the lock
                del self._waiting[key]
                del self._locks[key]

    def _finished(self, update: object) -> None:
        if self._on_finished is not None and isinstance(update, Update):
            self._on_finished(update.update_id)

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to release."""


class UpdatesRequest(HTTPXRequest):
    """The connection getUpdates uses, which skips updates python-telegram-bot cannot read.

    PTB parses a whole batch at once: one update it cannot read (a poll lacking a field PTB now
    requires, as an older self-hosted Bot API server sends it) fails the batch, the offset never
    moves and getUpdates is called again at once, forever, logging the update's texts every time.
    Here each update is tried alone first; one that cannot be read is replaced by its bare
    update_id, so the offset moves past it and the others are handled. It is logged once, by id,
    kind and error type only: never its content, which holds names and texts.

    It also tells `on_token_rejected` when getUpdates answers 401/404 (the token was revoked
    while running): PTB then stops polling for good without stopping the process.

    Every batch is written to the journal of received updates (`journal`) before PTB sees it:
    PTB confirms a batch to Telegram while its updates are still being handled."""

    def __init__(self, on_token_rejected: Callable[[], None] | None = None,
                 on_answered: Callable[[], None] | None = None,
                 journal: Callable[[list[dict]], Awaitable[list[dict]]] | None = None) -> None:
        super().__init__(connection_pool_size=1)  # what ApplicationBuilder gives getUpdates by default
        self._on_token_rejected = on_token_rejected
        self._on_answered = on_answered  # /healthz: Telegram answered just now
        self._journal = journal

    async def post(self, url: str, *args, **kwargs):
        try:
            result = await super().post(url, *args, **kwargs)
        except InvalidToken:
            if self._on_token_rejected is not None:
                self._on_token_rejected()
            raise
        if self._on_answered is not None:
            self._on_answered()
        if url.endswith("/getUpdates") and isinstance(result, list):
            result = [_readable(update) for update in result]
            if result and self._journal is not None:
                result = await self._journal(result)
        return result


def _readable(update: dict) -> dict:
    try:
        Update.de_json(update, None)
    except Exception as error:  # noqa: BLE001 - whatever PTB fails on, the update is skipped
        update_id = update.get("update_id") if isinstance(update, dict) else None
        if not isinstance(update_id, int):
            raise
        kinds = ",".join(key for key in update if key != "update_id")
        log.warning("update %s (%s) could not be read by python-telegram-bot (%s); skipped",
                    update_id, kinds, type(error).__name__)
        return {"update_id": update_id}
    return update


# Telegram sends the secret given to setWebhook in this header with every update.
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


class TelegramWebhookHandler(tornado.web.RequestHandler):
    """Telegram's webhook route on the process's web server (bot/web.py): updates go to the
    Application's update_queue, as getUpdates would put them (python-telegram-bot's
    customwebhookbot example does the same with its own server).

    Every request must carry the secret token: without it, or with a wrong one, the answer is 403
    and nothing is read. An update python-telegram-bot cannot read is answered 200 and skipped (as
    in polling), so Telegram does not send it again and again, holding up the ones after it."""

    def initialize(self, bot_application: Application, secret: str, on_answered: Callable[[], None] | None = None) -> None:
        self.bot_application = bot_application  # tornado's RequestHandler has its own .application
        self.secret = secret
        self.on_answered = on_answered

    async def post(self) -> None:
        given = self.request.headers.get(SECRET_HEADER, "")
        if not hmac.compare_digest(given.encode(), self.secret.encode()):
            log.warning("webhook request without the right secret token refused (from %s)", self.request.remote_ip)
            self.set_status(403)
            self.finish()
            return
        try:
            data = json.loads(self.request.body)
            readable = _readable(data)
        except Exception:  # noqa: BLE001 - not JSON, or not an update at all
            log.warning("webhook request that is not an update refused")
            self.set_status(400)
            self.finish()
            return
        if self.on_answered is not None:
            self.on_answered()
        # Journaled before Telegram is answered (a crash after the answer must not lose it), then handled
        # as polling hands updates over: an unreadable one, or one already journaled, as its bare update_id.
        for update in await journal_received(self.bot_application, [readable]):
            await self.bot_application.update_queue.put(Update.de_json(update, self.bot_application.bot))
        self.set_status(200)
        self.finish()


class DoithoaiApplication(Application):
    """The Application, which sets its command menus whenever it is initialised (however it is run),
    and runs the outbox sender as one background task between start and stop."""

    async def initialize(self) -> None:
        await super().initialize()
        for bot in self.bot_data.get("sender_bots", ()):
            await bot.initialize()
        # Vietnamese is the default menu; English for users whose Telegram is in English.
        i18n: I18n = self.bot_data["i18n"]
        for language_code, locale in ((None, "vi"), ("vi", "vi"), ("en", "en")):
            t = i18n.for_locale(locale)
            await self.bot.set_my_commands(
                [BotCommand(name, t(description)) for name, description in RESIDENT_COMMANDS + PRIVACY_COMMANDS],
                scope=BotCommandScopeAllPrivateChats(),
                language_code=language_code,
            )
        await self.replay_journal()

    async def replay_journal(self) -> int:
        """Queue the updates whose handling a crash cut short (they are handled once the Application starts).

        Before polling or a webhook delivers anything new, so the user's last message comes first."""
        if "services" not in self.bot_data:
            return 0
        raws = await self.bot_data["services"].journal.to_replay(CHANNEL)
        for raw in raws:
            await self.update_queue.put(Update.de_json(raw, self.bot))
        return len(raws)

    async def start(self) -> None:
        await super().start()
        if "sender" in self.bot_data:
            await self.bot_data["sender"].start()

    async def stop(self) -> None:
        if "sender" in self.bot_data:
            await self.bot_data["sender"].stop()
        await super().stop()
        if "services" in self.bot_data:
            await self.bot_data["services"].journal.close()

    async def shutdown(self) -> None:
        for bot in self.bot_data.get("sender_bots", ()):
            await bot.shutdown()
        await super().shutdown()


async def journal_received(application: Application, raw_updates: list[dict]) -> list[dict]:
    """Write received raw updates (JSON objects as Telegram sent them) to the journal before they are
    handled; returns those to hand to the Application (an update already journaled becomes its bare
    update_id). Polling does this in UpdatesRequest; a webhook calls it before answering Telegram
    and before putting the updates into `application.update_queue`."""
    return await application.bot_data["services"].journal.received(CHANNEL, raw_updates)


async def _forget_old_updates(context: BotContext) -> None:
    """Handled update ids are kept a week: long enough for any re-delivery; the journal a day."""
    removed = await context.services.ledger.forget_old(CHANNEL)
    pruned = await context.services.journal.forget_old(CHANNEL)
    log.info("forgot %d old handled updates and %d old journaled ones", removed, pruned)


async def _queue_reminders(context: BotContext) -> None:
    """Every working day: remind officers before their due dates, tell office and MTTQ what is overdue, and
    remind the dialogue's deadlines; whatever fell due while the bot was down goes out now, once."""
    queued = await context.services.reminders.sweep()
    queued += await context.services.followup.queue_referral_reminders()
    # Promises made when answering at a meeting are reminded like assignments (issue 10).
    queued += await context.services.review.queue_promise_reminders()
    log.info("queued %d reminders and escalations", queued)
    await context.services.database.execute_alone(ops.SET, ops.set_params(ops.LAST_REMINDER_SWEEP, str(queued)))


class SharedRateLimiter(AIORateLimiter):
    """PTB's limiter (a 429 retried after Telegram's retry_after, 20 a minute to a group) whose overall
    rate is the process's SharedRate: the replies and the outbox sender's notices together stay within
    TELEGRAM_RATE_LIMIT, replies first. Counted as AIORateLimiter counted: every request to a chat, each try."""

    def __init__(self, shared: SharedRate, max_retries: int = 0) -> None:
        super().__init__(overall_max_rate=0, max_retries=max_retries)
        self.shared = shared

    async def process_request(self, callback, args, kwargs, endpoint, data, rate_limit_args):
        if data.get("chat_id") is None or data.get("allow_paid_broadcast"):
            return await super().process_request(callback, args, kwargs, endpoint, data, rate_limit_args)

        async def counted(*args, **kwargs):
            # Waits here, inside the group's limit and after any 429's pause, right before the request leaves.
            slot = await self.shared.acquire()
            try:
                return await callback(*args, **kwargs)
            finally:
                self.shared.answered(slot)

        return await super().process_request(counted, args, kwargs, endpoint, data, rate_limit_args)


def build_application(
    *, token: str, base_url: str, base_file_url: str, services: Services, i18n: I18n, rate_limit_per_second: int = 30,
    application_class: type[Application] = DoithoaiApplication, on_token_rejected: Callable[[], None] | None = None,
    chat_rate_per_second: float = 1.0, group_rate_per_minute: float = 20.0, notice_max_attempts: int = 8,
    notices_in_flight: int = 16, sender_clock=None, notice_http_client: str = "lean",
    on_answered: Callable[[], None] | None = None,
) -> Application:
    # TELEGRAM_RATE_LIMIT is Telegram's overall limit for the bot: one budget for replies and notices.
    shared = SharedRate(rate_limit_per_second, **({"clock": sender_clock} if sender_clock is not None else {}))
    application = (
        ApplicationBuilder()
        .application_class(application_class)
        .token(token)
        .base_url(base_url)
        .base_file_url(base_file_url)
        .get_updates_request(UpdatesRequest(on_token_rejected, on_answered, partial(services.journal.received, CHANNEL)))
        .persistence(SqlitePersistence(services.database))
        .context_types(ContextTypes(context=BotContext))
        .concurrent_updates(processor := PerUserUpdateProcessor(on_finished=partial(services.journal.done, CHANNEL)))
        # Retries a 429 after Telegram's retry_after; replies and notices share Telegram's overall limit.
        .rate_limiter(SharedRateLimiter(shared, max_retries=3))
        .build()
    )
    application.bot_data["services"] = services
    application.bot_data["i18n"] = i18n
    # Notices go out from one background task (never inside a user's update), within Telegram's limits.
    limits = SendingLimits(per_second=rate_limit_per_second, max_attempts=notice_max_attempts, in_flight=notices_in_flight)
    sender, sender_bots = telegram_sender(
        token=token, base_url=base_url, base_file_url=base_file_url, services=services, i18n=i18n, limits=limits,
        per_chat_per_second=chat_rate_per_second, per_group_per_minute=group_rate_per_minute, clock=sender_clock,
        give_way=processor.quiet, http_client=notice_http_client, shared=shared)
    application.bot_data["sender"], application.bot_data["sender_bots"] = sender, sender_bots
    application.bot_data["shared_rate"] = shared
    register(application, i18n)
    application.job_queue.run_repeating(_forget_old_updates, interval=timedelta(days=1), first=timedelta(minutes=5))
    # 07:30 in the commune's time zone (BOT_TIMEZONE), every day; the service itself skips days off.
    at = services.reminders.daily_at.replace(tzinfo=services.reminders.timezone)
    application.job_queue.run_daily(_queue_reminders, time=at, name="queue_reminders")
    # Also shortly after start, so a bot restarted after that hour still reminds that day (never twice:
    # reminders_sent); a start at night sends nothing (the sweep keeps to the hours) and the morning catches up.
    application.job_queue.run_once(_queue_reminders, when=30, name="queue_reminders_at_start")
    return application
