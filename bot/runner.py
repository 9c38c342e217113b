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

from telegram.error import InvalidToken, TelegramError

from bot.app import build_application
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

    fake = None
    async with AsyncExitStack() as stack:
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

            personas = SANDBOX_PERSONAS + (DEMO_PERSONAS if demo else ())
            if demo:
                await load_demo(services, SANDBOX_PERSONAS, tz=settings.timezone)
            await ensure_personas(services, SANDBOX_PERSONAS, settings.communes.items[0].id)
            fake = FakeBotApi(host=sandbox_host, port=sandbox_port)
            await fake.start()
            stack.push_async_callback(fake.stop)
            for persona in personas:
                fake.add_user(persona.user_id, persona.page_name, language_code=persona.language)
            token, base_url, base_file_url = fake.token, fake.base_url, fake.base_file_url
            # The sandbox's fake Telegram has no limits: nothing to wait for.
            limits = dict(rate_limit_per_second=0, chat_rate_per_second=0, group_rate_per_minute=0)
        else:
            assert settings.token is not None
            token, base_url, base_file_url = settings.token, settings.base_url, settings.base_file_url
            limits = dict(rate_limit_per_second=settings.rate_limit_per_second,
                          chat_rate_per_second=settings.chat_rate_per_second,
                          group_rate_per_minute=settings.group_rate_per_minute)
        application = build_application(token=token, base_url=base_url, base_file_url=base_file_url,
                                        services=services, i18n=i18n, notice_max_attempts=settings.notice_max_attempts,
                                        notices_in_flight=settings.notices_in_flight, on_token_rejected=on_token_rejected,
                                        **limits)
        try:
            await stack.enter_async_context(application)
            await application.updater.start_polling(drop_pending_updates=False)
        except InvalidToken:
            # PTB's own message quotes the token in full: never show it.
            raise StartupError("Telegram rejected TELEGRAM_BOT_TOKEN: check it with @BotFather "
                               "(it is wrong, or was revoked)") from None
        except TelegramError as error:
            host = urlsplit(base_url).netloc
            reason = str(error).replace(token, "***").splitlines()[0]
            raise StartupError(f"the Telegram Bot API at {host} cannot be used: {reason}") from None
        await application.start()
        if settings.sandbox:
            loaded = f" with the demo commune (database {settings.database_path})" if demo else ""
            announce(f"Sandbox ready{loaded}: open {fake.page_url} in a browser (Ctrl+C to stop).")
        else:
            announce(f"doithoai is running as @{application.bot.username} (Ctrl+C to stop).")
        if on_ready is not None:
            ready = on_ready(fake, application)
            if inspect.isawaitable(ready):
                await ready
        await stop.wait()
        try:
            await application.updater.stop()
        except TelegramError:
            # Polling already ended on a rejected token, and its last "confirm" call fails the same way.
            if not token_rejected.is_set():
                raise
        await application.stop()
    if token_rejected.is_set():
        raise TokenRejected("Telegram no longer accepts TELEGRAM_BOT_TOKEN (revoked?): polling stopped, "
                            "exiting so that the bot is restarted with a valid token")


def _stop_on_signals() -> asyncio.Event:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    return stop
