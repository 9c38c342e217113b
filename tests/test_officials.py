"""The officials' daily use (issue 6, items 16 and 19-23): opening a concern's attachments, names of
officials granted on the server, reassignment and the one extension, the dialogue wizard's review,
previews before residents read anything, and the office's menu."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.calendar import WorkingCalendar

LAN = 1001
MINH, TUAN = 2001, 2002  # officers
THU = 3001  # commune office
CHAIR = 3003
CODE = re.compile(r"Mã theo dõi: (\d{3}-\d{3})")
LAND_BODY = "Địa chính - Xây dựng"
SOCIAL_BODY = "Văn hóa - Xã hội"
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
    await bot.grant(CHAIR, "Ông Nam", "chair")


async def voice_photo_and_location_concern(bot) -> str:
    """A concern sent as a voice note, a photo and a location, with no typed text."""
    await bot.say(LAN, "/new")
    await bot.tap(LAN, "cc:cat:land")
    await bot.send(LAN, bot.fake.send_voice(LAN))
    await bot.send(LAN, bot.fake.send_photo(LAN))
    await bot.send(LAN, bot.fake.send_location(LAN, 11.52, 107.81))
    confirm = next(d for d in bot.buttons(LAN) if d.startswith("cc:ok:"))
    return CODE.search((await bot.tap(LAN, confirm))[0]).group(1)


def sent(bot, method: str, chat_id: int) -> int:
    return len([call for call in bot.fake.calls_of(method, chat_id=chat_id) if call.ok])


async def opens_all_three(bot, user_id: int, code: str) -> None:
    before = {method: sent(bot, method, user_id) for method in ("sendVoice", "sendPhoto", "sendLocation")}
    await bot.tap(user_id, f"cw:files:{code}")
    assert {method: sent(bot, method, user_id) - count for method, count in before.items()} == {
        "sendVoice": 1, "sendPhoto": 1, "sendLocation": 1}
    location = bot.fake.calls_of("sendLocation", chat_id=user_id)[-1].params
    assert (float(location["latitude"]), float(location["longitude"])) == (11.52, 107.81)


# --- item 16: attachments for every official who may read the concern ------------------------------

async def test_the_office_and_the_chair_open_a_voice_only_concerns_attachments(bot):
    await staff_up(bot)
    code = await voice_photo_and_location_concern(bot)

    # The office screening it from /inbox hears and sees it before deciding.
    await bot.say(THU, "/inbox")
    assert f"cw:files:{code}" in bot.buttons(THU)
    await opens_all_three(bot, THU, code)
    # ... and from the concern's file.
    await bot.say(THU, f"/concern {code}")
    assert f"cw:files:{code}" in bot.buttons(THU)
    await opens_all_three(bot, THU, code)

    # The chair concluding it at the meeting.
    async with bot.database.transaction() as db:
        cursor = await db.execute(
            "INSERT INTO dialogues (commune_id, meeting_at, place, created_at) VALUES (?, ?, ?, ?)",
            ("bao-lam", (datetime.now(ZoneInfo("UTC")) - timedelta(hours=1)).replace(microsecond=0).isoformat(),
             "Hội trường", "2026-07-01T00:00:00+00:00"))
        await db.execute("UPDATE concerns SET status = 'accepted', dialogue_id = ? WHERE code = ?", (cursor.lastrowid, code))
    concern_id = (await bot.rows("SELECT id FROM concerns WHERE code = ?", code))[0][0]
    await bot.say(CHAIR, "/conclude")
    shown = await bot.tap(CHAIR, f"cl:pick:{concern_id}")
    assert "Tệp đính kèm: 3" in shown[0]
    assert f"cw:files:{code}" in bot.buttons(CHAIR)
    await opens_all_three(bot, CHAIR, code)


async def test_attachments_follow_the_same_rule_as_reading_the_concern(bot):
    await staff_up(bot)
    code = await voice_photo_and_location_concern(bot)
    # A resident (even the one who sent it, who has their own /mine) and a stranger get the refusal of /concern.
    refusal = await bot.say(LAN, f"/concern {code}")
    message_id = bot.fake.last_bot_message(LAN)["message_id"]
    assert await bot.send(LAN, bot.fake.press(LAN, message_id, f"cw:files:{code}")) == refusal
    assert sent(bot, "sendVoice", LAN) == 0
    # An unknown code answers like /concern with it.
    unknown = await bot.say(THU, "/concern 999-999")
    office_message = bot.fake.last_bot_message(THU)["message_id"]
    assert await bot.send(THU, bot.fake.press(THU, office_message, "cw:files:999-999")) == unknown


# --- item 20: the one extension belongs to the concern ------------------------------------------------

async def concern_assigned_by_the_conclusions(bot, text: str, *, announced: date) -> str:
    code = CODE.search((await bot.submit_concern(LAN, text))[0]).group(1)
    async with bot.database.transaction() as db:
        cursor = await db.execute(
            "INSERT INTO dialogues (commune_id, meeting_at, place, created_at, announced_on) VALUES (?, ?, ?, ?, ?)",
            ("bao-lam", "2026-08-10T01:30:00+00:00", "Hội trường UBND xã", "2026-07-01T00:00:00+00:00", announced.isoformat()))
        await db.execute("UPDATE concerns SET status = 'assigned', conclusion = 'assigned', dialogue_id = ? WHERE code = ?",
                         (cursor.lastrowid, code))
    return code


async def officer_grant(bot, user_id: int) -> int:
    rows = await bot.rows("SELECT r.id FROM roles r JOIN people p ON p.id = r.person_id"
                          " WHERE p.external_id = ? AND r.role = 'officer' AND r.revoked_at IS NULL", str(user_id))
    return rows[0][0]


async def assign(bot, code: str, officer: int) -> list[str]:
    await bot.say(THU, f"/assign {code}")
    return await bot.tap(THU, f"tk:as:{code}:{await officer_grant(bot, officer)}")


async def test_a_reassigned_officer_is_not_offered_the_extension_already_used(bot):
    """DOMAIN.md: "extended (once, within 30 working days ...)" is a step of the concern's life, so the one
    extension belongs to the concern, whoever holds it; reassigning keeps the extended date."""
    await staff_up(bot)
    code = await concern_assigned_by_the_conclusions(bot, "Mương thoát nước bị tắc", announced=today())
    await assign(bot, code, MINH)
    due = CALENDAR.working_days_after(today(), 20)
    latest = CALENDAR.working_days_after(today(), 30)
    assert f"Hạn trả lời: {vi_date(due)}." in bot.fake.bot_texts(LAN)[-1]
    await bot.tap(MINH, f"tk:ext:{code}")
    await bot.say(MINH, f"{latest:%d/%m/%Y}")
    await bot.say(MINH, "Cần đo đạc lại ranh giới mương với hộ giáp ranh; Anh Minh (Địa chính) chịu trách nhiệm.")
    assert await bot.rows("SELECT extended_to FROM assignments") == [(latest.isoformat(),)]

    await assign(bot, code, TUAN)
    notice = bot.fake.bot_texts(TUAN)[-1]
    assert f"Hạn giải quyết: {vi_date(latest)}" in notice
    assert "Thời hạn đã được gia hạn một lần (kế hoạch chỉ cho phép gia hạn một lần cho mỗi kiến nghị)." in notice
    assert bot.buttons(TUAN) == [f"tk:note:{code}", f"tk:res:{code}"]
    await bot.say(TUAN, "/tasks")
    assert bot.buttons(TUAN) == [f"tk:note:{code}", f"tk:res:{code}"]
    message_id = bot.fake.last_bot_message(TUAN)["message_id"]
    assert (await bot.send(TUAN, bot.fake.press(TUAN, message_id, f"tk:ext:{code}")))[0].startswith(
        f"Thời hạn giải quyết kiến nghị {code} đã được gia hạn một lần")

    # The resident is told the date stays, not that there is a new one.
    told = bot.fake.bot_texts(LAN)[-1]
    assert f"Hạn trả lời không thay đổi: {vi_date(latest)}." in told
    assert "Hạn trả lời mới" not in told


async def test_reassigning_before_any_extension_keeps_the_due_date_and_says_so(bot):
    await staff_up(bot)
    code = await concern_assigned_by_the_conclusions(bot, "Đèn đường hỏng", announced=today())
    due = CALENDAR.working_days_after(today(), 20)
    await assign(bot, code, MINH)
    await assign(bot, code, TUAN)
    assert bot.buttons(TUAN) == [f"tk:note:{code}", f"tk:ext:{code}", f"tk:res:{code}"]
    assert f"Hạn trả lời không thay đổi: {vi_date(due)}." in bot.fake.bot_texts(LAN)[-1]


# --- item 19: officials granted on the server -------------------------------------------------------

async def grant_on_the_server(bot, user_id: int, name: str, role: str, **where) -> None:
    """As `python -m bot grant --name NAME` does; the person has not written to the bot yet."""
    await bot.services.staff.grant_on_server("telegram", str(user_id), commune_id="bao-lam", role=role,
                                             display_name=name, **where)


async def test_an_official_granted_on_the_server_is_named_and_marked_until_they_open_the_bot(bot):
    await bot.register(LAN, "Bà Lan")
    await bot.grant(THU, "Chị Thu", "office")
    await grant_on_the_server(bot, MINH, "Anh Minh", "officer", body=LAND_BODY)
    code = await concern_assigned_by_the_conclusions(bot, "Đèn đường hỏng", announced=today())

    await bot.say(THU, f"/assign {code}")
    labels = [b["text"] for row in bot.fake.last_bot_message(THU)["reply_markup"]["inline_keyboard"] for b in row]
    assert labels == [f"Anh Minh (chưa mở bot) · {LAND_BODY}"]
    done = await bot.tap(THU, f"tk:as:{code}:{await officer_grant(bot, MINH)}")
    assert done[0].endswith("⚠️ Anh Minh chưa mở bot nên Telegram không thể chuyển thông báo. "
                            "Xin báo người này mở bot và gửi /start.")

    # Once they open the bot, the mark goes.
    bot.fake.add_user(MINH, "Minh Telegram", username="minh_dc")
    await bot.say(MINH, "/start")
    await bot.say(THU, f"/assign {code}")
    labels = [b["text"] for row in bot.fake.last_bot_message(THU)["reply_markup"]["inline_keyboard"] for b in row]
    assert labels == [f"Anh Minh · {LAND_BODY}"]


async def test_the_chair_and_officer_pickers_of_the_dialogue_mark_who_has_not_opened_the_bot(bot):
    await bot.grant(THU, "Chị Thu", "office")
    await grant_on_the_server(bot, CHAIR, "Ông Nam", "chair")
    await grant_on_the_server(bot, MINH, "Anh Minh", "officer", body=LAND_BODY)
    chair = await bot.services.dialogues.chair_choices(await bot.services.staff.actor("telegram", str(THU)))
    assert [(c.name, c.started) for c in chair] == [("Ông Nam", False)]
    officers = await bot.services.dialogues.officers(await bot.services.staff.actor("telegram", str(THU)))
    assert [(o.display_name, o.started) for o in officers] == [("Anh Minh", False)]
    # Asking who someone is does not count as them opening the bot; only their own message does.
    await bot.services.staff.actor("telegram", str(MINH))
    assert [o.started for o in await bot.services.dialogues.officers(await bot.services.staff.actor("telegram", str(THU)))] == [False]


ADMIN = 8001


async def test_admin_screens_name_people_by_name_username_and_id(fake_api, tmp_path):
    from tests.harness import BotUnderTest

    bot = BotUnderTest(fake_api, tmp_path / "d.sqlite3", admin_ids=frozenset({ADMIN}))
    await bot.start()
    try:
        bot.fake.add_user(ADMIN, "Quản trị")
        await grant_on_the_server(bot, MINH, "Anh Minh", "officer", body=LAND_BODY)
        await grant_on_the_server(bot, TUAN, "Anh Tuấn", "officer", body=SOCIAL_BODY)
        bot.fake.add_user(TUAN, "Tuấn", username="tuan_vh")
        await bot.say(TUAN, "/start")
        listing = (await bot.say(ADMIN, "/staff"))[0]
        assert f"• Anh Minh (id {MINH}) (chưa mở bot): Công chức {LAND_BODY}" in listing
        assert f"• Anh Tuấn (@tuan_vh, id {TUAN}): Công chức {SOCIAL_BODY}" in listing
        await bot.say(ADMIN, "/revoke")
        labels = [b["text"] for row in bot.fake.last_bot_message(ADMIN)["reply_markup"]["inline_keyboard"] for b in row]
        assert f"Anh Tuấn (@tuan_vh, id {TUAN}) · Công chức {SOCIAL_BODY}" in labels

        # The admin who made an invitation learns who took it, by name, @username and id.
        await bot.say(ADMIN, "/grant")
        await bot.tap(ADMIN, "ad:role:mttq")
        token = re.search(r"/start (\S+)", bot.fake.bot_texts(ADMIN)[-1]).group(1)
        bot.fake.add_user(5005, "Bà Mai", username="mai_mttq")
        await bot.say(5005, f"/start {token}")
        await bot.deliver()
        assert bot.fake.bot_texts(ADMIN)[-1].startswith("Bà Mai (@mai_mttq, id 5005) đã nhận vai trò")
    finally:
        await bot.stop()


# --- item 21: the dialogue wizard reads dates and times as people type them, and each answer can be changed --

def review_of(bot, user_id: int) -> str:
    return next(text for text in reversed(bot.fake.bot_texts(user_id)) if text.startswith("Xin kiểm tra lại buổi đối thoại"))


async def test_every_answer_of_the_dialogue_can_be_changed_from_the_summary(bot):
    from tests.dates import future_monday

    await bot.grant(THU, "Chị Thu", "office")
    await bot.grant(CHAIR, "Ông Nam", "chair")
    chair = (await bot.rows("SELECT id FROM people WHERE external_id = ?", str(CHAIR)))[0][0]
    meeting = future_monday(bot.services.calendar)
    later = meeting + timedelta(days=7)
    await bot.say(THU, "/dialogue")
    # Day and month only: the next such day.
    assert (await bot.say(THU, f"{meeting.day}/{meeting.month}"))[0].startswith("Buổi đối thoại bắt đầu lúc mấy giờ?")
    assert (await bot.say(THU, "7h30"))[0].startswith("Buổi đối thoại tổ chức ở đâu?")
    # A time typed one step late is not taken as the place.
    assert await bot.say(THU, "8:30") == [
        "“8:30” là giờ, không phải địa điểm. Xin gõ địa điểm, ví dụ “Nhà văn hóa thôn 2”. "
        "Giờ có thể sửa ở bước kiểm tra trước khi lưu."]
    await bot.say(THU, "Nhà văn hóa thôn 2")
    await bot.tap(THU, "dl:theme:skip")
    await bot.tap(THU, f"dl:chair:{chair}")
    assert f"Ngày: {vi_date(meeting)}, lúc 07:30" in review_of(bot, THU)
    assert "Địa điểm: Nhà văn hóa thôn 2" in review_of(bot, THU)
    plan = next(d for d in bot.buttons(THU) if d.startswith("dl:ok:")).split(":")[2]
    assert bot.buttons(THU) == [f"dl:ok:{plan}", f"dl:no:{plan}"] + [
        f"dl:ed:{field}:{plan}" for field in ("date", "time", "place", "theme", "chair")]

    # Change the time: straight back to the summary.
    await bot.tap(THU, f"dl:ed:time:{plan}")
    assert await bot.say(THU, "25h") == ["Xin gõ giờ theo dạng giờ:phút, ví dụ 08:00 (gõ 7h30 hay 14h cũng được)."]
    await bot.say(THU, "14h")
    assert f"Ngày: {vi_date(meeting)}, lúc 14:00" in review_of(bot, THU)
    # The date, typed as year-month-day.
    await bot.tap(THU, f"dl:ed:date:{plan}")
    await bot.say(THU, later.isoformat())
    assert f"Ngày: {vi_date(later)}, lúc 14:00" in review_of(bot, THU)
    # The place and the theme.
    await bot.tap(THU, f"dl:ed:place:{plan}")
    await bot.say(THU, "Hội trường thôn 3")
    await bot.tap(THU, f"dl:ed:theme:{plan}")
    await bot.say(THU, "Đất đai")
    shown = review_of(bot, THU)
    assert "Địa điểm: Hội trường thôn 3" in shown and "Chuyên đề: Đất đai" in shown
    assert await bot.rows("SELECT COUNT(*) FROM dialogues") == [(0,)]  # nothing saved yet

    await bot.tap(THU, f"dl:ok:{plan}")
    stored = await bot.rows("SELECT meeting_at, place, theme FROM dialogues")
    at = datetime.fromisoformat(stored[0][0]).astimezone(ZoneInfo("Asia/Ho_Chi_Minh"))
    assert (at.date(), at.hour, at.minute, stored[0][1], stored[0][2]) == (later, 14, 0, "Hội trường thôn 3", "Đất đai")


def test_a_date_without_a_year_is_the_next_such_day_and_an_iso_date_is_read():
    from bot.domain import parse_day

    assert parse_day("15/12", date(2026, 12, 1)) == date(2026, 12, 15)
    assert parse_day("15/12", date(2026, 12, 16)) == date(2027, 12, 15)
    assert parse_day("1.1", date(2026, 12, 16)) == date(2027, 1, 1)
    assert parse_day("29/2", date(2026, 12, 1)) == date(2028, 2, 29)
    assert parse_day("2026-12-15") == date(2026, 12, 15)
    assert parse_day("15/12") is None  # without a reference day, no guess
    assert parse_day("32/12", date(2026, 12, 1)) is None and parse_day("2026-02-30") is None


# --- item 22: the officer's written result is shown before it goes out -----------------------------------

async def test_the_officers_result_is_previewed_and_can_be_written_again_before_it_is_sent(bot):
    await staff_up(bot)
    code = await concern_assigned_by_the_conclusions(bot, "Cầu tràn bị sạt", announced=today())
    await assign(bot, code, MINH)
    before = len(bot.fake.bot_texts(LAN))
    await bot.tap(MINH, f"tk:res:{code}")
    shown = await bot.say(MINH, "Đã sửa cầu tràn")
    # Word for word what the resident receives: the body's answer (not the officer's), the status not repeated.
    assert shown[:2] == ["Người dân sẽ nhận được nội dung sau:",
                         f"Kiến nghị {code}: {LAND_BODY} đã trả lời bằng văn bản.\n\nĐã sửa cầu tràn"]
    assert bot.buttons(MINH) == [f"tk:rok:{code}", f"tk:red:{code}"]
    assert len(bot.fake.bot_texts(LAN)) == before  # nothing went out

    assert await bot.tap(MINH, f"tk:red:{code}") == [
        f"Chưa có gì được gửi đi. Xin viết lại kết quả giải quyết kiến nghị {code}."]
    result = "Đã sửa xong cầu tràn, đã nghiệm thu ngày 15/12; xe tải nhẹ qua lại được."
    await bot.say(MINH, result)
    assert await bot.tap(MINH, f"tk:rok:{code}") == [
        f"✅ Kiến nghị {code} đã được giải quyết. Người dân đã nhận văn bản kết quả của ông/bà."]
    assert await bot.rows("SELECT result FROM assignments WHERE resolved_at IS NOT NULL") == [(result,)]
    assert result in bot.fake.bot_texts(LAN)[-1] and "Đã sửa cầu tràn\n" not in bot.fake.bot_texts(LAN)[-1]
    assert bot.fake.bot_texts(LAN)[-1] == f"Kiến nghị {code}: {LAND_BODY} đã trả lời bằng văn bản.\n\n{result}"


# --- item 23: stale buttons, words and the office's menu ----------------------------------------------

async def test_the_office_menu_groups_the_meeting_commands_under_one_button(bot):
    await bot.grant(THU, "Chị Thu", "office")
    await bot.grant(CHAIR, "Ông Nam", "chair")
    await bot.grant(5003, "Bà Mai", "mttq")
    await bot.say(THU, "/start")
    keyboard = bot.fake.current_reply_keyboard(THU)
    assert sum(len(row) for row in keyboard) <= 10 and len(keyboard) <= 5
    assert ["📥 Kiến nghị mới", "🗓 Buổi đối thoại", "🎙 Điều hành đối thoại…"] in keyboard
    assert await bot.say(THU, "🎙 Điều hành đối thoại…") == ["Điều hành buổi đối thoại: ông/bà muốn làm gì?"]
    assert bot.buttons(THU) == ["mn:speakers", "mn:next", "mn:conclude", "mn:announce"]
    assert await bot.tap(THU, "mn:conclude") == await bot.say(THU, "/conclude")
    # The chair's group has no announce; the MTTQ, with one command of the group, gets that command itself.
    await bot.say(CHAIR, "🎙 Điều hành đối thoại…")
    assert bot.buttons(CHAIR) == ["mn:speakers", "mn:next", "mn:conclude"]
    await bot.say(5003, "/start")
    assert ["🎙 Người phát biểu", "⏰ Quá hạn", "🔍 Rà soát"] in bot.fake.current_reply_keyboard(5003)
    # A forged menu button still goes through the service's check.
    message_id = bot.fake.last_bot_message(5003)["message_id"]
    assert await bot.send(5003, bot.fake.press(5003, message_id, "mn:announce")) == [
        "Xin lỗi, việc này chỉ dành cho Văn phòng HĐND và UBND xã. Không có gì thay đổi."]


async def test_an_official_typing_outside_a_flow_gets_their_menu_not_a_registration(bot):
    await bot.grant(THU, "Chị Thu", "office")
    replies = await bot.say(THU, "xin chào")
    assert replies == ["Chưa hiểu ý ông/bà. Xin chọn một nút bên dưới, hoặc một lệnh trong menu (/help liệt kê các lệnh)."]
    assert ["📥 Kiến nghị mới", "🗓 Buổi đối thoại", "🎙 Điều hành đối thoại…"] in bot.fake.current_reply_keyboard(THU)
    # Someone the bot does not know is still asked to register.
    bot.fake.add_user(9009, "Người lạ")
    assert await bot.say(9009, "xin chào") == ["Xin chào! Xin bấm /start để đăng ký trước."]


async def test_the_offices_history_speaks_of_the_resident_not_to_them(bot):
    from storage import audit

    await staff_up(bot)
    code = CODE.search((await bot.submit_concern(LAN, "Đường ngập"))[0]).group(1)
    concern_id = (await bot.rows("SELECT id FROM concerns WHERE code = ?", code))[0][0]
    async with bot.database.transaction() as db:
        for action in ("speaker.approved", "speaker.declined"):
            await audit.record(db, commune_id="bao-lam", actor_person_id=None, action=action, subject_type="concern",
                               subject_id=concern_id, details={})
    history = (await bot.say(THU, f"/concern {code}"))[0]
    assert "Đăng ký phát biểu của người dân đã được chấp nhận" in history
    assert "Đăng ký phát biểu của người dân không được chấp nhận" in history
    assert "ông/bà" not in history.lower()
