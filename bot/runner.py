"""Running the bot: against Telegram when a token is set, otherwise inside the local sandbox."""

from __future__ import annotations

import asyncio
import logging
import signal
from contextlib import AsyncExitStack

from bot.app import build_application
from bot.config import Settings
from bot.i18n import I18n
from bot.services import Services
from storage.database import Database

log = logging.getLogger(__name__)

# People a sandbox visitor can talk as from the start (more can be added on the page).
SANDBOX_PERSONAS = (
    (1001, "Bà Lan", "vi"),
    (1002, "Ông Tư", "vi"),
    (1003, "Anh Minh", "vi"),
    (1004, "Jane", "en"),
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
                sandbox_host: str = "127.0.0.1", announce=print) -> None:
    """Run until `stop` is set (or SIGINT/SIGTERM)."""
    stop = stop or _stop_on_signals()
    async with AsyncExitStack() as stack:
        database = await Database.open(settings.database_path)
        stack.push_async_callback(database.close)
        services = await Services.create(database, settings.communes, settings.admin_ids, calendar=settings.calendar,
                                         rules=settings.rules, dialogues_per_year=settings.dialogues_per_year)
        i18n = I18n(settings.timezone)
        if settings.sandbox:
            from bot.sandbox.fake_bot_api import FakeBotApi

            fake = FakeBotApi(host=sandbox_host, port=sandbox_port)
            await fake.start()
            stack.push_async_callback(fake.stop)
            for user_id, name, language in SANDBOX_PERSONAS:
                fake.add_user(user_id, name, language_code=language)
            token, base_url, base_file_url, rate = fake.token, fake.base_url, fake.base_file_url, 0
        else:
            assert settings.token is not None
            token, base_url, base_file_url = settings.token, settings.base_url, settings.base_file_url
            rate = settings.rate_limit_per_second
        application = build_application(token=token, base_url=base_url, base_file_url=base_file_url,
                                        services=services, i18n=i18n, rate_limit_per_second=rate)
        async with application:
            await application.updater.start_polling(drop_pending_updates=False)
            await application.start()
            if settings.sandbox:
                announce(f"Sandbox ready: open {fake.page_url} in a browser (Ctrl+C to stop).")
            else:
                announce(f"doithoai is running as @{application.bot.username} (Ctrl+C to stop).")
            await stop.wait()
            await application.updater.stop()
            await application.stop()


def _stop_on_signals() -> asyncio.Event:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    return stop
