"""The bot as a real process (python -m bot, Zalo alone) against the fake Zalo Bot API, killed with SIGKILL
twice: while it handles a resident's photo that Zalo already handed over (getUpdates gives each message
once), and after it handled the resident's "Send" but before the tracking code reached them. At each next
start the message counts exactly once: the photo is in the draft, the concern is sent once and its
tracking code is told once (issue 9)."""

from __future__ import annotations

import asyncio
import os
import signal
from pathlib import Path

from bot.communes import load_communes
from bot.config import DEFAULT_COMMUNES_FILE
from bot.sandbox.fake_zalo_api import FakeZaloApi
from bot.services import Services
from storage.database import Database
from tests.processes import query, start_bot, until

LAN = "zl-lan-0001"
CAPTION = "Cầu tràn thôn 2 bị sạt"


def _said(fake: FakeZaloApi, words: str, since: int = 0) -> bool:
    return any(words in text for text in fake.texts_to(LAN)[since:])


async def _registered(path: Path) -> None:
    database = await Database.open(path)
    services = await Services.create(database, load_communes(DEFAULT_COMMUNES_FILE))
    await services.residents.register("zalo", LAN, locale="vi", commune_id="bao-lam", hamlet_id="thon-2",
                                      display_name="Nguyễn Thị Lan")
    await database.close()


async def test_a_zalo_message_in_flight_at_a_sigkill_counts_once_after_the_restart(tmp_path):
    fake = FakeZaloApi()
    await fake.start()
    path = tmp_path / "doithoai.sqlite3"
    await _registered(path)
    env = {key: value for key, value in os.environ.items() if not key.startswith(("TELEGRAM_", "ZALO_"))}
    env.update({"ZALO_BOT_TOKEN": fake.token, "ZALO_BASE_URL": fake.base_url, "DATABASE_PATH": str(path),
                "LISTEN_PORT": "0", "ADMIN_TELEGRAM_IDS": ""})
    process = await start_bot(env)
    try:
        fake.say(LAN, "/new")
        await until(lambda: _said(fake, "1. Quản lý đất đai"), "the list of topics")
        fake.say(LAN, "1")
        await until(lambda: _said(fake, "Xin viết kiến nghị"), "the question for the concern's text")

        # A photo: the bot is downloading it (the fake holds it) when it is killed. Zalo gave it once.
        fake.photos_held = held = asyncio.Event()
        fake.send_photo(LAN, CAPTION)
        await until(lambda: fake.photo_downloads == 1, "the photo to be asked for")
        process.send_signal(signal.SIGKILL)
        await process.wait()
        assert query(path, "SELECT count(*) FROM received_updates WHERE channel = 'zalo'") == [(1,)]
        assert fake.pending_updates == 0  # Zalo will not send it again
        fake.photos_held = None
        held.set()

        before = len(fake.texts_to(LAN))
        process = await start_bot(env)
        await until(lambda: _said(fake, "1. ✅ Gửi đến xã", before), "the draft's summary, after the restart")
        summary = fake.texts_to(LAN)[before]
        assert f"Nội dung: {CAPTION}" in summary and "Ảnh: 1" in summary

        # "Send": the concern is saved and the message recorded as handled; the tracking code is on its way
        # (Zalo does not answer) when the bot is killed.
        fake.fail_next("sendMessage", "timeout")
        fake.say(LAN, "1")
        await until(lambda: not fake.failures_left("sendMessage"), "the reply to be on its way")
        process.send_signal(signal.SIGKILL)
        await process.wait()
        assert query(path, "SELECT body FROM concerns") == [(CAPTION,)]
        assert not _said(fake, "Mã theo dõi")

        before = len(fake.texts_to(LAN))
        process = await start_bot(env)
        await until(lambda: _said(fake, "Mã theo dõi", before), "the tracking code, after the restart")
        fake.say(LAN, "/mine")
        await until(lambda: _said(fake, "Kiến nghị của ông/bà (mới nhất trước)", before), "the list of concerns")
        told = fake.texts_to(LAN)[before:]
        assert sum("Mã theo dõi" in text for text in told) == 1
        assert not any("chưa hiểu" in text for text in told)  # the "1" was not handled again
        assert query(path, "SELECT count(*) FROM concerns") == [(1,)]

        process.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(process.wait(), 30) == 0
        process = None
        assert query(path, "SELECT count(*) FROM received_updates") == [(0,)]
    finally:
        if process is not None and process.returncode is None:
            process.kill()
            await process.wait()
        await fake.stop()
