"""Concerns raised again and again (issue 10), end to end: a resident supports a similar concern and follows
it to the written answer; the office merges a duplicate from screening, also into one answered in an earlier
dialogue ("nêu lại"); /review before a dialogue; carry-over at scheduling; a promise reminded; a hamlet
head's list; petition attempts counted without anything personal."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from storage import assignments, invitations
from tests.dates import future_monday
from tests.harness import BotUnderTest
from tests.test_dialogue import schedule

LAN, BINH, CUONG, DUNG = 1001, 1002, 1003, 1004
OFFICE, CHAIR, MTTQ, OFFICER, HEAD2 = 2001, 2002, 2003, 2007, 2005  # as in test_dialogue (its `schedule`)
CODE = re.compile(r"Mã theo dõi: (\d{3}-\d{3})")
TZ = ZoneInfo("Asia/Ho_Chi_Minh")
LIGHTS = "Đèn đường thôn 2 bị hỏng cả tháng nay, buổi tối đi lại rất tối"
LIGHTS_AGAIN = "den duong thon 2 hong ca thang roi, toi di lai toi om"
FLOOD = "Đường liên thôn 2 bị ngập nước mỗi khi mưa to, xe máy không đi được"
FLOOD_AGAIN = "duong lien thon 2 ngap nuoc moi khi mua to, xe may khong di duoc"


async def officials(bot) -> None:
    await bot.grant(OFFICE, "Chị Hoa", "office")
    await bot.grant(CHAIR, "Ông Nam", "chair")
    await bot.grant(MTTQ, "Bà Mai", "mttq")
    await bot.grant(OFFICER, "Anh Quân", "officer", body="Địa chính - Xây dựng")
    await bot.grant(HEAD2, "Ông Hải", "hamlet_head", hamlet="thon-2")


async def send(bot, user_id: int, name: str, text: str, *, hamlet: str = "thon-2", topic: str = "development") -> str:
    await bot.register(user_id, name, hamlet=hamlet)
    return CODE.search((await bot.submit_concern(user_id, text, topic=topic))[0]).group(1)


async def person_id(bot, user_id: int) -> int:
    return (await bot.rows("SELECT id FROM people WHERE channel = 'telegram' AND external_id = ?", str(user_id)))[0][0]


def button_data(bot, user_id: int, prefix: str) -> list[str]:
    """Callback data starting with `prefix` on the bot's messages in a chat, newest message first."""
    found = []
    for message in reversed(bot.fake.chat(user_id)):
        for row in (message.get("reply_markup") or {}).get("inline_keyboard", []):
            found += [b["callback_data"] for b in row if b.get("callback_data", "").startswith(prefix)]
    return found


async def insert_dialogue(bot, day: date, status: str) -> int:
    async with bot.database.transaction() as db:
        cursor = await db.execute("INSERT INTO dialogues (commune_id, meeting_at, place, status, created_at)"
                                  " VALUES ('bao-lam', ?, 'Hội trường', ?, '2026-01-01')",
                                  (f"{day.isoformat()}T01:00:00+00:00", status))
        return cursor.lastrowid


async def answered_at(bot, code: str, dialogue_id: int, answer: str = "Xã đã đưa vào kế hoạch sửa chữa năm sau.") -> None:
    """A concern answered at an earlier dialogue (the meeting's own flow is tested in test_dialogue)."""
    async with bot.database.transaction() as db:
        await db.execute("UPDATE concerns SET status = 'answered', conclusion = 'answered', conclusion_text = ?,"
                         " dialogue_id = ? WHERE code = ?", (answer, dialogue_id, code))


async def test_a_resident_shown_similar_concerns_supports_one_and_follows_it_to_the_written_answer(bot):
    await officials(bot)
    first = await send(bot, LAN, "Bà Lan", LIGHTS)
    await bot.register(BINH, "Ông Bình", hamlet="thon-3")
    await bot.say(BINH, "/new")
    await bot.tap(BINH, "cc:cat:development")
    replies = await bot.say(BINH, LIGHTS_AGAIN)
    offer = next(text for text in replies if first in text)
    assert "Bà Lan" not in offer and "thôn 2" in offer and "Kinh tế - xã hội, an ninh, hạ tầng" in offer
    support = [data for data in button_data(bot, BINH, "cc:sup:") if data.endswith(first)]
    assert len(support) == 1
    # Sending it as new stays possible: the summary with its “Send” button follows the offer.
    assert any(data.startswith("cc:ok:") for data in bot.buttons(BINH))

    await bot.tap(BINH, support[0])
    assert await bot.rows("SELECT COUNT(*) FROM concerns") == [(1,)]  # nothing new was created
    assert await bot.rows("SELECT raised_count FROM concerns WHERE code = ?", first) == [(2,)]
    binh = await person_id(bot, BINH)
    assert await bot.rows("SELECT resident_id FROM concern_supporters") == [(binh,)]
    assert await bot.rows("SELECT actor_person_id FROM audit_log WHERE action = 'concern.supported'") == [(binh,)]
    assert not button_data(bot, BINH, "cc:ok:")  # the summary's “Send” is gone
    assert first in (await bot.say(BINH, "/mine"))[0]
    # A supporter of a concern on a dialogue's agenda is among those who must be invited to it.
    async with bot.database.transaction() as db:
        dialogue_id = (await db.execute(
            "INSERT INTO dialogues (commune_id, meeting_at, place, created_at) VALUES ('bao-lam', '2030-01-07T01:00:00+00:00',"
            " 'Hội trường', '2026-01-01T00:00:00+00:00')")).lastrowid
        await db.execute("UPDATE concerns SET dialogue_id = ? WHERE code = ?", (dialogue_id, first))
    async with bot.database.read() as db:
        assert binh in {row[0] for row in await invitations.must_attend(db, dialogue_id)}
    async with bot.database.transaction() as db:
        await db.execute("UPDATE concerns SET dialogue_id = NULL WHERE code = ?", (first,))
        await db.execute("DELETE FROM dialogues WHERE id = ?", (dialogue_id,))

    # The office accepts it: Bình is told like Lan.
    await bot.say(OFFICE, f"/concern {first}")
    await bot.tap(OFFICE, f"cw:acc:{first}")
    assert bot.fake.bot_texts(BINH)[-1].startswith(f"Kiến nghị {first}:")
    # Resolved in writing: Bình gets the written answer and may answer it like Lan.
    officer = await person_id(bot, OFFICER)
    first_id = (await bot.rows("SELECT id FROM concerns WHERE code = ?", first))[0][0]
    async with bot.database.transaction() as db:
        await assignments.assign(db, concern_id=first_id, officer_person_id=officer, body="Địa chính - Xây dựng",
                                 assigned_by=None, due_date=(date.today() + timedelta(days=30)).isoformat())
        await db.execute("UPDATE concerns SET status = 'assigned', conclusion = 'assigned' WHERE id = ?", (first_id,))
    await bot.say(OFFICER, "/tasks")
    await bot.tap(OFFICER, f"tk:res:{first}")
    await bot.say(OFFICER, "Đã thay 12 bóng đèn trên đường thôn 2.")
    await bot.tap(OFFICER, f"tk:rok:{first}")
    assert "Đã thay 12 bóng đèn trên đường thôn 2." in bot.fake.bot_texts(BINH)[-1]
    assert bot.buttons(BINH) == [f"vd:ok:{first}", f"vd:no:{first}"]
    await bot.tap(BINH, f"vd:ok:{first}")
    assert await bot.rows("SELECT status FROM concerns WHERE code = ?", first) == [("closed",)]
    assert await bot.rows("SELECT actor_person_id FROM audit_log WHERE action = 'concern.satisfied'") == [(binh,)]


async def test_a_resident_may_not_support_their_own_concern_and_nothing_changes(bot):
    first = await send(bot, LAN, "Bà Lan", LIGHTS)
    await bot.say(LAN, "/new")
    await bot.tap(LAN, "cc:cat:development")
    await bot.say(LAN, LIGHTS_AGAIN)
    assert not button_data(bot, LAN, "cc:sup:")  # one's own concern is not offered
    draft = next(d for d in bot.buttons(LAN) if d.startswith("cc:ok:")).split(":")[2]
    replies = await bot.send(LAN, bot.fake.press(LAN, bot.fake.chat(LAN)[-1]["message_id"], f"cc:sup:{draft}:{first}"))
    assert replies and replies[0].startswith("Lựa chọn này không còn")
    assert await bot.rows("SELECT raised_count FROM concerns") == [(1,)]
    assert await bot.rows("SELECT COUNT(*) FROM concern_supporters") == [(0,)]


async def test_a_forged_press_cannot_make_a_concern_that_was_not_offered_ones_own(bot):
    """Another resident's concern, on another topic (never offered with this summary): a press carrying its code
    with one's own draft id is refused in words; the resident does not follow it and cannot read its text."""
    first = await send(bot, LAN, "Bà Lan", LIGHTS)
    await bot.register(BINH, "Ông Bình")
    await bot.say(BINH, "/new")
    await bot.tap(BINH, "cc:cat:environment")
    await bot.say(BINH, "Bãi rác tự phát cạnh trường học")
    assert not button_data(bot, BINH, "cc:sup:")
    draft = next(d for d in bot.buttons(BINH) if d.startswith("cc:ok:")).split(":")[2]
    message_id = bot.message_with_button(BINH, f"cc:ok:{draft}")
    replies = await bot.send(BINH, bot.fake.press(BINH, message_id, f"cc:sup:{draft}:{first}"))
    assert replies == ["Lựa chọn này không còn nữa. Xin chọn lại trong các mục."]
    assert await bot.rows("SELECT raised_count FROM concerns WHERE code = ?", first) == [(1,)]
    assert await bot.rows("SELECT COUNT(*) FROM concern_supporters") == [(0,)]
    assert LIGHTS not in "\n".join(await bot.say(BINH, "/mine"))
    # The draft is still there: its own Send goes on.
    assert "Mã theo dõi: " in (await bot.tap(BINH, f"cc:ok:{draft}"))[0]


async def test_the_office_merges_a_duplicate_from_screening_with_one_tap(bot):
    await officials(bot)
    first = await send(bot, LAN, "Bà Lan", FLOOD)
    repeat = await send(bot, BINH, "Ông Bình", FLOOD_AGAIN)
    await bot.say(OFFICE, "/inbox")
    assert not button_data(bot, OFFICE, "cw:mi:")  # the oldest has nothing earlier to repeat
    card = (await bot.tap(OFFICE, f"cw:acc:{first}"))[-1]
    assert card.startswith("📥") and repeat in card and first in card
    assert bot.buttons(OFFICE)[0] == f"cw:mi:{repeat}:{first}"
    assert f"cw:mrg:{repeat}" in bot.buttons(OFFICE)  # typing a code stays possible
    await bot.tap(OFFICE, f"cw:mi:{repeat}:{first}")
    assert await bot.rows("SELECT code, status, raised_count FROM concerns ORDER BY id") == [
        (first, "accepted", 2), (repeat, "merged", 1)]
    assert first in (await bot.say(BINH, "/mine"))[0]


async def test_a_concern_answered_in_an_earlier_dialogue_raised_again_counts_up_and_comes_back(bot):
    await officials(bot)
    held = await insert_dialogue(bot, date.today() - timedelta(days=200), "held")
    first = await send(bot, LAN, "Bà Lan", FLOOD)
    await answered_at(bot, first, held)
    repeat = await send(bot, BINH, "Ông Bình", FLOOD_AGAIN)
    card = (await bot.say(OFFICE, "/inbox"))[-1]
    assert first in card and "Đã trả lời tại buổi đối thoại" in card
    await bot.tap(OFFICE, f"cw:mi:{repeat}:{first}")
    assert await bot.rows("SELECT status, raised_count, conclusion, dialogue_id FROM concerns WHERE code = ?", first) == [
        ("accepted", 2, None, None)]
    # What it was stays kept: the dialogue it was answered at, and the answer.
    first_id = (await bot.rows("SELECT id FROM concerns WHERE code = ?", first))[0][0]
    assert await bot.rows("SELECT dialogue_id, status, conclusion_text FROM concern_earlier_rounds WHERE concern_id = ?",
                          first_id) == [(held, "answered", "Xã đã đưa vào kế hoạch sửa chữa năm sau.")]
    assert await bot.rows("SELECT action FROM audit_log WHERE subject_id = ? AND action = 'concern.raise_again'",
                          first_id) == [("concern.raise_again",)]
    back = f"Kiến nghị {first}: Được nêu lại: đưa trở lại nội dung đối thoại."
    assert bot.fake.bot_texts(LAN)[-1].startswith(back)
    # Bình is told his concern was merged, then follows the earlier one like Lan.
    assert any(text.startswith(f"Kiến nghị {repeat}:") for text in bot.fake.bot_texts(BINH))
    assert bot.fake.bot_texts(BINH)[-1].startswith(back)


async def test_review_lists_worst_first_with_counts_across_two_dialogues_filtered_by_hamlet(bot):
    await officials(bot)
    held = await insert_dialogue(bot, date.today() - timedelta(days=200), "held")
    # A: answered at the held dialogue, raised again (merged) and supported: 3 times, 3 residents, 1 dialogue.
    a = await send(bot, LAN, "Bà Lan", FLOOD)
    await answered_at(bot, a, held)
    a_again = await send(bot, BINH, "Ông Bình", FLOOD_AGAIN)
    await bot.say(OFFICE, f"/concern {a_again}")
    await bot.tap(OFFICE, f"cw:mrg:{a_again}")
    await bot.say(OFFICE, a)
    upcoming = await insert_dialogue(bot, date.today() + timedelta(days=60), "scheduled")
    async with bot.database.transaction() as db:
        await db.execute("UPDATE concerns SET dialogue_id = ? WHERE code = ?", (upcoming, a))
    await bot.register(DUNG, "Chị Dung", hamlet="thon-3")
    await bot.services.concerns.support(await bot.services.residents.find("telegram", str(DUNG)), a)
    # B: in thôn 3, raised twice (one supporter), on no dialogue yet.
    b = await send(bot, CUONG, "Anh Cường", "Trạm bơm thôn 3 hỏng, ruộng lúa thiếu nước tưới vụ đông", hamlet="thon-3",
                   topic="land")
    async with bot.database.transaction() as db:
        await db.execute("UPDATE concerns SET status = 'accepted' WHERE code = ?", (b,))
    await bot.services.concerns.support(await bot.services.residents.find("telegram", str(LAN)), b)
    # C: waiting for screening; D: closed and raised once (not listed).
    c = CODE.search((await bot.submit_concern(LAN, "Cần mở lớp dạy nghề cho thanh niên thôn 2", topic="other"))[0]).group(1)
    d = CODE.search((await bot.submit_concern(LAN, "Trường mầm non thôn 2 cần thêm cô giáo", topic="social-policy"))[0]).group(1)
    async with bot.database.transaction() as db:
        await db.execute("UPDATE concerns SET status = 'closed' WHERE code = ?", (d,))

    screen = (await bot.say(MTTQ, "/review"))[0]
    assert screen.startswith("🔍") and ": 3" in screen.splitlines()[0]
    assert screen.index(a) < screen.index(b) < screen.index(c) and d not in screen
    assert "Đã nêu 3 lần · người dân: 3 · số buổi đối thoại: 2" in screen
    assert "Đã nêu 2 lần · người dân: 2 · số buổi đối thoại: 0" in screen
    # The MTTQ reads, the office also proposes a direction.
    assert not button_data(bot, MTTQ, "rv:dir:")
    await bot.say(OFFICE, "/review")
    await bot.tap(OFFICE, f"rv:dir:{a}")
    await bot.say(OFFICE, "Nâng cấp cống thoát nước, lập dự toán trong quý I")
    assert "Nâng cấp cống thoát nước" in (await bot.say(CHAIR, "/review"))[0]
    # It prepares the meeting: residents following the concern do not read it in its history.
    await bot.say(BINH, "/mine")
    followed = (await bot.tap(BINH, f"mine:show:{a}"))[0]
    assert followed.startswith(f"Kiến nghị {a}") and "Nâng cấp cống" not in followed
    assert "Ông/bà gửi kiến nghị này" not in followed  # Lan's own step is not told to Bình as his
    # Filtered by hamlet: only thôn 3.
    await bot.tap(MTTQ, "rv:fh:-:-")
    filtered = (await bot.tap(MTTQ, "rv:-:thon-3:pg:1"))[0]
    assert b in filtered and a not in filtered and c not in filtered


async def test_unresolved_items_of_the_previous_dialogue_are_offered_at_scheduling(fake_api, tmp_path):
    bot = BotUnderTest(fake_api, tmp_path / "carry.sqlite3", dialogues_per_year=2)
    await bot.start()
    try:
        await officials(bot)
        meeting = future_monday(bot.services.calendar, rules=bot.services.rules)
        held = await insert_dialogue(bot, meeting - timedelta(days=120), "held")
        open_one = await send(bot, LAN, "Bà Lan", FLOOD)
        settled = await send(bot, BINH, "Ông Bình", "Trạm bơm thôn 3 hỏng, ruộng lúa thiếu nước tưới", hamlet="thon-3")
        async with bot.database.transaction() as db:
            await db.execute("UPDATE concerns SET status = 'in_progress', dialogue_id = ? WHERE code = ?", (held, open_one))
            await db.execute("UPDATE concerns SET status = 'closed', dialogue_id = ? WHERE code = ?", (held, settled))
        replies = await schedule(bot, meeting)
        offer = replies[-1]
        assert open_one in offer and settled not in offer
        new = (await bot.rows("SELECT id FROM dialogues WHERE status = 'scheduled'"))[0][0]
        await bot.tap(OFFICE, f"rv:co:{new}")
        assert await bot.rows("SELECT code, dialogue_id FROM concerns ORDER BY id") == [(open_one, new), (settled, held)]
        assert await bot.rows("SELECT dialogue_id, status FROM concern_earlier_rounds") == [(held, "in_progress")]
    finally:
        await bot.stop()


async def test_a_promise_made_when_answering_is_reminded_and_reviewed_until_done(bot):
    await officials(bot)
    held = await insert_dialogue(bot, date.today() - timedelta(days=10), "held")
    code = await send(bot, LAN, "Bà Lan", LIGHTS)
    await answered_at(bot, code, held, "Xã sẽ thay đèn.")
    calendar = bot.services.calendar
    today = datetime.now(TZ).date()
    while not calendar.is_working_day(today):
        today += timedelta(days=1)
    due = calendar.working_days_after(today, 2)
    told = await bot.say(CHAIR, f"/promise {code} {due.strftime('%d/%m/%Y')} thay đèn trong tháng 12")
    assert told[0].startswith("🤝") and code in told[0]
    assert code in (await bot.say(MTTQ, "/review"))[0]
    assert await bot.services.review.queue_promise_reminders(today) == 3  # office, chair, MTTQ: one message each
    await bot.deliver()
    for official in (OFFICE, CHAIR, MTTQ):
        assert code in bot.fake.bot_texts(official)[-1] and "thay đèn trong tháng 12" in bot.fake.bot_texts(official)[-1]
    assert await bot.services.review.queue_promise_reminders(today) == 0  # once a day
    await bot.say(OFFICE, f"/promise {code} done")
    assert code not in (await bot.say(MTTQ, "/review"))[0]
    assert await bot.services.review.queue_promise_reminders(today + timedelta(days=1)) == 0


async def test_a_promise_goes_only_with_an_answered_concern(bot):
    await officials(bot)
    code = await send(bot, LAN, "Bà Lan", LIGHTS)
    refused = await bot.say(CHAIR, f"/promise {code} 31/12/2030 thay đèn")
    assert code in refused[0] and "Không có gì thay đổi" in refused[0]
    assert await bot.rows("SELECT COUNT(*) FROM concern_promises") == [(0,)]


async def test_a_hamlet_heads_list_shows_only_their_hamlet(bot):
    await officials(bot)
    ours = await send(bot, LAN, "Bà Lan", LIGHTS)
    theirs = await send(bot, BINH, "Ông Bình", "Trạm bơm thôn 3 hỏng", hamlet="thon-3")
    listed = (await bot.say(HEAD2, "/hamlet"))[0]
    assert ours in listed and theirs not in listed and "Bà Lan" not in listed


async def test_a_petition_topic_counts_an_anonymous_attempt_the_office_sees(bot):
    await officials(bot)
    await bot.register(LAN, "Bà Lan")
    await bot.say(LAN, "/new")
    await bot.tap(LAN, "cc:cat:petition")
    assert await bot.rows("SELECT commune_id, category, hamlet_id FROM petition_attempts") == [("bao-lam", "petition", "thon-2")]
    assert await bot.rows("SELECT COUNT(*) FROM concerns") == [(0,)]
    screen = (await bot.say(OFFICE, "/review"))[0]
    assert "Khiếu nại, tố cáo (cần làm đơn) · thôn 2: 1" in screen


async def test_the_chair_sees_the_direction_when_concluding_and_an_answer_carries_a_promise(bot):
    from tests import test_dialogue as meeting

    await meeting.officials(bot)
    await bot.register(LAN, "Bà Lan")
    code = await meeting.concern(bot, LAN, LIGHTS)
    await meeting.schedule(bot)
    await bot.say(OFFICE, "/review")
    await bot.tap(OFFICE, f"rv:dir:{code}")
    await bot.say(OFFICE, "Thay toàn bộ bóng đèn bằng đèn LED trong tháng 12")
    await meeting.move_meeting(bot, datetime.now(timezone.utc) - timedelta(hours=2))
    concern_id = (await bot.rows("SELECT id FROM concerns WHERE code = ?", code))[0][0]
    await bot.say(CHAIR, "/conclude")
    details = (await bot.tap(CHAIR, f"cl:pick:{concern_id}"))[0]
    assert "Dự kiến phương hướng, giải pháp (Văn phòng): Thay toàn bộ bóng đèn bằng đèn LED trong tháng 12" in details
    await bot.tap(CHAIR, f"cl:ans:{concern_id}")
    recorded = await bot.say(CHAIR, "Xã sẽ thay đèn trong tháng 12.")
    assert code in recorded[-1] and bot.buttons(CHAIR) == [f"rv:pr:{code}"]
    await bot.tap(CHAIR, f"rv:pr:{code}")
    told = await bot.say(CHAIR, "31/12/2030 thay đèn đường thôn 2")
    assert told[0].startswith("🤝") and code in told[0]
    assert await bot.rows("SELECT promise, due_date, done_at FROM concern_promises") == [
        ("thay đèn đường thôn 2", "2030-12-31", None)]
    assert code in (await bot.say(MTTQ, "/review"))[0]  # shown in the review until done


async def test_a_supporter_may_register_to_speak_about_the_concern_they_follow(bot):
    await officials(bot)
    first = await send(bot, LAN, "Bà Lan", LIGHTS)
    await bot.register(BINH, "Ông Bình")
    await bot.say(BINH, "/new")
    await bot.tap(BINH, "cc:cat:development")
    await bot.say(BINH, LIGHTS_AGAIN)
    await bot.tap(BINH, next(d for d in button_data(bot, BINH, "cc:sup:") if d.endswith(first)))
    await bot.say(BINH, "/speak")
    await bot.tap(BINH, "sp:new")
    assert f"sp:pick:{first}" in bot.buttons(BINH)
    await bot.tap(BINH, f"sp:pick:{first}")
    await bot.say(BINH, "Xin thay đèn đường thôn 2 sớm")
    await bot.tap(BINH, "sp:ok")
    binh = await person_id(bot, BINH)
    assert await bot.rows("SELECT resident_id, point, status FROM speaker_registrations") == [
        (binh, "Xin thay đèn đường thôn 2 sớm", "registered")]
