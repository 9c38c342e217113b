"""Notices to other people: each goes out once, none is lost when Telegram pauses, none twice after a crash."""

from __future__ import annotations

from storage import outbox

LAN = 1001


async def queue(bot, count: int) -> None:
    person = (await bot.rows("SELECT id FROM people WHERE external_id = ?", str(LAN)))[0][0]
    async with bot.database.transaction() as db:
        for number in range(count):
            await outbox.enqueue(db, person, "role_revoked", role="office", body=None, hamlet=None, n=number)


async def sent_count(bot) -> int:
    return (await bot.rows("SELECT COUNT(*) FROM outbox WHERE sent_at IS NOT NULL"))[0][0]


async def test_a_pause_from_telegram_puts_the_rest_of_the_batch_back_and_all_arrive(bot):
    await bot.register(LAN, "Bà Lan")
    await queue(bot, 5)
    bot.fake.fail_next("sendMessage", 502, count=1)
    await bot.deliver()
    # The first failed with a server error: it and the four behind it wait for the next round.
    assert await sent_count(bot) == 0
    await bot.deliver()
    assert await sent_count(bot) == 5
    texts = [t for t in bot.fake.bot_texts(LAN) if t.startswith("Vai trò")]
    assert len(texts) == 5


async def test_after_a_crash_a_claimed_notice_is_never_sent_again(bot):
    await bot.register(LAN, "Bà Lan")
    await queue(bot, 2)
    async with bot.database.transaction() as db:
        claimed = await outbox.claim(db, "telegram", limit=1)  # claimed, then the process "dies"
    assert len(claimed) == 1
    await bot.restart()
    await bot.deliver()
    rows = await bot.rows("SELECT sent_at IS NOT NULL, failure FROM outbox ORDER BY id")
    assert rows == [(0, "interrupted by a restart: may have been delivered"), (1, None)]
    assert len([t for t in bot.fake.bot_texts(LAN) if t.startswith("Vai trò")]) == 1


async def test_a_blocked_resident_does_not_hold_up_the_others(bot):
    await bot.register(LAN, "Bà Lan")
    await bot.register(1002, "Ông Tư")
    await queue(bot, 1)
    tu = (await bot.rows("SELECT id FROM people WHERE external_id = '1002'"))[0][0]
    async with bot.database.transaction() as db:
        await outbox.enqueue(db, tu, "role_revoked", role="office", body=None, hamlet=None)
    bot.fake.fail_next("sendMessage", 403)
    await bot.deliver()
    assert await bot.rows("SELECT failure IS NOT NULL, sent_at IS NOT NULL FROM outbox ORDER BY id") == [(1, 0), (0, 1)]
