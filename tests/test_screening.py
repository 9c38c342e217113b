"""The office screens new concerns, officials enter concerns for residents without a phone, read a
concern's file (the resident's identity only for those who need it), close, reopen, and see what is overdue."""

from __future__ import annotations

import json
import re
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from bot.communes import parse_communes
from bot.services.casework import NotYourHamlet
from storage import assignments, concerns
from tests.dates import vi_date
from tests.harness import BotUnderTest

LAN, BINH, CUONG, DUNG = 1001, 1002, 1003, 1004
OFFICE, OFFICE_2, MTTQ, CHAIR, HEAD_2, HEAD_3, OFFICER, OFFICER_2, ADMIN = 2001, 2002, 2003, 2004, 2005, 2006, 2007, 2008, 2009
STRANGER = 9999
CODE = re.compile(r"Mã theo dõi: (\d{3}-\d{3})")
TZ = ZoneInfo("Asia/Ho_Chi_Minh")
ONLY_OFFICE = "Xin lỗi, việc này chỉ dành cho Văn phòng HĐND và UBND xã. Không có gì thay đổi."
RECEPTION = "Bộ phận Tiếp công dân, trụ sở UBND xã Bảo Lâm (giờ hành chính các ngày làm việc)"


async def send_concern(bot, user_id: int, name: str, text: str, *, hamlet: str = "thon-2") -> str:
    await bot.register(user_id, name, hamlet=hamlet)
    return CODE.search((await bot.submit_concern(user_id, text))[0]).group(1)


async def person_id(bot, user_id: int) -> int:
    return (await bot.rows("SELECT id FROM people WHERE channel = 'telegram' AND external_id = ?", str(user_id)))[0][0]


async def concern_id(bot, code: str) -> int:
    return (await bot.rows("SELECT id FROM concerns WHERE code = ?", code))[0][0]


async def state_of(bot) -> tuple:
    """Everything a screening action may change: statuses, counts, audit rows and notices."""
    return (await bot.rows("SELECT code, status, raised_count, duplicate_of, dialogue_id FROM concerns ORDER BY id"),
            await bot.rows("SELECT COUNT(*) FROM audit_log WHERE action LIKE 'concern.%'"),
            await bot.rows("SELECT COUNT(*) FROM outbox"))


async def assign(bot, code: str, officer_user_id: int, body: str = "Địa chính - Xây dựng", *, status: str = "assigned",
                 due_date: str | None = None, extended_to: str | None = None, resolved_at: str | None = None) -> None:
    """An assignment as the assignment slice would leave it (its own flow is tested there)."""
    officer = await person_id(bot, officer_user_id)
    async with bot.database.transaction() as db:
        cid = (await (await db.execute("SELECT id FROM concerns WHERE code = ?", (code,))).fetchone())[0]
        assignment_id = await assignments.assign(db, concern_id=cid, officer_person_id=officer, body=body,
                                                 assigned_by=None, due_date=due_date)
        await db.execute("UPDATE assignments SET extended_to = ?, resolved_at = ? WHERE id = ?",
                         (extended_to, resolved_at, assignment_id))
        await db.execute("UPDATE concerns SET status = ? WHERE id = ?", (status, cid))


async def audit_concern(bot, code: str, action: str, at: str, **details) -> None:
    async with bot.database.transaction() as db:
        cid = (await (await db.execute("SELECT id FROM concerns WHERE code = ?", (code,))).fetchone())[0]
        await db.execute("INSERT INTO audit_log (at, commune_id, actor_person_id, action, subject_type, subject_id, details)"
                         " VALUES (?, 'bao-lam', NULL, ?, 'concern', ?, ?)", (at, action, cid, json.dumps(details)))


def today() -> date:
    return datetime.now(TZ).date()


def vi(bot):
    return bot.application.bot_data["i18n"].for_locale("vi")


def due_in_a_month() -> date:
    """A due date still ahead whatever day the tests run, so nothing about it is overdue."""
    return today() + timedelta(days=30)


# --- screening ------------------------------------------------------------------------------

async def test_office_screens_four_concerns_with_each_outcome_and_each_resident_is_told(bot):
    await bot.grant(OFFICE, "Chị Hoa", "office")
    first = await send_concern(bot, LAN, "Bà Lan", "Đường liên thôn 2 ngập mỗi khi mưa")
    repeat = await send_concern(bot, BINH, "Ông Bình", "Đường thôn 2 ngập nước")
    petition = await send_concern(bot, CUONG, "Ông Cường", "Tôi tố cáo ông trưởng thôn nhận tiền")
    insulting = await send_concern(bot, DUNG, "Bà Dung", "Lời lẽ xúc phạm")
    meeting = (datetime.now(timezone.utc) + timedelta(days=40)).replace(hour=1, minute=0, second=0, microsecond=0)
    async with bot.database.transaction() as db:
        await db.execute("INSERT INTO dialogues (commune_id, meeting_at, place, created_at) VALUES ('bao-lam', ?, 'Hội trường', ?)",
                         (meeting.isoformat(), meeting.isoformat()))

    card = (await bot.say(OFFICE, "📥 Kiến nghị mới"))[0]
    assert card.splitlines() == ["📥 Kiến nghị mới 1/4", f"Kiến nghị {first} · Quản lý đất đai",
                                 f"Gửi ngày {vi(bot).short_date(today())} · thôn 2", "Số lần được nêu: 1", "",
                                 "Đường liên thôn 2 ngập mỗi khi mưa"]
    assert bot.buttons(OFFICE) == [f"cw:acc:{first}", f"cw:mrg:{first}", f"cw:oos:{first}", f"cw:rej:{first}", f"cw:nx:{first}"]

    # Accept: onto the agenda of the coming dialogue; the next concern waiting is shown at once.
    accepted = await bot.tap(OFFICE, f"cw:acc:{first}")
    assert accepted[0] == (f"✅ Kiến nghị {first} đã được đưa vào nội dung buổi đối thoại "
                           f"{vi(bot).date(meeting.astimezone(TZ).date())}. Người dân đã được báo.")
    assert accepted[1].startswith(f"📥 Kiến nghị mới 1/3\nKiến nghị {repeat} ·")
    # The notice does not repeat its status ("Tình trạng: ..." would say the same words again).
    assert bot.fake.bot_texts(LAN)[-1] == f"Kiến nghị {first}: Đã đưa vào nội dung đối thoại."

    # Merge: the earlier concern's code is typed; wrong codes are explained and nothing changes.
    assert await bot.tap(OFFICE, f"cw:mrg:{repeat}") == [
        f"Kiến nghị {repeat}: xin gửi mã của kiến nghị trước đó có cùng nội dung (6 chữ số, ví dụ 482-913)."]
    before = await state_of(bot)
    assert await bot.say(OFFICE, "số 12") == ["“số 12” không phải là mã theo dõi. Mã gồm 6 chữ số, ví dụ 482-913."]
    assert await bot.say(OFFICE, repeat) == [
        "Không thể gộp một kiến nghị vào chính nó. Xin gửi mã của kiến nghị trước đó có cùng nội dung."]
    assert await bot.say(OFFICE, petition) == [
        f"Kiến nghị {petition} được gửi sau kiến nghị này. Xin gửi mã của một kiến nghị gửi trước."]
    assert await bot.say(OFFICE, "000-000") == ["Không có kiến nghị nào mang mã 000-000 trong xã. Xin kiểm tra lại mã."]
    assert await state_of(bot) == before
    merged = await bot.say(OFFICE, first.replace("-", " "))
    assert merged[0] == (f"🔗 Kiến nghị {repeat} đã được gộp vào {first} (kiến nghị trước này nay đã được nêu 2 lần). "
                         f"Người dân đã được báo theo dõi kiến nghị {first}.")
    assert bot.fake.bot_texts(BINH)[-1] == (f"Kiến nghị {repeat}: Đã gộp vào một kiến nghị giống trước đó.\n"
                                            f"Từ nay xin theo dõi kiến nghị {first}.")

    # Out of scope: one more tap, then the resident is told where the petition goes.
    assert await bot.tap(OFFICE, f"cw:oos:{petition}") == [
        f"Xác định kiến nghị {petition} không thuộc nội dung đối thoại? Người dân sẽ được báo cần làm đơn và nơi nộp đơn."]
    assert (await bot.tap(OFFICE, f"cw:oosy:{petition}"))[0] == (
        f"📮 Kiến nghị {petition} không thuộc nội dung đối thoại. Người dân đã được hướng dẫn nơi nộp đơn.")
    assert bot.fake.bot_texts(CUONG)[-1] == (
        f"Kiến nghị {petition} là nội dung khiếu nại, tố cáo cần giải quyết bằng đơn, nên không đưa vào buổi đối thoại.\n"
        f"Xin ông/bà gửi đơn đến: {RECEPTION}. Nơi đây sẽ tiếp nhận và trả lời ông/bà theo quy định của pháp luật.\n\n"
        "Tình trạng: Không thuộc nội dung đối thoại: cần gửi đơn")

    # Reject: the reason is required and reaches the resident word for word.
    assert await bot.tap(OFFICE, f"cw:rej:{insulting}") == [
        f"Kiến nghị {insulting}: xin viết lý do không tiếp nhận. Lý do sẽ được gửi cho người dân."]
    assert await bot.say(OFFICE, "   ") == ["Xin viết lý do trong vài lời: lý do sẽ được gửi cho người dân."]
    assert (await bot.rows("SELECT status FROM concerns WHERE code = ?", insulting)) == [("submitted",)]
    assert (await bot.say(OFFICE, "Nội dung có lời lẽ xúc phạm cá nhân, không đúng quy định."))[0] == (
        f"❌ Kiến nghị {insulting} không được tiếp nhận. Người dân đã nhận được lý do.")
    assert bot.fake.bot_texts(DUNG)[-1] == (f"Kiến nghị {insulting}: Không được tiếp nhận, có nêu lý do.\n\n"
                                            "Nội dung có lời lẽ xúc phạm cá nhân, không đúng quy định.\n\n"
                                            "Tình trạng: Không được tiếp nhận")

    assert await bot.say(OFFICE, "/inbox") == ["Không có kiến nghị mới nào đang chờ xem xét."]
    assert await bot.rows("SELECT code, status, raised_count, duplicate_of, dialogue_id, screening_note FROM concerns ORDER BY id") == [
        (first, "accepted", 2, None, 1, None),
        (repeat, "merged", 1, await concern_id(bot, first), None, None),
        (petition, "out_of_scope", 1, None, None, None),
        (insulting, "rejected", 1, None, None, "Nội dung có lời lẽ xúc phạm cá nhân, không đúng quy định."),
    ]
    office = await person_id(bot, OFFICE)
    assert await bot.rows("SELECT action, actor_person_id FROM audit_log WHERE action LIKE 'concern.%' AND action != 'concern.submitted'"
                          " ORDER BY id") == [("concern.accept", office), ("concern.merge", office),
                                              ("concern.out_of_scope", office), ("concern.reject", office)]


async def test_the_inbox_goes_through_concerns_oldest_first_and_shows_how_often_one_was_raised(bot):
    await bot.grant(OFFICE, "Chị Hoa", "office")
    first = await send_concern(bot, LAN, "Bà Lan", "Một")
    second = await send_concern(bot, BINH, "Ông Bình", "Hai")
    async with bot.database.transaction() as db:
        await db.execute("UPDATE concerns SET raised_count = 3 WHERE code = ?", (second,))
    assert (await bot.say(OFFICE, "/inbox"))[0].startswith(f"📥 Kiến nghị mới 1/2\nKiến nghị {first} ·")
    shown = (await bot.tap(OFFICE, f"cw:nx:{first}"))[0]
    assert shown.startswith(f"📥 Kiến nghị mới 2/2\nKiến nghị {second} ·") and "Số lần được nêu: 3" in shown
    # After the last one the queue starts again from the oldest.
    assert (await bot.tap(OFFICE, f"cw:nx:{second}"))[0].startswith(f"📥 Kiến nghị mới 1/2\nKiến nghị {first} ·")
    assert await bot.tap(OFFICE, f"cw:oos:{first}")
    assert (await bot.tap(OFFICE, f"cw:keep:{first}")) == ["Không có gì thay đổi."]
    assert await bot.rows("SELECT status FROM concerns ORDER BY id") == [("submitted",), ("submitted",)]


async def test_acting_twice_on_the_same_inbox_button_changes_nothing_the_second_time(bot):
    await bot.grant(OFFICE, "Chị Hoa", "office")
    await bot.grant(OFFICE_2, "Anh Nam", "office")
    code = await send_concern(bot, LAN, "Bà Lan", "Đường ngập")
    await bot.say(OFFICE, "/inbox")
    await bot.say(OFFICE_2, "/inbox")
    card = bot.message_with_button(OFFICE, f"cw:acc:{code}")
    other_card = bot.message_with_button(OFFICE_2, f"cw:rej:{code}")
    await bot.tap(OFFICE, f"cw:acc:{code}")
    after_first = await state_of(bot)
    notices_to_lan = len(bot.fake.bot_texts(LAN))

    stale = (f"Việc này đã làm rồi hoặc không còn thực hiện được: kiến nghị {code} hiện ở tình trạng "
             "“Đã đưa vào nội dung đối thoại”. Không có gì thay đổi.")
    # The same button delivered again (a double tap), and a colleague's older card for the same concern.
    assert await bot.send(OFFICE, bot.fake.press(OFFICE, card, f"cw:acc:{code}")) == [stale]
    assert await bot.send(OFFICE_2, bot.fake.press(OFFICE_2, other_card, f"cw:rej:{code}")) == [stale]
    assert await bot.send(OFFICE_2, bot.fake.press(OFFICE_2, other_card, f"cw:oos:{code}")) == [stale]
    assert await state_of(bot) == after_first
    assert len(bot.fake.bot_texts(LAN)) == notices_to_lan


async def test_a_reason_typed_after_the_concern_changed_is_refused(bot):
    await bot.grant(OFFICE, "Chị Hoa", "office")
    await bot.grant(OFFICE_2, "Anh Nam", "office")
    code = await send_concern(bot, LAN, "Bà Lan", "Đường ngập")
    await bot.say(OFFICE, "/inbox")
    await bot.tap(OFFICE, f"cw:rej:{code}")
    await bot.say(OFFICE_2, "/inbox")
    await bot.tap(OFFICE_2, f"cw:acc:{code}")
    assert (await bot.say(OFFICE, "Không đúng quy định"))[0].startswith("Việc này đã làm rồi hoặc không còn thực hiện được")
    assert await bot.rows("SELECT status, screening_note FROM concerns") == [("accepted", None)]


# --- entering a concern for a resident without a phone --------------------------------------

async def test_a_hamlet_head_enters_a_concern_for_a_resident_of_their_hamlet(bot):
    await bot.grant(HEAD_2, "Ông Tám", "hamlet_head", hamlet="thon-2")
    assert await bot.say(HEAD_2, "✍️ Nhập giúp người dân") == [
        "Ông/bà đang nhập kiến nghị giúp người dân không có điện thoại. Chưa có gì được lưu cho đến khi ông/bà xác nhận.",
        "Người dân thôn 2. Xin cho biết họ tên người dân?"]
    # A forged hamlet button is not part of a hamlet head's flow: it does nothing.
    assert (await bot.send(HEAD_2, bot.fake.press(HEAD_2, bot.fake.chat(HEAD_2)[-1]["message_id"], "cw:eh:thon-3")))[0] == (
        "Nút này không còn hiệu lực. Xin trả lời tin nhắn mới nhất.")
    assert await bot.say(HEAD_2, "Bà Sáu") == [
        "Số điện thoại của người dân, nếu có, để công chức có thể gọi. Nếu không có, xin bấm “Bỏ qua”."]
    assert bot.buttons(HEAD_2) == ["cw:ep:skip"]
    assert await bot.say(HEAD_2, "09 12 ab") == [
        "Xin gửi số điện thoại gồm 9 đến 11 chữ số (có thể có dấu cách hoặc dấu chấm), hoặc bấm “Bỏ qua”."]
    assert await bot.say(HEAD_2, "0912 345.678") == ["Kiến nghị về lĩnh vực nào? Xin chọn một lĩnh vực."]
    refusal = await bot.tap(HEAD_2, "cw:et:petition")
    assert RECEPTION in refusal[0]
    await bot.tap(HEAD_2, "cw:et:social-policy")
    summary = (await bot.say(HEAD_2, "Chưa nhận được tiền trợ cấp người cao tuổi 3 tháng nay"))[0]
    assert summary.splitlines()[:7] == ["Xin kiểm tra trước khi lưu:", "", "Người gửi: Bà Sáu", "Điện thoại: 0912345678",
                                        "Thôn: thôn 2", "Lĩnh vực: Chế độ, chính sách",
                                        "Nội dung: Chưa nhận được tiền trợ cấp người cao tuổi 3 tháng nay"]
    assert await bot.rows("SELECT COUNT(*) FROM concerns") == [(0,)]  # nothing before the confirmation
    confirm = next(b for b in bot.buttons(HEAD_2) if b.startswith("cw:eok:"))
    saved = (await bot.tap(HEAD_2, confirm))[0]
    code = CODE.search(saved).group(1)
    assert saved.startswith("✅ Kiến nghị đã được lưu.") and "Xin đọc mã này cho người dân" in saved

    head = await person_id(bot, HEAD_2)
    assert await bot.rows(
        "SELECT c.code, c.hamlet_id, c.category, c.status, c.entered_by, p.channel, r.display_name, r.phone, r.hamlet_id"
        " FROM concerns c JOIN people p ON p.id = c.resident_id JOIN residents r ON r.person_id = p.id") == [
        (code, "thon-2", "social-policy", "submitted", head, "offline", "Bà Sáu", "0912345678", "thon-2")]
    assert await bot.rows("SELECT action, actor_person_id FROM audit_log WHERE subject_type = 'concern'") == [("concern.entered", head)]

    # Asking the service directly for another hamlet is refused, audited, and stores nothing.
    actor = await bot.services.staff.actor("telegram", str(HEAD_2))
    with pytest.raises(NotYourHamlet):
        await bot.services.casework.enter_for_resident(actor, hamlet_id="thon-3", name="Ông Bảy", phone=None,
                                                       category="land", body="Đường hỏng", submission_key="f" * 16)
    assert await bot.rows("SELECT COUNT(*) FROM concerns") == [(1,)]
    assert await bot.rows("SELECT details FROM audit_log WHERE action = 'refused'") == [
        ('{"action": "enter_for_resident", "hamlet": "thon-3", "own_hamlet": "thon-2"}',)]


async def test_the_office_enters_a_concern_for_any_hamlet_and_the_office_can_screen_it(bot):
    await bot.grant(OFFICE, "Chị Hoa", "office")
    await bot.say(OFFICE, "/enter")
    assert bot.buttons(OFFICE) == [f"cw:eh:thon-{n}" for n in range(1, 6)]
    assert await bot.say(OFFICE, "Thôn 4") == ["Xin chọn một nút ở trên (hoặc bấm /cancel để dừng)."]
    assert await bot.tap(OFFICE, "cw:eh:thon-4") == ["Người dân thôn 4. Xin cho biết họ tên người dân?"]
    assert await bot.say(OFFICE, "X") == ["Xin gửi họ tên dài từ 2 đến 60 ký tự."]
    await bot.say(OFFICE, "Ông Chín")
    assert await bot.tap(OFFICE, "cw:ep:skip") == ["Kiến nghị về lĩnh vực nào? Xin chọn một lĩnh vực."]
    await bot.tap(OFFICE, "cw:et:environment")
    summary = (await bot.say(OFFICE, "Lò gạch gây khói"))[0]
    assert "Điện thoại: không có" in summary and "Thôn: thôn 4" in summary
    code = CODE.search((await bot.tap(OFFICE, next(b for b in bot.buttons(OFFICE) if b.startswith("cw:eok:"))))[0]).group(1)
    assert await bot.rows("SELECT c.hamlet_id, r.phone FROM concerns c JOIN residents r ON r.person_id = c.resident_id") == [
        ("thon-4", None)]
    assert (await bot.say(OFFICE, "/inbox"))[0].startswith(f"📥 Kiến nghị mới 1/1\nKiến nghị {code} · Môi trường\n")


async def test_a_draft_not_saved_stores_nothing(bot):
    await bot.grant(HEAD_3, "Ông Năm", "hamlet_head", hamlet="thon-3")
    await bot.say(HEAD_3, "/enter")
    await bot.say(HEAD_3, "Bà Mười")
    await bot.tap(HEAD_3, "cw:ep:skip")
    await bot.tap(HEAD_3, "cw:et:land")
    await bot.say(HEAD_3, "Tranh chấp ranh giới")
    assert await bot.tap(HEAD_3, next(b for b in bot.buttons(HEAD_3) if b.startswith("cw:eno:"))) == [
        "Kiến nghị chưa được lưu. Không có gì được ghi lại."]
    assert await bot.rows("SELECT COUNT(*) FROM concerns") == [(0,)]
    assert await bot.rows("SELECT COUNT(*) FROM people WHERE channel = 'offline'") == [(0,)]


# --- /concern CODE: the file, and who sees the resident ---------------------------------------

async def test_the_residents_name_and_phone_are_shown_only_to_the_officials_who_need_them(bot):
    await bot.grant(OFFICE, "Chị Hoa", "office")
    for user_id, name, role, extra in (
        (MTTQ, "Bà Mai", "mttq", {}), (CHAIR, "Ông Chủ tịch", "chair", {}),
        (HEAD_2, "Ông Tám", "hamlet_head", {"hamlet": "thon-2"}), (HEAD_3, "Ông Năm", "hamlet_head", {"hamlet": "thon-3"}),
        (OFFICER, "Anh Quân", "officer", {"body": "Địa chính - Xây dựng"}),
        (OFFICER_2, "Chị Thu", "officer", {"body": "Văn hóa - Xã hội"}),
        (ADMIN, "Anh Kỹ thuật", "admin", {}),
    ):
        await bot.grant(user_id, name, role, **extra)
    await bot.say(OFFICE, "/enter")
    await bot.tap(OFFICE, "cw:eh:thon-2")
    await bot.say(OFFICE, "Bà Sáu")
    await bot.say(OFFICE, "0912345678")
    await bot.tap(OFFICE, "cw:et:land")
    await bot.say(OFFICE, "Đường ngập")
    code = CODE.search((await bot.tap(OFFICE, next(b for b in bot.buttons(OFFICE) if b.startswith("cw:eok:"))))[0]).group(1)
    due = due_in_a_month()
    await assign(bot, code, OFFICER, due_date=due.isoformat())

    def sees(text: str) -> bool:
        return "Người gửi: Bà Sáu" in text and "Điện thoại: 0912345678" in text

    def hidden(text: str) -> bool:
        return "Người gửi: (được bảo mật)" in text and "Bà Sáu" not in text and "0912345678" not in text

    for user_id in (OFFICE, MTTQ, CHAIR, HEAD_2, OFFICER):
        assert sees((await bot.say(user_id, f"/concern {code}"))[0]), user_id
    assert hidden((await bot.say(ADMIN, f"/concern {code}"))[0])
    # Need to know: the head of another hamlet and an officer it was never assigned to do not read it at all.
    for user_id in (HEAD_3, OFFICER_2):
        [reply] = await bot.say(user_id, f"/concern {code}")
        assert reply.startswith(f"Không có kiến nghị mã {code} trong số kiến nghị ông/bà được xem") and "Đường ngập" not in reply

    details = (await bot.say(OFFICE, f"/concern {code}"))[0]
    assert details.splitlines()[:5] == [f"Kiến nghị {code}", "Lĩnh vực: Quản lý đất đai", "Tình trạng: Đã giao công chức giải quyết",
                                        f"Ngày gửi: {vi(bot).date(today())}", "Thôn: thôn 2"]
    assert "Người nhập giúp: Chị Hoa" in details
    assert "Giao cho: Anh Quân (Địa chính - Xây dựng)" in details
    assert f"Hạn giải quyết: {vi_date(due)}" in details
    assert details.endswith("Cán bộ nhập giúp người dân không có điện thoại")

    # Residents never see it: not another resident, not the resident as a resident.
    await bot.register(LAN, "Bà Lan")
    assert (await bot.say(LAN, f"/concern {code}"))[0].startswith("Xin lỗi, việc này chỉ dành cho ")
    bot.fake.add_user(STRANGER, "Người lạ")
    assert (await bot.say(STRANGER, f"/concern {code}"))[0].startswith("Xin lỗi, việc này chỉ dành cho ")


async def test_a_concern_file_offers_the_actions_of_the_callers_role(bot):
    await bot.grant(OFFICE, "Chị Hoa", "office")
    await bot.grant(MTTQ, "Bà Mai", "mttq")
    code = await send_concern(bot, LAN, "Bà Lan", "Đường ngập")
    await bot.say(OFFICE, f"/concern {code}")
    assert bot.buttons(OFFICE) == [f"cw:acc:{code}", f"cw:mrg:{code}", f"cw:oos:{code}", f"cw:rej:{code}"]
    await bot.say(MTTQ, f"/concern {code}")
    assert bot.buttons(MTTQ) == []
    # MTTQ reads but does not screen: a forged button is refused and audited.
    assert await bot.send(MTTQ, bot.fake.press(MTTQ, bot.fake.chat(MTTQ)[-1]["message_id"], f"cw:acc:{code}")) == [ONLY_OFFICE]
    assert await bot.rows("SELECT status FROM concerns") == [("submitted",)]
    assert await bot.rows("SELECT details FROM audit_log WHERE action = 'refused'") == [('{"action": "screen", "roles": ["mttq"]}',)]
    # Without a code the command asks for one; a malformed code is explained.
    assert await bot.say(OFFICE, "/concern") == ["Kiến nghị nào? Xin gửi mã kiến nghị (6 chữ số, ví dụ 482-913)."]
    assert await bot.say(OFFICE, "12") == ["“12” không phải là mã theo dõi. Mã gồm 6 chữ số, ví dụ 482-913."]
    shown = await bot.say(OFFICE, code.replace("-", ""))
    assert shown[0].startswith(f"Kiến nghị {code}\n") and shown[1] == "Xong."
    assert await bot.say(OFFICE, "/concern 999-999") == ["Không có kiến nghị nào mang mã 999-999 trong xã. Xin kiểm tra lại mã."]


async def test_a_code_from_another_commune_answers_like_an_unknown_one(fake_api, tmp_path):
    communes = parse_communes({"commune": [
        {"id": cid, "vi": f"Xã {cid}", "en": f"{cid} commune", "citizen_reception_vi": "Tiếp công dân",
         "citizen_reception_en": "Citizen reception", "meeting_place_vi": "Hội trường", "meeting_place_en": "Hall",
         "hamlets": [{"id": "t1", "vi": "Thôn 1", "en": "Hamlet 1"}],
         "categories": [{"key": "land", "vi": "Đất đai", "en": "Land"}]}
        for cid in ("an-binh", "phu-my")
    ]}, "test")
    bot = BotUnderTest(fake_api, tmp_path / "d.sqlite3", communes)
    await bot.start()
    try:
        bot.fake.add_user(LAN, "Lan")
        await bot.say(LAN, "/start")
        await bot.tap(LAN, "ob:lang:vi")
        await bot.tap(LAN, "ob:consent:yes")
        await bot.tap(LAN, "ob:commune:phu-my")
        await bot.tap(LAN, "ob:hamlet:t1")
        await bot.say(LAN, "Bà Lan")
        await bot.say(LAN, "⏭ Bỏ qua")
        code = CODE.search((await bot.submit_concern(LAN, "Đường ngập"))[0]).group(1)
        await bot.grant(OFFICE, "Chị Hoa", "office", commune="an-binh")
        not_found = [f"Không có kiến nghị nào mang mã {code} trong xã. Xin kiểm tra lại mã."]
        assert await bot.say(OFFICE, f"/concern {code}") == not_found
        assert await bot.say(OFFICE, "/inbox") == ["Không có kiến nghị mới nào đang chờ xem xét."]
        assert await bot.send(OFFICE, bot.fake.press(OFFICE, bot.fake.chat(OFFICE)[-1]["message_id"], f"cw:acc:{code}")) == not_found
        assert await bot.say(OFFICE, f"/close {code}") == not_found
        assert await bot.rows("SELECT status FROM concerns") == [("submitted",)]
    finally:
        await bot.stop()


# --- closing and reopening --------------------------------------------------------------------

async def test_a_resolved_concern_without_an_answer_is_closed_only_after_ten_working_days(bot):
    await bot.grant(OFFICE, "Chị Hoa", "office")
    await bot.grant(OFFICER, "Anh Quân", "officer", body="Địa chính - Xây dựng")
    code = await send_concern(bot, LAN, "Bà Lan", "Đường ngập")
    now = datetime.now(timezone.utc).replace(microsecond=0)
    await assign(bot, code, OFFICER, status="resolved", due_date=due_in_a_month().isoformat(), resolved_at=now.isoformat())
    await audit_concern(bot, code, "concern.resolve", now.isoformat(), text="Đã nạo vét mương")

    resolved = now.astimezone(TZ).date()
    earliest = bot.services.calendar.working_days_after(resolved, 10)
    before = await state_of(bot)
    assert await bot.say(OFFICE, f"/close {code}") == [
        f"Kiến nghị {code} đã có kết quả giải quyết vào {vi(bot).date(resolved)} và người dân chưa trả lời. "
        f"Văn phòng có thể kết thúc khi chưa có trả lời kể từ {vi(bot).date(earliest)} (sau 10 ngày làm việc). "
        "Không có gì thay đổi."]
    assert await state_of(bot) == before

    # Ten working days later (the result was sent long enough ago), the office may close it with a note.
    long_ago = (now - timedelta(days=30)).isoformat()
    async with bot.database.transaction() as db:
        await db.execute("UPDATE assignments SET resolved_at = ?", (long_ago,))
    assert bot.services.calendar.working_days_between((now - timedelta(days=30)).astimezone(TZ).date(), today()) >= 10
    assert await bot.say(OFFICE, f"/close {code}") == [
        f"Kiến nghị {code}: xin viết ghi chú ngắn khi kết thúc. Ghi chú sẽ được gửi cho người dân."]
    assert await bot.say(OFFICE, " ") == ["Xin viết ghi chú ngắn trong vài lời: ghi chú sẽ được gửi cho người dân."]
    assert await bot.say(OFFICE, "Người dân không phản hồi sau 10 ngày làm việc; kết thúc theo quy định.") == [
        f"🔒 Kiến nghị {code} đã kết thúc. Người dân đã nhận được ghi chú."]
    assert await bot.rows("SELECT status FROM concerns") == [("closed",)]
    assert bot.fake.bot_texts(LAN)[-1].startswith(f"Kiến nghị {code} đã kết thúc. Ông/bà hài lòng thế nào")  # issue 11
    assert bot.fake.bot_texts(LAN)[-2] == (f"Kiến nghị {code}: Văn phòng đã kết thúc.\n\n"
                                           "Người dân không phản hồi sau 10 ngày làm việc; kết thúc theo quy định.\n\n"
                                           "Tình trạng: Đã kết thúc")


async def test_a_disputed_answer_is_reopened_back_to_the_officer_or_closed_with_a_note(bot):
    await bot.grant(OFFICE, "Chị Hoa", "office")
    await bot.grant(OFFICER, "Anh Quân", "officer", body="Địa chính - Xây dựng")
    reopened = await send_concern(bot, LAN, "Bà Lan", "Đường ngập")
    closed = await send_concern(bot, BINH, "Ông Bình", "Mương tắc")
    now = datetime.now(timezone.utc).replace(microsecond=0).isoformat()
    due = due_in_a_month()
    for code in (reopened, closed):
        await assign(bot, code, OFFICER, status="disputed", due_date=due.isoformat(), resolved_at=now)
        await audit_concern(bot, code, "concern.resolve", now, text="Đã nạo vét")
        await audit_concern(bot, code, "concern.dispute", now, text="Nước vẫn ngập sau mưa")

    details = (await bot.say(OFFICE, f"/concern {reopened}"))[0]
    assert "• " in details and "Người dân chưa hài lòng với kết quả trả lời\n   “Nước vẫn ngập sau mưa”" in details
    assert bot.buttons(OFFICE) == [f"cw:reo:{reopened}", f"cw:cls:{reopened}"]
    message = bot.message_with_button(OFFICE, f"cw:reo:{reopened}")
    assert await bot.tap(OFFICE, f"cw:reo:{reopened}") == [
        f"↩️ Kiến nghị {reopened} đã được mở lại và trả về Anh Quân giải quyết tiếp. Người dân và công chức đã được báo."]
    assert bot.fake.bot_texts(OFFICER)[-1] == (
        f"↩️ Văn phòng HĐND và UBND xã đã mở lại kiến nghị {reopened}: người dân chưa hài lòng với kết quả trả lời.\n"
        "Lý do người dân nêu: Nước vẫn ngập sau mưa\n"
        f"Hạn giải quyết: {vi_date(due)}\n"
        "Xin giải quyết tiếp và gửi kết quả bằng văn bản (xem /tasks).")
    assert bot.fake.bot_texts(LAN)[-1].startswith(f"Kiến nghị {reopened}: Văn phòng mở lại để giải quyết tiếp.")
    # Reopening twice: the concern is no longer disputed.
    assert (await bot.send(OFFICE, bot.fake.press(OFFICE, message, f"cw:reo:{reopened}")))[0].startswith(
        f"Việc này đã làm rồi hoặc không còn thực hiện được: kiến nghị {reopened} hiện ở tình trạng “Đang giải quyết”")

    await bot.say(OFFICE, f"/concern {closed}")
    assert await bot.tap(OFFICE, f"cw:cls:{closed}") == [
        f"Kiến nghị {closed}: xin viết ghi chú ngắn khi kết thúc. Ghi chú sẽ được gửi cho người dân."]
    await bot.say(OFFICE, "Đã kiểm tra thực địa, mương đã thông; xin kết thúc.")
    assert await bot.rows("SELECT code, status FROM concerns ORDER BY id") == [(reopened, "in_progress"), (closed, "closed")]
    assert await bot.rows("SELECT action FROM audit_log WHERE actor_person_id = ? ORDER BY id", await person_id(bot, OFFICE)) == [
        ("concern.reopen",), ("concern.close",)]


async def test_an_answered_concern_closes_at_once_and_a_new_one_cannot_be_closed(bot):
    await bot.grant(OFFICE, "Chị Hoa", "office")
    answered = await send_concern(bot, LAN, "Bà Lan", "Đường ngập")
    fresh = await send_concern(bot, BINH, "Ông Bình", "Mương tắc")
    async with bot.database.transaction() as db:
        await db.execute("UPDATE concerns SET status = 'answered', conclusion = 'answered', conclusion_text = 'Xã sẽ làm mương'"
                         " WHERE code = ?", (answered,))
    details = (await bot.say(OFFICE, f"/concern {answered}"))[0]
    assert "Kết luận: Đã trả lời tại buổi đối thoại\n   “Xã sẽ làm mương”" in details
    assert bot.buttons(OFFICE) == [f"cw:cls:{answered}"]
    assert await bot.say(OFFICE, "/close") == [
        "Ông/bà muốn kết thúc kiến nghị nào? Xin gửi mã kiến nghị (6 chữ số, ví dụ 482-913)."]
    await bot.say(OFFICE, answered)
    assert await bot.say(OFFICE, "Đã trả lời tại hội nghị.") == [
        f"🔒 Kiến nghị {answered} đã kết thúc. Người dân đã nhận được ghi chú."]
    assert await bot.say(OFFICE, f"/close {fresh}") == [
        f"Việc này đã làm rồi hoặc không còn thực hiện được: kiến nghị {fresh} hiện ở tình trạng "
        "“Đã nhận, đang chờ xem xét”. Không có gì thay đổi."]
    assert await bot.rows("SELECT code, status FROM concerns ORDER BY id") == [(answered, "closed"), (fresh, "submitted")]


# --- /overdue ---------------------------------------------------------------------------------

async def test_overdue_lists_open_assignments_past_their_due_date_by_body_with_working_days_late(bot):
    await bot.grant(OFFICE, "Chị Hoa", "office")
    await bot.grant(MTTQ, "Bà Mai", "mttq")
    await bot.grant(CHAIR, "Ông Chủ tịch", "chair")
    await bot.grant(OFFICER, "Anh Quân", "officer", body="Địa chính - Xây dựng")
    await bot.grant(OFFICER_2, "Chị Thu", "officer", body="Văn hóa - Xã hội")
    assert await bot.say(OFFICE, "⏰ Quá hạn") == ["Không có việc nào quá hạn: mọi việc đang giải quyết đều còn trong hạn."]
    late_land = await send_concern(bot, LAN, "Bà Lan", "Đường ngập")
    late_social = await send_concern(bot, BINH, "Ông Bình", "Trợ cấp")
    extended = await send_concern(bot, CUONG, "Ông Cường", "Cầu hỏng")
    resolved = await send_concern(bot, DUNG, "Bà Dung", "Rác")
    due = today() - timedelta(days=21)
    future = today() + timedelta(days=10)
    await assign(bot, late_land, OFFICER, status="in_progress", due_date=due.isoformat())
    await assign(bot, late_social, OFFICER_2, "Văn hóa - Xã hội", status="extended", due_date=due.isoformat(),
                 extended_to=(today() - timedelta(days=1)).isoformat())
    await assign(bot, extended, OFFICER, status="extended", due_date=due.isoformat(), extended_to=future.isoformat())
    await assign(bot, resolved, OFFICER, status="resolved", due_date=due.isoformat())

    def late(since: date) -> int:  # counted by hand: working days after the due date, up to today
        return sum(bot.services.calendar.is_working_day(since + timedelta(days=n))
                   for n in range(1, (today() - since).days + 1))

    yesterday = today() - timedelta(days=1)
    expected = [
        "⏰ Việc quá hạn giải quyết: 2", "",
        "🏢 Văn hóa - Xã hội",
        f"• {late_social} · Chị Thu · hạn {vi(bot).short_date(yesterday)} · chậm {late(yesterday)} ngày làm việc", "",
        "🏢 Địa chính - Xây dựng",
        f"• {late_land} · Anh Quân · hạn {vi(bot).short_date(due)} · chậm {late(due)} ngày làm việc",
    ]
    for user_id in (OFFICE, MTTQ, CHAIR):
        assert (await bot.say(user_id, "/overdue"))[0].splitlines() == expected, user_id
    assert late(due) >= 10  # three weeks hold at least ten working days, whatever the holidays

    assert (await bot.say(OFFICER, "/overdue"))[0].startswith("Xin lỗi, việc này chỉ dành cho ")


async def test_a_long_overdue_list_is_one_message_with_a_count_and_pages(bot):
    """296 messages went to one chat at 10,000 concerns: now one message, a page at a time."""
    await bot.grant(OFFICE, "Chị Hoa", "office")
    await bot.grant(OFFICER, "Anh Quân", "officer", body="Địa chính - Xây dựng")
    await bot.register(LAN, "Bà Lan")
    officer, resident = await person_id(bot, OFFICER), await person_id(bot, LAN)
    async with bot.database.transaction() as db:
        for number in range(45):
            concern = await concerns.insert(db, commune_id="bao-lam", code=f"8{number // 100:02d}-{number % 100:03d}",
                                            resident_id=resident, hamlet_id="thon-2", category="land", body="Đường ngập",
                                            status="in_progress", submission_key=f"late-{number}", attachments=())
            await assignments.assign(db, concern_id=concern.id, officer_person_id=officer, body="Địa chính - Xây dựng",
                                     assigned_by=None, due_date=(today() - timedelta(days=60 - number)).isoformat())

    replies = await bot.say(OFFICE, "/overdue")
    assert len(replies) == 1
    assert replies[0].splitlines()[:4] == ["⏰ Việc quá hạn giải quyết: 45", "Trang 1/3", "", "🏢 Địa chính - Xây dựng"]
    assert re.findall(r"• (\d{3}-\d{3})", replies[0]) == [f"800-{n:03d}" for n in range(20)]
    assert bot.buttons(OFFICE) == ["cw:ov:pg:2"]
    last = await bot.tap(OFFICE, "cw:ov:pg:2") and await bot.tap(OFFICE, "cw:ov:pg:3")
    assert re.findall(r"• (\d{3}-\d{3})", last[0]) == [f"800-{n:03d}" for n in range(40, 45)]
    assert bot.buttons(OFFICE) == ["cw:ov:pg:2"]
    assert sum(text.startswith("⏰ Việc quá hạn") for text in bot.fake.bot_texts(OFFICE)) == 1  # edited in place


# --- refusals ---------------------------------------------------------------------------------

async def test_residents_strangers_and_other_roles_are_refused_politely_and_audited(bot):
    code = await send_concern(bot, LAN, "Bà Lan", "Đường ngập")
    await bot.grant(HEAD_2, "Ông Tám", "hamlet_head", hamlet="thon-2")
    await bot.grant(MTTQ, "Bà Mai", "mttq")
    before = await state_of(bot)
    for command in ("/inbox", f"/close {code}", "/close"):
        assert await bot.say(LAN, command) == [ONLY_OFFICE], command
    assert await bot.say(LAN, "/enter") == [
        "Xin lỗi, việc này chỉ dành cho Văn phòng HĐND và UBND xã hoặc Trưởng thôn. Không có gì thay đổi."]
    assert (await bot.say(LAN, "/overdue"))[0] == (
        "Xin lỗi, việc này chỉ dành cho Chủ trì (Chủ tịch hoặc Phó Chủ tịch được phân công), Văn phòng HĐND và UBND xã "
        "hoặc Ủy ban MTTQ Việt Nam xã. Không có gì thay đổi.")
    message = bot.fake.chat(LAN)[-1]["message_id"]
    for data in (f"cw:acc:{code}", f"cw:mrg:{code}", f"cw:oos:{code}", f"cw:oosy:{code}", f"cw:rej:{code}", f"cw:cls:{code}",
                 f"cw:reo:{code}", f"cw:nx:{code}"):
        bot.fake.chat(LAN)  # the same old message, any forged button
        answer = await bot.send(LAN, bot.fake.press(LAN, message, data))
        assert answer == [ONLY_OFFICE], data
    assert await bot.say(HEAD_2, "/inbox") == [ONLY_OFFICE]
    assert await bot.say(MTTQ, f"/close {code}") == [ONLY_OFFICE]
    bot.fake.add_user(STRANGER, "Người lạ")
    assert await bot.say(STRANGER, "/inbox") == [ONLY_OFFICE]
    assert await bot.say(STRANGER, "/enter") == [
        "Xin lỗi, việc này chỉ dành cho Văn phòng HĐND và UBND xã hoặc Trưởng thôn. Không có gì thay đổi."]

    assert await state_of(bot) == before
    lan = await person_id(bot, LAN)
    refused = await bot.rows("SELECT actor_person_id, details FROM audit_log WHERE action = 'refused' ORDER BY id")
    assert [json.loads(d)["action"] for p, d in refused if p == lan] == [
        "screen", "close", "close", "enter_for_resident", "view_overdue",
        "screen", "screen", "screen", "screen", "screen", "close", "close", "screen"]
    assert [json.loads(d)["action"] for p, d in refused if p not in (lan, None)] == ["screen", "close"]
    # The stranger has no person record; the refusals are audited all the same.
    assert [json.loads(d) for p, d in refused if p is None] == [
        {"action": "screen", "stranger": True}, {"action": "enter_for_resident", "stranger": True}]


async def test_a_merged_resident_hears_the_earlier_concerns_news_and_a_petition_is_no_target(bot):
    await bot.grant(OFFICE, "Chị Hoa", "office")
    first = await send_concern(bot, LAN, "Bà Lan", "Đường thôn 2 ngập")
    closed = await send_concern(bot, CUONG, "Anh Cường", "Cầu tràn hỏng")
    repeat = await send_concern(bot, BINH, "Ông Bình", "Đường thôn 2 lại ngập")
    # Sent to the citizen reception, it has no answer to follow (an answered or closed one may be raised again).
    async with bot.database.transaction() as db:
        await db.execute("UPDATE concerns SET status = 'out_of_scope' WHERE code = ?", (closed,))
    await bot.say(OFFICE, f"/concern {repeat}")
    await bot.tap(OFFICE, f"cw:mrg:{repeat}")
    refused = await bot.say(OFFICE, closed)
    assert refused == [f"Kiến nghị {closed} đã kết thúc (“Không thuộc nội dung đối thoại: cần gửi đơn”): gộp vào đó thì người dân này sẽ không nhận được "
                       "trả lời. Xin tiếp nhận hoặc từ chối riêng kiến nghị này."]
    assert await bot.rows("SELECT status FROM concerns WHERE code = ?", repeat) == [("submitted",)]
    await bot.say(OFFICE, first)
    assert await bot.rows("SELECT status FROM concerns WHERE code = ?", repeat) == [("merged",)]
    # When the earlier concern moves on, Bình (who was told to follow it) hears it too.
    await bot.say(OFFICE, f"/concern {first}")
    await bot.tap(OFFICE, f"cw:acc:{first}")
    assert bot.fake.bot_texts(BINH)[-1].startswith(f"Kiến nghị {first}: Đã đưa vào nội dung đối thoại.")
    assert bot.fake.bot_texts(LAN)[-1].startswith(f"Kiến nghị {first}: Đã đưa vào nội dung đối thoại.")


async def test_news_for_a_resident_without_a_phone_goes_to_the_official_who_entered_the_concern(bot):
    await bot.grant(OFFICE, "Chị Hoa", "office")
    await bot.grant(HEAD_2, "Ông Tám", "hamlet_head", hamlet="thon-2")
    await bot.say(HEAD_2, "/enter")
    await bot.say(HEAD_2, "Bà Sáu")
    await bot.tap(HEAD_2, "cw:ep:skip")
    await bot.tap(HEAD_2, "cw:et:land")
    await bot.say(HEAD_2, "Đường ngập")
    code = CODE.search((await bot.tap(HEAD_2, next(b for b in bot.buttons(HEAD_2) if b.startswith("cw:eok:"))))[0]).group(1)
    await bot.say(OFFICE, f"/concern {code}")
    await bot.tap(OFFICE, f"cw:rej:{code}")
    await bot.say(OFFICE, "Nội dung đã được giải quyết năm ngoái.")
    relayed = bot.fake.bot_texts(HEAD_2)[-1]
    assert relayed.startswith("Gửi Bà Sáu, người không có điện thoại (ông/bà đã nhập kiến nghị giúp) — xin báo lại cho người dân:\n\n"
                              f"Kiến nghị {code}: Không được tiếp nhận, có nêu lý do.")
    assert "Nội dung đã được giải quyết năm ngoái." in relayed
    assert await bot.rows("SELECT COUNT(*) FROM outbox WHERE sent_at IS NULL") == [(0,)]



async def test_a_follower_reads_the_written_answer_and_may_answer_it_like_the_first_sender(bot):
    from storage import assignments, concerns

    await bot.grant(OFFICE, "Chị Hoa", "office")
    await bot.grant(OFFICER, "Anh Quân", "officer", body="Địa chính - Xây dựng")
    first = await send_concern(bot, LAN, "Bà Lan", "Đường thôn 2 ngập")
    middle = await send_concern(bot, CUONG, "Anh Cường", "Đường thôn 2 ngập nước")
    repeat = await send_concern(bot, BINH, "Ông Bình", "Đường thôn 2 lại ngập")
    # Bình's concern is merged into Cường's, which is then merged into Lan's: Bình now follows Lan's.
    for code, into in ((repeat, middle), (middle, first)):
        await bot.say(OFFICE, f"/concern {code}")
        await bot.tap(OFFICE, f"cw:mrg:{code}")
        await bot.say(OFFICE, into)
    first_id = (await bot.rows("SELECT id FROM concerns WHERE code = ?", first))[0][0]
    assert await bot.rows("SELECT code FROM concerns WHERE duplicate_of = ? ORDER BY id", first_id) == [(middle,), (repeat,)]
    officer = await person_id(bot, OFFICER)
    async with bot.database.transaction() as db:
        await assignments.assign(db, concern_id=first_id, officer_person_id=officer, body="Địa chính - Xây dựng",
                                 assigned_by=None, due_date=due_in_a_month().isoformat())
        await db.execute("UPDATE concerns SET status = 'assigned', conclusion = 'assigned' WHERE id = ?", (first_id,))
    await bot.say(OFFICER, "/tasks")
    await bot.tap(OFFICER, f"tk:res:{first}")
    await bot.say(OFFICER, "Đã khơi thông cống trước nhà bà Lan.")
    await bot.tap(OFFICER, f"tk:rok:{first}")
    assert "Đã khơi thông cống trước nhà bà Lan." in bot.fake.bot_texts(LAN)[-1]
    assert bot.buttons(LAN) == [f"vd:ok:{first}", f"vd:no:{first}"]
    # Issue 10: whoever follows a concern gets its written answer and may agree or dispute like its sender.
    for follower in (BINH, CUONG):
        told = bot.fake.bot_texts(follower)[-1]
        assert told.startswith(f"Kiến nghị {first}: Địa chính - Xây dựng đã trả lời bằng văn bản.")
        assert "Đã khơi thông cống trước nhà bà Lan." in told
        assert bot.buttons(follower) == [f"vd:ok:{first}", f"vd:no:{first}"]
