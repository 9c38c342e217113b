"""Running the bot: against Telegram when a token is set, otherwise inside the local sandbox."""

from __future__ import annotations

import asyncio
import inspect
import logging
import signal
import sqlite3
from collections.abc import Awaitable, Callable
from contextlib import AsyncExitStack
from typing import Any
from urllib.parse import urlsplit

from datetime import datetime, time, timezone

from telegram.error import InvalidToken, TelegramError

from bot.app import TelegramWebhookHandler, build_application
from bot.backup import BackupError, RunLock, prepare_for_migrations, scheduled_backup
from bot.board import BoardService
from handlers.zalo.webhook import ZaloWebhookHandler
from bot.web import Health, WebServer
from handlers.context import CHANNEL
from bot.config import Settings
from bot.i18n import I18n
from bot.roles import ADMIN, CHAIR, HAMLET_HEAD, MTTQ, OFFICE, OFFICER
from bot.sandbox.demo import DEMO_PERSONAS, Persona, ensure_personas, load_demo
from bot.services import Services
from storage.database import Database

log = logging.getLogger(__name__)

# People a sandbox visitor can talk as from the start (more can be added on the page): residents,
# who register themselves (unless --demo), and officials holding each role in the first commune.
SANDBOX_PERSONAS = (
    Persona(1001, "Bà Lan"),
    Persona(1002, "Ông Tư"),
    Persona(1003, "Anh Minh"),
    Persona(1004, "Jane", language="en"),
    Persona(2001, "Anh Dũng", role=HAMLET_HEAD, hamlet_id="thon-1", label="Trưởng thôn 1"),
    Persona(2002, "Anh Khoa", role=OFFICER, body="Phòng Kinh tế", label="Phòng Kinh tế"),
    Persona(2003, "Chị Hoa", role=OFFICE, label="Văn phòng"),
    Persona(2004, "Ông Thành", role=CHAIR, label="Chủ tịch"),
    Persona(2005, "Bà Mai", role=MTTQ, label="MTTQ"),
    Persona(2006, "Anh Quân", role=ADMIN, label="Quản trị"),
)


class StartupError(Exception):
    """The bot cannot start (or must stop): its message is one line, without any secret."""


class TokenRejected(StartupError):
    """Telegram no longer accepts the token (revoked while running): the process must exit non-zero."""


class SecretFilter(logging.Filter):
    """Blanks secrets out of every log line, whatever logged them (httpx logs request URLs)."""

    def __init__(self, secrets: list[str]) -> None:
        super().__init__()
        self._secrets = [s for s in secrets if s]

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if any(secret in message for secret in self._secrets):
            for secret in self._secrets:
                message = message.replace(secret, "***")
            record.msg, record.args = message, None
        return True


# Libraries whose INFO is chatter (APScheduler: a line per job run, every 5 seconds; httpx: every
# request URL, which holds the token) and whose DEBUG carries personal data (python-telegram-bot
# logs every update in full): they log warnings and errors only, whatever LOG_LEVEL says.
LIBRARY_LOGGERS = ("apscheduler", "httpx", "httpcore", "telegram", "tornado", "aiosqlite", "asyncio")


def configure_logging(secrets: list[str], level: str = "INFO") -> None:
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for name in LIBRARY_LOGGERS:
        logging.getLogger(name).setLevel(max(logging.WARNING, logging.getLevelName(level)))
    for handler in logging.getLogger().handlers:
        handler.addFilter(SecretFilter(secrets))


def describe_os_error(error: BaseException) -> str:
    """An OS or SQLite error in a few words (no traceback)."""
    if isinstance(error, OSError) and error.strerror:
        return f"{error.filename}: {error.strerror}" if error.filename else error.strerror
    return str(error).splitlines()[0] if str(error) else type(error).__name__


async def serve(settings: Settings, *, stop: asyncio.Event | None = None, sandbox_port: int = 8080,
                sandbox_host: str = "127.0.0.1", announce=print, demo: bool = False,
                on_ready: Callable[[Any, Any], Awaitable[None] | None] | None = None) -> None:
    """Run until `stop` is set (or SIGINT/SIGTERM).

    In the sandbox, `demo` first loads the demo commune (into an empty database only: DemoRefused
    otherwise), and `on_ready(fake_bot_api, application)` is called once the bot is polling (tests
    drive the sandbox through it); outside the sandbox it receives None for the fake server."""
    stop = stop or _stop_on_signals()
    token_rejected = asyncio.Event()

    def on_token_rejected() -> None:
        token_rejected.set()
        stop.set()

    fake = fake_zalo = None
    async with AsyncExitStack() as stack:
        run_lock = RunLock(settings.database_path) if str(settings.database_path) != ":memory:" else None
        try:
            if run_lock is not None:
                try:
                    locked = run_lock.acquire()
                except OSError:
                    # A folder the lock cannot be written in cannot hold the database either: opening
                    # it below says why, in SQLite's words.
                    locked, run_lock = True, None
                if not locked:
                    raise StartupError(f"another bot is already running on {settings.database_path}")
                if run_lock is not None:
                    stack.callback(run_lock.release)
                # Refuses a database from a newer release; backs up one that migrations will change.
                await asyncio.to_thread(prepare_for_migrations, settings.database_path, settings.backups,
                                        settings.backup_keep)
        except BackupError as error:
            raise StartupError(str(error)) from None
        except (sqlite3.Error, OSError) as error:
            raise StartupError(f"cannot use the database {settings.database_path}: {describe_os_error(error)}") from None
        try:
            database = await Database.open(settings.database_path)
            stack.push_async_callback(database.close)
            services = await Services.create(database, settings.communes, settings.admin_ids, calendar=settings.calendar,
                                             rules=settings.rules, dialogues_per_year=settings.dialogues_per_year,
                                             timezone=settings.timezone)
            services.reminders.daily_at = settings.reminder_time
            # Notices claimed but unfinished when the bot last stopped are sent again (none is lost).
            await services.notifications.recover_interrupted()
        except (sqlite3.Error, OSError) as error:
            # A read-only file, a full disk, a folder that cannot be created: say which, in one line.
            raise StartupError(f"cannot use the database {settings.database_path}: {describe_os_error(error)}") from None
        i18n = I18n(settings.timezone)
        if settings.sandbox:
            from bot.sandbox.fake_bot_api import FakeBotApi
            from bot.sandbox.fake_zalo_api import FakeZaloApi

            personas = SANDBOX_PERSONAS + (DEMO_PERSONAS if demo else ())
            if demo:
                await load_demo(services, SANDBOX_PERSONAS, tz=settings.timezone)
            await ensure_personas(services, SANDBOX_PERSONAS, settings.communes.items[0].id)
            if demo:  # a province: the admin persona administers every commune (/commune switches)
                for commune in settings.communes.items[1:]:
                    await ensure_personas(services, tuple(p for p in SANDBOX_PERSONAS if p.role == ADMIN), commune.id)
            fake = FakeBotApi(host=sandbox_host, port=sandbox_port)
            await fake.start()
            stack.push_async_callback(fake.stop)
            # Next to it, a fake Zalo: the chat page lets a visitor talk as a Zalo resident too.
            fake_zalo = FakeZaloApi(host=sandbox_host)
            await fake_zalo.start()
            stack.push_async_callback(fake_zalo.stop)
            fake.zalo = fake_zalo
            fake_zalo.names["zalo-1005"] = "Chị Bích"  # a Zalo resident to talk as; more can be added on the page
            for persona in personas:
                fake.add_user(persona.user_id, persona.page_name, language_code=persona.language)
            token, base_url, base_file_url = fake.token, fake.base_url, fake.base_file_url
            # The sandbox's fake Telegram has no limits: nothing to wait for.
            limits = dict(rate_limit_per_second=0, chat_rate_per_second=0, group_rate_per_minute=0)
        else:
            token, base_url, base_file_url = settings.token or "", settings.base_url, settings.base_file_url
            limits = dict(rate_limit_per_second=settings.rate_limit_per_second,
                          chat_rate_per_second=settings.chat_rate_per_second,
                          group_rate_per_minute=settings.group_rate_per_minute)
        telegram = settings.sandbox or settings.token is not None
        health = Health(database)
        application = None
        if telegram:
            health.watch(CHANNEL)
            application = build_application(token=token, base_url=base_url, base_file_url=base_file_url,
                                            services=services, i18n=i18n, notice_max_attempts=settings.notice_max_attempts,
                                            notices_in_flight=settings.notices_in_flight, on_token_rejected=on_token_rejected,
                                            notice_http_client=settings.notice_http_client,
                                            on_answered=lambda: health.channel_answered(CHANNEL), **limits)
        web = WebServer(settings.listen_host, _web_port(settings, sandbox_port))
        web.serve_health_and_board(health, BoardService(database, settings.communes, settings.timezone), i18n)
        webhook = settings.webhook_url if application is not None and not settings.sandbox else None
        if webhook:
            web.route(urlsplit(webhook).path or "/", TelegramWebhookHandler, bot_application=application,
                      secret=settings.webhook_secret, on_answered=lambda: health.channel_answered(CHANNEL))
        # The Zalo channel's webhook, if any, is a route of the same one web server.
        zalo = _zalo_channel(settings, services, i18n, fake_zalo)
        if zalo is not None and zalo.webhook is not None:
            web.route(urlsplit(settings.zalo_webhook_url).path or "/", ZaloWebhookHandler, webhook=zalo.webhook)
        if application is not None:
            _schedule_ops_jobs(application, settings, health)
        try:
            if application is not None:
                await stack.enter_async_context(application)
                health.channel_answered(CHANNEL)  # initialize() asked Telegram who the bot is
            try:
                await web.start()
            except OSError as error:
                raise StartupError(f"cannot listen on {settings.listen_host}:{web.port} (LISTEN_HOST/LISTEN_PORT): "
                                   f"{describe_os_error(error)}") from None
            stack.push_async_callback(web.stop)
            if webhook:
                # Telegram posts here from now on (getUpdates would be refused); polling deletes it again.
                # allowed_updates left unsaid, as polling leaves it: the same kinds of update either way.
                await application.bot.set_webhook(webhook, secret_token=settings.webhook_secret,
                                                  drop_pending_updates=False)
            elif application is not None:
                await application.updater.start_polling(drop_pending_updates=False)
        except InvalidToken:
            # PTB's own message quotes the token in full: never show it.
            raise StartupError("Telegram rejected TELEGRAM_BOT_TOKEN: check it with @BotFather "
                               "(it is wrong, or was revoked)") from None
        except TelegramError as error:
            host = urlsplit(base_url).netloc
            reason = str(error).replace(token, "***").splitlines()[0]
            raise StartupError(f"the Telegram Bot API at {host} cannot be used: {reason}") from None
        if application is not None:
            await application.start()
        if zalo is not None:
            await _start_zalo(zalo, settings, stack)
        if application is None:
            # Without Telegram's job queue, the daily reminders are queued by a task of their own.
            reminders = asyncio.create_task(_queue_reminders_daily(services), name="reminders")
            stack.callback(reminders.cancel)
        if settings.sandbox:
            loaded = f" with the demo commune (database {settings.database_path})" if demo else ""
            announce(f"Sandbox ready{loaded}: open {fake.page_url} in a browser (Ctrl+C to stop).")
            announce(f"Public board: {web.url}/board/{settings.communes.items[0].id}")
        elif application is not None:
            how = f"webhook {webhook}" if webhook else "polling"
            also = " and on Zalo" if zalo is not None else ""
            announce(f"doithoai is running as @{application.bot.username}{also} ({how}; health and board on {web.url}) "
                     "(Ctrl+C to stop).")
        else:
            announce(f"doithoai is running on Zalo as {zalo.account_name or 'the bot'} (health and board on {web.url}) "
                     "(Ctrl+C to stop).")
        if on_ready is not None:
            ready = on_ready(fake, application)
            if inspect.isawaitable(ready):
                await ready
        await stop.wait()
        if application is not None:
            try:
                if application.updater.running:
                    await application.updater.stop()
            except TelegramError:
                # Polling already ended on a rejected token, and its last "confirm" call fails the same way.
                if not token_rejected.is_set():
                    raise
            await application.stop()
    if token_rejected.is_set():
        raise TokenRejected("Telegram no longer accepts TELEGRAM_BOT_TOKEN (revoked?): polling stopped, "
                            "exiting so that the bot is restarted with a valid token")


def _web_port(settings: Settings, sandbox_port: int) -> int:
    """LISTEN_PORT; a sandbox asked for any free port (tests: 0) takes any free one for this server too."""
    if settings.sandbox and not settings.listen_port_set and not sandbox_port:
        return 0
    return settings.listen_port


PROBE_EVERY = 60


def _schedule_ops_jobs(application, settings: Settings, health: Health) -> None:
    """The channel probe for /healthz and, outside the sandbox, the daily backup."""

    async def probe(context) -> None:
        last = health.last_answer(CHANNEL)
        if last is not None and (datetime.now(timezone.utc) - last).total_seconds() < PROBE_EVERY:
            return  # polling (or a webhook update) showed Telegram answers
        try:
            await context.bot.get_me()
            health.channel_answered(CHANNEL)
        except TelegramError as error:
            log.warning("Telegram did not answer the health probe: %s", type(error).__name__)

    application.job_queue.run_repeating(probe, interval=PROBE_EVERY, first=PROBE_EVERY, name="channel_probe")
    if settings.sandbox:
        return

    async def daily_backup(context) -> None:
        try:
            result = await asyncio.to_thread(scheduled_backup, settings.database_path, settings.backups,
                                             settings.backup_keep)
            log.info("backup written: %s (%d bytes)", result.path, result.size)
        except BackupError as error:
            log.error("daily backup failed: %s", error)

    application.job_queue.run_daily(daily_backup, time=time(settings.backup_hour, tzinfo=settings.timezone),
                                    name="daily_backup")


def _zalo_channel(settings: Settings, services: Services, i18n: I18n, fake_zalo):
    """The Zalo channel, when ZALO_BOT_TOKEN is set (or the sandbox's fake Zalo); not started yet."""
    from handlers.zalo.channel import ZaloChannel

    if fake_zalo is not None:
        channel = ZaloChannel(token=fake_zalo.token, base_url=fake_zalo.base_url, services=services, i18n=i18n,
                              per_chat_interval=0)
    elif settings.zalo_token is not None:
        channel = ZaloChannel(token=settings.zalo_token, base_url=settings.zalo_base_url, services=services, i18n=i18n,
                              webhook_url=settings.zalo_webhook_url, webhook_secret=settings.zalo_webhook_secret,
                              listen_host=settings.listen_host, listen_port=settings.listen_port)
    else:
        return None
    return channel


async def _start_zalo(channel, settings: Settings, stack: AsyncExitStack) -> None:
    """Polling, or (its route already on the web server) the webhook set at Zalo."""
    from handlers.zalo.client import ZaloError

    try:
        await channel.start(own_server=False)
    except ZaloError as error:  # its message never holds the URL, which holds the token
        await channel.stop()
        raise StartupError(f"the Zalo Bot API at {urlsplit(settings.zalo_base_url).netloc} cannot be used: {error}") from None
    except OSError as error:
        await channel.stop()
        raise StartupError(f"the Zalo webhook cannot listen on {settings.listen_host}:{settings.listen_port}: "
                           f"{describe_os_error(error)}") from None
    stack.push_async_callback(channel.stop)


async def _queue_reminders_daily(services: Services) -> None:
    """At start (after 30 s) and every day at DAILY_AT in the commune's time zone, as the Telegram job queue does."""
    from datetime import datetime, timedelta

    from bot.services.reminders import DAILY_AT

    await asyncio.sleep(30)
    while True:
        try:
            queued = await services.reminders.queue_due_notices()
            log.info("queued %d reminders and escalations", queued)
        except Exception as error:  # noqa: BLE001 - tomorrow is another try
            log.error("reminders could not be queued: %s", type(error).__name__)
        now = datetime.now(services.reminders.timezone)
        next_run = datetime.combine(now.date(), DAILY_AT, tzinfo=services.reminders.timezone)
        if next_run <= now:
            next_run += timedelta(days=1)
        await asyncio.sleep((next_run - now).total_seconds())


def _stop_on_signals() -> asyncio.Event:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    return stop
