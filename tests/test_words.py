"""The words people read: counts in the reader's plural form, administrative style, the commune's own names."""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta

import pytest

from tests.dates import today_local
from tests.test_dialogue import CHAIR, OFFICE, TZ, concern, move_meeting, schedule

LAN, BINH = 1001, 1002


def meeting_late_by_one_working_day(bot) -> datetime:
    """A past meeting whose conclusions were due (10 working days after it) one working day before today."""
    calendar, today = bot.services.calendar, today_local()
    day = today - timedelta(days=1)
    while calendar.working_days_between(calendar.working_days_after(day, 10), today) != 1:
        day -= timedelta(days=1)
    return datetime.combine(day, time(8), TZ)


@pytest.mark.parametrize("count", [1, 2])
async def test_english_counts_agree_with_their_number(bot, count):
    await bot.grant(OFFICE, "Hoa", "office", language="en")
    await bot.grant(CHAIR, "Nam", "chair", language="en")
    codes = []
    for user_id, name, text in [(LAN, "Bà Lan", "Đường ngập"), (BINH, "Ông Bình", "Sổ đỏ chậm")][:count]:
        await bot.register(user_id, name)
        codes.append(await concern(bot, user_id, text))
    await schedule(bot)
    await move_meeting(bot, meeting_late_by_one_working_day(bot))
    ids = dict(await bot.rows("SELECT code, id FROM concerns"))
    for code in codes:
        await bot.say(CHAIR, "/conclude")
        await bot.tap(CHAIR, f"cl:pick:{ids[code]}")
        await bot.tap(CHAIR, f"cl:ans:{ids[code]}")
        await bot.say(CHAIR, "The ditch will be dredged.")

    noun = "1 concern" if count == 1 else "2 concerns"
    preview = (await bot.say(OFFICE, "/announce"))[0]
    assert f": {noun}, 0 of them assigned" in preview
    assert "⚠️ This is late by 1 working day: the plan required it by " in preview
    done = (await bot.tap(OFFICE, "an:ok:1"))[0]
    assert f": {noun}. The residents concerned and 0 hamlet heads were told." in done
    assert "⚠️ The announcement is late by 1 working day: the plan required it by " in done
    assert "working days" not in preview + done


# --- Vietnamese administrative style (issue 6, item 24) --------------------------------------------

HEAD_2, OFFICER = 2005, 2007
RECEPTION = "Bộ phận Tiếp công dân, trụ sở UBND xã Bảo Lâm (giờ hành chính các ngày làm việc)"


def test_dates_are_written_as_official_texts_write_them():
    from datetime import date

    from bot.i18n import I18n

    i18n = I18n(TZ)
    assert i18n.for_locale("vi").date(date(2026, 12, 1)) == "Thứ Ba, ngày 1 tháng 12 năm 2026"
    assert i18n.for_locale("vi").date(date(2026, 12, 6)) == "Chủ Nhật, ngày 6 tháng 12 năm 2026"
    assert i18n.for_locale("en").date(date(2026, 12, 1)) == "Tuesday, 1 December 2026"


def test_commune_and_hamlet_names_are_lower_case_inside_a_sentence_and_capitalised_on_buttons():
    from bot.communes import parse_communes

    communes = parse_communes({"commune": [{
        "id": "phu-my", "vi": "Xã Phú Mỹ", "en": "Phú Mỹ commune",
        "citizen_reception_vi": "Tiếp công dân", "citizen_reception_en": "Citizen reception",
        "meeting_place_vi": "Hội trường", "meeting_place_en": "Hall",
        "hamlets": [{"id": "t1", "vi": "Thôn 1", "en": "Hamlet 1"}, {"id": "t2", "vi": "Đồng Tâm", "en": "Đồng Tâm"}],
        "categories": [{"key": "other", "vi": "Khác", "en": "Other"}]}]}, "test")
    commune = communes.single
    assert commune.name("vi") == "xã Phú Mỹ" and commune.name.label("vi") == "Xã Phú Mỹ"
    assert commune.hamlet("t1").name("vi") == "thôn 1" and commune.hamlet("t1").name.label("vi") == "Thôn 1"
    assert commune.hamlet("t2").name("vi") == "Đồng Tâm"  # a proper name keeps its capitals
    assert commune.hamlet("t1").name("en") == "Hamlet 1"


async def test_a_resident_reads_thon_2_xa_bao_lam_and_taps_thon_2(bot):
    bot.fake.add_user(LAN, "Bà Lan", language_code="vi")
    await bot.say(LAN, "/start")
    await bot.tap(LAN, "ob:lang:vi")
    assert await bot.tap(LAN, "ob:consent:yes") == ["Ông/bà sống ở thôn nào của xã Bảo Lâm?"]
    labels = [b["text"] for row in bot.fake.last_bot_message(LAN)["reply_markup"]["inline_keyboard"] for b in row]
    assert labels[:2] == ["Thôn 1", "Thôn 2"]
    await bot.tap(LAN, "ob:hamlet:thon-2")
    await bot.say(LAN, "Bà Lan")
    assert (await bot.say(LAN, "⏭ Bỏ qua"))[0].startswith("Cảm ơn Bà Lan. Ông/bà đã đăng ký tại thôn 2, xã Bảo Lâm.")


async def test_english_users_read_english_place_and_body_names(bot):
    from tests.test_tasks import assign

    await bot.grant(HEAD_2, "Tam", "hamlet_head", hamlet="thon-2", language="en")
    await bot.grant(OFFICE, "Hoa", "office")
    await bot.grant(OFFICER, "Minh", "officer", body="kinh-te")  # the body's key in the communes file
    assert await bot.rows("SELECT body FROM roles WHERE role = 'officer'") == [("Phòng Kinh tế",)]
    bot.fake.add_user(LAN, "Lan", language_code="en")
    await bot.say(LAN, "/start")
    await bot.tap(LAN, "ob:lang:en")
    assert await bot.tap(LAN, "ob:consent:yes") == ["Which hamlet (thôn) of Bảo Lâm commune do you live in?"]
    labels = [b["text"] for row in bot.fake.last_bot_message(LAN)["reply_markup"]["inline_keyboard"] for b in row]
    assert labels[:2] == ["Hamlet 1", "Hamlet 2"]
    await bot.tap(LAN, "ob:hamlet:thon-2")
    await bot.say(LAN, "Lan")
    assert (await bot.say(LAN, "⏭ Skip"))[0].startswith("Thank you, Lan. You are registered in Hamlet 2, Bảo Lâm commune.")
    assert "You are here as: Head of Hamlet 2." in (await bot.say(HEAD_2, "/start"))[0]

    code = re.search(r"\d{3}-\d{3}", (await bot.submit_concern(LAN, "The road is flooded"))[0]).group(0)
    async with bot.database.transaction() as db:  # concluded "to be assigned" at a dialogue (stood in for by SQL)
        await db.execute("UPDATE concerns SET status = 'assigned', conclusion = 'assigned' WHERE code = ?", (code,))
    await assign(bot, code, OFFICER, by=OFFICE)
    assert bot.fake.bot_texts(LAN)[-1].startswith(f"Concern {code}: assigned to Economic Division to resolve.")
    assert "Minh" not in bot.fake.bot_texts(LAN)[-1]


async def test_cancel_in_an_officials_flow_says_nothing_was_saved_and_a_residents_draft_nothing_was_sent(bot):
    await bot.grant(HEAD_2, "Ông Tám", "hamlet_head", hamlet="thon-2")
    await bot.say(HEAD_2, "/enter")
    await bot.say(HEAD_2, "Bà Sáu")
    assert await bot.say(HEAD_2, "/cancel") == ["Đã dừng. Chưa lưu gì."]
    await bot.register(LAN, "Bà Lan")
    await bot.say(LAN, "/new")
    await bot.tap(LAN, "cc:cat:land")
    assert await bot.say(LAN, "/cancel") == ["Đã dừng. Chưa gửi gì."]


async def test_a_petition_met_inside_enter_asks_the_hamlet_head_to_guide_the_resident(bot):
    await bot.grant(HEAD_2, "Ông Tám", "hamlet_head", hamlet="thon-2")
    await bot.say(HEAD_2, "/enter")
    await bot.say(HEAD_2, "Bà Sáu")
    await bot.tap(HEAD_2, "cw:ep:skip")
    refusal = await bot.tap(HEAD_2, "cw:et:petition")
    assert refusal[0] == (
        "Khiếu nại, tố cáo cần làm đơn không thuộc nội dung đối thoại, nên chưa ghi nhận gì. "
        f"Xin hướng dẫn người dân mang đơn đến: {RECEPTION}. Nơi đây sẽ tiếp nhận và trả lời theo quy định của pháp luật.")
    assert await bot.rows("SELECT COUNT(*) FROM concerns") == [(0,)]
    # A resident choosing the same topic is spoken to directly.
    await bot.register(LAN, "Bà Lan")
    await bot.say(LAN, "/new")
    assert (await bot.tap(LAN, "cc:cat:petition"))[0].startswith(
        "Khiếu nại, tố cáo cần làm đơn không được giải quyết trong buổi đối thoại. Xin ông/bà gửi đơn đến: ")


async def test_a_notice_does_not_repeat_its_status(bot):
    await bot.grant(OFFICE, "Chị Hoa", "office")
    await bot.register(LAN, "Bà Lan")
    code = await concern(bot, LAN, "Đường ngập", accepted=False)
    await bot.say(OFFICE, f"/concern {code}")
    await bot.tap(OFFICE, f"cw:acc:{code}")
    told = bot.fake.bot_texts(LAN)[-1]
    assert told == f"Kiến nghị {code}: Đã đưa vào nội dung đối thoại."
    assert "Tình trạng" not in told


# --- Names since 1 July 2025, from the commune's settings (issue 6, item 25) -----------------------

def _commune(**extra) -> dict:
    return {"id": "phu-my", "vi": "xã Phú Mỹ", "en": "Phú Mỹ commune",
            "citizen_reception_vi": "Tiếp công dân", "citizen_reception_en": "Citizen reception",
            "meeting_place_vi": "Hội trường", "meeting_place_en": "Hall",
            "hamlets": [{"id": "t1", "vi": "thôn 1", "en": "Hamlet 1"}],
            "categories": [{"key": "other", "vi": "Khác", "en": "Other"}], **extra}


def test_the_communes_file_names_the_office_chair_mttq_and_bodies_and_defaults_stay_sensible():
    from bot.communes import CommunesFileError, parse_communes
    from bot.config import DEFAULT_COMMUNES_FILE
    from bot.communes import load_communes
    from bot.i18n import I18n
    from bot.roles import role_label

    vi, en = I18n(TZ).for_locale("vi"), I18n(TZ).for_locale("en")
    shipped = load_communes(DEFAULT_COMMUNES_FILE).single
    assert shipped.office_name.vi == "Văn phòng HĐND và UBND xã"
    assert [b.name.vi for b in shipped.bodies] == ["Phòng Kinh tế", "Phòng Văn hóa - Xã hội", "Văn phòng HĐND và UBND xã"]
    assert role_label("chair", vi, shipped) == "Chủ tịch UBND xã (hoặc Phó Chủ tịch được phân công)"
    assert role_label("mttq", en, shipped) == "Vietnam Fatherland Front Committee of the commune"

    named = parse_communes({"commune": [_commune(
        office_vi="Văn phòng HĐND và UBND phường", office_en="Ward office",
        bodies=[{"key": "kt-hd-dt", "vi": "Phòng Kinh tế - Hạ tầng - Đô thị", "en": "Economy, Infrastructure and Urban Division"}],
    )]}, "test").single
    assert role_label("office", vi, named) == "Văn phòng HĐND và UBND phường"
    assert role_label("office", en, named) == "Ward office"
    assert named.body("  phòng kinh tế -  hạ tầng - đô thị ").key == "kt-hd-dt"
    assert named.body("Economy, Infrastructure and Urban Division").name.vi == "Phòng Kinh tế - Hạ tầng - Đô thị"

    # Omitted: the catalog's words, post-2025 in Vietnamese; any typed body is kept as typed.
    bare = parse_communes({"commune": [_commune()]}, "test").single
    assert bare.office_name is None and bare.bodies == ()
    assert role_label("office", vi, bare) == "Văn phòng HĐND và UBND xã"
    assert role_label("mttq", vi, bare) == "Ủy ban MTTQ Việt Nam xã"
    assert role_label("officer", vi, bare) == "Công chức chuyên môn"
    assert bare.body("Địa chính - Xây dựng") is None

    # Half a name, or a body without its English name, is refused with one line.
    with pytest.raises(CommunesFileError, match="office_en"):
        parse_communes({"commune": [_commune(office_vi="Văn phòng")]}, "test")
    with pytest.raises(CommunesFileError, match="'en'"):
        parse_communes({"commune": [_commune(bodies=[{"key": "kt", "vi": "Phòng Kinh tế"}])]}, "test")


async def test_the_resident_reads_the_bodys_answer_not_a_persons(bot):
    from tests.test_tasks import assign

    await bot.grant(OFFICE, "Chị Hoa", "office")
    await bot.grant(OFFICER, "Anh Minh", "officer", body="Phòng Kinh tế")
    await bot.register(LAN, "Bà Lan")
    code = await concern(bot, LAN, "Đường ngập", accepted=False)
    async with bot.database.transaction() as db:
        await db.execute("UPDATE concerns SET status = 'assigned', conclusion = 'assigned' WHERE code = ?", (code,))
    await assign(bot, code, OFFICER, by=OFFICE)
    assert bot.fake.bot_texts(LAN)[-1].startswith(f"Kiến nghị {code}: đã giao Phòng Kinh tế giải quyết.")
    await bot.say(OFFICER, "/tasks")
    await bot.tap(OFFICER, f"tk:res:{code}")
    preview = (await bot.say(OFFICER, "Đã nạo vét mương."))[1]  # the officer sees it before it goes out
    await bot.tap(OFFICER, f"tk:rok:{code}")
    assert bot.fake.bot_texts(LAN)[-1] == preview == f"Kiến nghị {code}: Phòng Kinh tế đã trả lời bằng văn bản.\n\nĐã nạo vét mương."
    assert all("Anh Minh" not in text for text in bot.fake.bot_texts(LAN))
