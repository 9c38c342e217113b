"""Assignment and the officer's work (/assign, /tasks: note, extension, result), and the resident's answer.

Plan II.3.3: resolved at the latest on the 20th working day after the conclusions are announced;
extended once, at most to the 30th, with a written reply (what, how, when, who); the resident
confirms or disputes the written result, a dispute goes back to the office.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.calendar import WorkingCalendar
from storage import assignments, concerns

LAN, HOA = 1001, 1002  # residents
MINH, TUAN = 2001, 2002  # officers
THU, THANH = 3001, 3002  # commune office
CHAIR = 3003
STRANGER = 9009
CODE = re.compile(r"Mã theo dõi: (\d{3}-\d{3})")
LAND_BODY = "Phòng Kinh tế"
SOCIAL_BODY = "Phòng Văn hóa - Xã hội"

# Worked example (DOMAIN.md): announcement Wednesday 2026-08-26; 31/8 swapped off, 1-2/9 National Day.
# 20th working day after: 27, 28/8, 3, 4, 7-11, 14-18, 21-25/9 are 19 days, so Monday 28/9;
# 30th: 29, 30/9, 1, 2, 5-9/10 are ten more, so Monday 12/10.
AUGUST_ANNOUNCEMENT = date(2026, 8, 26)
AUGUST_DUE = "Thứ Hai, ngày 28 tháng 9 năm 2026"
AUGUST_EXTENSION_LIMIT = "Thứ Hai, ngày 12 tháng 10 năm 2026"

CALENDAR = WorkingCalendar()


def today() -> date:
    return datetime.now(ZoneInfo("Asia/Ho_Chi_Minh")).date()


def vi_date(day: date) -> str:
    weekday = ["Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ Nhật"][day.weekday()]
    return f"{weekday}, ngày {day.day} tháng {day.month} năm {day.year}"


async def staff_up(bot) -> None:
    await bot.register(LAN, "Bà Lan")
    await bot.grant(MINH, "Anh Minh", "officer", body=LAND_BODY)
    await bot.grant(TUAN, "Anh Tuấn", "officer", body=SOCIAL_BODY)
    await bot.grant(THU, "Chị Thu", "office")


async def concern_on_agenda(bot, resident: int, text: str, *, announced: date | None) -> str:
    """A concern the chair concluded 'to be assigned' at a dialogue whose conclusions were announced
    on `announced` (None: not yet); the officer is chosen with /assign."""
    code = CODE.search((await bot.submit_concern(resident, text))[0]).group(1)
    async with bot.database.transaction() as db:
        cursor = await db.execute(
            "INSERT INTO dialogues (commune_id, meeting_at, place, created_at, announced_on) VALUES (?, ?, ?, ?, ?)",
            ("bao-lam", "2026-08-10T01:30:00+00:00", "Hội trường UBND xã", "2026-07-01T00:00:00+00:00",
             announced.isoformat() if announced else None),
        )
        await db.execute("UPDATE concerns SET status = 'assigned', conclusion = 'assigned', dialogue_id = ? WHERE code = ?",
                         (cursor.lastrowid, code))
    return code


async def officer_grant(bot, user_id: int) -> int:
    rows = await bot.rows("SELECT r.id FROM roles r JOIN people p ON p.id = r.person_id"
                          " WHERE p.external_id = ? AND r.role = 'officer' AND r.revoked_at IS NULL", str(user_id))
    return rows[0][0]


async def assign(bot, code: str, officer: int, *, by: int = THU) -> list[str]:
    await bot.say(by, f"/assign {code}")
    return await bot.tap(by, f"tk:as:{code}:{await officer_grant(bot, officer)}")


async def status_of(bot, code: str) -> str:
    return (await bot.rows("SELECT status FROM concerns WHERE code = ?", code))[0][0]


async def press_again(bot, user_id: int, data: str, message_id: int) -> list[str]:
    """A button pressed once more on a message it was already pressed on (a double tap, an old message)."""
    return await bot.send(user_id, bot.fake.press(user_id, message_id, data))


async def test_the_officer_is_told_the_due_date_twenty_working_days_after_the_announcement(bot):
    await staff_up(bot)
    code = await concern_on_agenda(bot, LAN, "Đường vào thôn 2 bị sạt lở", announced=AUGUST_ANNOUNCEMENT)

    shown = await bot.say(THU, f"/assign {code}")
    assert shown == [f"Kiến nghị {code} · Quản lý đất đai\nĐường vào thôn 2 bị sạt lở\n\nGiao cho ai giải quyết? Xin chọn công chức."]
    minh, tuan = await officer_grant(bot, MINH), await officer_grant(bot, TUAN)
    assert bot.buttons(THU) == [f"tk:as:{code}:{minh}", f"tk:as:{code}:{tuan}"]
    labels = [b["text"] for row in bot.fake.last_bot_message(THU)["reply_markup"]["inline_keyboard"] for b in row]
    assert labels == [f"Anh Minh · {LAND_BODY}", f"Anh Tuấn · {SOCIAL_BODY}"]

    late = CALENDAR.working_days_between(date(2026, 9, 28), today())
    assert await bot.tap(THU, f"tk:as:{code}:{minh}") == [
        f"✅ Đã giao kiến nghị {code} cho Anh Minh ({LAND_BODY}). Công chức và người dân đã được thông báo.\n"
        f"Hạn giải quyết: {AUGUST_DUE}. Đã quá hạn {late} ngày làm việc."]
    assert await bot.rows("SELECT a.due_date, a.body, c.status FROM assignments a JOIN concerns c ON c.id = a.concern_id") == [
        ("2026-09-28", LAND_BODY, "assigned")]

    notice = bot.fake.bot_texts(MINH)[-1]
    assert notice == (f"🗂 Ông/bà được giao giải quyết kiến nghị {code}.\nLĩnh vực: Quản lý đất đai\nNội dung: Đường vào thôn 2 bị sạt lở\n\n"
                      f"Hạn giải quyết: {AUGUST_DUE}. Đã quá hạn {late} ngày làm việc.\n\n"
                      "Ông/bà báo cáo tiến độ, xin gia hạn hoặc báo kết quả bằng các nút dưới đây, hoặc sau này bằng lệnh /tasks.")
    assert bot.buttons(MINH) == [f"tk:note:{code}", f"tk:ext:{code}", f"tk:res:{code}"]
    told = bot.fake.bot_texts(LAN)[-1]
    assert told.startswith(f"Kiến nghị {code}: đã giao {LAND_BODY} giải quyết.")  # the body, not the person
    assert f"Hạn trả lời: {AUGUST_DUE}." in told
    assert "Anh Minh" not in told  # the officer's identity is not the resident's business

    # The 30-working-day limit after 26/8 is 12/10, long past: no extension is possible any more.
    assert await bot.tap(MINH, f"tk:ext:{code}") == [
        f"Không thể gia hạn thêm cho kiến nghị {code}: thời hạn gia hạn chậm nhất là {AUGUST_EXTENSION_LIMIT} "
        "(30 ngày làm việc sau khi thông báo kết luận)."]
    assert await status_of(bot, code) == "assigned"


async def test_before_the_announcement_the_due_date_waits_for_it(bot):
    await staff_up(bot)
    code = await concern_on_agenda(bot, LAN, "Xin hỗ trợ hộ nghèo", announced=None)
    replies = await assign(bot, code, TUAN)
    assert replies == [f"✅ Đã giao kiến nghị {code} cho Anh Tuấn ({SOCIAL_BODY}). Công chức và người dân đã được thông báo.\n"
                       "Hạn giải quyết sẽ được tính khi thông báo kết luận: 20 ngày làm việc sau ngày thông báo."]
    assert "Hạn giải quyết sẽ được tính khi thông báo kết luận" in bot.fake.bot_texts(TUAN)[-1]
    assert bot.buttons(TUAN) == [f"tk:note:{code}", f"tk:res:{code}"]  # no extension without a due date
    assert await bot.rows("SELECT due_date FROM assignments") == [(None,)]

    await bot.say(TUAN, "/tasks")
    assert bot.buttons(TUAN) == [f"tk:note:{code}", f"tk:res:{code}"]  # /tasks shows no extension either
    # An old or forwarded extension button is refused all the same.
    message_id = bot.fake.last_bot_message(TUAN)["message_id"]
    assert await bot.send(TUAN, bot.fake.press(TUAN, message_id, f"tk:ext:{code}")) == [
        f"Kiến nghị {code} chưa có hạn giải quyết: hạn được tính từ khi thông báo kết luận. Sau đó mới có thể xin gia hạn."]


async def test_my_tasks_come_overdue_first_then_by_due_date_with_working_days_left(bot):
    await staff_up(bot)
    recent = await concern_on_agenda(bot, LAN, "Mương thoát nước bị tắc", announced=today())
    waiting = await concern_on_agenda(bot, LAN, "Đèn đường hỏng", announced=None)
    overdue = await concern_on_agenda(bot, LAN, "Đường vào thôn 2 bị sạt lở", announced=AUGUST_ANNOUNCEMENT)
    for code in (waiting, recent, overdue):
        await assign(bot, code, MINH)

    replies = await bot.say(MINH, "🗂 Việc của tôi")
    assert len(replies) == 1  # one message, however many tasks
    blocks = replies[0].split("\n\n")
    assert blocks[0] == "Việc đang giải quyết: 3, trong đó quá hạn: 1. Việc quá hạn được xếp lên đầu."
    assert [re.search(r"Kiến nghị (\d{3}-\d{3})", text).group(1) for text in blocks[1:]] == [overdue, recent, waiting]
    late = CALENDAR.working_days_between(date(2026, 9, 28), today())
    assert blocks[1] == (f"📌 Kiến nghị {overdue} · Quản lý đất đai\nTình trạng: Đã giao công chức giải quyết\n"
                         f"Nội dung: Đường vào thôn 2 bị sạt lở\nHạn giải quyết: {AUGUST_DUE}. Đã quá hạn {late} ngày làm việc.")
    # Announced today: the due date is 20 working days away, whatever day today is.
    due = CALENDAR.working_days_after(today(), 20)
    assert blocks[2].endswith(f"Hạn giải quyết: {vi_date(due)} (còn 20 ngày làm việc).")
    assert blocks[3].endswith("Hạn giải quyết sẽ được tính khi thông báo kết luận: 20 ngày làm việc sau ngày thông báo.")
    # Each task keeps its buttons, labelled with its code; no extension before a due date.
    assert bot.buttons(MINH) == [f"tk:note:{overdue}", f"tk:ext:{overdue}", f"tk:res:{overdue}",
                                 f"tk:note:{recent}", f"tk:ext:{recent}", f"tk:res:{recent}",
                                 f"tk:note:{waiting}", f"tk:res:{waiting}"]
    assert (await bot.say(TUAN, "/tasks")) == ["Ông/bà không có việc nào đang cần giải quyết."]


async def test_the_officer_notes_progress_extends_once_and_resolves_and_the_resident_is_satisfied(bot):
    await staff_up(bot)
    code = await concern_on_agenda(bot, LAN, "Mương thoát nước bị tắc", announced=today())
    await assign(bot, code, MINH)
    due = CALENDAR.working_days_after(today(), 20)
    latest = CALENDAR.working_days_after(today(), 30)

    # A progress note: in progress, and the resident reads it.
    assert await bot.tap(MINH, f"tk:note:{code}") == [
        f"Xin viết báo cáo tiến độ giải quyết kiến nghị {code}. Người dân sẽ đọc được nội dung này."]
    assert await bot.send(MINH, bot.fake.send_sticker(MINH)) == ["Xin gõ câu trả lời bằng chữ (hoặc gửi /cancel để dừng)."]
    assert await bot.say(MINH, "Đã cử người xuống khảo sát mương") == [
        f"✅ Đã lưu báo cáo tiến độ kiến nghị {code} và gửi đến người dân."]
    assert await status_of(bot, code) == "in_progress"
    assert bot.fake.bot_texts(LAN)[-1] == (f"Kiến nghị {code}: {LAND_BODY} thông báo tiến độ giải quyết.\n\nĐã cử người xuống khảo sát mương"
                                           "\n\nTình trạng: Đang giải quyết")

    # The extension: the new date is checked, each refusal names the latest allowed date.
    assert await bot.tap(MINH, f"tk:ext:{code}") == [
        f"Hạn giải quyết kiến nghị {code} là {vi_date(due)}. Ông/bà cần gia hạn đến ngày nào? Xin viết theo dạng ngày/tháng/năm. "
        f"Ngày muộn nhất được phép là {vi_date(latest)} (30 ngày làm việc sau khi thông báo kết luận)."]
    assert await bot.say(MINH, "cuối tháng") == [
        f"Xin viết ngày mới theo dạng ngày/tháng/năm, ví dụ {latest:%d/%m/%Y}. Ngày muộn nhất được phép là {vi_date(latest)}."]
    assert await bot.say(MINH, "31/02/2027") == [
        f"Xin viết ngày mới theo dạng ngày/tháng/năm, ví dụ {latest:%d/%m/%Y}. Ngày muộn nhất được phép là {vi_date(latest)}."]
    yesterday = today() - timedelta(days=1)
    assert await bot.say(MINH, f"{yesterday:%d/%m/%Y}") == [
        f"Ngày này đã qua. Xin chọn một ngày sau; ngày muộn nhất được phép là {vi_date(latest)}."]
    assert await bot.say(MINH, f"{due:%d/%m/%Y}") == [
        f"Ngày mới phải sau hạn hiện tại ({vi_date(due)}). Ngày muộn nhất được phép là {vi_date(latest)}."]
    too_late = latest + timedelta(days=1)
    # A land matter may need a legal procedure's later date (issue 11): the officer is told how to ask for one.
    assert await bot.say(MINH, f"{too_late:%d/%m/%Y}") == [
        f"Ngày này muộn hơn thời hạn theo kế hoạch ({vi_date(latest)}). Nội dung của kiến nghị này có thể phải theo thủ tục "
        "pháp lý (đất đai, bồi thường): nếu thủ tục cần thêm thời gian, xin viết ngày kèm chữ “thủ tục”, ví dụ "
        f"{too_late:%d/%m/%Y} thủ tục, và nêu rõ lý do trong văn bản trả lời. Ngày theo thủ tục pháp lý không quá một năm "
        "kể từ hôm nay."]
    assert await bot.rows("SELECT extended_to FROM assignments") == [(None,)]
    assert (await bot.say(MINH, f"{latest.day}/{latest.month}/{latest.year}"))[0].startswith(f"Ngày mới: {vi_date(latest)}.")
    assert await bot.say(MINH, "Cần đo lại") == [
        "Xin viết đầy đủ lý do và kế hoạch, ít nhất 20 ký tự: xác minh nội dung gì, bằng cách nào, đến khi nào "
        "và ai chịu trách nhiệm."]
    plan = ("Cần xác minh ranh giới mương với hộ giáp ranh: cán bộ địa chính đo đạc tại thực địa, "
            "có mặt trưởng thôn; xong trước hạn mới; Anh Minh (Địa chính) chịu trách nhiệm.")
    assert await bot.say(MINH, plan) == [
        f"✅ Đã gia hạn kiến nghị {code} đến {vi_date(latest)}. Người dân đã nhận văn bản trả lời của ông/bà."]
    assert await bot.rows("SELECT due_date, extended_to, extension_reason FROM assignments") == [
        (due.isoformat(), latest.isoformat(), plan)]
    assert await status_of(bot, code) == "extended"
    assert bot.fake.bot_texts(LAN)[-1] == (
        f"Kiến nghị {code}: {LAND_BODY} gia hạn thời gian giải quyết, kèm văn bản trả lời.\nHạn trả lời mới: {vi_date(latest)}.\n\n"
        f"{plan}\n\nTình trạng: Đã gia hạn giải quyết")

    # A note keeps it extended; a second extension is refused.
    await bot.tap(MINH, f"tk:note:{code}")
    await bot.say(MINH, "Đã đo xong, đang lập biên bản")
    assert await status_of(bot, code) == "extended"
    assert await bot.tap(MINH, f"tk:ext:{code}") == [
        f"Thời hạn giải quyết kiến nghị {code} đã được gia hạn một lần, đến {vi_date(latest)}. "
        "Kế hoạch chỉ cho phép gia hạn một lần. Không có gì thay đổi."]

    # The written result: the resident receives it with 👍 / 👎.
    assert await bot.tap(MINH, f"tk:res:{code}") == [
        f"Xin viết kết quả giải quyết kiến nghị {code}: đã làm gì và trả lời người dân thế nào. "
        "Người dân sẽ nhận văn bản này và cho biết có đồng ý hay không."]
    assert await bot.say(MINH, "   ") == ["Xin viết vài dòng mô tả."]
    result = "Đã nạo vét mương thoát nước dài 120 m ngày 20/12; nước đã chảy thông."
    shown = await bot.say(MINH, result)
    assert shown[1] == f"Kiến nghị {code}: {LAND_BODY} đã trả lời bằng văn bản.\n\n{result}"  # as the resident reads it
    assert await status_of(bot, code) != "resolved"  # nothing is sent before the officer confirms
    assert await bot.tap(MINH, f"tk:rok:{code}") == [
        f"✅ Kiến nghị {code} đã được giải quyết. Người dân đã nhận văn bản kết quả của ông/bà."]
    assert await bot.rows("SELECT result FROM assignments WHERE resolved_at IS NOT NULL") == [(result,)]
    # The answer is the body's, and the notice does not repeat its status ("Đã giải quyết, có văn bản trả lời").
    assert bot.fake.bot_texts(LAN)[-1] == shown[1] == f"Kiến nghị {code}: {LAND_BODY} đã trả lời bằng văn bản.\n\n{result}"
    assert bot.buttons(LAN) == [f"vd:ok:{code}", f"vd:no:{code}"]

    # 👍 closes it; the officer is told; a second press changes nothing.
    message_id = bot.message_with_button(LAN, f"vd:ok:{code}")
    assert await bot.tap(LAN, f"vd:ok:{code}") == [
        f"Cảm ơn ông/bà. Ông/bà đã đồng ý với kết quả trả lời, kiến nghị {code} đã kết thúc.",
        f"Kiến nghị {code} đã kết thúc. Ông/bà hài lòng thế nào với việc giải quyết? (1 = không hài lòng, 5 = rất hài lòng)"]
    assert await status_of(bot, code) == "closed"
    assert bot.fake.bot_texts(MINH)[-1] == (
        f"👍 Người dân đồng ý với kết quả giải quyết kiến nghị {code} của ông/bà. Kiến nghị đã kết thúc.")
    assert await press_again(bot, LAN, f"vd:no:{code}", message_id) == [
        f"Việc này đã làm rồi hoặc không còn thực hiện được: kiến nghị {code} hiện ở tình trạng “Đã kết thúc”. "
        "Không có gì thay đổi."]
    assert await bot.say(MINH, "/tasks") == ["Ông/bà không có việc nào đang cần giải quyết."]
    actions = await bot.rows("SELECT action FROM audit_log WHERE subject_type = 'concern' AND action LIKE 'concern.%' ORDER BY id")
    assert [a for (a,) in actions][-6:] == ["concern.assign", "concern.note", "concern.extend", "concern.note",
                                             "concern.resolve", "concern.satisfied"]


async def resolved(bot, code: str, officer: int = MINH) -> None:
    await assign(bot, code, officer)
    await bot.tap(officer, f"tk:res:{code}")
    await bot.say(officer, "Đã sửa xong cầu tràn, đã nghiệm thu ngày 15/12.")
    await bot.tap(officer, f"tk:rok:{code}")


async def test_a_dissatisfied_resident_says_why_and_every_office_holder_is_told(bot):
    await staff_up(bot)
    await bot.grant(THANH, "Anh Thành", "office")
    code = await concern_on_agenda(bot, LAN, "Cầu tràn bị sạt", announced=today())
    await resolved(bot, code)

    message_id = bot.message_with_button(LAN, f"vd:no:{code}")
    assert await bot.tap(LAN, f"vd:no:{code}") == [
        f"Xin ông/bà cho biết ngắn gọn vì sao chưa đồng ý với kết quả trả lời kiến nghị {code}. Văn phòng HĐND và UBND xã sẽ xem xét."]
    assert await status_of(bot, code) == "resolved"  # nothing changes before the reason is given
    assert await bot.say(LAN, "  ") == ["Xin viết vài dòng mô tả."]
    reason = "Cầu vẫn còn nứt ở chân móng, mưa to lại sạt."
    assert await bot.say(LAN, reason) == [
        "Cảm ơn ông/bà. Ý kiến của ông/bà đã được gửi đến Văn phòng HĐND và UBND xã. "
        f"Văn phòng sẽ xem xét lại kiến nghị {code} và báo cho ông/bà tại đây."]
    assert await status_of(bot, code) == "disputed"
    for office in (THU, THANH):
        assert bot.fake.bot_texts(office)[-1] == (
            f"👎 Người dân chưa đồng ý với kết quả giải quyết kiến nghị {code} (Quản lý đất đai).\n\nLý do: {reason}\n\n"
            f"Xin mở lại để giải quyết tiếp, hoặc kết thúc kèm ghi chú: /concern {code}")
    assert bot.fake.bot_texts(MINH)[-1].endswith(f"Lý do người dân nêu: {reason}")
    assert await bot.rows("SELECT details FROM audit_log WHERE action = 'concern.dispute'") == [
        (f'{{"text": "{reason}"}}',)]
    # The 👍 / 👎 buttons are gone; an old press changes nothing.
    answered = next(m for m in bot.fake.chat(LAN) if m["message_id"] == message_id)
    assert not (answered.get("reply_markup") or {}).get("inline_keyboard")
    assert await press_again(bot, LAN, f"vd:ok:{code}", message_id) == [
        f"Việc này đã làm rồi hoặc không còn thực hiện được: kiến nghị {code} hiện ở tình trạng “Người dân chưa đồng ý với kết quả trả lời”. "
        "Không có gì thay đổi."]
    assert await status_of(bot, code) == "disputed"


async def test_only_the_assigned_officer_may_act_and_forged_buttons_change_nothing(bot):
    await staff_up(bot)
    await bot.register(HOA, "Chị Hoa", hamlet="thon-1")
    code = await concern_on_agenda(bot, LAN, "Cầu tràn bị sạt", announced=today())
    other = await concern_on_agenda(bot, HOA, "Xin hỗ trợ giống cây", announced=today())
    await assign(bot, code, MINH)

    await bot.say(TUAN, "/tasks")
    any_message = bot.fake.last_bot_message(TUAN)["message_id"]
    for data in (f"tk:note:{code}", f"tk:ext:{code}", f"tk:res:{code}"):
        assert await bot.send(TUAN, bot.fake.press(TUAN, any_message, data)) == [
            f"Kiến nghị {code} không được giao cho ông/bà, nên ông/bà không thể xử lý. Không có gì thay đổi."]
    # The assigned officer with another concern's code, an unknown code, and data that is no button of ours.
    minh_message = bot.fake.last_bot_message(MINH)["message_id"]
    assert await bot.send(MINH, bot.fake.press(MINH, minh_message, f"tk:res:{other}")) == [
        f"Kiến nghị {other} không được giao cho ông/bà, nên ông/bà không thể xử lý. Không có gì thay đổi."]
    # An unknown code reads like someone else's: an officer cannot probe which codes exist.
    assert await bot.send(MINH, bot.fake.press(MINH, minh_message, "tk:note:999-999")) == [
        "Kiến nghị 999-999 không được giao cho ông/bà, nên ông/bà không thể xử lý. Không có gì thay đổi."]
    assert await bot.send(MINH, bot.fake.press(MINH, minh_message, "tk:note:999-999;DROP")) == [
        "Nút này không còn hiệu lực. Xin dùng các nút bên dưới."]
    # Another resident cannot answer someone else's result.
    hoa_message = bot.fake.last_bot_message(HOA)["message_id"]
    refusal = await bot.send(HOA, bot.fake.press(HOA, hoa_message, f"vd:ok:{code}"))
    assert refusal[0].startswith(f"Không tìm thấy kiến nghị mã {code}")
    assert await status_of(bot, code) == "assigned"
    assert await bot.rows("SELECT count(*) FROM audit_log WHERE action IN ('concern.note', 'concern.resolve', 'concern.extend')") == [(0,)]


async def test_residents_and_strangers_cannot_assign_or_see_tasks(bot):
    await staff_up(bot)
    code = await concern_on_agenda(bot, LAN, "Cầu tràn bị sạt", announced=today())
    assign_refusal = ("Xin lỗi, việc này chỉ dành cho Chủ trì (Chủ tịch hoặc Phó Chủ tịch được phân công) hoặc "
                      "Văn phòng HĐND và UBND xã. Không có gì thay đổi.")
    tasks_refusal = "Xin lỗi, việc này chỉ dành cho Công chức chuyên môn. Không có gì thay đổi."
    assert await bot.say(LAN, f"/assign {code}") == [assign_refusal]
    assert await bot.say(LAN, "/assign") == [assign_refusal]
    assert await bot.say(LAN, "/tasks") == [tasks_refusal]
    assert await bot.say(MINH, f"/assign {code}") == [assign_refusal]
    assert await bot.say(THU, "/tasks") == [tasks_refusal]
    bot.fake.add_user(STRANGER, "Người lạ")
    assert await bot.say(STRANGER, f"/assign {code}") == [assign_refusal]
    assert await bot.say(STRANGER, "/tasks") == [tasks_refusal]
    # A forged officer choice pressed by the resident.
    lan_message = bot.fake.last_bot_message(LAN)["message_id"]
    grant = await officer_grant(bot, MINH)
    assert await bot.send(LAN, bot.fake.press(LAN, lan_message, f"tk:as:{code}:{grant}")) == [assign_refusal]
    assert await bot.rows("SELECT count(*) FROM assignments") == [(0,)]
    assert await status_of(bot, code) == "assigned"
    assert await bot.rows("SELECT count(*) FROM audit_log WHERE action = 'refused' AND actor_person_id IS NOT NULL") == [(6,)]
    # The stranger's two refusals are audited without a person to attach them to.
    assert await bot.rows("SELECT count(*) FROM audit_log WHERE action = 'refused' AND actor_person_id IS NULL") == [(2,)]


async def test_assigning_is_refused_when_not_possible_and_reassigning_keeps_the_due_date(bot):
    await staff_up(bot)
    await bot.grant(CHAIR, "Ông Chủ tịch", "chair")
    fresh = CODE.search((await bot.submit_concern(LAN, "Rác thải ven sông"))[0]).group(1)
    assert await bot.say(THU, f"/assign {fresh}") == [
        f"Việc này đã làm rồi hoặc không còn thực hiện được: kiến nghị {fresh} hiện ở tình trạng “Đã nhận, đang chờ xem xét”. "
        "Không có gì thay đổi."]
    assert await bot.say(THU, "/assign 12") == ["Không có kiến nghị nào mang mã 12 trong xã. Xin kiểm tra lại mã."]
    assert await bot.say(THU, "/assign") == ["Xin viết mã kiến nghị sau lệnh, ví dụ: /assign 482-913"]

    code = await concern_on_agenda(bot, LAN, "Đường vào thôn 2 bị sạt lở", announced=AUGUST_ANNOUNCEMENT)
    await assign(bot, code, MINH, by=CHAIR)  # the chair may assign too
    replies = await assign(bot, code, TUAN)
    assert replies[0].startswith(f"✅ Đã giao kiến nghị {code} cho Anh Tuấn ({SOCIAL_BODY}).")
    assert bot.fake.bot_texts(MINH)[-1] == f"Kiến nghị {code} đã được giao cho công chức khác. Ông/bà không cần xử lý nữa."
    assert f"Hạn giải quyết: {AUGUST_DUE}." in bot.fake.bot_texts(TUAN)[-1]
    rows = await bot.rows("SELECT a.due_date, a.ended_at IS NOT NULL, p.external_id FROM assignments a"
                          " JOIN people p ON p.id = a.officer_person_id ORDER BY a.id")
    assert rows == [("2026-09-28", 1, str(MINH)), ("2026-09-28", 0, str(TUAN))]
    # The same officer again: refused; the old choice button (now stale) likewise.
    assert await assign(bot, code, TUAN) == [f"Kiến nghị {code} đã được giao cho Anh Tuấn. Không có gì thay đổi."]
    assert await bot.say(MINH, "/tasks") == ["Ông/bà không có việc nào đang cần giải quyết."]
    await bot.tap(TUAN, f"tk:res:{code}")
    await bot.say(TUAN, "Đã gia cố taluy đường bằng rọ đá, đã thông xe.")
    await bot.tap(TUAN, f"tk:rok:{code}")
    office_message = bot.fake.last_bot_message(THU)["message_id"]
    minh = await officer_grant(bot, MINH)
    assert await bot.send(THU, bot.fake.press(THU, office_message, f"tk:as:{code}:{minh}")) == [
        f"Việc này đã làm rồi hoặc không còn thực hiện được: kiến nghị {code} hiện ở tình trạng “Đã giải quyết, có văn bản trả lời”. "
        "Không có gì thay đổi."]


async def test_the_officer_can_see_the_photos_the_resident_sent(bot):
    await staff_up(bot)
    await bot.say(LAN, "/new")
    await bot.tap(LAN, "cc:cat:land")
    await bot.send(LAN, bot.fake.send_photo(LAN, caption="Cầu tràn thôn 2 bị sạt lở"))
    confirm = next(d for d in bot.buttons(LAN) if d.startswith("cc:ok:"))
    code = CODE.search((await bot.tap(LAN, confirm))[0]).group(1)
    async with bot.database.transaction() as db:
        await db.execute("UPDATE concerns SET status = 'assigned', conclusion = 'assigned' WHERE code = ?", (code,))
    await assign(bot, code, MINH)
    assert "Tệp đính kèm: 1" in bot.fake.bot_texts(MINH)[-1]
    assert f"cw:files:{code}" in bot.buttons(MINH)
    before = len(bot.fake.calls_of("sendPhoto", chat_id=MINH))
    assert await bot.tap(MINH, f"cw:files:{code}") == [f"Kiến nghị {code}"]
    assert len(bot.fake.calls_of("sendPhoto", chat_id=MINH)) == before + 1


async def test_a_concern_on_the_agenda_is_assigned_by_the_chairs_conclusion_not_by_assign(bot):
    """Assigning it before the conclusions would leave it off the announcement, with no due date ever."""
    await staff_up(bot)
    code = CODE.search((await bot.submit_concern(LAN, "Đường ngập"))[0]).group(1)
    async with bot.database.transaction() as db:
        await db.execute("UPDATE concerns SET status = 'accepted' WHERE code = ?", (code,))
    assert await bot.say(THU, f"/assign {code}") == [
        f"Kiến nghị {code} đang trong nội dung đối thoại: việc giao công chức được ghi trong kết luận của chủ trì, "
        "để thời hạn 20 ngày làm việc tính từ khi thông báo kết luận. Xin dùng /conclude."]
    assert await bot.rows("SELECT COUNT(*) FROM assignments") == [(0,)]
    assert await status_of(bot, code) == "accepted"


async def test_a_date_that_became_impossible_while_the_plan_was_typed_asks_for_a_new_date(bot):
    await staff_up(bot)
    code = await concern_on_agenda(bot, LAN, "Cầu tràn bị sạt", announced=today())
    await assign(bot, code, MINH)
    calendar = bot.services.calendar
    chosen, later_due, new_date = (calendar.working_days_after(today(), n) for n in (25, 27, 28))
    await bot.say(MINH, "/tasks")
    await bot.tap(MINH, f"tk:ext:{code}")
    await bot.say(MINH, chosen.strftime("%d/%m/%Y"))
    async with bot.database.transaction() as db:  # meanwhile the due date moved past the chosen date
        await db.execute("UPDATE assignments SET due_date = ?", (later_due.isoformat(),))
    refused = await bot.say(MINH, "Cần đo đạc lại ranh giới với Địa chính; Anh Minh phụ trách.")
    assert len(refused) == 1 and refused[0].startswith("Ngày mới phải sau hạn hiện tại")
    assert await status_of(bot, code) != "extended"
    # The next message is taken as the new date, not as the plan again.
    asked = await bot.say(MINH, new_date.strftime("%d/%m/%Y"))
    assert asked[0].startswith("Ngày mới: ")
    await bot.say(MINH, "Cần đo đạc lại ranh giới với Địa chính; Anh Minh phụ trách.")
    assert await status_of(bot, code) == "extended"


async def many_tasks(bot, officer: int, count: int) -> list[str]:
    """`count` concerns of Lan assigned to `officer` with due dates a day apart (stored directly)."""
    async with bot.database.transaction() as db:
        person, = await (await db.execute("SELECT id FROM people WHERE external_id = ?", (str(officer),))).fetchone()
        resident, = await (await db.execute("SELECT id FROM people WHERE external_id = ?", (str(LAN),))).fetchone()
        codes = []
        for number in range(count):
            code = f"9{number // 100:02d}-{number % 100:03d}"
            concern = await concerns.insert(db, commune_id="bao-lam", code=code, resident_id=resident, hamlet_id="thon-2",
                                            category="land", body=f"Việc số {number}", status="assigned",
                                            submission_key=f"many-{number}", attachments=())
            await assignments.assign(db, concern_id=concern.id, officer_person_id=person, body=LAND_BODY, assigned_by=None,
                                     due_date=CALENDAR.working_days_after(today(), number + 1).isoformat())
            codes.append(code)
    return codes


async def test_many_tasks_are_one_message_a_page_at_a_time_with_previous_and_next(bot):
    await staff_up(bot)
    codes = await many_tasks(bot, MINH, 12)

    replies = await bot.say(MINH, "/tasks")
    assert len(replies) == 1
    assert replies[0].splitlines()[:2] == ["Việc đang giải quyết: 12, trong đó quá hạn: 0. Việc quá hạn được xếp lên đầu.",
                                           "Trang 1/3"]
    assert re.findall(r"Kiến nghị (\d{3}-\d{3})", replies[0]) == codes[:5]
    assert bot.buttons(MINH)[-1] == "tk:pg:2"
    assert "tk:pg:0" not in bot.buttons(MINH)

    # Next edits the same message into page 2, which has both Previous and Next.
    page_two = await bot.tap(MINH, "tk:pg:2")
    assert len(page_two) == 1 and re.findall(r"Kiến nghị (\d{3}-\d{3})", page_two[0]) == codes[5:10]
    assert bot.buttons(MINH)[-2:] == ["tk:pg:1", "tk:pg:3"]
    assert re.findall(r"Kiến nghị (\d{3}-\d{3})", (await bot.tap(MINH, "tk:pg:3"))[0]) == codes[10:]
    assert bot.buttons(MINH)[-1] == "tk:pg:2"
    assert sum("Việc đang giải quyết" in text for text in bot.fake.bot_texts(MINH)) == 1  # paged in place


async def test_a_page_that_no_longer_exists_is_answered_clearly_with_the_last_one(bot):
    await staff_up(bot)
    codes = await many_tasks(bot, MINH, 7)
    await bot.say(MINH, "/tasks")
    message_id = bot.fake.last_bot_message(MINH)["message_id"]
    pressed = bot.fake.press(MINH, message_id, "tk:pg:9")  # an old button after tasks were resolved, or forged
    replies = await bot.send(MINH, pressed)
    assert bot.fake.callback_answer(pressed)["text"] == "Danh sách đã thay đổi: nay chỉ còn 2 trang. Đang hiển thị trang 2."
    assert re.findall(r"Kiến nghị (\d{3}-\d{3})", replies[0]) == codes[5:]
