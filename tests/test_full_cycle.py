"""One dialogue from the first concern to the last closing, with every role, as the plan runs it."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from babel.dates import format_date

from bot.deadlines import earliest_meeting_date

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
LAN, TU = 1001, 1002
OFFICE, CHAIR, MTTQ, OFFICER, HEAD = 3001, 3002, 3003, 3004, 3005
CODE = re.compile(r"Mã theo dõi: (\d{3}-\d{3})")


def vi(day: date) -> str:
    return format_date(day, "EEEE, 'ngày' d 'tháng' M 'năm' y", locale="vi")


def today() -> date:
    return datetime.now(TZ).date()


async def person(bot, user_id: int) -> int:
    return (await bot.rows("SELECT id FROM people WHERE channel = 'telegram' AND external_id = ?", str(user_id)))[0][0]


async def status(bot, code: str) -> str:
    return (await bot.rows("SELECT status FROM concerns WHERE code = ?", code))[0][0]


def newest(bot, user_id: int) -> str:
    return bot.fake.bot_texts(user_id)[-1]


async def test_a_whole_dialogue_cycle_with_every_role(bot):
    for user_id, name, role, extra in (
        (OFFICE, "Chị Hoa", "office", {}), (CHAIR, "Ông Thành", "chair", {}), (MTTQ, "Bà Mai", "mttq", {}),
        (OFFICER, "Anh Khoa", "officer", {"body": "Địa chính - Xây dựng"}), (HEAD, "Anh Dũng", "hamlet_head", {"hamlet": "thon-2"}),
    ):
        await bot.grant(user_id, name, role, **extra)

    # Before the meeting: residents send concerns; Lan asks to speak while no dialogue is scheduled.
    await bot.register(LAN, "Nguyễn Thị Lan", hamlet="thon-2")
    await bot.register(TU, "Trần Văn Tư", hamlet="thon-2")
    lan = CODE.search((await bot.submit_concern(LAN, "Mương thoát nước thôn 2 bị lấp, mưa là ngập."))[0]).group(1)
    tu = CODE.search((await bot.submit_concern(TU, "Đèn đường đầu thôn hỏng đã lâu.", topic="development"))[0]).group(1)
    await bot.say(LAN, "/speak")
    await bot.tap(LAN, "sp:new")
    await bot.tap(LAN, f"sp:pick:{lan}")
    await bot.say(LAN, "Xin xã nạo vét mương trước mùa mưa.")
    assert (await bot.tap(LAN, "sp:ok"))[0].startswith("✅ Nguyện vọng phát biểu")

    # The office screens both onto the agenda; each resident is told.
    assert (await bot.say(OFFICE, "/inbox"))[0].startswith("📥 Kiến nghị mới 1/2")
    await bot.tap(OFFICE, f"cw:acc:{lan}")
    await bot.tap(OFFICE, f"cw:acc:{tu}")
    assert (await status(bot, lan), await status(bot, tu)) == ("accepted", "accepted")
    assert newest(bot, LAN).startswith(f"Kiến nghị {lan}: Đã đưa vào nội dung đối thoại.")

    # The office schedules the dialogue; the plan's deadlines show at once; Lan's wish joins it.
    meeting = earliest_meeting_date(today(), calendar=bot.services.calendar) + timedelta(days=14)
    invitations_by = bot.services.calendar.working_days_before(meeting, 7)
    conclusions_by = bot.services.calendar.working_days_after(meeting, 10)
    await bot.say(OFFICE, "/dialogue")
    await bot.say(OFFICE, meeting.strftime("%d/%m/%Y"))
    await bot.tap(OFFICE, "dl:time:0800")
    await bot.tap(OFFICE, "dl:place:hall")
    await bot.tap(OFFICE, "dl:theme:skip")
    summary = (await bot.tap(OFFICE, f"dl:chair:{await person(bot, CHAIR)}"))[0]
    assert f"Hạn gửi giấy mời: {vi(invitations_by)}" in summary
    assert f"Hạn thông báo kết luận: {vi(conclusions_by)}" in summary
    saved = (await bot.tap(OFFICE, next(d for d in bot.buttons(OFFICE) if d.startswith("dl:ok:"))))[0]
    assert saved.startswith("✅ Đã lên lịch buổi đối thoại. 1 nguyện vọng phát biểu được đưa vào. 2 kiến nghị đã tiếp nhận được đưa vào")
    assert newest(bot, LAN).startswith(f"📅 Buổi đối thoại trực tiếp của xã sẽ được tổ chức vào {vi(meeting)}, lúc 08:00")

    # MTTQ sees the speakers but cannot review them; the office approves Lan.
    assert "1. Nguyễn Thị Lan · " + lan in (await bot.say(MTTQ, "/speakers"))[0]
    assert bot.buttons(MTTQ) == []
    await bot.say(OFFICE, "/speakers")
    assert bot.buttons(OFFICE) == ["sk:ok:1", "sk:no:1"]
    await bot.tap(OFFICE, "sk:ok:1")
    assert newest(bot, LAN).startswith(f"✅ Đăng ký phát biểu về kiến nghị {lan} tại buổi đối thoại {vi(meeting)} của ông/bà đã được duyệt.")

    # The meeting (moved to yesterday 08:00): the chair calls Lan, who is told she is next.
    held_on = today() - timedelta(days=1)
    held = datetime.combine(held_on, time(8, 0), tzinfo=TZ).astimezone(timezone.utc)
    async with bot.database.transaction() as db:
        await db.execute("UPDATE dialogues SET meeting_at = ?", (held.isoformat(),))
    assert (await bot.say(CHAIR, "/next"))[0].startswith("🎤 Người phát biểu 1/1: Nguyễn Thị Lan")
    assert newest(bot, LAN).startswith(f"🎤 Sắp đến lượt ông/bà phát biểu tại buổi đối thoại, về kiến nghị {lan}")

    # The chair concludes: Lan's goes to the officer, Tư's was answered on the spot. Nobody is told yet.
    lan_id = (await bot.rows("SELECT id FROM concerns WHERE code = ?", lan))[0][0]
    tu_id = (await bot.rows("SELECT id FROM concerns WHERE code = ?", tu))[0][0]
    await bot.say(CHAIR, "/conclude")
    await bot.tap(CHAIR, f"cl:pick:{lan_id}")
    await bot.tap(CHAIR, f"cl:asg:{lan_id}")
    await bot.tap(CHAIR, next(d for d in bot.buttons(CHAIR) if d.startswith("cl:off:")))
    await bot.say(CHAIR, "Giao Địa chính - Xây dựng khảo sát và nạo vét mương.")
    await bot.say(CHAIR, "/conclude")
    await bot.tap(CHAIR, f"cl:pick:{tu_id}")
    await bot.tap(CHAIR, f"cl:ans:{tu_id}")
    await bot.say(CHAIR, "Xã đã lên kế hoạch thay đèn trong tháng này.")
    assert (await status(bot, lan), await status(bot, tu)) == ("assigned", "answered")
    assert newest(bot, TU).endswith(f"Kiến nghị {tu} của ông/bà có trong nội dung buổi đối thoại.")  # nothing newer

    # The office announces: the 20-working-day clock starts today; residents, hamlet head and officer are told.
    due = bot.services.calendar.working_days_after(today(), 20)
    await bot.say(OFFICE, "/announce")
    announced = (await bot.tap(OFFICE, next(d for d in bot.buttons(OFFICE) if d.startswith("an:ok:"))))[0]
    assert announced.startswith(f"📢 Đã thông báo kết luận buổi đối thoại {vi(held_on)} hôm nay, {vi(today())}: 2 kiến nghị.")
    assert await bot.rows("SELECT due_date FROM assignments") == [(due.isoformat(),)]
    assert f"Kiến nghị {lan} được giao cho Địa chính - Xây dựng giải quyết và trả lời ông/bà bằng văn bản chậm nhất {vi(due)}." in newest(bot, LAN)
    assert "Trả lời: Xã đã lên kế hoạch thay đèn trong tháng này." in newest(bot, TU)
    assert f"• {lan}: giao Địa chính - Xây dựng, trả lời chậm nhất {vi(due)}" in newest(bot, HEAD)
    assert f"Hạn giải quyết: {vi(due)} (còn 20 ngày làm việc)." in newest(bot, OFFICER)

    # The officer asks once for more time, within 30 working days, with the written reply; then resolves.
    await bot.say(OFFICER, "/tasks")
    assert bot.buttons(OFFICER) == [f"tk:note:{lan}", f"tk:ext:{lan}", f"tk:res:{lan}"]
    await bot.tap(OFFICER, f"tk:ext:{lan}")
    later = bot.services.calendar.working_days_after(today(), 25)
    await bot.say(OFFICER, later.strftime("%d/%m/%Y"))
    plan = "Cần đo đạc lại ranh giới mương với Địa chính huyện; Anh Khoa phụ trách, xong trước hạn mới."
    await bot.say(OFFICER, plan)
    assert newest(bot, LAN).splitlines()[:4] == [
        f"Kiến nghị {lan}: Địa chính - Xây dựng gia hạn thời gian giải quyết, kèm văn bản trả lời.", f"Hạn trả lời mới: {vi(later)}.", "", plan]
    await bot.tap(OFFICER, f"tk:res:{lan}")
    await bot.say(OFFICER, "Đã nạo vét 300 m mương thôn 2.")
    await bot.tap(OFFICER, f"tk:rok:{lan}")  # sent after the officer saw it as the resident will
    assert bot.buttons(LAN) == [f"vd:ok:{lan}", f"vd:no:{lan}"]
    # The result can also be read, and answered, from "My concerns".
    await bot.say(LAN, "/mine")
    details = (await bot.tap(LAN, f"mine:show:{lan}"))[0]
    assert f"   “{plan}”" in details and "   “Đã nạo vét 300 m mương thôn 2.”" in details
    assert bot.buttons(LAN) == [f"vd:ok:{lan}", f"vd:no:{lan}"]

    # Lan disputes: the office is told and reopens; the officer resolves again; Lan disputes again.
    await bot.tap(LAN, f"vd:no:{lan}")
    await bot.say(LAN, "Mới nạo vét một nửa, đoạn gần nhà tôi vẫn lấp.")
    assert "Lý do: Mới nạo vét một nửa, đoạn gần nhà tôi vẫn lấp." in newest(bot, OFFICE)
    await bot.say(OFFICE, f"/concern {lan}")
    assert bot.buttons(OFFICE) == [f"cw:reo:{lan}", f"cw:cls:{lan}"]
    await bot.tap(OFFICE, f"cw:reo:{lan}")
    assert newest(bot, OFFICER).startswith(f"↩️ Văn phòng HĐND và UBND xã đã mở lại kiến nghị {lan}")
    await bot.say(OFFICER, "/tasks")
    await bot.tap(OFFICER, f"tk:res:{lan}")
    await bot.say(OFFICER, "Đã nạo vét nốt đoạn còn lại.")
    await bot.tap(OFFICER, f"tk:rok:{lan}")
    await bot.tap(LAN, f"vd:no:{lan}")
    await bot.say(LAN, "Vẫn còn đọng nước.")
    assert await status(bot, lan) == "disputed"

    # The office closes both with a note; each resident reads it.
    await bot.say(OFFICE, f"/close {lan}")
    await bot.say(OFFICE, "Đã kiểm tra thực địa: mương thông, nước đọng do mưa lớn. Kết thúc kiến nghị.")
    await bot.say(OFFICE, f"/close {tu}")
    await bot.say(OFFICE, "Đèn đã được thay.")
    assert (await status(bot, lan), await status(bot, tu)) == ("closed", "closed")
    # Each closing note, then the question how satisfied they are (issue 11).
    assert "Đã kiểm tra thực địa" in bot.fake.bot_texts(LAN)[-2]
    assert "Đèn đã được thay." in bot.fake.bot_texts(TU)[-2]
    assert "hài lòng thế nào" in newest(bot, LAN) and "hài lòng thế nào" in newest(bot, TU)

    # Every step is in the audit trail; Lan's own history reads it in plain words.
    actions = [a for (a,) in await bot.rows(
        "SELECT action FROM audit_log WHERE subject_type = 'concern' AND subject_id = ? ORDER BY id", lan_id)]
    assert actions == [
        "concern.submitted", "speaker.registered", "concern.accept", "speaker.approved", "concern.conclude_assigned",
        "concern.announced", "concern.extend", "concern.resolve", "concern.dispute", "concern.reopen",
        "concern.resolve", "concern.dispute", "concern.close"]
    await bot.say(LAN, "/mine")
    history = (await bot.tap(LAN, f"mine:show:{lan}"))[0]
    assert "Tình trạng: Đã kết thúc" in history
    assert history.splitlines()[-2:] == [history.splitlines()[-2], "   “Đã kiểm tra thực địa: mương thông, nước đọng do mưa lớn. Kết thúc kiến nghị.”"]
    assert history.splitlines()[-2].endswith(": Văn phòng đã kết thúc")
    # No notice was left unsent and none went out twice.
    assert await bot.rows("SELECT COUNT(*) FROM outbox WHERE sent_at IS NULL") == [(0,)]
