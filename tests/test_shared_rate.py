"""Telegram's overall limit (TELEGRAM_RATE_LIMIT) is one budget for the whole bot: the replies to users'
updates and the outbox sender's notices together stay within it, replies first."""

from __future__ import annotations

import asyncio
import bisect

from storage import outbox
from tests.harness import BotUnderTest, RunningClock

RATE = 5
RESIDENTS = [1001, 1002, 1003, 1004]
ASKING = [1101, 1102, 1103, 1104, 1105, 1106]


def most_in_one_second(times: list[float]) -> int:
    """The most messages that arrived within any second, (t - 1, t]."""
    times = sorted(times)
    return max((i + 1 - bisect.bisect_right(times, t - 1.0) for i, t in enumerate(times)), default=0)


async def queue(bot: BotUnderTest, user_id: int, count: int, first: int) -> None:
    target = (await bot.rows("SELECT id FROM people WHERE external_id = ?", str(user_id)))[0][0]
    async with bot.database.transaction() as db:
        for number in range(first, first + count):
            await outbox.enqueue(db, target, "tasks_orphaned", name=f"#{number}", body="X", codes=["123-456"])


async def until(condition, bot: BotUnderTest) -> None:
    async def wait() -> None:
        while not await condition():
            await asyncio.sleep(0.01)
    await asyncio.wait_for(wait(), 30)


async def test_replies_and_notices_together_stay_within_the_overall_rate(fake_api, tmp_path):
    bot = BotUnderTest(fake_api, tmp_path / "db.sqlite3", sending=dict(rate_limit_per_second=RATE))
    fake_api.clock = bot.clock  # the fake server stamps each call with the clock the bot counts with
    # The clock moves on while the test waits (replies waiting for a slot need it to); what is asserted
    # holds whatever its speed.
    with RunningClock(bot.clock) as ticking:
        await bot.start()
        try:
            for user_id in RESIDENTS + ASKING:
                await bot.register(user_id, f"Người {user_id}")
            ticking.step = 0.02  # from here on the clock runs about twice as fast as the wall's
            start = len(fake_api.calls)
            for n, user_id in enumerate(RESIDENTS):
                await queue(bot, user_id, 6, first=10 * n)
            bot.application.bot_data["sender"].wake()

            def notices() -> list:
                return [c for c in fake_api.calls[start:] if "(X)" in (c.params.get("text") or "")]

            async def flowing() -> bool:
                return len(notices()) >= 3

            await until(flowing, bot)
            # Six residents write while the notices go out, each twice.
            updates = [fake_api.send_text(user_id, "/help") for _ in range(2) for user_id in ASKING]
            for update in updates:
                await bot.handled(update, timeout=30)

            async def drained() -> bool:
                return not (await bot.rows("SELECT COUNT(*) FROM outbox WHERE sent_at IS NULL"))[0][0]

            await until(drained, bot)
        finally:
            await bot.stop()

    sent = [c for c in fake_api.calls[start:] if c.params.get("chat_id") is not None]
    replies = [c for c in sent if int(c.params["chat_id"]) in ASKING]
    assert len(notices()) == 24 and len(replies) >= len(updates)
    # The replies went out while notices were still going: the two shared the same seconds.
    assert min(c.at for c in replies) < max(c.at for c in notices())
    assert most_in_one_second([c.at for c in sent]) <= RATE


async def test_replies_waiting_for_the_overall_rate_go_in_the_order_they_asked():
    """Pure logic: under a burst, the first reply to wait is the first to go (no reply waits for ever
    behind later ones)."""
    from bot.services.sender import SharedRate

    now = [100.0]
    rate = SharedRate(1, clock=lambda: now[0])
    first = await rate.acquire()  # the one slot of this second
    order: list[int] = []

    async def reply(number: int) -> None:
        rate.answered(await rate.acquire())
        order.append(number)

    waiting = []
    for number in range(6):
        waiting.append(asyncio.create_task(reply(number)))
        await asyncio.sleep(0.003 * (number % 3))  # they ask at uneven moments, while none has room
    rate.answered(first)
    for _ in range(6):
        now[0] += 1.1  # a second later, one more slot is free
        await asyncio.sleep(0.12)
    await asyncio.wait_for(asyncio.gather(*waiting), 5)
    assert order == [0, 1, 2, 3, 4, 5]
