"""The dialogue, end to end: the office schedules it, orders the speakers, calls them at the
meeting, the chair concludes and the office announces; residents, hamlet heads and officers
are told at each step they are concerned by."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from bot.calendar import WorkingCalendar
from bot.deadlines import DeadlineRules, dialogue_deadlines, earliest_meeting_date
from bot.errors import DomainError, describe
from bot.services.dialogues import DialoguePlan, DialogueService, assignment_due_date
from tests.dates import (
    future_monday,
    monday_next_year,
    mondays_in_one_year,
    today_local,
    typed,
    vi_date,
)
from tests.harness import BotUnderTest

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
OFFICE, CHAIR, MTTQ, OFFICER, HEAD2, HEAD3 = 2001, 2002, 2003, 2004, 2005, 2006
LAN, BINH, CUONG = 1001, 1002, 1003
CODE = re.compile(r"Mã theo dõi: (\d{3}-\d{3})")
HALL = "Hội trường UBND xã Bảo Lâm"
NOT_ALLOWED_MEETING = "Xin lỗi, việc này chỉ dành cho Chủ trì (Chủ tịch hoặc Phó Chủ tịch được phân công) hoặc Văn phòng HĐND và UBND xã. Không có gì thay đổi."
NOT_ALLOWED_OFFICE = "Xin lỗi, việc này chỉ dành cho Văn phòng HĐND và UBND xã. Không có gì thay đổi."


def first_meeting(bot) -> date:
    """The meeting day `schedule` types by default: the first working Monday that may be chosen today."""
    return future_monday(bot.services.calendar, rules=bot.services.rules)


def deadlines_of(bot, meeting: date):
    return dialogue_deadlines(meeting, calendar=bot.services.calendar, rules=bot.services.rules)


async def person(bot, telegram_id: int) -> int:
    return (await bot.rows("SELECT id FROM people WHERE external_id = ?", str(telegram_id)))[0][0]


async def officials(bot) -> None:
    await bot.grant(OFFICE, "Chị Hoa", "office")
    await bot.grant(CHAIR, "Ông Nam", "chair")
    await bot.grant(MTTQ, "Bà Mai", "mttq")
    await bot.grant(OFFICER, "Anh Tuấn", "officer", body="Địa chính - Xây dựng")
    await bot.grant(HEAD2, "Ông Hải", "hamlet_head", hamlet="thon-2")
    await bot.grant(HEAD3, "Bà Thu", "hamlet_head", hamlet="thon-3")


async def concern(bot, user_id: int, text: str, *, accepted: bool = True) -> str:
    """A resident's concern; the office's screening (another flow) is stood in for by SQL."""
    code = CODE.search((await bot.submit_concern(user_id, text))[0]).group(1)
    if accepted:
        async with bot.database.transaction() as db:
            await db.execute("UPDATE concerns SET status = 'accepted' WHERE code = ?", (code,))
    return code


async def wish_to_speak(bot, user_id: int, code: str, point: str) -> None:
    await bot.say(user_id, "/speak")
    await bot.tap(user_id, "sp:new")
    await bot.tap(user_id, f"sp:pick:{code}")
    await bot.say(user_id, point)
    await bot.tap(user_id, "sp:ok")


async def schedule(bot, day: date | None = None, theme: str | None = "Đất đai và môi trường") -> list[str]:
    await bot.say(OFFICE, "/dialogue")
    await bot.say(OFFICE, typed(day or first_meeting(bot)))
    await bot.tap(OFFICE, "dl:time:0800")
    await bot.tap(OFFICE, "dl:place:hall")
    if theme:
        await bot.say(OFFICE, theme)
    else:
        await bot.tap(OFFICE, "dl:theme:skip")
    await bot.tap(OFFICE, f"dl:chair:{await person(bot, CHAIR)}")
    confirm = next(d for d in bot.buttons(OFFICE) if d.startswith("dl:ok:"))
    return await bot.tap(OFFICE, confirm)


async def forge(bot, user_id: int, data: str) -> list[str]:
    """A button press with data the bot never gave this user (forwarded or forged)."""
    if bot.fake.last_bot_message(user_id) is None:
        await bot.say(user_id, "/help")
    return await bot.send(user_id, bot.fake.press(user_id, bot.fake.last_bot_message(user_id)["message_id"], data))


async def move_meeting(bot, when: datetime) -> None:
    async with bot.database.transaction() as db:
        await db.execute("UPDATE dialogues SET meeting_at = ?", (when.astimezone(timezone.utc).replace(microsecond=0).isoformat(),))


# --- scheduling -------------------------------------------------------------------------------

async def test_scheduling_shows_the_plans_deadlines_at_once(bot):
    await officials(bot)
    earliest = earliest_meeting_date(today_local(), calendar=bot.services.calendar)
    meeting = first_meeting(bot)
    deadlines = deadlines_of(bot, meeting)
    asked = await bot.say(OFFICE, "/dialogue")
    assert asked[0] == "Mời lên lịch buổi đối thoại."
    assert asked[1].endswith(f"Giấy mời cần gửi trước 7 ngày làm việc: ngày sớm nhất có thể là {vi_date(earliest)}.")
    assert await bot.say(OFFICE, typed(meeting)) == [
        "Buổi đối thoại bắt đầu lúc mấy giờ? Xin bấm chọn giờ, hoặc gõ giờ khác, ví dụ 09:30 hoặc 7h30."]
    assert bot.buttons(OFFICE) == ["dl:time:0730", "dl:time:0800", "dl:time:1400"]
    assert await bot.say(OFFICE, "25:00") == ["Xin gõ giờ theo dạng giờ:phút, ví dụ 08:00 (gõ 7h30 hay 14h cũng được)."]
    await bot.say(OFFICE, "8h")
    assert bot.buttons(OFFICE) == ["dl:place:hall"]
    assert bot.fake.last_bot_message(OFFICE)["reply_markup"]["inline_keyboard"][0][0]["text"] == f"🏛 {HALL}"
    await bot.tap(OFFICE, "dl:place:hall")
    await bot.say(OFFICE, "Đất đai và môi trường")
    chair = await person(bot, CHAIR)
    assert bot.buttons(OFFICE) == [f"dl:chair:{chair}"]
    summary = (await bot.tap(OFFICE, f"dl:chair:{chair}"))[0]
    # The deadlines come from the working calendar (the hand-checked example of Monday 1/2/2027,
    # across Tết, is test_the_worked_example_of_28_november_2026 below).
    assert deadlines.invitations_by < meeting < deadlines.conclusions_by
    assert summary == "\n".join([
        "Xin kiểm tra lại buổi đối thoại trước khi lưu:",
        "",
        f"Ngày: {vi_date(meeting)}, lúc 08:00",
        f"Địa điểm: {HALL}",
        "Chuyên đề: Đất đai và môi trường",
        "Chủ trì: Ông Nam",
        "",
        f"Hạn gửi giấy mời: {vi_date(deadlines.invitations_by)} (7 ngày làm việc trước buổi đối thoại).",
        f"Hạn thông báo kết luận: {vi_date(deadlines.conclusions_by)} (10 ngày làm việc sau buổi đối thoại).",
        "",
        "Muốn sửa mục nào, xin bấm vào mục đó bên dưới.",
    ])
    assert await bot.rows("SELECT COUNT(*) FROM dialogues") == [(0,)]
    plan = next(d for d in bot.buttons(OFFICE) if d.startswith("dl:ok:"))
    summary_message = bot.message_with_button(OFFICE, plan)
    saved = (await bot.tap(OFFICE, plan))[0]
    assert saved.startswith("✅ Đã lên lịch buổi đối thoại. 0 nguyện vọng phát biểu được đưa vào. 0 kiến nghị đã tiếp nhận")
    # 08:00 in Hà Nội is 01:00 UTC.
    assert await bot.rows("SELECT meeting_at, place, theme, status, chair_person_id FROM dialogues") == [
        (f"{meeting.isoformat()}T01:00:00+00:00", HALL, "Đất đai và môi trường", "scheduled", chair)]
    assert await bot.rows("SELECT action FROM audit_log WHERE subject_type = 'dialogue'") == [("dialogue.scheduled",)]
    # The same confirmation pressed again saves nothing twice.
    assert await bot.send(OFFICE, bot.fake.press(OFFICE, summary_message, plan)) == [
        "Nút này không còn hiệu lực. Xin dùng các nút bên dưới."]
    assert await bot.rows("SELECT COUNT(*) FROM dialogues") == [(1,)]

    shown = (await bot.say(OFFICE, "🗓 Buổi đối thoại"))[0]  # the main-menu button
    assert shown.startswith(f"🗓 Buổi đối thoại đã được lên lịch:\n\nNgày: {vi_date(meeting)}, lúc 08:00")
    assert f"Hạn thông báo kết luận: {vi_date(deadlines.conclusions_by)}" in shown
    assert bot.buttons(OFFICE) == ["dl:re:1", "dl:cx:1"]


async def test_bad_dates_are_answered_and_nothing_is_stored(bot):
    await officials(bot)
    today = today_local()
    await bot.say(OFFICE, "/dialogue")
    assert await bot.say(OFFICE, "01/01/2020") == ["Ngày này đã qua. Xin chọn một ngày từ hôm nay trở đi."]
    assert await bot.say(OFFICE, "32/13/2026") == ["Xin viết ngày theo dạng ngày/tháng/năm, ví dụ 04/05/2026."]
    assert await bot.say(OFFICE, "thứ hai tuần sau") == ["Xin viết ngày theo dạng ngày/tháng/năm, ví dụ 04/05/2026."]
    # Tomorrow cannot leave 7 working days for the invitations: the answer names the earliest day
    # (worked by hand from Saturday 28/11/2026 in test_the_worked_example_of_28_november_2026).
    earliest = earliest_meeting_date(today, calendar=bot.services.calendar)
    tomorrow = today + timedelta(days=1)
    assert tomorrow < earliest - timedelta(days=1)
    assert await bot.say(OFFICE, typed(tomorrow)) == [
        f"Quá gần: cần 7 ngày làm việc để gửi giấy mời. Ngày sớm nhất có thể là {vi_date(earliest)}."]
    assert await bot.say(OFFICE, typed(earliest - timedelta(days=1))) == [
        f"Quá gần: cần 7 ngày làm việc để gửi giấy mời. Ngày sớm nhất có thể là {vi_date(earliest)}."]
    assert await bot.say(OFFICE, typed(today + timedelta(days=3 * 365))) == [
        "Ngày này quá xa. Xin chọn một ngày trong vòng hai năm tới."]
    assert await bot.rows("SELECT COUNT(*) FROM dialogues") == [(0,)]
    # Still waiting for a date: the earliest one is accepted.
    assert (await bot.say(OFFICE, typed(earliest)))[0].startswith("Buổi đối thoại bắt đầu lúc mấy giờ?")


async def insert_dialogue(bot, day: date, status: str) -> None:
    """A dialogue of another time (held or cancelled), at 08:00 in Hà Nội."""
    announced = (day + timedelta(days=1)).isoformat() if status == "held" else None
    async with bot.database.transaction() as db:
        await db.execute("INSERT INTO dialogues (commune_id, meeting_at, place, status, created_at, announced_on)"
                         " VALUES ('bao-lam', ?, 'Hội trường', ?, '2026-01-01', ?)",
                         (f"{day.isoformat()}T01:00:00+00:00", status, announced))


async def test_one_dialogue_a_year_cancelled_ones_do_not_count(bot):
    await officials(bot)
    held, wanted = mondays_in_one_year(bot.services.calendar, 2, bot.services.rules)
    next_year = monday_next_year(bot.services.calendar, held.year)
    await insert_dialogue(bot, held, "held")
    await insert_dialogue(bot, next_year, "cancelled")
    await bot.say(OFFICE, "/dialogue")
    assert await bot.say(OFFICE, typed(wanted)) == [
        f"Xã đã có buổi đối thoại năm {held.year}, vào {vi_date(held)} (cấu hình cho phép 1 buổi mỗi năm). Chưa lên lịch gì."]
    assert (await bot.say(OFFICE, typed(next_year)))[0].startswith("Buổi đối thoại bắt đầu lúc mấy giờ?")


async def test_a_setting_allows_more_dialogues_a_year(fake_api, tmp_path):
    bot = BotUnderTest(fake_api, tmp_path / "d.sqlite3", dialogues_per_year=2)
    await bot.start()
    try:
        await officials(bot)
        held, second = mondays_in_one_year(bot.services.calendar, 2, bot.services.rules)
        await insert_dialogue(bot, held, "held")
        await schedule(bot, second)
        assert await bot.rows("SELECT status, meeting_at FROM dialogues ORDER BY id") == [
            ("held", f"{held.isoformat()}T01:00:00+00:00"), ("scheduled", f"{second.isoformat()}T01:00:00+00:00")]
    finally:
        await bot.stop()


# --- the hand-checked examples: fixed dates, so a fixed clock ----------------------------------------

SATURDAY_28_NOVEMBER_2026 = datetime(2026, 11, 28, 3, 0, tzinfo=timezone.utc)  # 10:00 in Hà Nội


def vi(bot):
    return bot.application.bot_data["i18n"].for_locale("vi")


def service_on_28_november_2026(bot) -> DialogueService:
    """The bot's dialogue service over the same database, its clock stopped on Saturday 28/11/2026."""
    services = bot.services
    return DialogueService(services.database, services.communes, services.staff, services.calendar, services.rules,
                           per_year=1, clock=lambda: SATURDAY_28_NOVEMBER_2026)


async def refusal(call, t) -> str:
    """A service call's refusal, as the office reads it."""
    with pytest.raises(DomainError) as refused:
        await call
    return describe(refused.value, t)


def test_deadlines_of_the_worked_example_across_tet():
    calendar = WorkingCalendar()
    # From Saturday 28/11/2026: 30/11, 1, 2, 3, 4, 7 and 8/12 are the 7 days, so Wednesday 9/12/2026.
    assert earliest_meeting_date(date(2026, 11, 28), calendar=calendar) == date(2026, 12, 9)
    # Meeting Monday 1/2/2027. Invitations: the 7th working day before is Thursday 21/1 (29, 28, 27,
    # 26, 25, 22, 21 January). Conclusions: the 10th working day after crosses Tết Đinh Mùi (4-10/2
    # off): 2, 3, 11, 12, 15, 16, 17, 18, 19, 22 February, so Monday 22/2/2027.
    first = dialogue_deadlines(date(2027, 2, 1), calendar=calendar)
    assert [vi_date(day) for day in (first.meeting, first.invitations_by, first.conclusions_by)] == [
        "Thứ Hai, ngày 1 tháng 2 năm 2027", "Thứ Năm, ngày 21 tháng 1 năm 2027", "Thứ Hai, ngày 22 tháng 2 năm 2027"]
    # Moved to Monday 22/2/2027: invitations by Thursday 11/2 (19, 18, 17, 16, 15, 12, 11 February,
    # after Tết); conclusions by Monday 8/3 (23, 24, 25, 26 February, 1, 2, 3, 4, 5, 8 March).
    moved = dialogue_deadlines(date(2027, 2, 22), calendar=calendar)
    assert (moved.invitations_by, moved.conclusions_by) == (date(2027, 2, 11), date(2027, 3, 8))


async def test_the_worked_example_of_28_november_2026(bot):
    await officials(bot)
    service = service_on_28_november_2026(bot)
    t = vi(bot)
    office = await bot.services.staff.actor("telegram", str(OFFICE))
    assert service.today() == date(2026, 11, 28)
    assert service.earliest_date() == date(2026, 12, 9)
    assert await refusal(service.check_date(office, "27/11/2026"), t) == (
        "Ngày này đã qua. Xin chọn một ngày từ hôm nay trở đi.")
    assert await refusal(service.check_date(office, "08/12/2026"), t) == (
        "Quá gần: cần 7 ngày làm việc để gửi giấy mời. Ngày sớm nhất có thể là Thứ Tư, ngày 9 tháng 12 năm 2026.")
    assert await service.check_date(office, "09/12/2026") == date(2026, 12, 9)
    # Two years ahead: 730 days reach Monday 27/11/2028 (29/2/2028 is one of them).
    assert await service.check_date(office, "27/11/2028") == date(2028, 11, 27)
    assert await refusal(service.check_date(office, "28/11/2028"), t) == (
        "Ngày này quá xa. Xin chọn một ngày trong vòng hai năm tới.")

    chair = await person(bot, CHAIR)
    scheduled = await service.schedule(office, DialoguePlan(date(2027, 2, 1), time(8, 0), HALL, "Đất đai và môi trường", chair))
    deadlines = scheduled.view.deadlines
    assert (deadlines.meeting, deadlines.invitations_by, deadlines.conclusions_by) == (
        date(2027, 2, 1), date(2027, 1, 21), date(2027, 2, 22))
    assert await bot.rows("SELECT meeting_at FROM dialogues") == [("2027-02-01T01:00:00+00:00",)]
    # Moved to 22/2/2027, in the same year: the dialogue does not count against itself.
    assert await service.check_date(office, "22/02/2027", scheduled.view.dialogue.id) == date(2027, 2, 22)
    moved = await service.reschedule(office, scheduled.view.dialogue.id,
                                     DialoguePlan(date(2027, 2, 22), time(14, 30), "Nhà văn hóa thôn 2", None, chair))
    assert (moved.view.deadlines.invitations_by, moved.view.deadlines.conclusions_by) == (date(2027, 2, 11), date(2027, 3, 8))
    assert await bot.rows("SELECT meeting_at, place FROM dialogues") == [("2027-02-22T07:30:00+00:00", "Nhà văn hóa thôn 2")]
    # Another one in 2027 is refused, naming it.
    assert await refusal(service.check_date(office, "01/03/2027"), t) == (
        "Xã đã có buổi đối thoại năm 2027, vào Thứ Hai, ngày 22 tháng 2 năm 2027 (cấu hình cho phép 1 buổi mỗi năm). Chưa lên lịch gì.")


async def test_one_dialogue_a_year_worked_example(bot):
    await officials(bot)
    await insert_dialogue(bot, date(2027, 3, 15), "held")
    await insert_dialogue(bot, date(2028, 3, 13), "cancelled")
    service = service_on_28_november_2026(bot)
    office = await bot.services.staff.actor("telegram", str(OFFICE))
    assert await refusal(service.check_date(office, "14/06/2027"), vi(bot)) == (
        "Xã đã có buổi đối thoại năm 2027, vào Thứ Hai, ngày 15 tháng 3 năm 2027 (cấu hình cho phép 1 buổi mỗi năm). Chưa lên lịch gì.")
    assert await service.check_date(office, "13/03/2028") == date(2028, 3, 13)


async def test_without_a_chair_scheduling_is_refused_clearly(bot):
    await bot.grant(OFFICE, "Chị Hoa", "office")
    assert await bot.say(OFFICE, "/dialogue") == [
        "Xã chưa có ai giữ vai trò chủ trì. Xin đề nghị quản trị viên cấp vai trò này "
        "(Chủ tịch, hoặc Phó Chủ tịch được Chủ tịch phân công)."]
    # A chair may schedule with themselves as the chair.
    await bot.grant(CHAIR, "Ông Nam", "chair")
    assert (await bot.say(CHAIR, "/dialogue"))[0] == "Mời lên lịch buổi đối thoại."


async def test_wishes_on_file_and_accepted_concerns_join_the_dialogue_when_scheduled(bot):
    await officials(bot)
    await bot.register(LAN, "Bà Lan")
    await bot.register(BINH, "Ông Bình", hamlet="thon-3")
    lan_code = await concern(bot, LAN, "Đường liên thôn ngập nước", accepted=False)
    await wish_to_speak(bot, LAN, lan_code, "Xin làm mương thoát nước")
    binh_code = await concern(bot, BINH, "Cấp giấy chứng nhận quyền sử dụng đất chậm")
    assert await bot.rows("SELECT dialogue_id FROM speaker_registrations") == [(None,)]
    assert await bot.say(MTTQ, "/speakers") == [
        "Chưa có buổi đối thoại nào được lên lịch. Số nguyện vọng phát biểu đang lưu: 1. "
        "Các nguyện vọng này sẽ được đưa vào buổi đối thoại khi lên lịch."]

    meeting = first_meeting(bot)
    saved = (await schedule(bot, meeting))[0]
    assert saved.startswith("✅ Đã lên lịch buổi đối thoại. 1 nguyện vọng phát biểu được đưa vào. 1 kiến nghị đã tiếp nhận "
                            "được đưa vào. 2 người dân đã được báo.")
    assert await bot.rows("SELECT dialogue_id FROM speaker_registrations") == [(1,)]
    assert await bot.rows("SELECT code, dialogue_id FROM concerns ORDER BY id") == [(lan_code, None), (binh_code, 1)]
    told_lan = bot.fake.bot_texts(LAN)[-1]
    assert told_lan.startswith(f"📅 Buổi đối thoại trực tiếp của xã sẽ được tổ chức vào {vi_date(meeting)}, "
                               f"lúc 08:00, tại {HALL}.\nChuyên đề: Đất đai và môi trường")
    assert f"Nguyện vọng phát biểu về kiến nghị {lan_code} của ông/bà được đưa vào buổi đối thoại này." in told_lan
    assert bot.fake.bot_texts(BINH)[-1].endswith(f"Kiến nghị {binh_code} của ông/bà có trong nội dung buổi đối thoại.")
    # While it is planned, /dialogue shows it (with its buttons) instead of scheduling a second one.
    assert (await bot.say(OFFICE, "/dialogue"))[0].startswith("🗓 Buổi đối thoại đã được lên lịch:")
    assert bot.buttons(OFFICE) == ["dl:re:1", "dl:cx:1"]


async def test_reschedule_and_cancel_tell_everyone_registered(bot):
    await officials(bot)
    await bot.register(LAN, "Bà Lan")
    lan_code = await concern(bot, LAN, "Đường ngập")
    await wish_to_speak(bot, LAN, lan_code, "Xin làm mương")
    # Three dates of one year: this dialogue does not count against itself, nor a cancelled one.
    first, new_day, again = mondays_in_one_year(bot.services.calendar, 3, bot.services.rules)
    await schedule(bot, first)

    await bot.say(OFFICE, "/dialogue")
    assert (await bot.tap(OFFICE, "dl:re:1"))[0] == "Mời chọn ngày mới cho buổi đối thoại."
    await bot.say(OFFICE, typed(new_day))  # the same year: this dialogue does not count against itself
    await bot.say(OFFICE, "14:30")
    await bot.say(OFFICE, "Nhà văn hóa thôn 2")
    await bot.tap(OFFICE, "dl:theme:skip")
    summary = (await bot.tap(OFFICE, f"dl:chair:{await person(bot, CHAIR)}"))[0]
    # The new date's own deadlines (the hand-checked 1/2 → 22/2/2027 example, after Tết, is
    # test_the_worked_example_of_28_november_2026).
    deadlines = deadlines_of(bot, new_day)
    assert f"Ngày: {vi_date(new_day)}, lúc 14:30" in summary
    assert f"Hạn gửi giấy mời: {vi_date(deadlines.invitations_by)}" in summary
    assert f"Hạn thông báo kết luận: {vi_date(deadlines.conclusions_by)}" in summary
    assert "Chuyên đề: không có" in summary
    moved = (await bot.tap(OFFICE, next(d for d in bot.buttons(OFFICE) if d.startswith("dl:ok:"))))[0]
    assert moved.startswith("✅ Đã đổi lịch buổi đối thoại. 1 người dân đã đăng ký được báo ngày mới.")
    assert await bot.rows("SELECT meeting_at, place, theme FROM dialogues") == [
        (f"{new_day.isoformat()}T07:30:00+00:00", "Nhà văn hóa thôn 2", None)]
    assert bot.fake.bot_texts(LAN)[-1] == (
        f"📅 Buổi đối thoại đã được dời lịch: nay tổ chức vào {vi_date(new_day)}, lúc 14:30, tại Nhà văn hóa thôn 2 "
        f"(trước đây dự kiến {vi_date(first)}). Đăng ký của ông/bà vẫn giữ nguyên.")

    await bot.say(OFFICE, "/dialogue")
    assert await bot.tap(OFFICE, "dl:cx:1") == [
        f"Hủy buổi đối thoại {vi_date(new_day)} lúc 14:30? Mọi người đã đăng ký sẽ được báo."]
    assert await bot.tap(OFFICE, "dl:cxn") == ["Buổi đối thoại được giữ nguyên."]
    await bot.say(OFFICE, "/dialogue")
    old_reschedule = bot.message_with_button(OFFICE, "dl:re:1")
    await bot.tap(OFFICE, "dl:cx:1")
    yes = bot.message_with_button(OFFICE, "dl:cxy:1")
    assert (await bot.tap(OFFICE, "dl:cxy:1"))[0].startswith("Đã hủy buổi đối thoại. 1 người dân đã được báo")
    assert bot.fake.bot_texts(LAN)[-1].startswith(f"Buổi đối thoại dự kiến {vi_date(new_day)} đã bị hủy.")
    assert await bot.rows("SELECT status FROM dialogues") == [("cancelled",)]
    assert await bot.rows("SELECT dialogue_id, status FROM speaker_registrations") == [(None, "registered")]
    assert await bot.rows("SELECT dialogue_id FROM concerns") == [(None,)]
    # Stale buttons after the change: nothing happens twice.
    stale = "Buổi đối thoại này vừa được thay đổi (đổi lịch, hủy hoặc đã tổ chức). Không có gì thay đổi. Xin mở lại /dialogue."
    assert await bot.send(OFFICE, bot.fake.press(OFFICE, yes, "dl:cxy:1")) == [stale]
    assert await bot.send(OFFICE, bot.fake.press(OFFICE, old_reschedule, "dl:re:1")) == [stale]
    assert await bot.rows("SELECT action FROM audit_log WHERE subject_type = 'dialogue' ORDER BY id") == [
        ("dialogue.scheduled",), ("dialogue.rescheduled",), ("dialogue.cancelled",)]

    # A cancelled dialogue does not count: a new one takes the wishes on file again.
    saved = (await schedule(bot, again))[0]
    assert "1 nguyện vọng phát biểu được đưa vào. 1 kiến nghị" in saved
    assert await bot.rows("SELECT dialogue_id FROM speaker_registrations") == [(2,)]
    assert await bot.rows("SELECT status, meeting_at FROM dialogues WHERE id = 2") == [
        ("scheduled", f"{again.isoformat()}T01:00:00+00:00")]


# --- speakers ----------------------------------------------------------------------------------

async def three_speakers(bot) -> list[str]:
    codes = []
    for user_id, name, hamlet, text in ((LAN, "Bà Lan", "thon-2", "Đường ngập"), (BINH, "Ông Bình", "thon-3", "Sổ đỏ chậm"),
                                        (CUONG, "Anh Cường", "thon-2", "Rác thải")):
        await bot.register(user_id, name, hamlet=hamlet)
        code = await concern(bot, user_id, text)
        await wish_to_speak(bot, user_id, code, f"Ý kiến về {text.lower()}")
        codes.append(code)
    await schedule(bot)
    return codes


async def test_office_approves_declines_with_a_reason_and_orders_the_speakers(bot):
    await officials(bot)
    lan, binh, cuong = await three_speakers(bot)
    meeting = vi_date(first_meeting(bot))
    listing = (await bot.say(OFFICE, "/speakers"))[0]
    assert listing == "\n".join([
        f"🎙 Người phát biểu tại buổi đối thoại {meeting}, theo thứ tự phát biểu:",
        f"1. Bà Lan · {lan} · Quản lý đất đai · chờ duyệt\n    “Ý kiến về đường ngập”",
        f"2. Ông Bình · {binh} · Quản lý đất đai · chờ duyệt\n    “Ý kiến về sổ đỏ chậm”",
        f"3. Anh Cường · {cuong} · Quản lý đất đai · chờ duyệt\n    “Ý kiến về rác thải”",
    ])
    assert bot.buttons(OFFICE) == ["sk:ok:1", "sk:no:1", "sk:dn:1:1",
                                   "sk:ok:2", "sk:no:2", "sk:up:2:2", "sk:dn:2:2",
                                   "sk:ok:3", "sk:no:3", "sk:up:3:3"]

    approved = await bot.tap(OFFICE, "sk:ok:1")
    assert approved[0] == f"✅ Đã duyệt: Bà Lan, kiến nghị {lan}. Người dân đã được báo."
    assert bot.fake.bot_texts(LAN)[-1] == (
        f"✅ Đăng ký phát biểu về kiến nghị {lan} tại buổi đối thoại {meeting} của ông/bà đã được duyệt. "
        "Thứ tự phát biểu của ông/bà hiện là 1 trên 1 (Văn phòng còn có thể đổi thứ tự; gửi /speak để xem). "
        "Ông/bà sẽ được báo tại đây khi đến lượt.")
    # The same approval again changes nothing and says so.
    assert await bot.send(OFFICE, bot.fake.press(OFFICE, bot.message_with_button(OFFICE, "sk:ok:3"), "sk:ok:1")) == [
        f"Đăng ký phát biểu về kiến nghị {lan} đã được duyệt rồi. Không có gì thay đổi."]

    assert await bot.tap(OFFICE, "sk:no:2") == [
        f"Vì sao từ chối đăng ký phát biểu về kiến nghị {binh}? Xin gõ lý do; người dân sẽ đọc được."]
    assert await bot.say(OFFICE, "x" * 501) == ["Nội dung quá dài (501 ký tự). Xin viết ngắn hơn 500 ký tự."]
    declined = await bot.say(OFFICE, "Nội dung đã được trả lời bằng văn bản tháng trước")
    assert declined[0] == f"Đã từ chối: Ông Bình, kiến nghị {binh}. Người dân đã được báo lý do."
    assert bot.fake.bot_texts(BINH)[-1] == (
        f"Văn phòng HĐND và UBND xã không chấp thuận đăng ký phát biểu về kiến nghị {binh} tại buổi đối thoại {meeting}."
        "\n\nLý do: Nội dung đã được trả lời bằng văn bản tháng trước\n\nBản thân kiến nghị của ông/bà vẫn được theo dõi như trước.")
    await bot.tap(OFFICE, "sk:ok:3")
    assert "Thứ tự phát biểu của ông/bà hiện là 2 trên 2" in bot.fake.bot_texts(CUONG)[-1]
    assert "Đã được duyệt. Thứ tự phát biểu của ông/bà: 1 trên 2." in (await bot.say(LAN, "/speak"))[0]

    # Anh Cường speaks first: up from place 2.
    older = bot.message_with_button(OFFICE, "sk:up:3:2")
    listing = (await bot.tap(OFFICE, "sk:up:3:2"))[0]
    assert listing.split("\n")[1:] == [
        f"1. Anh Cường · {cuong} · Quản lý đất đai · đã duyệt", "    “Ý kiến về rác thải”",
        f"2. Bà Lan · {lan} · Quản lý đất đai · đã duyệt", "    “Ý kiến về đường ngập”",
        "", "Không được chấp thuận:",
        f"• Ông Bình · {binh}: Nội dung đã được trả lời bằng văn bản tháng trước",
    ]
    assert await bot.rows("SELECT id, review, position, decline_reason IS NOT NULL FROM speaker_registrations ORDER BY id") == [
        (1, "approved", 2, 0), (2, "declined", None, 1), (3, "approved", 1, 0)]
    # The older list's button, pressed after the order changed, moves nothing.
    assert await bot.send(OFFICE, bot.fake.press(OFFICE, older, "sk:up:3:2")) == [
        "Thứ tự vừa thay đổi, hoặc người này không thể chuyển thêm được. Không có gì thay đổi."]
    assert await bot.rows("SELECT position FROM speaker_registrations ORDER BY id") == [(2,), (None,), (1,)]
    # Each resident's /speak shows their place as it is now.
    assert "Đã được duyệt. Thứ tự phát biểu của ông/bà: 2 trên 2." in (await bot.say(LAN, "/speak"))[0]
    assert "Đã được duyệt. Thứ tự phát biểu của ông/bà: 1 trên 2." in (await bot.say(CUONG, "/speak"))[0]
    assert "Không được Văn phòng HĐND và UBND xã duyệt." in (await bot.say(BINH, "/speak"))[0]

    # The residents' history shows the review in plain words.
    assert await bot.rows("SELECT action FROM audit_log WHERE subject_type = 'concern' AND action LIKE 'speaker.%' "
                          "AND action != 'speaker.registered' ORDER BY id") == [
        ("speaker.approved",), ("speaker.declined",), ("speaker.approved",)]
    await bot.say(BINH, "/mine")
    history = (await bot.tap(BINH, f"mine:show:{binh}"))[0]
    # The step, then the office's reason in its own words.
    assert history.splitlines()[-2].endswith(": Đăng ký phát biểu của ông/bà không được chấp nhận")
    assert history.splitlines()[-1].startswith("   “")

    # MTTQ and the chair see the list with the names, without the office's buttons.
    seen = (await bot.say(MTTQ, "/speakers"))[0]
    assert f"1. Anh Cường · {cuong}" in seen and bot.buttons(MTTQ) == []
    assert (await bot.say(CHAIR, "/speakers"))[0] == seen
    # ... and cannot press them.
    assert await forge(bot, MTTQ, "sk:ok:2") == [NOT_ALLOWED_OFFICE]
    assert await bot.rows("SELECT review FROM speaker_registrations WHERE id = 2") == [("declined",)]


# --- the meeting ---------------------------------------------------------------------------------

async def test_many_speakers_are_one_message_with_pages_and_their_numbers_run_on(bot):
    await officials(bot)
    lan, *_ = await three_speakers(bot)
    async with bot.database.transaction() as db:
        dialogue_id, resident, concern_id = (await (await db.execute(
            "SELECT dialogue_id, resident_id, concern_id FROM speaker_registrations")).fetchone())
        for number in range(10):  # 13 registrations in all (one live registration per concern)
            cursor = await db.execute(
                "INSERT INTO concerns (commune_id, code, resident_id, hamlet_id, category, body, status, submission_key,"
                " submitted_at, updated_at, dialogue_id) VALUES ('bao-lam', ?, ?, 'thon-2', 'land', 'Ý kiến', 'accepted', ?,"
                " '2026-01-01T00:00:00+00:00', '2026-01-01T00:00:00+00:00', ?)",
                (f"700-{number:03d}", resident, f"sp-{number}", dialogue_id))
            await db.execute("INSERT INTO speaker_registrations (commune_id, concern_id, resident_id, dialogue_id, point,"
                             " registered_at) VALUES ('bao-lam', ?, ?, ?, 'Ý kiến thêm', '2099-01-01T00:00:00+00:00')",
                             (cursor.lastrowid, resident, dialogue_id))
    replies = await bot.say(OFFICE, "/speakers")
    assert len(replies) == 1
    assert replies[0].splitlines()[1] == "Trang 1/2"
    assert re.findall(r"^(\d+)\. ", replies[0], re.M) == [str(n) for n in range(1, 11)]
    assert bot.buttons(OFFICE)[-1] == "sk:pg:2"
    second = await bot.tap(OFFICE, "sk:pg:2")
    assert re.findall(r"^(\d+)\. ", second[0], re.M) == ["11", "12", "13"]
    assert "sk:dn:" not in " ".join(bot.buttons(OFFICE)[-4:-1]) and bot.buttons(OFFICE)[-1] == "sk:pg:1"
    # Everyone else sees the same pages, without the office's buttons.
    await bot.say(MTTQ, "/speakers")
    assert bot.buttons(MTTQ) == ["sk:pg:2"]


async def test_next_calls_the_approved_speakers_in_order_with_skip_and_back(bot):
    await officials(bot)
    lan, binh, cuong = await three_speakers(bot)
    await bot.say(OFFICE, "/speakers")
    for registration in (1, 2, 3):
        await bot.tap(OFFICE, f"sk:ok:{registration}")
    assert await bot.say(OFFICE, "/next") == [
        f"Buổi đối thoại diễn ra {vi_date(first_meeting(bot))}. Việc này chỉ làm được từ ngày đó."]
    await move_meeting(bot, datetime.now(timezone.utc) - timedelta(minutes=30))

    called = (await bot.say(OFFICE, "/next"))[0]
    assert called == (f"🎤 Người phát biểu 1/3: Bà Lan\nKiến nghị {lan} · Quản lý đất đai\n"
                      "Nội dung phát biểu: “Ý kiến về đường ngập”\n\nNgười này đã được báo sắp đến lượt.")
    assert bot.buttons(OFFICE) == ["mt:nx:1:1", "mt:sk:1:1", "mt:bk:1:1"]
    assert bot.fake.bot_texts(LAN)[-1] == (
        f"🎤 Sắp đến lượt ông/bà phát biểu tại buổi đối thoại, về kiến nghị {lan}:\n“Ý kiến về đường ngập”\n\n"
        "Xin ông/bà chuẩn bị lên phát biểu.")
    assert await bot.tap(OFFICE, "mt:bk:1:1") == ["Đây là người phát biểu đầu tiên: không có ai trước."]
    first_buttons = bot.message_with_button(OFFICE, "mt:nx:1:1")

    assert (await bot.tap(OFFICE, "mt:nx:1:1"))[0].startswith("🎤 Người phát biểu 2/3: Ông Bình")
    # Ông Bình is not in the hall: skipped, Anh Cường is called.
    assert (await bot.tap(OFFICE, "mt:sk:1:2"))[0].startswith("🎤 Người phát biểu 3/3: Anh Cường")
    assert bot.fake.bot_texts(CUONG)[-1].startswith("🎤 Sắp đến lượt ông/bà phát biểu")
    # Ông Bình has arrived: back to him.
    assert (await bot.tap(OFFICE, "mt:bk:1:3"))[0].startswith("🎤 Người phát biểu 2/3: Ông Bình")
    assert len([t for t in bot.fake.bot_texts(BINH) if t.startswith("🎤 Sắp đến lượt")]) == 2
    # The first message's button, pressed now, changes nothing.
    assert await bot.send(OFFICE, bot.fake.press(OFFICE, first_buttons, "mt:nx:1:1")) == [
        "Danh sách phát biểu vừa được chuyển tiếp. Không có gì thay đổi: gửi /next để xem đang đến ai."]
    # The chair may call the next speaker too.
    assert (await bot.say(CHAIR, "/next"))[0].startswith("🎤 Người phát biểu 3/3: Anh Cường")
    assert await bot.say(OFFICE, "/next") == ["Đã hết người trong danh sách phát biểu (3 người được duyệt)."]
    assert bot.buttons(OFFICE) == ["mt:bk:1:4"]
    assert await bot.say(OFFICE, "/next") == ["Đã hết người trong danh sách phát biểu (3 người được duyệt)."]
    assert (await bot.tap(OFFICE, "mt:bk:1:4"))[0].startswith("🎤 Người phát biểu 3/3: Anh Cường")
    assert await bot.rows("SELECT action, json_extract(details, '$.position') FROM audit_log WHERE action LIKE 'meeting.%' ORDER BY id") == [
        ("meeting.called", 1), ("meeting.called", 2), ("meeting.skipped", 2), ("meeting.called", 3),
        ("meeting.called", 2), ("meeting.called", 3), ("meeting.called", 3)]


# --- conclusions and their announcement -------------------------------------------------------------

async def test_conclusions_of_three_kinds_are_announced_to_residents_hamlet_heads_and_officers(bot):
    await officials(bot)
    lan, binh, cuong = await three_speakers(bot)
    meeting = vi_date(first_meeting(bot))
    assert await bot.say(CHAIR, "/conclude") == [
        f"Buổi đối thoại diễn ra {meeting}. Việc này chỉ làm được từ ngày đó."]
    assert await bot.say(OFFICE, "/announce") == [
        f"Buổi đối thoại diễn ra {meeting}: chỉ thông báo kết luận được sau khi buổi đối thoại đã diễn ra."]
    await bot.say(OFFICE, "/dialogue")
    reschedule_button = bot.message_with_button(OFFICE, "dl:re:1")
    await move_meeting(bot, datetime.now(timezone.utc) - timedelta(hours=2))
    ids = dict(await bot.rows("SELECT code, id FROM concerns"))
    # Once the meeting has begun it can no longer be moved: /dialogue says what comes next.
    shown = (await bot.say(OFFICE, "/dialogue"))[0]
    assert shown.endswith("Buổi đối thoại đã bắt đầu: ghi kết luận của chủ trì bằng /conclude, rồi thông báo kết luận bằng /announce.")
    assert bot.buttons(OFFICE) == []
    assert (await bot.send(OFFICE, bot.fake.press(OFFICE, reschedule_button, "dl:re:1")))[0].endswith(
        "đã bắt đầu: không thể đổi lịch hay hủy nữa.")

    agenda = (await bot.say(CHAIR, "/conclude"))[0]
    assert agenda == "🧾 Kiến nghị trong nội dung đối thoại chờ kết luận của chủ trì: 3. Xin chọn một kiến nghị."
    assert bot.buttons(CHAIR) == [f"cl:pick:{ids[lan]}", f"cl:pick:{ids[binh]}", f"cl:pick:{ids[cuong]}"]
    picked = bot.message_with_button(CHAIR, f"cl:pick:{ids[lan]}")
    details = (await bot.tap(CHAIR, f"cl:pick:{ids[lan]}"))[0]
    assert details == "\n".join([f"Kiến nghị {lan} · Quản lý đất đai", "Nội dung: Đường ngập",
                                 "Người phát biểu: Bà Lan: “Ý kiến về đường ngập”", "", "Chủ trì kết luận thế nào?"])
    assert await bot.tap(CHAIR, f"cl:ans:{ids[lan]}") == [f"Xin gõ nội dung trả lời tại buổi đối thoại cho kiến nghị {lan}."]
    lan_seen = len(bot.fake.bot_texts(LAN))
    recorded = await bot.say(CHAIR, "Xã sẽ nạo vét mương trước mùa mưa năm 2027.")
    assert recorded[0] == (f"✅ Đã ghi kết luận cho kiến nghị {lan}: đã trả lời tại buổi đối thoại. "
                           "Người dân sẽ được biết khi kết luận được thông báo.")
    assert recorded[1].startswith("🧾 Kiến nghị trong nội dung đối thoại chờ kết luận của chủ trì: 2.")
    assert len(bot.fake.bot_texts(LAN)) == lan_seen  # residents learn conclusions at the announcement
    # The item's old button, now that it is concluded.
    assert await bot.send(CHAIR, bot.fake.press(CHAIR, picked, f"cl:pick:{ids[lan]}")) == [
        f"Việc này đã làm rồi hoặc không còn thực hiện được: kiến nghị {lan} hiện ở tình trạng “Đã trả lời tại buổi đối thoại”. "
        "Không có gì thay đổi."]

    # Not everything concluded yet: the announcement is refused, naming what is missing.
    assert await bot.say(OFFICE, "/announce") == [
        f"Các kiến nghị sau trong nội dung đối thoại chưa có kết luận: {binh}, {cuong}. Xin ghi kết luận bằng /conclude trước. "
        "Chưa thông báo gì."]

    await bot.tap(CHAIR, f"cl:pick:{ids[binh]}")
    officer = await person(bot, OFFICER)
    assert await bot.tap(CHAIR, f"cl:asg:{ids[binh]}") == [f"Công chức nào sẽ giải quyết kiến nghị {binh}?"]
    assert bot.buttons(CHAIR) == [f"cl:off:{ids[binh]}:{officer}"]
    assert bot.fake.last_bot_message(CHAIR)["reply_markup"]["inline_keyboard"][0][0]["text"] == "Anh Tuấn · Địa chính - Xây dựng"
    await bot.tap(CHAIR, f"cl:off:{ids[binh]}:{officer}")
    await bot.say(CHAIR, "Kiểm tra hồ sơ, cấp giấy chứng nhận hoặc trả lời bằng văn bản")
    # The office records the last one (not accepted, with the reason).
    await bot.say(OFFICE, "/conclude")
    await bot.tap(OFFICE, f"cl:pick:{ids[cuong]}")
    assert await bot.tap(OFFICE, f"cl:rej:{ids[cuong]}") == [f"Xin gõ lý do không chấp nhận kiến nghị {cuong}."]
    assert (await bot.say(OFFICE, "Thuộc thẩm quyền của công ty môi trường huyện"))[1] == (
        "Mọi kiến nghị trong nội dung đối thoại đã có kết luận. Văn phòng có thể thông báo kết luận bằng /announce.")
    # The office entered it for the chair: it can be announced only once the chair confirmed it (issue 11).
    assert cuong in bot.fake.bot_texts(CHAIR)[-1] and "/confirm" in bot.fake.bot_texts(CHAIR)[-1]
    refused = (await bot.say(OFFICE, "/announce"))[0]
    assert cuong in refused and lan not in refused and "/confirm" in refused
    assert (await bot.say(CHAIR, "/confirm"))[0].endswith(f"• {cuong}: không chấp nhận (Thuộc thẩm quyền của công ty môi trường huyện)")
    assert (await bot.tap(CHAIR, "cf:ok:1"))[0].startswith("✅")
    assert await bot.rows("SELECT code, status, conclusion, conclusion_text, dialogue_id FROM concerns ORDER BY id") == [
        (lan, "answered", "answered", "Xã sẽ nạo vét mương trước mùa mưa năm 2027.", 1),
        (binh, "assigned", "assigned", "Kiểm tra hồ sơ, cấp giấy chứng nhận hoặc trả lời bằng văn bản", 1),
        (cuong, "rejected", "not_accepted", "Thuộc thẩm quyền của công ty môi trường huyện", 1)]
    assert await bot.rows("SELECT concern_id, officer_person_id, body, due_date FROM assignments") == [
        (ids[binh], officer, "Địa chính - Xây dựng", None)]
    assert not any(t.startswith("📢") for t in bot.fake.bot_texts(BINH) + bot.fake.bot_texts(CUONG))

    # The announcement: today, the 20th working day after it is the due date.
    today = today_local()
    due = bot.services.calendar.working_days_after(today, 20)
    assert due == assignment_due_date(today, WorkingCalendar(), DeadlineRules())
    preview = (await bot.say(OFFICE, "/announce"))[0]
    assert preview.startswith("📢 Thông báo kết luận buổi đối thoại ")
    assert f"3 kiến nghị, trong đó 1 kiến nghị giao giải quyết (hạn {vi_date(due)})" in preview
    assert "⚠️" not in preview
    assert bot.buttons(OFFICE) == ["an:ok:1", "an:no"]
    confirm = bot.message_with_button(OFFICE, "an:ok:1")
    done = (await bot.tap(OFFICE, "an:ok:1"))[0]
    assert f"hôm nay, {vi_date(today)}: 3 kiến nghị. Người dân liên quan và 2 trưởng thôn đã được báo." in done
    assert (f"1 việc được giao phải giải quyết xong trước {vi_date(due)}; công chức được giao đã được báo. "
            "Hạn này là 20 ngày làm việc kể từ hôm nay.") in done
    assert "chậm" not in done
    assert await bot.rows("SELECT status, announced_on FROM dialogues") == [("held", today.isoformat())]
    assert await bot.rows("SELECT due_date FROM assignments") == [(due.isoformat(),)]

    assert bot.fake.bot_texts(LAN)[-1] == (
        f"📢 Kết luận của buổi đối thoại đã được thông báo.\nKiến nghị {lan} đã được trả lời tại buổi đối thoại.\n\n"
        "Trả lời: Xã sẽ nạo vét mương trước mùa mưa năm 2027.")
    assert bot.fake.bot_texts(BINH)[-1] == (
        f"📢 Kết luận của buổi đối thoại đã được thông báo.\nKiến nghị {binh} được giao cho Địa chính - Xây dựng giải quyết "
        f"và trả lời ông/bà bằng văn bản chậm nhất {vi_date(due)}.\n\n"
        "Kết luận của chủ trì: Kiểm tra hồ sơ, cấp giấy chứng nhận hoặc trả lời bằng văn bản")
    assert bot.fake.bot_texts(CUONG)[-1] == (
        f"📢 Kết luận của buổi đối thoại đã được thông báo.\nKiến nghị {cuong} không được chấp nhận tại buổi đối thoại.\n\n"
        "Lý do: Thuộc thẩm quyền của công ty môi trường huyện")
    # The office saw each of these, word for word, before confirming (issue 6, item 22).
    for resident in (LAN, BINH, CUONG):
        assert bot.fake.bot_texts(resident)[-1] in "\n".join(bot.fake.bot_texts(OFFICE)[-8:])
    # /announce also gives the office the announcement as a document and its loudspeaker version (issue 11).
    assert bot.fake.bot_texts(OFFICE)[-2] == "Thông báo kết luận, để vào số, ký và niêm yết."
    assert bot.fake.bot_texts(OFFICE)[-1].startswith("Để đọc trên loa truyền thanh:\n\nThông báo của Ủy ban nhân dân xã Bảo Lâm.")
    assert "Chưa có gì được gửi đi cho đến khi ông/bà bấm “Thông báo ngay”." in preview
    meeting_day = (await bot.rows("SELECT meeting_at FROM dialogues"))[0][0]
    meeting_day = datetime.fromisoformat(meeting_day).astimezone(TZ).date()
    assert bot.fake.bot_texts(HEAD2)[-1] == "\n".join([
        f"📢 Kết luận buổi đối thoại {vi_date(meeting_day)} đối với thôn 2:",
        f"• {lan}: đã trả lời tại buổi đối thoại: Xã sẽ nạo vét mương trước mùa mưa năm 2027.",
        f"• {cuong}: không chấp nhận: Thuộc thẩm quyền của công ty môi trường huyện"])
    assert bot.fake.bot_texts(HEAD3)[-1] == "\n".join([
        f"📢 Kết luận buổi đối thoại {vi_date(meeting_day)} đối với thôn 3:",
        f"• {binh}: giao Địa chính - Xây dựng, trả lời chậm nhất {vi_date(due)}"])
    assert bot.fake.bot_texts(OFFICER)[-1] == "\n".join([
        f"🗂 Việc mới được giao từ buổi đối thoại: kiến nghị {binh} (Quản lý đất đai).", "",
        "Nội dung: Sổ đỏ chậm",
        "Kết luận của chủ trì: Kiểm tra hồ sơ, cấp giấy chứng nhận hoặc trả lời bằng văn bản", "",
        f"Hạn giải quyết: {vi_date(due)} (còn 20 ngày làm việc). Việc được giao của ông/bà: /tasks"])
    assert await bot.rows("SELECT COUNT(*) FROM audit_log WHERE action = 'concern.announced' AND subject_type = 'concern'") == [(3,)]

    # Announced once only: the command and the same button again are refused.
    again = f"Kết luận của buổi đối thoại này đã được thông báo vào {vi_date(today)}. Không có gì thay đổi."
    assert await bot.say(OFFICE, "/announce") == [again]
    assert await bot.send(OFFICE, bot.fake.press(OFFICE, confirm, "an:ok:1")) == [again]
    assert await bot.rows("SELECT COUNT(*) FROM outbox WHERE kind = 'conclusion_announced'") == [(3,)]
    # An old /conclude button, or /conclude itself, says the conclusions were announced (issue 6, item 23).
    assert await forge(bot, CHAIR, f"cl:pick:{ids[lan]}") == [again]
    assert await bot.say(CHAIR, "/conclude") == [again]


async def test_a_hamlet_heads_long_list_of_conclusions_is_one_message_with_pages(bot):
    await officials(bot)
    await bot.register(LAN, "Bà Lan")
    resident = await person(bot, LAN)
    async with bot.database.transaction() as db:
        cursor = await db.execute(
            "INSERT INTO dialogues (commune_id, meeting_at, place, created_at) VALUES ('bao-lam', ?, 'Hội trường', ?)",
            ((datetime.now(timezone.utc) - timedelta(days=1)).replace(microsecond=0).isoformat(), "2026-01-01T00:00:00+00:00"))
        for number in range(25):
            await db.execute(
                "INSERT INTO concerns (commune_id, code, resident_id, hamlet_id, category, body, status, submission_key,"
                " submitted_at, updated_at, dialogue_id, conclusion, conclusion_text, conclusion_confirmed_at)"
                " VALUES ('bao-lam', ?, ?, 'thon-2', 'land', 'Đường ngập', 'answered', ?, ?, ?, ?, 'answered', ?,"
                " '2026-01-01T00:00:00+00:00')",  # concluded by the chair: nothing waits for /confirm
                (f"600-{number:03d}", resident, f"h-{number}", f"2026-01-01T00:00:{number:02d}+00:00",
                 "2026-01-01T00:00:00+00:00", cursor.lastrowid, "Xã đã nạo vét mương. " * 20))
    await bot.services.dialogues.announce(await bot.services.staff.actor("telegram", str(OFFICE)))
    before = len(bot.fake.bot_texts(HEAD2))
    await bot.deliver()
    assert len(bot.fake.bot_texts(HEAD2)) == before + 1  # one message for the 25 conclusions of thôn 2
    first = bot.fake.bot_texts(HEAD2)[-1]
    assert first.splitlines()[1] == "Trang 1/2"
    assert re.findall(r"• (\d{3}-\d{3})", first) == [f"600-{n:03d}" for n in range(20)]
    next_page, = bot.buttons(HEAD2)
    assert re.fullmatch(r"pn:\d+:pg:2", next_page)
    second = await bot.tap(HEAD2, next_page)
    assert re.findall(r"• (\d{3}-\d{3})", second[0]) == [f"600-{n:03d}" for n in range(20, 25)]
    assert len(first) < 4096 and bot.buttons(HEAD2) == [next_page.replace("pg:2", "pg:1")]


def test_due_date_is_the_20th_working_day_after_the_announcement():
    # Announcement Wednesday 26/8/2026: 27, 28 August (1, 2); 31/8 is swapped off and 1-2/9 are
    # National Day; 3, 4 (3, 4), 7-11 (5-9), 14-18 (10-14), 21-25 (15-19), 28 September (20).
    assert assignment_due_date(date(2026, 8, 26), WorkingCalendar(), DeadlineRules()) == date(2026, 9, 28)


async def test_a_late_announcement_is_allowed_and_shown_as_late(bot):
    await officials(bot)
    await schedule(bot)
    meeting = datetime.now(timezone.utc) - timedelta(days=30)
    await move_meeting(bot, meeting)
    calendar = bot.services.calendar
    limit = calendar.working_days_after(meeting.astimezone(TZ).date(), 10)
    late = calendar.working_days_between(limit, today_local())
    assert late > 0
    preview = (await bot.say(OFFICE, "/announce"))[0]
    assert (f"⚠️ Đã chậm {late} ngày làm việc: theo kế hoạch phải thông báo chậm nhất {vi_date(limit)}.") in preview
    done = (await bot.tap(OFFICE, "an:ok:1"))[0]
    assert done.endswith(f"⚠️ Việc thông báo chậm {late} ngày làm việc: theo kế hoạch phải thông báo chậm nhất {vi_date(limit)}.")
    assert await bot.rows("SELECT json_extract(details, '$.late_days') FROM audit_log WHERE action = 'dialogue.announced'") == [(late,)]


# --- who may do what ---------------------------------------------------------------------------------

async def test_residents_officers_and_mttq_cannot_run_the_dialogue(bot):
    await officials(bot)
    lan, binh, cuong = await three_speakers(bot)
    await bot.say(OFFICE, "/speakers")
    await bot.tap(OFFICE, "sk:ok:1")
    await move_meeting(bot, datetime.now(timezone.utc) - timedelta(hours=1))
    bot.fake.add_user(9999, "Người lạ")
    for user_id in (LAN, OFFICER, MTTQ, 9999):
        assert await bot.say(user_id, "/next") == [NOT_ALLOWED_MEETING], user_id
        assert await bot.say(user_id, "/announce") == [NOT_ALLOWED_OFFICE], user_id
        assert await bot.say(user_id, "/conclude") == [NOT_ALLOWED_MEETING], user_id
    for user_id in (LAN, OFFICER, 9999):
        assert await bot.say(user_id, "/dialogue") == [NOT_ALLOWED_MEETING], user_id
        assert (await bot.say(user_id, "/speakers"))[0].startswith("Xin lỗi, việc này chỉ dành cho "), user_id
    # Forged or forwarded buttons are refused the same way, in the service.
    for data in ("mt:nx:1:0", "an:ok:1", "dl:cxy:1", "dl:re:1", "sk:ok:2", "sk:no:2", "cl:pick:1", "cl:ans:1"):
        answer = await forge(bot, LAN, data)
        assert answer[0].startswith("Xin lỗi, việc này chỉ dành cho "), data
    assert await bot.rows("SELECT current_position, status FROM dialogues") == [(None, "scheduled")]
    assert await bot.rows("SELECT review FROM speaker_registrations ORDER BY id") == [("approved",), ("pending",), ("pending",)]
    assert await bot.rows("SELECT COUNT(*) FROM outbox WHERE kind IN ('speaker_called', 'conclusion_announced')") == [(0,)]
    known = [await person(bot, user_id) for user_id in (LAN, OFFICER, MTTQ)]
    refused = await bot.rows("SELECT COUNT(*) FROM audit_log WHERE action = 'refused' AND actor_person_id IN (?, ?, ?)", *known)
    # Audited: Lan, the officer and MTTQ for three commands, Lan and the officer for two more, Lan's eight buttons.
    assert refused == [(3 * 3 + 2 * 2 + 8,)]


async def test_a_long_agenda_is_paged_for_the_chair_and_every_item_can_be_chosen(bot):
    await officials(bot)
    lan, _, _ = await three_speakers(bot)
    await move_meeting(bot, datetime.now(timezone.utc) - timedelta(hours=2))
    async with bot.database.transaction() as db:  # a province's agenda: many more than a message holds
        for n in range(45):
            await db.execute(
                "INSERT INTO concerns (commune_id, code, resident_id, hamlet_id, category, body, status, submission_key,"
                " submitted_at, updated_at, dialogue_id) SELECT commune_id, ?, resident_id, hamlet_id, category, body,"
                " status, ?, submitted_at, updated_at, dialogue_id FROM concerns WHERE code = ?",
                (f"9{n:02d}-000", f"agenda-{n}", lan))
    agenda = (await bot.say(CHAIR, "/conclude"))[0]
    assert agenda.startswith("🧾 Kiến nghị trong nội dung đối thoại chờ kết luận của chủ trì: 48.") and "Trang 1/3" in agenda
    message_id = bot.fake.last_bot_message(CHAIR)["message_id"]
    picks = [d for d in bot.buttons_on(CHAIR, message_id) if d.startswith("cl:pick:")]
    for page in (2, 3):
        await bot.send(CHAIR, bot.fake.press(CHAIR, message_id, f"cl:pg:{page}"))  # the same message turns
        picks += [d for d in bot.buttons_on(CHAIR, message_id) if d.startswith("cl:pick:")]
    on_agenda = await bot.rows("SELECT id FROM concerns WHERE dialogue_id = 1 AND conclusion IS NULL")
    assert sorted(picks) == sorted(f"cl:pick:{i}" for (i,) in on_agenda) and len(picks) == 48
    # The last item of the last page can be chosen like the first.
    assert (await bot.send(CHAIR, bot.fake.press(CHAIR, message_id, picks[-1])))[0].endswith("Chủ trì kết luận thế nào?")
