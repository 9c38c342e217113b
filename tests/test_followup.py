"""After the meeting (issue 11), through the bot: a referred item tracked to its answer, the chair's
confirmation, the MTTQ's supervision note acknowledged, /report and /export by role."""

from __future__ import annotations

import asyncio
import io
from datetime import datetime, timedelta, timezone

from openpyxl import load_workbook

from tests.test_dialogue import (BINH, CHAIR, HEAD2, LAN, MTTQ, OFFICE, OFFICER, move_meeting, officials,
                                 three_speakers)

ELECTRICITY = "Công ty Điện lực Lâm Đồng"


async def told(bot, user_id: int, text: str) -> str:
    """The user's newest message holding `text`, once delivered: the scheduler's own delivery may hold a
    notice in flight for a moment, so wait for it (at most 5 s) instead of racing it."""
    for _ in range(100):
        await bot.deliver()
        found = [m for m in bot.fake.bot_texts(user_id) if text in m]
        if found:
            return found[-1]
        await asyncio.sleep(0.05)
    raise AssertionError(f"{user_id} was never told {text!r}: {bot.fake.bot_texts(user_id)[-3:]}")


async def _held(bot) -> tuple[str, str, str, dict]:
    await officials(bot)
    codes = await three_speakers(bot)
    await move_meeting(bot, datetime.now(timezone.utc) - timedelta(hours=2))
    return (*codes, dict(await bot.rows("SELECT code, id FROM concerns")))


async def _conclude(bot, who: int, concern_id: int, kind: str, text: str) -> list[str]:
    await bot.say(who, "/conclude")
    await bot.tap(who, f"cl:pick:{concern_id}")
    await bot.tap(who, f"cl:{kind}:{concern_id}")
    return await bot.say(who, text)


async def test_a_referred_item_is_followed_until_its_answer_and_is_never_overdue(bot):
    lan, binh, cuong, ids = await _held(bot)
    await bot.say(CHAIR, "/conclude")
    await bot.tap(CHAIR, f"cl:pick:{ids[lan]}")
    asked = await bot.tap(CHAIR, f"cl:ref:{ids[lan]}")
    assert asked[0].startswith(f"Kiến nghị {lan} được kiến nghị đến cơ quan nào?")
    recorded = await bot.say(CHAIR, ELECTRICITY)
    assert "kiến nghị cấp trên, cơ quan khác" in recorded[0] and "xác nhận" not in recorded[0]
    await _conclude(bot, CHAIR, ids[binh], "ans", "Đã trả lời")
    await _conclude(bot, CHAIR, ids[cuong], "ans", "Đã trả lời")
    assert await bot.rows("SELECT status, conclusion, referred_to FROM concerns WHERE code = ?", lan) == [
        ("referred", "referred", ELECTRICITY)]
    await bot.say(OFFICE, "/announce")
    await bot.tap(OFFICE, "an:ok:1")
    assert await told(bot, LAN, "📢") == (
        f"📢 Kết luận của buổi đối thoại đã được thông báo.\nKiến nghị {lan} vượt thẩm quyền của xã nên đã được kiến nghị "
        f"đến {ELECTRICITY}. Ông/bà sẽ được báo khi có trả lời.")
    assert (await told(bot, HEAD2, "📢")).splitlines()[1] == f"• {lan}: kiến nghị {ELECTRICITY}"
    mttq = await told(bot, MTTQ, "📢")  # the MTTQ hears of every announcement
    assert mttq.startswith("📢 Kết luận buổi đối thoại") and mttq.endswith("đã được thông báo: 3 kiến nghị. Xem đầy đủ: /report.")
    # Not an assignment: nobody's clock runs, nothing is overdue; /referred lists it for the office and the MTTQ.
    assert await bot.rows("SELECT COUNT(*) FROM assignments") == [(0,)]
    assert (await bot.say(OFFICE, "/overdue"))[0].startswith("Không có việc nào quá hạn")
    assert f"• {lan}: {ELECTRICITY}" in (await bot.say(MTTQ, "/referred"))[0]
    assert bot.buttons(MTTQ) == []
    listed = await bot.say(OFFICE, "/referred")
    assert bot.buttons(OFFICE) == [f"rf:{ids[lan]}"], listed
    await bot.tap(OFFICE, f"rf:{ids[lan]}")
    done = await bot.say(OFFICE, "Ngành điện sẽ thay đường dây trong quý I năm 2027.")
    assert done[0] == f"✅ Đã ghi trả lời về kiến nghị {lan} và gửi đến người dân."
    await told(bot, LAN, "(cơ quan được kiến nghị) đã trả lời")
    told_lan = bot.fake.last_bot_message(LAN)
    assert told_lan["text"].startswith(f"Kiến nghị {lan}: {ELECTRICITY} (cơ quan được kiến nghị) đã trả lời.")
    assert "Ngành điện sẽ thay đường dây trong quý I năm 2027." in told_lan["text"]
    assert [b["callback_data"] for row in told_lan["reply_markup"]["inline_keyboard"] for b in row] == [
        f"vd:ok:{lan}", f"vd:no:{lan}"]  # the resident may say whether the answer satisfies them
    assert ELECTRICITY in await told(bot, MTTQ, "📨")
    assert await bot.rows("SELECT status, referral_answer IS NOT NULL, referral_answered_at IS NOT NULL FROM concerns"
                          " WHERE code = ?", lan) == [("resolved", 1, 1)]
    assert (await bot.say(OFFICE, "/referred"))[0] == "Không có kiến nghị cấp trên, cơ quan khác nào đang chờ trả lời."
    report = await bot.services.reports.build("bao-lam", dialogue="latest")
    assert (report.figures.conclusions["referred"], report.figures.referred_answered, report.figures.assigned) == (1, 1, 0)


async def test_conclusions_the_office_entered_wait_for_the_chairs_confirmation(bot):
    lan, binh, cuong, ids = await _held(bot)
    for code in (lan, binh, cuong):
        recorded = await _conclude(bot, OFFICE, ids[code], "ans", "Xã sẽ làm trong năm 2027.")
        assert recorded[0].endswith("Chủ trì sẽ được đề nghị xác nhận trước khi thông báo.")
    await bot.deliver()
    assert "/confirm" in await told(bot, CHAIR, lan)
    refused = await bot.say(OFFICE, "/announce")
    assert refused == [f"Chủ trì chưa xác nhận các kết luận do văn phòng ghi sau: {lan}, {binh}, {cuong}. "
                       "Chủ trì xác nhận bằng /confirm. Chưa thông báo gì."]
    assert (await bot.say(MTTQ, "/confirm"))[0].startswith("Xin lỗi, việc này chỉ dành cho")
    listing = (await bot.say(CHAIR, "/confirm"))[0]
    assert listing.splitlines()[0] == "🧾 Kết luận văn phòng đã ghi thay ông/bà, chờ ông/bà xác nhận: 3."
    assert await bot.tap(CHAIR, "cf:ok:1") == ["✅ Ông/bà đã xác nhận 3 kết luận. Văn phòng có thể thông báo."]
    await bot.deliver()
    assert await told(bot, OFFICE, "Chủ trì đã xác nhận") == "✅ Chủ trì đã xác nhận 3 kết luận. Có thể thông báo bằng /announce."
    assert await bot.say(CHAIR, "/confirm") == ["Không có kết luận nào chờ ông/bà xác nhận."]
    assert (await bot.say(OFFICE, "/announce"))[0].startswith("📢 Thông báo kết luận buổi đối thoại")
    assert await bot.rows("SELECT COUNT(*) FROM audit_log WHERE action = 'dialogue.conclusions_confirmed'") == [(1,)]


async def test_the_mttqs_supervision_note_stays_in_overdue_until_office_and_chair_acknowledge_it(bot):
    lan, _, _, _ = await _held(bot)
    assert (await bot.say(OFFICE, f"/note {lan} Đề nghị làm rõ"))[0].startswith("Xin lỗi, việc này chỉ dành cho")
    assert (await bot.say(MTTQ, "/note"))[0].startswith("Xin ghi nội dung sau lệnh")
    recorded = await bot.say(MTTQ, f"/note {lan} Đề nghị làm rõ tiến độ nạo vét mương")
    assert recorded[0].startswith("📝 Đã ghi ý kiến giám sát")
    await bot.deliver()
    await told(bot, OFFICE, "📝 Ý kiến giám sát")
    await told(bot, CHAIR, "📝 Ý kiến giám sát")
    note = bot.fake.last_bot_message(OFFICE)
    assert note["text"] == f"📝 Ý kiến giám sát của Ủy ban MTTQ xã về kiến nghị {lan}:\n\nĐề nghị làm rõ tiến độ nạo vét mương"
    assert bot.buttons(OFFICE) == ["nt:ack:1"] and bot.buttons(CHAIR) == ["nt:ack:1"]
    await bot.say(MTTQ, "/note Đề nghị công khai biên bản buổi đối thoại")
    overdue = await bot.say(MTTQ, "/overdue")
    assert overdue[1].splitlines()[0] == "📝 Ý kiến giám sát của Ủy ban MTTQ xã chưa được tiếp thu: 2"
    assert f"• {lan} (" in overdue[1] and "• buổi đối thoại (" in overdue[1]
    assert await bot.tap(OFFICE, "nt:ack:1") == ["✅ Đã tiếp thu. Ủy ban MTTQ xã sẽ thấy điều này."]
    assert "chưa được tiếp thu: 2" in (await bot.say(OFFICE, "/overdue"))[1]  # the chair has not yet
    await bot.tap(CHAIR, "nt:ack:1")
    assert "chưa được tiếp thu: 1" in (await bot.say(CHAIR, "/overdue"))[1]
    assert await bot.rows("SELECT note_id, role FROM supervision_acks ORDER BY role") == [(1, "chair"), (1, "office")]


async def test_reports_and_exports_by_role_residents_never_hamlet_heads_their_hamlet_only(bot):
    lan, binh, cuong, ids = await _held(bot)
    for code in (lan, binh, cuong):
        await _conclude(bot, CHAIR, ids[code], "ans", "Đã trả lời tại buổi đối thoại.")
    year = datetime.now(timezone.utc).year
    await bot.say(OFFICE, "/report")
    assert bot.buttons(OFFICE)[0] == "rp:d:1" and f"rp:p:{year}" in bot.buttons(OFFICE)
    before = len(bot.fake.calls)
    shown = await bot.tap(OFFICE, "rp:d:1")
    assert shown[0].startswith("📊 Báo cáo: buổi đối thoại ngày") and "Tiếp nhận: 3" in shown[0]
    sent = [c for c in bot.fake.calls[before:] if c.ok and c.method in ("sendPhoto", "sendDocument")]
    assert [c.method for c in sent] == ["sendPhoto", "sendPhoto", "sendDocument", "sendDocument"]
    # The hamlet head of thôn 2 reads a report of thôn 2 only, without the commune's documents.
    await bot.say(HEAD2, "/report")
    before = len(bot.fake.calls)
    head = await bot.tap(HEAD2, "rp:d:1")
    assert "thôn 2" in head[0] and "Tiếp nhận: 2" in head[0]
    assert [c.method for c in bot.fake.calls[before:] if c.ok and c.method.startswith("send")] == [
        "sendMessage", "sendPhoto", "sendPhoto"]
    assert (await bot.say(HEAD2, "/export"))[0].startswith("Xin lỗi, việc này chỉ dành cho")
    for nobody in (LAN, OFFICER):
        assert (await bot.say(nobody, "/report"))[0].startswith("Xin lỗi, việc này chỉ dành cho")
        assert (await bot.say(nobody, "/export"))[0].startswith("Xin lỗi, việc này chỉ dành cho")
    await bot.say(MTTQ, "/export")
    before = len(bot.fake.calls)
    captions = await bot.tap(MTTQ, "ex:d:1")
    assert captions == ["Sổ theo dõi kiến nghị: 3 kiến nghị.", "Sổ theo dõi giao giải quyết: 0 nội dung."]
    documents = [c.result["document"] for c in bot.fake.calls[before:] if c.ok and c.method == "sendDocument"]
    assert [d["file_name"] for d in documents] == ["so-theo-doi-kien-nghi-dialogue-1.xlsx",
                                                   "so-theo-doi-giao-viec-dialogue-1.xlsx"]
    sheet = load_workbook(io.BytesIO(bot.fake.file_bytes(documents[0]["file_id"]))).active
    assert sorted(row[0].value for row in sheet.iter_rows(min_row=2, max_row=4)) == sorted((lan, binh, cuong))
    # No resident's name leaves the bot in a register.
    assert not any("Bà Lan" in str(cell.value) for row in sheet.iter_rows() for cell in row)


async def test_results_reach_the_office_and_disputes_and_announcements_the_mttq(bot):
    from tests.test_tasks import LAN as RESIDENT, MINH, THU, concern_on_agenda, resolved, staff_up, today

    await staff_up(bot)
    await bot.grant(MTTQ, "Bà Mai", "mttq")
    code = await concern_on_agenda(bot, RESIDENT, "Cầu tràn bị sạt", announced=today())
    await resolved(bot, code, MINH)
    await bot.deliver()
    assert await told(bot, THU, "📨") == (
        f"📨 Phòng Kinh tế đã giải quyết kiến nghị {code} và trả lời người dân bằng văn bản.")
    await bot.tap(RESIDENT, f"vd:no:{code}")
    await bot.say(RESIDENT, "Cầu vẫn còn nứt ở chân móng.")
    await bot.deliver()
    assert code in await told(bot, MTTQ, "Cầu vẫn còn nứt ở chân móng.")


async def test_a_resident_may_dispute_an_answer_given_at_the_meeting_and_rates_a_closed_concern(bot):
    lan, binh, cuong, ids = await _held(bot)
    for code in (lan, binh, cuong):
        await _conclude(bot, CHAIR, ids[code], "ans", "Xã sẽ nạo vét mương trước mùa mưa.")
    await bot.say(OFFICE, "/announce")
    await bot.tap(OFFICE, "an:ok:1")
    await told(bot, LAN, "📢")
    assert bot.buttons(LAN) == [f"vd:ok:{lan}", f"vd:no:{lan}"]
    assert (await bot.tap(LAN, f"vd:ok:{lan}"))[0].startswith("Cảm ơn ông/bà.")
    assert await bot.rows("SELECT status FROM concerns WHERE code = ?", lan) == [("closed",)]
    # Closed: the resident is asked how satisfied they are.
    assert (await told(bot, LAN, "hài lòng thế nào")).startswith(f"Kiến nghị {lan} đã kết thúc.")
    assert bot.buttons(LAN) == [f"rt:{lan}:{n}" for n in range(1, 6)]
    assert await bot.tap(LAN, f"rt:{lan}:4") == [f"Cảm ơn ông/bà: đã ghi nhận 4 ⭐ cho kiến nghị {lan}."]
    assert await bot.rows("SELECT satisfaction FROM concerns WHERE code = ?", lan) == [(4,)]
    # Someone else's concern cannot be rated.
    assert (await bot.send(LAN, bot.fake.press(LAN, bot.fake.chat(LAN)[-1]["message_id"], f"rt:{binh}:1")))[0] != ""
    assert await bot.rows("SELECT satisfaction FROM concerns WHERE code = ?", binh) == [(None,)]
    # An answer given at the meeting can be disputed too; the office and the MTTQ hear why.
    await told(bot, BINH, "📢")
    await bot.tap(BINH, f"vd:no:{binh}")
    await bot.say(BINH, "Mương vẫn chưa được nạo vét.")
    assert await bot.rows("SELECT status FROM concerns WHERE code = ?", binh) == [("disputed",)]
    assert binh in await told(bot, MTTQ, "Mương vẫn chưa được nạo vét.")
    report = await bot.services.reports.build("bao-lam", dialogue="latest")
    assert (report.figures.satisfied, report.figures.disputed, report.figures.average_rating) == (1, 1, 4.0)


async def test_the_mttq_lists_every_concern_by_status_topic_and_hamlet_a_page_at_a_time(bot):
    await officials(bot)
    await bot.register(LAN, "Bà Lan", hamlet="thon-2")
    resident = (await bot.rows("SELECT id FROM people WHERE external_id = ?", str(LAN)))[0][0]
    async with bot.database.transaction() as db:
        for number in range(20):
            status = "in_progress" if number % 4 == 0 else "accepted"
            hamlet = "thon-1" if number < 12 else "thon-3"
            await db.execute(
                "INSERT INTO concerns (commune_id, code, resident_id, hamlet_id, category, body, status, submission_key,"
                " submitted_at, updated_at) VALUES ('bao-lam', ?, ?, ?, 'land', 'Nội dung', ?, ?, ?, ?)",
                (f"300-{number:03d}", resident, hamlet, status, f"k{number}", f"2026-10-{number + 1:02d}T01:00:00+00:00",
                 "2026-10-01T01:00:00+00:00"))
    shown = (await bot.say(MTTQ, "/concerns"))[0]
    lines = shown.splitlines()
    assert lines[0] == "📋 Kiến nghị của xã Bảo Lâm: 20 (trang 1/2)" and len(lines) == 16
    assert lines[1] == "• 300-019 · Thôn 3 · Quản lý đất đai · Đã đưa vào nội dung đối thoại"  # newest first, no names
    assert "Bà Lan" not in shown
    message = bot.fake.last_bot_message(MTTQ)["message_id"]
    second = await bot.tap(MTTQ, "ls:0:0:0:0:1")
    assert second[0].splitlines()[0] == "📋 Kiến nghị của xã Bảo Lâm: 20 (trang 2/2)" and len(second[0].splitlines()) == 6
    await bot.tap(MTTQ, "ls:0:1:0:0:0")  # each tap on the status button moves to the next status
    being_resolved = (await bot.tap(MTTQ, "ls:0:2:0:0:0"))[0]
    assert being_resolved.splitlines()[0] == "📋 Kiến nghị của xã Bảo Lâm: 5 (trang 1/1)"
    assert all("Đang giải quyết" in line for line in being_resolved.splitlines()[1:])
    await bot.tap(MTTQ, "ls:0:2:0:1:0")
    await bot.tap(MTTQ, "ls:0:2:0:2:0")
    in_thon_3 = (await bot.tap(MTTQ, "ls:0:2:0:3:0"))[0]  # hamlets: 0 every, 1 thôn 1, 2 thôn 2, 3 thôn 3
    assert in_thon_3.splitlines()[0] == "📋 Kiến nghị của xã Bảo Lâm: 2 (trang 1/1)"
    assert bot.fake.last_bot_message(MTTQ)["message_id"] == message  # one message, edited in place
    for nobody in (LAN, OFFICER, HEAD2):
        assert (await bot.say(nobody, "/concerns"))[0].startswith("Xin lỗi, việc này chỉ dành cho")


async def test_a_hamlet_head_records_the_reply_of_a_resident_without_a_phone_on_their_behalf(bot):
    from tests.test_dialogue import HEAD3

    await officials(bot)
    await bot.register(LAN, "Bà Lan", hamlet="thon-2")
    lan = (await bot.rows("SELECT id FROM people WHERE external_id = ?", str(LAN)))[0][0]
    async with bot.database.transaction() as db:
        await db.execute("INSERT INTO people (channel, external_id, created_at, display_name)"
                         " VALUES ('offline', 'x1', '2026-10-01T00:00:00+00:00', 'Cụ Tư')")
        tu = (await (await db.execute("SELECT id FROM people WHERE external_id = 'x1'")).fetchone())[0]
        await db.execute("INSERT INTO residents (person_id, commune_id, hamlet_id, display_name, registered_at)"
                         " VALUES (?, 'bao-lam', 'thon-2', 'Cụ Tư', '2026-10-01T00:00:00+00:00')", (tu,))
        for code, resident in (("400-001", tu), ("400-002", tu), ("400-003", lan)):
            await db.execute(
                "INSERT INTO concerns (commune_id, code, resident_id, hamlet_id, category, body, status, submission_key,"
                " submitted_at, updated_at, conclusion, conclusion_text) VALUES ('bao-lam', ?, ?, 'thon-2', 'land',"
                " 'Đường ngập', 'answered', ?, '2026-10-01T00:00:00+00:00', '2026-10-01T00:00:00+00:00', 'answered',"
                " 'Xã sẽ nạo vét mương.')", (code, resident, code))
    shown = await bot.say(HEAD2, "/answer 400-001")
    assert shown[0].startswith("Kiến nghị 400-001 đã được trả lời:\n\nXã sẽ nạo vét mương.")
    assert bot.buttons(HEAD2) == ["ab:ok:400-001", "ab:no:400-001"]
    await bot.tap(HEAD2, "ab:no:400-001")
    done = await bot.say(HEAD2, "Mương vẫn ngập khi mưa.")
    assert done[0].startswith("✅ Đã ghi: người dân không đồng ý")
    assert await bot.rows("SELECT status FROM concerns WHERE code = '400-001'") == [("disputed",)]
    assert "Mương vẫn ngập khi mưa." in await told(bot, MTTQ, "400-001")
    assert "Mương vẫn ngập khi mưa." in await told(bot, OFFICE, "400-001")
    head = (await bot.rows("SELECT id FROM people WHERE external_id = ?", str(HEAD2)))[0][0]
    assert await bot.rows("SELECT actor_person_id, details FROM audit_log WHERE action = 'concern.dispute'") == [
        (head, f'{{"on_behalf_of": {tu}, "text": "Mương vẫn ngập khi mưa."}}')]
    await bot.say(HEAD2, "/answer 400-002")
    assert (await bot.tap(HEAD2, "ab:ok:400-002"))[0].startswith("✅ Đã ghi: người dân đồng ý")
    assert await bot.rows("SELECT status FROM concerns WHERE code = '400-002'") == [("closed",)]
    # A resident who uses the bot replies themselves; another hamlet's head cannot read it; a resident cannot.
    assert (await bot.say(HEAD2, "/answer 400-003"))[0].startswith("Kiến nghị 400-003 không có câu trả lời")
    assert (await bot.say(HEAD3, "/answer 400-001"))[0] == "Không có kiến nghị 400-001 trong xã. Chưa ghi gì."
    assert (await bot.say(LAN, "/answer 400-003"))[0].startswith("Xin lỗi, việc này chỉ dành cho")


async def test_a_land_matter_bound_by_a_legal_procedure_gets_a_later_stated_date_tracked_as_extended(bot):
    from bot.calendar import WorkingCalendar
    from tests.test_tasks import LAN as RESIDENT, MINH, assign, concern_on_agenda, staff_up, today

    await staff_up(bot)
    land = await concern_on_agenda(bot, RESIDENT, "Cấp giấy chứng nhận quyền sử dụng đất", announced=today())
    social = await concern_on_agenda(bot, RESIDENT, "Chế độ người có công", announced=today())
    async with bot.database.transaction() as db:
        await db.execute("UPDATE concerns SET category = 'social-policy' WHERE code = ?", (social,))
    await assign(bot, land, MINH)
    await assign(bot, social, MINH)
    later = WorkingCalendar().working_days_after(today(), 60)
    # Not bound by a legal procedure: the plan's 30 working days are the limit, the word changes nothing.
    await bot.tap(MINH, f"tk:ext:{social}")
    assert (await bot.say(MINH, f"{later:%d/%m/%Y} thủ tục"))[0].startswith("Ngày này quá muộn")
    await bot.say(MINH, "/cancel")
    await bot.tap(MINH, f"tk:ext:{land}")
    assert (await bot.say(MINH, f"{later:%d/%m/%Y}"))[0].startswith("Ngày này muộn hơn thời hạn theo kế hoạch")
    assert (await bot.say(MINH, f"{later:%d/%m/%Y} thủ tục"))[0].startswith("Ngày mới:")
    plan = ("Hồ sơ cấp giấy phải qua thủ tục đo đạc, niêm yết công khai 15 ngày và thẩm định của cấp tỉnh; "
            "Phòng Kinh tế theo dõi, trả lời ông/bà khi có kết quả.")
    assert (await bot.say(MINH, plan))[0].startswith(f"✅ Đã gia hạn kiến nghị {land}")
    assert await bot.rows("SELECT extended_to, legal_procedure FROM assignments a JOIN concerns c ON c.id = a.concern_id"
                          " WHERE c.code = ?", land) == [(later.isoformat(), 1)]
    report = await bot.services.reports.build("bao-lam", period=str(today().year))
    row = next(r for r in report.rows if r.code == land)
    assert row.extended_to == later.isoformat() and row.status == "extended" and row.legal_procedure
    from bot.documents import registers

    sheet = load_workbook(io.BytesIO(registers.assignment_register(report, bot.application.bot_data["i18n"].for_locale("vi")))).active
    standing = {r[0].value: r[11].value for r in sheet.iter_rows(min_row=2, max_row=3)}
    assert standing[land] == "Đang giải quyết, trong hạn (hạn theo thủ tục pháp lý)"
    assert report.figures.outcomes["overdue"] == 0  # tracked to its stated date, not overdue


async def test_the_office_and_the_mttq_are_reminded_of_a_referral_every_ten_working_days(bot):
    from datetime import date

    from bot.calendar import WorkingCalendar

    lan, binh, cuong, ids = await _held(bot)
    await _conclude(bot, CHAIR, ids[lan], "ref", ELECTRICITY)
    await _conclude(bot, CHAIR, ids[binh], "ans", "Đã trả lời")
    await _conclude(bot, CHAIR, ids[cuong], "ans", "Đã trả lời")
    await bot.say(OFFICE, "/announce")
    await bot.tap(OFFICE, "an:ok:1")
    announced = date.fromisoformat((await bot.rows("SELECT announced_on FROM dialogues"))[0][0])
    calendar = WorkingCalendar()
    followup = bot.services.followup
    assert await followup.queue_referral_reminders(calendar.working_days_after(announced, 9)) == 0
    tenth = calendar.working_days_after(announced, 10)
    assert await followup.queue_referral_reminders(tenth) == 2  # the office and the MTTQ
    assert await followup.queue_referral_reminders(tenth) == 0  # once a day
    assert f"• {lan}: {ELECTRICITY}" in await told(bot, MTTQ, "📤")
    assert f"• {lan}: {ELECTRICITY}" in await told(bot, OFFICE, "📤")


async def test_a_chair_who_chose_to_follow_the_results_is_told_of_them(bot):
    from tests.test_tasks import LAN as RESIDENT, MINH, THU, concern_on_agenda, resolved, staff_up, today

    await staff_up(bot)
    await bot.grant(CHAIR, "Ông Nam", "chair")
    first = await concern_on_agenda(bot, RESIDENT, "Cầu tràn bị sạt", announced=today())
    second = await concern_on_agenda(bot, RESIDENT, "Đường ngập", announced=today())
    await resolved(bot, first, MINH)
    await told(bot, THU, first)
    assert not any(first in text for text in bot.fake.bot_texts(CHAIR))  # not chosen yet
    assert (await bot.say(CHAIR, "/follow"))[0].startswith("Từ nay ông/bà sẽ được báo")
    assert (await bot.say(THU, "/follow"))[0].startswith("Xin lỗi, việc này chỉ dành cho")
    await resolved(bot, second, MINH)
    assert (await told(bot, CHAIR, second)).startswith("📨 Phòng Kinh tế đã giải quyết kiến nghị")
    assert (await bot.say(CHAIR, "/follow"))[0].startswith("Ông/bà sẽ không được báo")


async def test_long_referred_and_confirmation_lists_are_paged_with_every_item_reachable(bot):
    import re

    lan, _, _, _ = await _held(bot)
    async with bot.database.transaction() as db:  # years of referrals, entered by the office, not confirmed yet
        for n in range(45):
            await db.execute(
                "INSERT INTO concerns (commune_id, code, resident_id, hamlet_id, category, body, status, submission_key,"
                " submitted_at, updated_at, dialogue_id, conclusion, referred_to) SELECT commune_id, ?, resident_id,"
                " hamlet_id, category, body, 'referred', ?, submitted_at, updated_at, dialogue_id, 'referred', ?"
                " FROM concerns WHERE code = ?", (f"9{n:02d}-000", f"ref-{n}", f"Sở số {n:02d}", lan))
    referred = {f"rf:{i}" for (i,) in await bot.rows("SELECT id FROM concerns WHERE status = 'referred'")}
    assert len(referred) == 45
    listing = await bot.say(OFFICE, "/referred")
    assert "chờ trả lời: 45." in listing[0] and "Trang 1/3" in listing[0], listing
    message_id = bot.fake.last_bot_message(OFFICE)["message_id"]
    seen = set()
    for page in (1, 2, 3):
        if page > 1:
            await bot.send(OFFICE, bot.fake.press(OFFICE, message_id, f"rf:pg:{page}"))  # the same message turns
        seen |= {d for d in bot.buttons_on(OFFICE, message_id) if not d.startswith("rf:pg:")}
    assert seen == referred  # each one can be tapped to record its answer
    pressed = bot.fake.press(OFFICE, message_id, "rf:pg:9")
    await bot.send(OFFICE, pressed)
    assert bot.fake.callback_answer(pressed)["text"] == "Danh sách đã thay đổi: nay chỉ còn 3 trang. Đang hiển thị trang 3."

    listing = (await bot.say(CHAIR, "/confirm"))[0]
    assert "chờ ông/bà xác nhận: 45." in listing and "Trang 1/3" in listing, listing
    message_id = bot.fake.last_bot_message(CHAIR)["message_id"]
    codes = re.findall(r"• (\d{3}-\d{3})", listing)
    for page in (2, 3):
        codes += re.findall(r"• (\d{3}-\d{3})", (await bot.send(CHAIR, bot.fake.press(CHAIR, message_id, f"cf:pg:{page}")))[-1])
        assert "cf:ok:1" in bot.buttons_on(CHAIR, message_id)  # confirming is offered on every page
    assert sorted(codes) == sorted(f"9{n:02d}-000" for n in range(45))
