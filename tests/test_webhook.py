"""Webhook mode: Telegram posts updates to the bot's one web server, which checks the secret token on
every request; polling and webhook can be switched between runs; /healthz answers on the same server."""

from __future__ import annotations

import asyncio
import json
import socket
import sqlite3
from contextlib import asynccontextmanager
from pathlib import Path

import httpx

from bot.backup import bot_is_running
from bot.config import load_settings
from bot.runner import serve
from bot.sandbox.fake_bot_api import FakeBotApi

TOKEN = "123456789:AAHfakeTokenForTestsOnly_abcdefghijk"
LAN, MINH = 1001, 1002


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@asynccontextmanager
async def running_bot(fake: FakeBotApi, database: Path, *, port: int, webhook: bool, secret: str | None = None):
    env = {"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_BASE_URL": fake.base_url, "DATABASE_PATH": str(database),
           "LISTEN_PORT": str(port)}
    if webhook:
        env["TELEGRAM_WEBHOOK_URL"] = f"http://127.0.0.1:{port}/telegram"
    if secret:
        env["TELEGRAM_WEBHOOK_SECRET"] = secret
    settings = load_settings(env)
    stop, ready, announced = asyncio.Event(), asyncio.Event(), []
    task = asyncio.create_task(serve(settings, stop=stop, announce=announced.append,
                                     on_ready=lambda _fake, _app: ready.set()))
    waiting = asyncio.create_task(ready.wait())
    await asyncio.wait({task, waiting}, return_when=asyncio.FIRST_COMPLETED, timeout=30)
    if task.done():
        task.result()
    assert ready.is_set(), "the bot did not start"
    try:
        yield announced
    finally:
        stop.set()
        await asyncio.wait_for(task, 30)


def people_count(database: Path) -> int:
    with sqlite3.connect(database) as connection:
        return connection.execute("SELECT COUNT(*) FROM people").fetchone()[0]


async def test_updates_come_by_webhook_with_a_generated_secret_that_is_never_printed(tmp_path, caplog):
    port = free_port()
    async with FakeBotApi(token=TOKEN) as fake:
        fake.add_user(LAN, "Lan")
        async with running_bot(fake, tmp_path / "db.sqlite3", port=port, webhook=True) as announced:
            set_webhook = fake.calls_of("setWebhook")[-1].params
            secret = set_webhook["secret_token"]
            assert set_webhook["url"] == f"http://127.0.0.1:{port}/telegram" and len(secret) >= 32
            before = len(fake.calls_of("getUpdates"))
            fake.send_text(LAN, "/start")
            await fake.wait_until(lambda: fake.bot_texts(LAN), timeout=20)
            assert fake.webhook_posts and all(status == 200 for _, status in fake.webhook_posts)
            assert len(fake.calls_of("getUpdates")) == before == 0  # nothing polled
            async with httpx.AsyncClient() as client:
                health = await client.get(f"http://127.0.0.1:{port}/healthz")
            assert health.status_code == 200 and health.text == "ok\n"
    assert secret not in "\n".join(announced) and secret not in caplog.text


async def test_a_request_without_the_right_secret_is_refused_and_changes_nothing(tmp_path):
    port, database = free_port(), tmp_path / "db.sqlite3"
    async with FakeBotApi(token=TOKEN) as fake:
        fake.add_user(MINH, "Minh")
        async with running_bot(fake, database, port=port, webhook=True, secret="our-secret_123"):
            assert fake.calls_of("setWebhook")[-1].params["secret_token"] == "our-secret_123"
            known = people_count(database)
            update = {"update_id": 7, "message": {
                "message_id": 1, "date": 1764547200, "chat": {"id": MINH, "type": "private", "first_name": "Minh"},
                "from": {"id": MINH, "is_bot": False, "first_name": "Minh"}, "text": "/start",
                "entities": [{"type": "bot_command", "offset": 0, "length": 6}]}}
            url = f"http://127.0.0.1:{port}/telegram"
            async with httpx.AsyncClient() as client:
                missing = await client.post(url, json=update)
                wrong = await client.post(url, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": "guess"})
                # An update python-telegram-bot cannot read is skipped (200, so Telegram moves on) ...
                unreadable = await client.post(url, json={"update_id": 8, "message": {"text": "no chat, no date"}},
                                               headers={"X-Telegram-Bot-Api-Secret-Token": "our-secret_123"})
                not_json = await client.post(url, content=b"{", headers={"X-Telegram-Bot-Api-Secret-Token": "our-secret_123"})
            assert (missing.status_code, wrong.status_code, unreadable.status_code, not_json.status_code) == (403, 403, 200, 400)
            assert fake.bot_texts(MINH) == [] and people_count(database) == known
            # ... and the next one is handled.
            fake.send_text(MINH, "/start")
            await fake.wait_until(lambda: fake.bot_texts(MINH), timeout=20)


async def test_switching_between_polling_and_webhook_keeps_working(tmp_path):
    port, database = free_port(), tmp_path / "db.sqlite3"
    async with FakeBotApi(token=TOKEN) as fake:
        fake.add_user(LAN, "Lan")
        for round, webhook in enumerate((False, True, False), start=1):
            async with running_bot(fake, database, port=port, webhook=webhook):
                assert bot_is_running(database)  # `restore` refuses meanwhile
                seen = len(fake.bot_texts(LAN))
                fake.send_text(LAN, "/help")
                await fake.wait_until(lambda: len(fake.bot_texts(LAN)) > seen, timeout=20)
                info = fake._m_getWebhookInfo({}, {})
                assert bool(info["url"]) is webhook, f"round {round}"
        assert [c.method for c in fake.calls if c.method in ("setWebhook", "deleteWebhook")][-2:] == ["setWebhook", "deleteWebhook"]
    assert not bot_is_running(database)


def test_webhook_settings_are_checked_and_a_missing_secret_is_generated():
    import pytest

    from bot.config import ConfigError

    generated = load_settings({"TELEGRAM_WEBHOOK_URL": "https://bot.example.vn/telegram"})
    again = load_settings({"TELEGRAM_WEBHOOK_URL": "https://bot.example.vn/telegram"})
    assert generated.webhook_secret and generated.webhook_secret != again.webhook_secret
    assert generated.webhook_secret not in repr(generated)
    assert load_settings({}).webhook_url is None and load_settings({}).webhook_secret is None
    with pytest.raises(ConfigError, match="TELEGRAM_WEBHOOK_URL must be the public https URL"):
        load_settings({"TELEGRAM_WEBHOOK_URL": "http://bot.example.vn/telegram"})
    with pytest.raises(ConfigError) as refused:
        load_settings({"TELEGRAM_WEBHOOK_URL": "https://bot.example.vn/t", "TELEGRAM_WEBHOOK_SECRET": "has spaces!"})
    assert "has spaces" not in str(refused.value)
    with pytest.raises(ConfigError, match="LISTEN_PORT"):
        load_settings({"LISTEN_PORT": "http"})
    with pytest.raises(ConfigError, match="BACKUP_KEEP"):
        load_settings({"BACKUP_KEEP": "0"})
