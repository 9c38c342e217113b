"""Users are not held up by each other or by a write lock, updates cut short are handled again,
and per-user data is read from SQLite when a user comes, not all at start."""

from __future__ import annotations

import asyncio
import re
import sqlite3

import pytest

from tests.harness import BotUnderTest

LAN = 1001
STRANGER = 1099
CODE = re.compile(r"Mã theo dõi: (\d{3}-\d{3})")
BUSY = "Xin lỗi, hệ thống của xã đang bận, thao tác vừa rồi chưa được lưu. Xin ông/bà thử lại sau ít phút."


async def count(bot, table: str) -> int:
    return (await bot.rows(f"SELECT COUNT(*) FROM {table}"))[0][0]


async def draft_ready_to_confirm(bot, text: str) -> str:
    await bot.say(LAN, "/new")
    await bot.tap(LAN, "cc:cat:land")
    await bot.say(LAN, text)
    return next(b for b in bot.buttons(LAN) if b.startswith("cc:ok:"))


async def texts_after(bot, user_id: int, before: int, n: int = 1) -> list[str]:
    """Wait until the bot sent `n` texts to the user after call number `before`; return them."""
    def sent() -> list[str]:
        return [c.params.get("text") or "" for c in bot.fake.calls[before:]
                if c.ok and c.method in ("sendMessage", "editMessageText") and str(c.params.get("chat_id")) == str(user_id)]

    await bot.fake.wait_until(lambda: len(sent()) >= n, timeout=20)
    return sent()


@pytest.fixture
async def quick_bot(fake_api, tmp_path):
    """The bot with a short write timeout, so a blocked write gives up within the test."""
    under_test = BotUnderTest(fake_api, tmp_path / "doithoai.sqlite3", write_timeout=0.3)
    await under_test.start()
    yield under_test
    await under_test.stop()


async def test_a_write_lock_held_elsewhere_stops_no_reader_and_a_blocked_write_asks_to_try_again(quick_bot):
    bot = quick_bot
    await bot.register(LAN, "Bà Lan")
    first = CODE.search((await bot.tap(LAN, await draft_ready_to_confirm(bot, "Đường ngập nước")))[0]).group(1)
    confirm = await draft_ready_to_confirm(bot, "Cống thoát nước bị tắc")
    bot.fake.add_user(STRANGER, "Người lạ")
    tables = ("concerns", "concern_attachments", "outbox", "audit_log", "people", "handled_updates", "bot_user_data")
    counts = {table: await count(bot, table) for table in tables}

    # Another process (a backup, a maintenance script) takes SQLite's write lock and keeps it.
    holder = sqlite3.connect(bot.database_path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        before = len(bot.fake.calls)
        bot.fake.send_text(STRANGER, "/help")
        bot.fake.send_text(LAN, "/mine")
        help_text = (await texts_after(bot, STRANGER, before))[0]
        mine = (await texts_after(bot, LAN, before))[0]
        # Both answered while the lock is still held.
        assert holder.in_transaction
        assert "Để bắt đầu, xin bấm /start." in help_text
        assert first in mine

        before = len(bot.fake.calls)
        await bot.tap(LAN, confirm)
        assert await texts_after(bot, LAN, before) == [BUSY]
        assert holder.in_transaction
    finally:
        holder.rollback()
        holder.close()

    # Nothing of the refused confirmation was kept, and the help and list asked for no write.
    assert {table: await count(bot, table) for table in tables} == counts
    # Once the lock is released, the same button works.
    confirmation = await bot.tap(LAN, confirm)
    assert CODE.search(confirmation[0]).group(1) != first
    assert await bot.rows("SELECT body FROM concerns ORDER BY id") == [("Đường ngập nước",), ("Cống thoát nước bị tắc",)]


async def test_a_stranger_asking_for_help_writes_nothing(bot):
    bot.fake.add_user(STRANGER, "Người lạ")
    assert "Để bắt đầu, xin bấm /start." in (await bot.say(STRANGER, "/help"))[0]
    assert await count(bot, "handled_updates") == 0
    assert await count(bot, "bot_user_data") == 0
    assert await count(bot, "people") == 0


class Killed(asyncio.CancelledError):
    """The process dies here: the update's task ends without any handler running on."""


async def test_a_message_cut_short_by_a_crash_is_handled_at_the_next_start(bot):
    await bot.register(LAN, "Bà Lan")
    await bot.say(LAN, "/new")
    await bot.tap(LAN, "cc:cat:land")

    # The bot dies while handling the resident's text, after the runtime kept the draft but before the update
    # is recorded as handled.
    application = bot.application
    saving = application.update_persistence

    async def die() -> None:
        raise Killed()

    application.update_persistence = die
    text = bot.fake.send_text(LAN, "Cầu tràn thôn 2 bị sạt")
    await bot.handled(text)
    application.update_persistence = saving

    # Telegram does not send it again (polling confirmed it): the journal of received updates does.
    before = len(bot.fake.calls)
    await bot.restart()
    await bot.handled(text)
    assert "Nội dung: Cầu tràn thôn 2 bị sạt" in (await texts_after(bot, LAN, before))[0]
    assert "Cầu tràn thôn 2 bị sạt" in (await bot.rows("SELECT draft FROM dialog_positions"))[0][0]

    # Now finished: a further delivery changes and sends nothing, and a restart replays nothing.
    await bot.restart()
    before = len(bot.fake.calls)
    await bot.handled(bot.fake.push_update(dict(text)))
    assert [c.method for c in bot.fake.calls[before:] if c.method != "getUpdates"] == []
    confirmation = await bot.tap(LAN, next(b for b in bot.buttons(LAN) if b.startswith("cc:ok:")))
    assert CODE.search(confirmation[0])
    assert await bot.rows("SELECT body FROM concerns") == [("Cầu tràn thôn 2 bị sạt",)]


async def test_user_data_is_loaded_when_the_user_comes_not_at_start(bot):
    await bot.register(LAN, "Bà Lan")
    await bot.say(LAN, "/new")
    await bot.tap(LAN, "cc:cat:land")
    # Many other users' data is stored.
    async with bot.database.transaction() as db:
        await db.executemany("INSERT INTO bot_user_data (user_id, data) VALUES (?, ?)",
                             [(5_000_000 + n, '{"locale": "vi"}') for n in range(2000)])
    await bot.restart()
    assert dict(bot.application.user_data) == {}
    assert bot.application.persistence.loaded_users == frozenset()

    summary = await bot.say(LAN, "Viết sau khi khởi động lại")  # the draft is read when the resident comes
    assert "Nội dung: Viết sau khi khởi động lại" in summary[0]
    assert bot.application.persistence.loaded_users == {LAN}
    assert "Viết sau khi khởi động lại" in (await bot.rows("SELECT draft FROM dialog_positions"))[0][0]


async def test_a_stranger_is_answered_while_another_users_write_waits_for_the_lock(fake_api, tmp_path):
    """The journal of received updates must not queue behind a user's write that waits for SQLite."""
    bot = BotUnderTest(fake_api, tmp_path / "doithoai.sqlite3", write_timeout=30.0)  # the confirm waits far longer than /help may
    await bot.start()
    try:
        await bot.register(LAN, "Bà Lan")
        confirm = await draft_ready_to_confirm(bot, "Cống thoát nước bị tắc")
        bot.fake.add_user(STRANGER, "Người lạ")
        holder = sqlite3.connect(bot.database_path, isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")
        try:
            before = len(bot.fake.calls)
            blocked = bot.fake.press(LAN, bot.message_with_button(LAN, confirm), confirm)
            while bot.fake.pending_updates:  # the confirm was fetched: its write now waits for the lock
                await asyncio.sleep(0.01)
            help_update = bot.fake.send_text(STRANGER, "/help")
            await bot.handled(help_update)  # within the harness's 10 s, while the confirm may wait 30 s
            # The stranger was answered while the resident's confirm still waited for the lock.
            assert "Để bắt đầu, xin bấm /start." in (await texts_after(bot, STRANGER, before))[0]
            assert blocked["update_id"] not in bot.application.handled_updates
        finally:
            holder.rollback()
            holder.close()
        await bot.handled(blocked)  # the lock released: the waiting confirm goes through
        assert await count(bot, "concerns") == 1
    finally:
        await bot.stop()


async def test_a_transaction_cancelled_while_its_commit_runs_stays_cancelled(tmp_path):
    """The outbox sender's stop() cancels it; when the cancellation lands while COMMIT runs in aiosqlite's
    thread, the COMMIT still happens and the ROLLBACK that follows fails: the cancellation must win, or the
    sender treats it as a stumble, goes on, and stop() waits for ever."""
    import asyncio

    import pytest

    from storage.database import Database

    database = await Database.open(tmp_path / "cancel.sqlite3")
    try:
        async with database.transaction() as db:
            await db.execute("CREATE TABLE t (x INTEGER)")
        connection = database._connection  # noqa: SLF001 - the writer, whose COMMIT is interrupted
        real_execute = connection.execute

        pending = []

        async def commit_then_cancelled(sql, *args):
            if sql == "COMMIT":
                # The COMMIT is queued to the thread, then the cancellation arrives before it has run.
                pending.append(asyncio.ensure_future(real_execute(sql, *args)))
                await asyncio.sleep(0)
                raise asyncio.CancelledError()
            return await real_execute(sql, *args)

        connection.execute = commit_then_cancelled
        try:
            with pytest.raises(asyncio.CancelledError):
                async with database.transaction() as db:
                    await db.execute("INSERT INTO t VALUES (1)")
        finally:
            connection.execute = real_execute
        async with database.read() as db:
            assert [tuple(row) for row in await (await db.execute("SELECT x FROM t")).fetchall()] == [(1,)]
    finally:
        await database.close()
