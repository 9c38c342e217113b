"""Before and at the meeting (issue 8): the MTTQ compiles and issues the invitations, invitees answer by
button (or send someone), hamlet heads carry them to those without Telegram, additions after issuing go
at once, a reschedule tells everyone, the meeting is public (every resident, plus a loudspeaker text),
attendance and a walk-in point from the floor join this meeting, the Chairman delegates the chair."""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta, timezone

import pytest

from bot.services.dialogues import DayOffNeedsConfirmation, DialoguePlan
from bot.services.invitations import NotChairman, NotInvited
from tests.dates import TZ, future_monday, vi_date

LAN, HOA, NAM, BINH = 1101, 1102, 1103, 1104  # residents: Lan (thôn 2, concern), Hoa & Nam (thôn 1), Bình (thôn 3)
MAI, THU, CHAIRMAN, VICE, HEAD1, HEAD2 = 1201, 1202, 1203, 1204, 1205, 1206
CODE = re.compile(r"Mã theo dõi: (\d{3}-\d{3})")
ASK_DATE = "Buổi đối thoại tổ chức vào ngày nào?"


async def actor(bot, user_id):
    return await bot.services.staff.actor("telegram", str(user_id))


async def person(bot, user_id) -> int:
    return (await bot.rows("SELECT id FROM people WHERE channel = 'telegram' AND external_id = ?", str(user_id)))[0][0]


@pytest.fixture
async def scheduled(bot):
    """Staff of both hamlets, residents, Lan's concern on the agenda of a dialogue scheduled by the office."""
    await bot.grant(MAI, "Bà Mai", "mttq")
    await bot.grant(THU, "Chị Thu", "office")
    await bot.grant(CHAIRMAN, "Ông Thành", "chair", body="chairman")
    await bot.grant(VICE, "Ông Hải", "chair", body="vice_chairman")
    await bot.grant(HEAD1, "Anh Dũng", "hamlet_head", hamlet="thon-1")
    await bot.grant(HEAD2, "Chị Vân", "hamlet_head", hamlet="thon-2")
    await bot.register(LAN, "Bà Lan", hamlet="thon-2")
    await bot.register(HOA, "Chị Hoa", hamlet="thon-1")
    await bot.register(NAM, "Anh Nam", hamlet="thon-1")
    await bot.register(BINH, "Ông Bình", hamlet="thon-3")
    code = CODE.search((await bot.submit_concern(LAN, "Đường vào thôn 2 bị sạt lở"))[0]).group(1)
    async with bot.database.transaction() as db:
        await db.execute("UPDATE concerns SET status = 'accepted' WHERE code = ?", (code,))
    day = future_monday(bot.services.calendar)
    office = await actor(bot, THU)
    scheduled = await bot.services.dialogues.schedule(
        office, DialoguePlan(day, time(8, 0), "Hội trường UBND xã", "Đất đai", await person(bot, CHAIRMAN)))
    await bot.deliver()
    return dict(day=day, dialogue=scheduled.view.dialogue, code=code)


def texts(bot, user_id) -> list[str]:
    return bot.fake.bot_texts(user_id)


async def test_the_whole_invitation_round_for_two_hamlets(bot, scheduled):
    day = scheduled["day"]
    mttq = await actor(bot, MAI)
    # The MTTQ compiles: Lan (concern on the agenda) and both hamlet heads are on the list.
    await bot.say(MAI, "/invitations")
    replies = await bot.tap(MAI, "iv:compile")
    assert replies[-1] == "Đã thêm 3 người vào danh sách. Xem bằng lệnh /invitations."
    # Representatives: Hoa proposed by the head of thôn 1, Ông Tư without Telegram by name.
    head1 = await actor(bot, HEAD1)
    await bot.services.invitations.add_resident(head1, await person(bot, HOA))
    assert (await bot.say(MAI, "/invite Ông Tư; thon-1"))[-1] == (
        "Đã đưa Ông Tư vào danh sách; trưởng thôn sẽ trao giấy mời tận tay.")
    # A hamlet head proposes only from their own hamlet.
    with pytest.raises(Exception):
        await bot.services.invitations.add_resident(head1, await person(bot, LAN))

    # The office may help compile, but the MTTQ issues (the plan says so).
    await bot.say(THU, "/invitations")
    assert "iv:issue" not in bot.buttons(THU)
    await bot.say(MAI, "/invitations")
    replies = await bot.tap(MAI, "iv:issue")
    assert replies[-1] == ("📨 Đã ban hành: 4 giấy mời qua tin nhắn, 1 giấy mời trao tận tay; "
                           "2 trưởng thôn đã nhận danh sách.")
    invitation = texts(bot, LAN)[-1]
    assert invitation.startswith("✉️ GIẤY MỜI\n\nỦy ban Mặt trận Tổ quốc Việt Nam và Ủy ban nhân dân xã Bảo Lâm "
                                 "trân trọng kính mời ông/bà")
    assert f"lúc 08:00, {vi_date(day)}, tại Hội trường UBND xã" in invitation
    assert "/speak" in invitation and "Nội quy hội nghị" in invitation
    lan_row = (await bot.rows("SELECT id FROM invitations WHERE person_id = ?", await person(bot, LAN)))[0][0]
    assert bot.buttons(LAN) == [f"iv:yes:{lan_row}", f"iv:no:{lan_row}", f"iv:sub:{lan_row}"]
    # Each hamlet head: their hamlet's invitees with delivery and answer.
    head_list = texts(bot, HEAD1)[-1]
    assert "• Chị Hoa: đang gửi, chưa trả lời" in head_list or "• Chị Hoa: đã nhận qua tin nhắn, chưa trả lời" in head_list
    assert "• Ông Tư: không dùng Telegram: cần trao tận tay, chưa trả lời" in head_list
    assert "Bà Lan" not in head_list

    # Answers: Lan will come; Hoa sends someone in her place.
    assert (await bot.tap(LAN, f"iv:yes:{lan_row}"))[-1] == "Cảm ơn ông/bà: đã ghi nhận ông/bà sẽ đến dự."
    hoa_row = (await bot.rows("SELECT id FROM invitations WHERE person_id = ?", await person(bot, HOA)))[0][0]
    await bot.tap(HOA, f"iv:sub:{hoa_row}")
    assert (await bot.say(HOA, "Nguyễn Văn Bình"))[-1] == "Cảm ơn ông/bà: đã ghi nhận Nguyễn Văn Bình đi thay."
    # Someone else's invitation button records nothing.
    with pytest.raises(NotInvited):
        await bot.services.invitations.answer(await person(bot, NAM), lan_row, "no")

    # The head of thôn 1 hands Ông Tư his invitation; the forward text carries a link to the bot.
    replies = await bot.say(HEAD1, "/invitations")
    assert "https://t.me/" in replies[0] and "?start=" in replies[0]
    assert "• Ông Tư: không dùng Telegram: cần trao tận tay, chưa trả lời" in replies[-1]  # the list, paged
    tu_row = (await bot.rows("SELECT id FROM invitations WHERE name = 'Ông Tư'"))[0][0]
    assert (await bot.tap(HEAD1, f"iv:hand:{tu_row}"))[-1] == "🤝 Ông Tư: đã trao giấy mời tận tay."
    # The head of thôn 2 cannot mark thôn 1's invitee.
    replies = await bot.send(HEAD2, bot.fake.press(HEAD2, bot.fake.chat(HEAD2)[-1]["message_id"], f"iv:hand:{tu_row}"))
    assert replies == ["Giấy mời này thuộc thôn khác. Không có gì thay đổi."]

    # Added after issuing: Nam is invited at once.
    await bot.services.invitations.add_resident(mttq, await person(bot, NAM))
    await bot.deliver()
    assert texts(bot, NAM)[-1].startswith("✉️ GIẤY MỜI")

    # The dashboard per hamlet.
    dashboard = (await bot.say(MAI, "/invitations"))[-1]
    assert "• thôn 1: mời 4, đã nhận 3 qua tin nhắn và 1 trao tận tay, sẽ đến 1, không đến được 0, chưa trả lời 3" \
        in dashboard, dashboard
    assert "• thôn 2: mời 2, đã nhận 2 qua tin nhắn và 0 trao tận tay, sẽ đến 1, không đến được 0, chưa trả lời 1" \
        in dashboard, dashboard

    # A reschedule: every invitee on Telegram and both hamlet heads are told; a new date leaves 7 working days.
    new_day = day + timedelta(days=7)
    while not bot.services.calendar.is_working_day(new_day):
        new_day += timedelta(days=1)
    before = {user: len(texts(bot, user)) for user in (LAN, HOA, NAM, HEAD1, HEAD2, BINH)}
    office = await actor(bot, THU)
    await bot.services.dialogues.reschedule(office, scheduled["dialogue"].id, DialoguePlan(
        new_day, time(8, 0), "Hội trường UBND xã", "Đất đai", await person(bot, CHAIRMAN)))
    await bot.deliver()
    for user in (LAN, HOA, NAM, HEAD1, HEAD2):
        assert any(f"đã dời từ {vi_date(day)} sang lúc 08:00, {vi_date(new_day)}" in text
                   for text in texts(bot, user)[before[user]:]), user
    assert len(texts(bot, BINH)) == before[BINH]  # not invited


async def test_an_unreachable_invitee_is_passed_to_the_hamlet_head_and_shown_on_the_dashboard(bot, scheduled):
    mttq = await actor(bot, MAI)
    bot.fake.block_bot(HOA)
    await bot.services.invitations.add_resident(mttq, await person(bot, HOA))
    await bot.services.invitations.issue(mttq)
    await bot.deliver()
    await bot.later(3600)
    _, rows = await bot.services.invitations.dashboard(mttq)
    thon1 = next(r for r in rows if r.hamlet_id == "thon-1")
    assert thon1.unreachable == ["Chị Hoa"]
    assert any("Chị Hoa" in text for text in texts(bot, HEAD1))  # the head carries it by hand


async def test_the_public_notice_reaches_every_resident_and_the_loudspeaker_text_is_plain(bot, scheduled):
    day = scheduled["day"]
    await bot.say(THU, "/invitations")
    replies = await bot.tap(THU, "iv:public")
    assert replies[-1] == "📣 Thông báo được gửi tới 4 người dân đã đăng ký."
    for user in (LAN, HOA, NAM, BINH):
        assert texts(bot, user)[-1].startswith("📣 Hội nghị đối thoại trực tiếp với Nhân dân của xã được tổ chức công khai "
                                               f"lúc 08:00, {vi_date(day)}")
    # Once only.
    assert (await bot.tap(THU, "iv:public"))[-1].startswith("Thông báo công khai về buổi đối thoại này đã được gửi")
    radio = (await bot.tap(THU, "iv:radio"))[-1]
    assert radio.startswith("Thông báo. Ủy ban nhân dân và Ủy ban Mặt trận Tổ quốc Việt Nam xã Bảo Lâm tổ chức")
    assert "/" not in radio.replace(vi_date(day), "") and "http" not in radio  # readable aloud, no commands


async def test_attendance_and_a_walk_in_point_from_the_floor_join_this_meeting(bot, scheduled):
    dialogue = scheduled["dialogue"]
    await bot.services.invitations.compile(await actor(bot, MAI))
    # Before the meeting day nothing can be marked.
    early = await bot.say(THU, "/walkin Bà Năm; thon-1; Xin sửa cầu")
    assert early == [f"Buổi đối thoại diễn ra {vi_date(scheduled['day'])}. Việc này chỉ làm được từ ngày đó."]
    meeting = datetime.fromisoformat(dialogue.meeting_at)
    bot.services.invitations._clock = lambda: meeting + timedelta(hours=1)
    await bot.say(THU, "/attendance")
    lan_row = (await bot.rows("SELECT id FROM invitations WHERE person_id = ?", await person(bot, LAN)))[0][0]
    assert (await bot.tap(THU, f"iv:here:{lan_row}"))[-1] == "Đã ghi nhận có mặt."
    replies = await bot.say(THU, "/walkin Bà Năm; thon-1; Xin sửa cầu tràn thôn 1")
    assert replies[-1] == "Bà Năm có mặt; ý kiến nêu tại hội nghị được đưa vào chương trình buổi đối thoại này."
    present = await bot.rows("SELECT name FROM invitations WHERE attended_at IS NOT NULL ORDER BY id")
    assert present == [("Bà Lan",), ("Bà Năm",)]
    # A hamlet that came together: one tap (the head of thôn 1 is on the list).
    await bot.say(THU, "/attendance")
    assert (await bot.tap(THU, "iv:ah:thon-1"))[-1] == "Đã ghi nhận có mặt: 2 người."
    assert len(await bot.rows("SELECT 1 FROM invitations WHERE attended_at IS NOT NULL")) == 3
    floor = await bot.rows("SELECT status, dialogue_id FROM concerns WHERE body = 'Xin sửa cầu tràn thôn 1'")
    assert floor == [("accepted", dialogue.id)]  # this meeting's agenda, not the next dialogue's
    async with bot.database.read() as db:
        from storage import dialogues
        agenda = await dialogues.agenda_ids(db, dialogue, concluded=False)
    assert len(agenda) == 2


async def test_the_chairman_delegates_a_vice_chairman_who_is_told_date_place_and_agenda(bot, scheduled):
    vice = await person(bot, VICE)
    # The office proposes; the Chairman decides with one tap.
    await bot.services.invitations.propose_delegation(await actor(bot, THU), vice)
    await bot.deliver()
    assert texts(bot, CHAIRMAN)[-1].startswith("Văn phòng đề xuất đồng chí Ông Hải chủ trì")
    # A Vice-chairman cannot delegate.
    with pytest.raises(NotChairman):
        await bot.services.invitations.delegate_chair(await actor(bot, VICE), vice)
    replies = await bot.tap(CHAIRMAN, f"iv:chair:{vice}")
    assert replies[-1] == "Đã phân công người chủ trì buổi đối thoại; đồng chí Phó Chủ tịch đã được thông báo."
    told = texts(bot, VICE)[-1]
    assert told == (f"🎙 Đồng chí Ông Thành đã phân công đồng chí chủ trì buổi đối thoại lúc 08:00, "
                    f"{vi_date(scheduled['day'])}, tại Hội trường UBND xã. Số ý kiến, kiến nghị trong chương trình: 1.")
    assert await bot.rows("SELECT chair_person_id, chair_delegated_by FROM dialogues") == [
        (vice, await person(bot, CHAIRMAN))]


async def test_a_cancelled_dialogue_tells_every_invitee(bot, scheduled):
    mttq = await actor(bot, MAI)
    await bot.services.invitations.compile(mttq)
    await bot.services.invitations.issue(mttq)
    await bot.deliver()
    await bot.services.dialogues.cancel(await actor(bot, THU), scheduled["dialogue"].id)
    await bot.deliver()
    for user in (LAN, HEAD1, HEAD2):
        assert any(f"Buổi đối thoại {vi_date(scheduled['day'])} mà ông/bà được mời đã hủy." == text
                   for text in texts(bot, user)), user




async def test_a_429_pauses_only_the_chat_it_concerns_and_that_invitation_follows(bot, scheduled):
    mttq = await actor(bot, MAI)
    for user in (HOA, NAM, BINH):
        await bot.services.invitations.add_resident(mttq, await person(bot, user))
    bot.fake.fail_next("sendMessage", 429, retry_after=30)
    await bot.services.invitations.issue(mttq)
    await bot.deliver()
    invited = (HOA, NAM, BINH)
    have = [user for user in invited if texts(bot, user) and texts(bot, user)[-1].startswith("✉️ GIẤY MỜI")]
    assert len(have) == 2  # the two others were not held up by the one Telegram asked to wait
    await bot.later(31)
    assert all(texts(bot, user)[-1].startswith("✉️ GIẤY MỜI") for user in invited)


async def test_a_meeting_day_that_is_not_a_working_day_needs_an_explicit_confirmation(bot):
    from tests.dates import earliest, typed

    await bot.grant(THU, "Chị Thu", "office")
    await bot.grant(CHAIRMAN, "Ông Thành", "chair", body="chairman")
    calendar = bot.services.calendar
    holiday = earliest(calendar)
    while calendar.is_working_day(holiday) or holiday.weekday() >= 5:  # a public holiday on a weekday (1/1/2027)
        holiday += timedelta(days=1)
    await bot.say(THU, "/dialogue")
    replies = await bot.say(THU, typed(holiday))
    assert replies[-1] == f"{vi_date(holiday)} là ngày nghỉ (cuối tuần, ngày lễ hoặc ngày nghỉ bù), vẫn tổ chức đối thoại vào ngày này?"
    assert bot.buttons(THU) == ["dl:dayoff:yes", "dl:dayoff:no"]
    # "Choose another day" asks the date again; the same day confirmed goes on to the time.
    assert (await bot.tap(THU, "dl:dayoff:no"))[-1].startswith(ASK_DATE)
    # The service refuses the day off without the confirmation (a Zalo adapter cannot skip the question).
    with pytest.raises(DayOffNeedsConfirmation):
        await bot.services.dialogues.check_date(await actor(bot, THU), typed(holiday))
    await bot.say(THU, typed(holiday))
    await bot.tap(THU, "dl:dayoff:yes")
    assert bot.buttons(THU) == ["dl:time:0730", "dl:time:0800", "dl:time:1400"]
    await bot.tap(THU, "dl:time:0800")
    await bot.tap(THU, "dl:place:hall")
    await bot.tap(THU, "dl:theme:skip")
    await bot.tap(THU, f"dl:chair:{await person(bot, CHAIRMAN)}")
    await bot.tap(THU, next(d for d in bot.buttons(THU) if d.startswith("dl:ok:")))
    stored = await bot.rows("SELECT meeting_at FROM dialogues")
    assert [datetime.fromisoformat(m).astimezone(TZ).date() for (m,) in stored] == [holiday]


async def test_a_registration_to_speak_on_the_meeting_day_joins_that_meeting_once_begun(bot):
    await bot.register(LAN, "Bà Lan", hamlet="thon-2")
    code = CODE.search((await bot.submit_concern(LAN, "Đèn đường thôn 2 hỏng"))[0]).group(1)
    begun = (datetime.now(timezone.utc) - timedelta(seconds=1)).isoformat()  # the meeting began a moment ago, today
    async with bot.database.transaction() as db:
        await db.execute("INSERT INTO dialogues (commune_id, meeting_at, place, created_at) VALUES ('bao-lam', ?, 'Hội trường', ?)",
                         (begun, begun))
    await bot.say(LAN, "/speak")
    await bot.tap(LAN, "sp:new")
    await bot.tap(LAN, f"sp:pick:{code}")
    await bot.say(LAN, "Xin sửa đèn đường")
    await bot.tap(LAN, "sp:ok")
    assert await bot.rows("SELECT dialogue_id FROM speaker_registrations") == [(1,)]


async def test_a_hamlet_heads_long_list_is_one_message_with_pages(bot, scheduled):
    mttq = await actor(bot, MAI)
    for n in range(45):
        await bot.services.invitations.add_by_name(mttq, f"Người số {n:02d}", "thon-1")
    replies = await bot.say(HEAD1, "/invitations")
    assert len(replies) == 2  # the text to forward, and the list as one message
    assert replies[-1].count("\n• ") == 20 and "Người số 00" in replies[-1]
    assert any(b.startswith("pn:") for b in bot.buttons(HEAD1))


async def test_the_link_a_hamlet_head_forwards_gives_a_neighbour_the_invitation_to_answer_in_one_tap(bot, scheduled):
    mttq = await actor(bot, MAI)
    await bot.services.invitations.compile(mttq)
    # Before the list is issued there is nothing to answer yet.
    assert (await bot.say(NAM, "/start dialogue")) == [
        "Giấy mời chưa được ban hành: Ủy ban MTTQ ban hành bằng lệnh /invitations."]
    await bot.services.invitations.issue(mttq)
    await bot.deliver()
    replies = await bot.say(NAM, "/start dialogue")
    assert replies[-1].startswith("✉️ GIẤY MỜI")
    nam_row = (await bot.rows("SELECT id, hamlet_id, reason FROM invitations WHERE person_id = ?", await person(bot, NAM)))
    assert [(hamlet, reason) for _, hamlet, reason in nam_row] == [("thon-1", "representative")]
    assert (await bot.tap(NAM, f"iv:yes:{nam_row[0][0]}"))[-1] == "Cảm ơn ông/bà: đã ghi nhận ông/bà sẽ đến dự."
    # Someone new is not told the link is a bad role invitation: they start registering.
    bot.fake.add_user(1999, "Người mới")
    replies = await bot.say(1999, "/start dialogue")
    assert len(replies) == 1 and bot.buttons(1999) == ["ob:lang:vi", "ob:lang:en"], replies


# --- a real commune's lists: hundreds per hamlet, every one reachable -------------------------------

def newest_with(bot, user_id, prefix: str) -> tuple[int, list[str]]:
    """The newest bot message carrying a button whose data starts with `prefix`: (id, its button data)."""
    for message in reversed(bot.fake.chat(user_id)):
        data = [b["callback_data"] for row in (message.get("reply_markup") or {}).get("inline_keyboard", []) for b in row]
        if any(d.startswith(prefix) for d in data):
            return message["message_id"], data
    raise AssertionError(f"no button {prefix!r} in chat {user_id}")


async def many_without_telegram(bot, count: int) -> list[int]:
    mttq = await actor(bot, MAI)
    for n in range(count):
        await bot.services.invitations.add_by_name(mttq, f"Người số {n:02d}", "thon-1")
    await bot.services.invitations.issue(mttq)
    await bot.deliver()
    return [r[0] for r in await bot.rows("SELECT id FROM invitations WHERE person_id IS NULL ORDER BY id")]


async def test_a_hamlet_head_hands_over_every_invitation_of_a_list_longer_than_a_page(bot, scheduled):
    everyone = await many_without_telegram(bot, 45)
    await bot.say(HEAD1, "/invitations")
    message_id, data = newest_with(bot, HEAD1, "iv:hand:")
    assert data[-1] == "iv:hd:pg:2" and sum(d.startswith("iv:hand:") for d in data) == 20
    seen = []
    for page in (1, 2, 3):
        if page > 1:
            await bot.send(HEAD1, bot.fake.press(HEAD1, message_id, f"iv:hd:pg:{page}"))  # the same message turns
        for number in [int(d.rsplit(":", 1)[1]) for d in bot.buttons_on(HEAD1, message_id) if d.startswith("iv:hand:")]:
            replies = await bot.send(HEAD1, bot.fake.press(HEAD1, message_id, f"iv:hand:{number}"))
            assert replies[-1].endswith(": đã trao giấy mời tận tay."), replies
            seen.append(number)
        # The page keeps its people, each ticked once handed: nobody slides onto a page already done.
        labels = [b["text"] for row in next(m for m in bot.fake.chat(HEAD1) if m["message_id"] == message_id)
                  ["reply_markup"]["inline_keyboard"] for b in row if b["callback_data"].startswith("iv:hand:")]
        assert labels and all(label.startswith("✅ Người số") for label in labels), labels
    assert sorted(seen) == everyone
    assert await bot.rows("SELECT COUNT(*) FROM invitations WHERE person_id IS NULL AND by_hand_at IS NOT NULL") == [(45,)]
    # A page that no longer exists (an old or forged button) is said in words, and the last page shown.
    pressed = bot.fake.press(HEAD1, message_id, "iv:hd:pg:9")
    await bot.send(HEAD1, pressed)
    assert bot.fake.callback_answer(pressed)["text"] == "Danh sách đã thay đổi: nay chỉ còn 3 trang. Đang hiển thị trang 3."


async def test_attendance_reaches_everyone_of_a_list_longer_than_a_page(bot, scheduled):
    everyone = await many_without_telegram(bot, 45)
    meeting = datetime.fromisoformat(scheduled["dialogue"].meeting_at)
    bot.services.invitations._clock = lambda: meeting + timedelta(hours=1)
    replies = await bot.say(THU, "/attendance")
    assert "Có mặt: 0/45." in replies[-1] and "Trang 1/3" in replies[-1], replies
    message_id, _ = newest_with(bot, THU, "iv:here:")
    for page in (1, 2, 3):
        if page > 1:
            replies = await bot.send(THU, bot.fake.press(THU, message_id, f"iv:at:pg:{page}"))
            assert f"Trang {page}/3" in replies[-1]
        for data in [d for d in bot.buttons_on(THU, message_id) if d.startswith("iv:here:")]:
            assert (await bot.send(THU, bot.fake.press(THU, message_id, data)))[-1] == "Đã ghi nhận có mặt."
    assert await bot.rows("SELECT COUNT(*) FROM invitations WHERE attended_at IS NOT NULL") == [(45,)]
    page = next(m for m in bot.fake.chat(THU) if m["message_id"] == message_id)
    assert "Có mặt: 45/45." in page["text"]  # the page pressed shows the count and the ticks as they are now
    assert all(b["text"].startswith("✅") for row in page["reply_markup"]["inline_keyboard"] for b in row
               if b["callback_data"].startswith("iv:here:"))
    assert len(everyone) == 45


async def test_the_dashboard_pages_its_hamlets_and_names_everyone_not_reached(bot, scheduled, monkeypatch):
    import handlers.invitations

    monkeypatch.setattr(handlers.invitations, "HAMLETS_PER_PAGE", 1)
    await bot.services.invitations.compile(await actor(bot, MAI))
    await many_without_telegram(bot, 45)
    dashboard = (await bot.say(MAI, "/invitations"))[-1]
    assert "• thôn 1: mời 46" in dashboard and "thôn 2" not in dashboard and "Trang 1/2" in dashboard, dashboard
    assert "Chưa trao được: 45 người" in dashboard
    assert "thôn 2: mời 2" in (await bot.tap(MAI, "iv:db:pg:2"))[-1]
    await bot.tap(MAI, "iv:db:pg:1")
    first = (await bot.tap(MAI, "iv:nr:thon-1"))[-1]  # a message of its own, the dashboard stays
    assert first.startswith("Chưa trao được ở thôn 1: 45 người") and "Trang 1/2" in first
    names = re.findall(r"Người số \d\d", first)
    names += re.findall(r"Người số \d\d", (await bot.tap(MAI, "iv:nr:thon-1:pg:2"))[-1])
    assert sorted(names) == [f"Người số {n:02d}" for n in range(45)]
