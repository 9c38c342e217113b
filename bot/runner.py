"""Running the bot: against Telegram when a token is set, otherwise inside the local sandbox."""

from __future__ import annotations

import asyncio
import inspect
import logging
import signal
from collections.abc import Awaitable, Callable
from contextlib import AsyncExitStack
from typing import Any

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
    Persona(2002, "Anh Khoa", role=OFFICER, body="Địa chính - Xây dựng", label="Địa chính - Xây dựng"),
    Persona(2003, "Chị Hoa", role=OFFICE, label="Văn phòng"),
    Persona(2004, "Ông Thành", role=CHAIR, label="Chủ tịch"),
    Persona(2005, "Bà Mai", role=MTTQ, label="MTTQ"),
    Persona(2006, "Anh Quân", role=ADMIN, label="Quản trị"),
)


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


def configure_logging(secrets: list[str]) -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # httpx logs every request URL at INFO, and a Bot API URL contains the token.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    for handler in logging.getLogger().handlers:
        handler.addFilter(SecretFilter(secrets))


async def serve(settings: Settings, *, stop: asyncio.Event | None = None, sandbox_port: int = 8080,
                sandbox_host: str = "127.0.0.1", announce=print, demo: bool = False,
                on_ready: Callable[[Any, Any], Awaitable[None] | None] | None = None) -> None:
    """Run until `stop` is set (or SIGINT/SIGTERM).

    In the sandbox, `demo` first loads the demo commune (into an empty database only: DemoRefused
    otherwise), and `on_ready(fake_bot_api, application)` is called once the bot is polling (tests
    drive the sandbox through it); outside the sandbox it receives None for the fake server."""
    stop = stop or _stop_on_signals()
    fake = None
    async with AsyncExitStack() as stack:
        database = await Database.open(settings.database_path)
        stack.push_async_callback(database.close)
        services = await Services.create(database, settings.communes, settings.admin_ids, calendar=settings.calendar,
                                         rules=settings.rules, dialogues_per_year=settings.dialogues_per_year,
                                         timezone=settings.timezone)
        # Notices claimed but unfinished when the bot last stopped are sent again (none is lost).
        await services.notifications.recover_interrupted()
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
                                        notices_in_flight=settings.notices_in_flight, **limits)
        async with application:
            await application.updater.start_polling(drop_pending_updates=False)
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
            await application.updater.stop()
            await application.stop()


def _stop_on_signals() -> asyncio.Event:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    return stop
