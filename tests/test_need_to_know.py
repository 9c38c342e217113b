"""Need to know (DOMAIN.md): an official reads a concern by its code only when their role needs it,
and trying codes one after another is slowed down, also across a restart."""

from __future__ import annotations

import re

CODE = re.compile(r"Mã theo dõi: (\d{3}-\d{3})")
OFFICE, CHAIR, MTTQ, ADMIN, HEAD_2, HEAD_3, KHOA, THU = 5001, 5002, 5003, 5004, 5005, 5006, 5007, 5008
LAN, MINH = 5101, 5102
LAN_TEXT, MINH_TEXT = "Cống thôn 2 bị tắc", "Đèn đường thôn 3 hỏng"


def not_yours(code: str) -> str:
    return (f"Không có kiến nghị mã {code} trong số kiến nghị ông/bà được xem: trưởng thôn xem kiến nghị của thôn mình, "
            "công chức xem kiến nghị được giao cho mình. Xin kiểm tra lại mã.")


async def person_id(bot, user_id: int) -> int:
    return (await bot.rows("SELECT id FROM people WHERE external_id = ?", str(user_id)))[0][0]


async def commune(bot) -> tuple[str, str]:
    for user_id, name, role, extra in (
        (OFFICE, "Chị Hoa", "office", {}), (CHAIR, "Ông Thành", "chair", {}), (MTTQ, "Bà Mai", "mttq", {}),
        (ADMIN, "Anh Quân", "admin", {}), (HEAD_2, "Ông Tám", "hamlet_head", {"hamlet": "thon-2"}),
        (HEAD_3, "Ông Năm", "hamlet_head", {"hamlet": "thon-3"}),
        (KHOA, "Anh Khoa", "officer", {"body": "Địa chính - Xây dựng"}),
        (THU, "Chị Thu", "officer", {"body": "Văn hóa - Xã hội"}),
    ):
        await bot.grant(user_id, name, role, **extra)
    await bot.register(LAN, "Bà Lan", hamlet="thon-2")
    await bot.register(MINH, "Ông Minh", hamlet="thon-3")
    lan_code = CODE.search((await bot.submit_concern(LAN, LAN_TEXT))[0]).group(1)
    minh_code = CODE.search((await bot.submit_concern(MINH, MINH_TEXT))[0]).group(1)
    return lan_code, minh_code


async def assign_to(bot, code: str, officer_user_id: int) -> None:
    """The concern goes to an officer; an earlier assignment ends (a reassignment)."""
    officer, office = await person_id(bot, officer_user_id), await person_id(bot, OFFICE)
    async with bot.database.transaction() as db:
        concern_id = (await (await db.execute("SELECT id FROM concerns WHERE code = ?", (code,))).fetchone())[0]
        await db.execute("UPDATE assignments SET ended_at = '2026-11-30T01:00:00+00:00' WHERE concern_id = ? AND ended_at IS NULL",
                         (concern_id,))
        await db.execute("INSERT INTO assignments (concern_id, officer_person_id, body, assigned_by, assigned_at)"
                         " VALUES (?, ?, 'Địa chính - Xây dựng', ?, '2026-11-28T01:00:00+00:00')", (concern_id, officer, office))
        await db.execute("UPDATE concerns SET status = 'assigned' WHERE id = ?", (concern_id,))


async def reads(bot, user_id: int, code: str, text: str) -> bool:
    replies = await bot.say(user_id, f"/concern {code}")
    return bool(replies) and replies[0].startswith(f"Kiến nghị {code}") and text in replies[0]


async def test_office_chair_mttq_and_admin_read_every_concern_of_the_commune(bot):
    lan_code, minh_code = await commune(bot)
    for user_id in (OFFICE, CHAIR, MTTQ, ADMIN):
        assert await reads(bot, user_id, lan_code, LAN_TEXT), user_id
        assert await reads(bot, user_id, minh_code, MINH_TEXT), user_id


async def test_a_hamlet_head_reads_only_the_concerns_of_their_own_hamlet(bot):
    lan_code, minh_code = await commune(bot)
    assert await reads(bot, HEAD_2, lan_code, LAN_TEXT)
    assert await bot.say(HEAD_2, f"/concern {minh_code}") == [not_yours(minh_code)]
    assert await reads(bot, HEAD_3, minh_code, MINH_TEXT)
    assert await bot.say(HEAD_3, f"/concern {lan_code}") == [not_yours(lan_code)]
    # A code that does not exist answers the same: the refusal does not tell which codes are in use.
    assert await bot.say(HEAD_3, "/concern 999-999") == [not_yours("999-999")]


async def test_an_officer_reads_only_concerns_assigned_to_them_now_or_before(bot):
    lan_code, minh_code = await commune(bot)
    assert await bot.say(KHOA, f"/concern {lan_code}") == [not_yours(lan_code)]
    await assign_to(bot, lan_code, KHOA)
    assert await reads(bot, KHOA, lan_code, LAN_TEXT)
    assert await bot.say(KHOA, f"/concern {minh_code}") == [not_yours(minh_code)]
    assert await bot.say(THU, f"/concern {lan_code}") == [not_yours(lan_code)]
    # Reassigned: the new officer reads it, and so does the one who worked on it before.
    await assign_to(bot, lan_code, THU)
    assert await reads(bot, THU, lan_code, LAN_TEXT)
    assert await reads(bot, KHOA, lan_code, LAN_TEXT)
    assert await bot.say(THU, f"/concern {minh_code}") == [not_yours(minh_code)]


async def test_repeated_failed_lookups_are_paused_and_a_restart_does_not_reset_the_count(bot):
    lan_code, minh_code = await commune(bot)
    tried = ["111-111", "222-222", minh_code, "333-333", "444-444"]
    for code in tried:
        assert await bot.say(HEAD_2, f"/concern {code}") == [not_yours(code)]
    # The sixth lookup is refused, even of a concern the head may read.
    [paused] = await bot.say(HEAD_2, f"/concern {lan_code}")
    assert paused.startswith("Đã có quá nhiều mã không tìm thấy trong thời gian ngắn.")
    assert re.search(r"tạm dừng đến \d{2}:\d{2}\.", paused) and LAN_TEXT not in paused
    await bot.restart()
    [still_paused] = await bot.say(HEAD_2, f"/concern {lan_code}")
    assert still_paused == paused
    # Others are not slowed down by one official's failures.
    assert await reads(bot, HEAD_3, minh_code, MINH_TEXT)
    # Once the failures are older than the window, lookups work again.
    async with bot.database.transaction() as db:
        await db.execute("UPDATE code_lookup_failures SET at = '2026-01-01T00:00:00+00:00'")
    assert await reads(bot, HEAD_2, lan_code, LAN_TEXT)


async def test_lookups_that_succeed_or_cannot_be_codes_are_not_counted(bot):
    lan_code, _ = await commune(bot)
    for _ in range(6):
        assert await reads(bot, HEAD_2, lan_code, LAN_TEXT)
    for _ in range(6):
        [reply] = await bot.say(HEAD_2, "/concern abc")
        assert reply.startswith("“abc”")
    assert await bot.rows("SELECT COUNT(*) FROM code_lookup_failures") == [(0,)]
    assert await reads(bot, HEAD_2, lan_code, LAN_TEXT)
