"""Notices to other people: sent by one background sender, none lost after a crash, one failing
recipient never holds up the others, and what cannot be delivered reaches the hamlet head and the office."""

from __future__ import annotations

from dataclasses import replace

import asyncio
import re

from bot import app
from storage import outbox
from tests.harness import BotUnderTest, RunningClock

LAN, TU, HEAD, HOA = 1001, 1002, 2001, 2003


async def person(bot, user_id: int) -> int:
    return (await bot.rows("SELECT id FROM people WHERE external_id = ?", str(user_id)))[0][0]


async def queue(bot, user_id: int, count: int, first: int = 0) -> None:
    """Notices that say their number (the office is told which concerns to reassign: #n)."""
    target = await person(bot, user_id)
    async with bot.database.transaction() as db:
        for number in range(first, first + count):
            await outbox.enqueue(db, target, "tasks_orphaned", name=f"#{number}", body="X", codes=["123-456"])


def numbers(bot, user_id: int) -> list[str]:
    return [re.search(r"#\d+", text).group() for text in bot.fake.bot_texts(user_id) if "(X)" in text]


async def test_a_notice_queued_by_an_update_is_sent_by_the_background_sender_not_inside_the_update(fake_api, tmp_path):
    bot = BotUnderTest(fake_api, tmp_path / "db.sqlite3", sending=dict(chat_rate_per_second=1))
    await bot.start()
    try:
        await bot.register(LAN, "Bà Lan")
        await bot.register(TU, "Ông Tư")
        await queue(bot, LAN, 20)
        # Another user's update is answered at once; it does not drain the backlog (1 a second to Bà Lan).
        assert await bot.say(TU, "/help")
        await bot.deliver()
        assert numbers(bot, LAN) == ["#0"]
        assert await bot.rows("SELECT COUNT(*) FROM outbox WHERE sent_at IS NULL") == [(19,)]
        await bot.later(1.1)
        assert numbers(bot, LAN) == ["#0", "#1"]
    finally:
        await bot.stop()


async def test_one_message_a_second_to_one_chat_while_other_chats_go_on(fake_api, tmp_path):
    bot = BotUnderTest(fake_api, tmp_path / "db.sqlite3", sending=dict(chat_rate_per_second=1))
    await bot.start()
    try:
        await bot.register(LAN, "Bà Lan")
        await bot.register(TU, "Ông Tư")
        await queue(bot, LAN, 3)
        await queue(bot, TU, 1, first=10)
        await bot.deliver()
        assert (numbers(bot, LAN), numbers(bot, TU)) == (["#0"], ["#10"])
        await bot.later(0.5)
        assert numbers(bot, LAN) == ["#0"]
        await bot.later(0.6)
        assert numbers(bot, LAN) == ["#0", "#1"]
        await bot.later(1.1)
        assert numbers(bot, LAN) == ["#0", "#1", "#2"]
    finally:
        await bot.stop()


def answers_after(bot, seconds: float) -> None:
    """Slow the sender's channel down: each answer comes `seconds` (of the sender's clock) after the request."""
    sender = bot.application.bot_data["sender"]
    deliver = sender._channel.deliver  # noqa: SLF001 - the channel's delivery, slowed down

    async def slow(notice):
        result = await deliver(notice)
        bot.clock.now += seconds
        return result

    sender._channel = replace(sender._channel, deliver=slow)  # noqa: SLF001


async def test_the_next_message_to_a_chat_waits_a_second_from_the_answer_not_from_the_start(fake_api, tmp_path):
    """Telegram counts arrivals: a slow answer must not bring the next message to that chat closer than a second."""
    bot = BotUnderTest(fake_api, tmp_path / "db.sqlite3", sending=dict(chat_rate_per_second=1))
    await bot.start()
    try:
        await bot.register(LAN, "Bà Lan")
        answers_after(bot, 0.8)  # Telegram answers 0.8 s after a request leaves
        await queue(bot, LAN, 2)
        await bot.deliver()
        assert numbers(bot, LAN) == ["#0"]  # answered at 0.8 s
        await bot.later(0.4)  # 1.2 s after the first left, only 0.4 s after its answer: not yet
        assert numbers(bot, LAN) == ["#0"]
        await bot.later(0.7)
        assert numbers(bot, LAN) == ["#0", "#1"]
    finally:
        await bot.stop()


async def test_the_overall_pace_counts_a_second_from_the_answer_of_the_request_before(fake_api, tmp_path):
    """At 2 a second overall, the third request starts a second after the first one's answer, not its start."""
    bot = BotUnderTest(fake_api, tmp_path / "db.sqlite3", sending=dict(rate_limit_per_second=2))
    await bot.start()
    try:
        with RunningClock(bot.clock):  # the replies share the 2 a second (and wait for this clock)
            for user_id, name in ((LAN, "Bà Lan"), (TU, "Ông Tư"), (HOA, "Chị Hoa")):
                await bot.register(user_id, name)
        bot.clock.now += 2  # the replies' seconds are over
        answers_after(bot, 0.8)  # Telegram answers 0.8 s after a request leaves
        await queue(bot, LAN, 1)
        await queue(bot, TU, 1, first=10)
        await queue(bot, HOA, 1, first=20)
        await bot.deliver()
        # The first answered at 0.8 s, the second at 1.6 s: the third may start only at 0.8 + 1 s.
        assert (numbers(bot, LAN), numbers(bot, TU), numbers(bot, HOA)) == (["#0"], ["#10"], [])
        await bot.later(0.3)
        assert numbers(bot, HOA) == ["#20"]
    finally:
        await bot.stop()


async def test_a_failing_chat_is_retried_with_growing_waits_and_never_delays_the_others(bot):
    await bot.register(LAN, "Bà Lan")
    await bot.register(TU, "Ông Tư")
    bot.fake.fail_chat(LAN, 500, count=3)
    await queue(bot, LAN, 1)
    await queue(bot, TU, 2, first=10)
    await bot.deliver()
    assert numbers(bot, TU) == ["#10", "#11"] and numbers(bot, LAN) == []
    assert await bot.rows("SELECT attempts, sent_at IS NULL FROM outbox WHERE person_id = ?", await person(bot, LAN)) == [(1, 1)]
    tries = lambda: len([c for c in bot.fake.calls_of("sendMessage", LAN) if not c.ok])  # noqa: E731
    await bot.later(1.5)
    assert tries() == 1  # the first wait is 2 s
    await bot.later(0.6)
    assert tries() == 2
    await bot.later(3.5)
    assert tries() == 2  # then 4 s
    await bot.later(0.6)
    assert tries() == 3
    await bot.later(8.5)
    assert numbers(bot, LAN) == ["#0"]
    assert await bot.rows("SELECT attempts, sent_at IS NOT NULL, given_up_at FROM outbox WHERE person_id = ?",
                          await person(bot, LAN)) == [(3, 1, None)]


async def test_a_429_pauses_only_that_chat_for_as_long_as_telegram_asks(bot):
    await bot.register(LAN, "Bà Lan")
    await bot.register(TU, "Ông Tư")
    bot.fake.fail_chat(LAN, 429, retry_after=5)
    await queue(bot, LAN, 2)
    await queue(bot, TU, 2, first=10)
    await bot.deliver()
    assert numbers(bot, TU) == ["#10", "#11"] and numbers(bot, LAN) == []
    await bot.later(4)
    assert numbers(bot, LAN) == []
    await bot.later(1.2)
    assert numbers(bot, LAN) == ["#0", "#1"]
    # Telegram asking to wait is not the recipient's failure: no attempt counted.
    assert await bot.rows("SELECT DISTINCT attempts FROM outbox WHERE person_id = ?", await person(bot, LAN)) == [(0,)]


async def test_a_notice_that_keeps_failing_is_given_up_passed_to_the_hamlet_head_and_listed_for_the_office(bot):
    await bot.register(LAN, "Bà Lan", hamlet="thon-2")
    await bot.grant(HEAD, "Anh Dũng", "hamlet_head", hamlet="thon-2")
    await bot.grant(HOA, "Chị Hoa", "office")
    bot.fake.fail_chat(LAN, 500, count=100)
    await queue(bot, LAN, 1)
    for _ in range(8):
        await bot.later(700)
    assert await bot.rows("SELECT attempts, given_up_at IS NOT NULL, sent_at FROM outbox WHERE person_id = ?",
                          await person(bot, LAN)) == [(8, 1, None)]
    passed = [text for text in bot.fake.bot_texts(HEAD) if "Bà Lan" in text]
    assert len(passed) == 1 and "#0" in passed[0] and "(thôn 2)" in passed[0]
    listing = "\n".join(await bot.say(HOA, "/undelivered"))
    assert "Bà Lan" in listing and "#0" in listing and "Anh Dũng" in listing and "Internal Server Error" in listing


async def test_a_resident_who_blocked_the_bot_is_given_up_at_once_and_the_hamlet_head_told(bot):
    await bot.register(LAN, "Bà Lan", hamlet="thon-2")
    await bot.register(TU, "Ông Tư", hamlet="thon-2")
    await bot.grant(HEAD, "Anh Dũng", "hamlet_head", hamlet="thon-2")
    bot.fake.block_bot(LAN)
    await queue(bot, LAN, 1)
    await queue(bot, TU, 1, first=10)
    await bot.deliver()
    assert numbers(bot, TU) == ["#10"]
    assert await bot.rows("SELECT attempts, given_up_at IS NOT NULL, failure LIKE '%blocked%' FROM outbox"
                          " WHERE person_id = ?", await person(bot, LAN)) == [(1, 1, 1)]
    assert [text for text in bot.fake.bot_texts(HEAD) if "Bà Lan" in text and "#0" in text]


async def test_a_chat_that_does_not_exist_is_given_up_at_once(bot):
    await bot.register(LAN, "Bà Lan", hamlet="thon-2")
    bot.fake.fail_chat(LAN, 400)  # "chat not found"
    await queue(bot, LAN, 1)
    await bot.deliver()
    assert await bot.rows("SELECT attempts, given_up_at IS NOT NULL FROM outbox") == [(1, 1)]


async def test_undelivered_is_for_the_office_chair_and_mttq_only(bot):
    await bot.register(LAN, "Bà Lan")
    refused = await bot.say(LAN, "/undelivered")
    assert refused and "Bà Lan" not in refused[0]
    await bot.grant(HOA, "Chị Hoa", "office")
    assert await bot.say(HOA, "/undelivered") == ["Mọi thông báo đều đã được gửi tới người nhận."]


async def test_after_a_crash_every_claimed_notice_is_sent_again(bot):
    await bot.register(LAN, "Bà Lan")
    await bot.application.bot_data["sender"].stop()  # the process "dies" right after claiming
    await queue(bot, LAN, 3)
    async with bot.database.transaction() as db:
        assert len(await outbox.claim(db, "telegram", limit=2)) == 2
    await bot.restart()
    await bot.deliver()
    assert sorted(numbers(bot, LAN)) == ["#0", "#1", "#2"]
    assert await bot.rows("SELECT COUNT(*) FROM outbox WHERE sent_at IS NULL") == [(0,)]


async def test_when_telegram_asks_several_chats_to_wait_at_once_every_chat_waits(bot):
    """Three chats told to wait within a second: the whole bot is over Telegram's limit, not one chat."""
    for user_id, name in ((LAN, "Bà Lan"), (TU, "Ông Tư"), (1003, "Anh Minh"), (1004, "Chị Ngọc")):
        await bot.register(user_id, name)
    for user_id in (LAN, TU, 1003):
        bot.fake.fail_chat(user_id, 429, retry_after=5)
        await queue(bot, user_id, 1, first=user_id)
    await bot.deliver()
    await queue(bot, 1004, 1, first=1004)
    await bot.deliver()
    assert numbers(bot, 1004) == []
    await bot.later(5.2)
    assert [numbers(bot, user_id) for user_id in (LAN, TU, 1003, 1004)] == [["#1001"], ["#1002"], ["#1003"], ["#1004"]]


async def held_update(bot) -> tuple[asyncio.Event, asyncio.Task]:
    """An update being handled until the returned event is set (a slow command of someone else)."""
    release = asyncio.Event()
    processor = bot.application.update_processor
    handling = asyncio.create_task(processor.process_update(object(), release.wait()))
    await asyncio.sleep(0)
    return release, handling


async def test_a_broadcast_starts_no_request_while_a_users_update_is_being_handled(bot, monkeypatch):
    monkeypatch.setattr(app, "GIVE_WAY_AT_MOST", 60.0)
    await bot.register(LAN, "Bà Lan")
    release, handling = await held_update(bot)
    await queue(bot, LAN, 3)
    bot.application.bot_data["sender"].wake()
    for _ in range(20):  # ample turns of the event loop for a sender that does not give way
        await asyncio.sleep(0.005)
    assert numbers(bot, LAN) == []
    release.set()
    await handling
    await bot.deliver()
    assert numbers(bot, LAN) == ["#0", "#1", "#2"]


async def test_a_steady_stream_of_updates_holds_notices_back_only_briefly(bot, monkeypatch):
    monkeypatch.setattr(app, "GIVE_WAY_AT_MOST", 0.01)
    await bot.register(LAN, "Bà Lan")
    release, handling = await held_update(bot)
    try:
        await queue(bot, LAN, 3)
        await bot.deliver()  # while the update is still being handled
        assert numbers(bot, LAN) == ["#0", "#1", "#2"]
    finally:
        release.set()
        await handling
