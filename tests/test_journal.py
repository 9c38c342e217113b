"""The journal of received updates (issue 6 item 7): every update is written before it is handled and
forgotten once its handling ended, however it ended; one cut short by a crash is handled at the next
start, and one that kills the bot every time is given up."""

from __future__ import annotations

import asyncio
import json
import logging

from bot.services.journal import MAX_REPLAYS
from storage.database import utc_now

LAN = 1001
STRANGER = 1099
GROUP = -100500


async def journaled(bot) -> list[int]:
    return [row[0] for row in await bot.rows("SELECT update_id FROM received_updates ORDER BY update_id")]


async def finished(bot, update: dict) -> dict:
    """Wait until the update was handled and its end written (deletions are batched)."""
    await bot.handled(update)
    await asyncio.sleep(0)
    assert await bot.services.journal.flush()
    return update


async def test_every_update_is_journaled_and_forgotten_when_its_handling_ended_however_it_ended(bot):
    await bot.register(LAN, "Bà Lan")
    bot.fake.add_user(STRANGER, "Người lạ")
    bot.fake.add_group(GROUP, "Nhóm thôn 2")
    sends = {
        "wrote": lambda: bot.fake.send_text(LAN, "/new"),
        "only read": lambda: bot.fake.send_text(STRANGER, "/help"),
        "stopped: a group chat": lambda: bot.fake.send_group_text(GROUP, "Xin chào", user_id=STRANGER),
    }
    for end, send in sends.items():
        update = await finished(bot, send())
        assert await journaled(bot) == [], end
    # Stopped as a duplicate: Telegram sends a finished update again.
    bot.application.handled_updates.discard(update["update_id"])
    await finished(bot, bot.fake.push_update(dict(update)))
    assert await journaled(bot) == []
    # Failed, answered by the error handler.
    bot.fake.fail_next("sendMessage", 500)
    failing = bot.fake.send_text(STRANGER, "/help")
    await finished(bot, failing)
    assert await journaled(bot) == []

    # So nothing is handled again at the next start.
    await bot.restart()
    before = len(bot.fake.calls)
    await bot.say(STRANGER, "/help")
    assert [c.params.get("chat_id") for c in bot.fake.calls[before:] if c.method == "sendMessage"] == [STRANGER]


async def test_an_update_that_kills_the_bot_every_time_is_given_up_and_logged_without_its_content(bot, caplog):
    await bot.register(LAN, "Bà Lan")
    text = {"update_id": 990001, "message": {"message_id": 990001, "date": 1764547200, "text": "Bí mật của bà Lan",
                                             "chat": {"id": LAN, "type": "private"},
                                             "from": {"id": LAN, "is_bot": False, "first_name": "Lan"}}}
    async with bot.database.transaction() as db:
        await db.execute("INSERT INTO received_updates (channel, update_id, raw, received_at, replays)"
                         " VALUES ('telegram', ?, ?, ?, ?)", (990001, json.dumps(text), utc_now(), MAX_REPLAYS))
    before = len(bot.fake.calls)
    with caplog.at_level(logging.INFO):
        await bot.restart()
        await bot.say(LAN, "/help")  # the bot goes on
    assert await journaled(bot) == []
    assert [c for c in bot.fake.calls[before:] if c.method == "sendMessage" and "Bí mật" in str(c.params)] == []
    given_up = [r.getMessage() for r in caplog.records if "given up" in r.getMessage()]
    assert given_up == [f"update 990001 was given up: the bot stopped while handling it {MAX_REPLAYS + 1} times"]
    assert "Bí mật" not in caplog.text


async def test_a_replayed_update_counts_its_replays_and_one_the_ledger_knows_is_only_forgotten(bot):
    await bot.register(LAN, "Bà Lan")
    handled = bot.fake.send_text(LAN, "/new")
    await bot.handled(handled)
    # Its deletion from the journal was lost (the bot died just after it ended): it is in the ledger.
    async with bot.database.transaction() as db:
        await db.execute("INSERT INTO received_updates (channel, update_id, raw, received_at) VALUES ('telegram', ?, ?, ?)"
                         " ON CONFLICT DO NOTHING", (handled["update_id"], json.dumps(handled), utc_now()))
    assert await bot.services.journal.to_replay("telegram") == []
    assert await journaled(bot) == []

    unfinished = {**handled, "update_id": handled["update_id"] + 1000}
    async with bot.database.transaction() as db:
        await db.execute("INSERT INTO received_updates (channel, update_id, raw, received_at) VALUES ('telegram', ?, ?, ?)",
                         (unfinished["update_id"], json.dumps(unfinished), utc_now()))
    assert await bot.services.journal.to_replay("telegram") == [unfinished]
    assert await bot.rows("SELECT replays FROM received_updates") == [(1,)]


async def test_an_update_sent_again_while_its_replay_is_in_the_journal_is_not_handled_twice(bot):
    journal = bot.services.journal
    update = {"update_id": 4242, "message": {"message_id": 1, "date": 1764547200, "text": "/help",
                                             "chat": {"id": STRANGER, "type": "private"}}}
    assert await journal.received("telegram", [update]) == [update]
    # Telegram sends it again (not confirmed before a crash) while the first copy is being handled.
    assert await journal.received("telegram", [dict(update)]) == [{"update_id": 4242}]
    journal.done("telegram", 4242)  # one copy ended: the other still runs
    assert await journal.flush()
    assert await journaled(bot) == [4242]
    journal.done("telegram", 4242)
    assert await journal.flush()
    assert await journaled(bot) == []


async def test_a_webhook_journals_what_it_receives_with_journal_received(bot):
    from telegram import Update

    from bot.app import journal_received

    bot.fake.add_user(STRANGER, "Người lạ")
    raw = {"update_id": 5151, "message": {"message_id": 7, "date": 1764547200, "text": "/help",
                                          "entities": [{"type": "bot_command", "offset": 0, "length": 5}],
                                          "chat": {"id": STRANGER, "type": "private"},
                                          "from": {"id": STRANGER, "is_bot": False, "first_name": "Lạ"}}}
    # What a webhook does with a POST from Telegram, before answering it.
    for update in await journal_received(bot.application, [raw]):
        assert await journaled(bot) == [5151]
        await bot.application.update_queue.put(Update.de_json(update, bot.application.bot))
    await finished(bot, raw)
    assert await journaled(bot) == []
    assert "Để bắt đầu, xin bấm /start." in bot.fake.bot_texts(STRANGER)[-1]
