"""The bot as a real process (python -m bot) against the fake Bot API, killed with SIGKILL while it
handles a resident's message that Telegram already counts as delivered (polling confirmed it): at the
next start the message counts, and nothing finished before the kill is done twice (issue 6 item 7)."""

from __future__ import annotations

import asyncio
import os
import signal

from bot.sandbox.fake_bot_api import FakeBotApi
from tests.harness import BotUnderTest
from tests.processes import query, start_bot, until

TOKEN = "123456:" + "B" * 35
LAN = 1001
TEXT = "Cầu tràn thôn 2 bị sạt"


def _answers(fake: FakeBotApi, since: int = 0) -> list[str]:
    """What the bot said to the resident (messages and edits) from call number `since` on."""
    return [c.params.get("text") or "" for c in fake.calls[since:]
            if c.ok and c.method in ("sendMessage", "editMessageText") and str(c.params.get("chat_id")) == str(LAN)]


def _button_message(fake: FakeBotApi, prefix: str) -> tuple[int, str] | None:
    for message in reversed(fake.chat(LAN)):
        for row in (message.get("reply_markup") or {}).get("inline_keyboard", []):
            for button in row:
                if button.get("callback_data", "").startswith(prefix):
                    return message["message_id"], button["callback_data"]
    return None


async def test_a_message_in_flight_at_a_sigkill_counts_after_the_restart_and_nothing_finished_is_done_twice(tmp_path):
    fake = FakeBotApi(token=TOKEN)
    await fake.start()
    path = tmp_path / "doithoai.sqlite3"
    process = None
    try:
        registering = BotUnderTest(fake, path)
        await registering.start()
        await registering.register(LAN, "Bà Lan")
        await registering.stop()
        env = {**os.environ, "TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_BASE_URL": fake.base_url,
               "DATABASE_PATH": str(path), "ADMIN_TELEGRAM_IDS": ""}
        process = await start_bot(env)

        # Two steps handled to their end: /new and the choice of a topic.
        start = len(fake.calls)
        fake.send_text(LAN, "/new")
        await until(lambda: _button_message(fake, "cc:cat:land"), "the list of topics")
        fake.press(LAN, *_button_message(fake, "cc:cat:land"))
        await until(lambda: len(_answers(fake, start)) >= 2, "the question for the concern's text")
        finished = _answers(fake, start)

        # The resident's text: its answer waits (Telegram says "retry after 60 s"), so it is in flight
        # when Telegram is told it was received, by the next getUpdates.
        fake.fail_next("sendMessage", 429, retry_after=60)
        before = len(fake.calls)
        text = fake.send_text(LAN, TEXT)

        def in_flight_and_confirmed() -> bool:
            calls = fake.calls[before:]
            return (any(c.method == "sendMessage" and c.status == 429 for c in calls)
                    and any(c.method == "getUpdates" and int(c.params.get("offset") or 0) > text["update_id"]
                            for c in calls))

        await until(in_flight_and_confirmed, "the text to be in flight and confirmed to Telegram")
        process.send_signal(signal.SIGKILL)
        await process.wait()
        assert fake.pending_updates == 0  # Telegram will not send it again

        before = len(fake.calls)
        process = await start_bot(env)
        await until(lambda: any(f"Nội dung: {TEXT}" in said for said in _answers(fake, before)),
                     "the draft of the concern, after the restart")
        await until(lambda: any(TEXT in draft for (draft,) in query(path, "SELECT draft FROM dialog_positions")),
                     "the draft to be saved")
        # Nothing finished before the kill was answered again.
        assert not set(_answers(fake, before)) & set(finished)

        fake.press(LAN, *_button_message(fake, "cc:ok:"))
        await until(lambda: query(path, "SELECT body FROM concerns") == [(TEXT,)], "the concern to be sent")
        process.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(process.wait(), 30) == 0
        process = None
        assert query(path, "SELECT COUNT(*) FROM received_updates") == [(0,)]
    finally:
        if process is not None and process.returncode is None:
            process.kill()
            await process.wait()
        await fake.stop()
