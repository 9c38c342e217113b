"""Every deadline the plan sets is reminded, and none is missed while the bot is down (issue 8).

The database is the source of truth: each reminder falls due on a working day and is sent once; one that
fell due while the bot was down goes out (once) when it comes back. Only on working days, from the
configured hour, never at night. The days are fixed (a dialogue around Tết 2027) and the sweep is run
for them explicitly: the clock is moved, nothing sleeps."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest

from bot.calendar import WorkingCalendar
from bot.deadlines import dialogue_deadlines
from bot.services.reminders import ReminderService
from bot.services.tasks import ExtensionDateNotWorkingDay, ExtensionWindow
from storage import dialogues, invitations
from tests.dates import TZ, vi_date

MAI, THU, CHAIRMAN, HEAD, LAN, HOA = 1301, 1302, 1303, 1304, 1305, 1306
MEETING = date(2027, 2, 22)  # a Monday two weeks after Tết 2027 (4-10 February off)


def service(bot, calendar: WorkingCalendar | None = None) -> ReminderService:
    s = bot.services
    return ReminderService(s.database, s.communes, s.staff, calendar or s.calendar, s.rules)


async def person(bot, user_id) -> int:
    return (await bot.rows("SELECT id FROM people WHERE channel = 'telegram' AND external_id = ?", str(user_id)))[0][0]


@pytest.fixture
async def dialogue(bot):
    await bot.grant(MAI, "Bà Mai", "mttq")
    await bot.grant(THU, "Chị Thu", "office")
    await bot.grant(CHAIRMAN, "Ông Thành", "chair", body="chairman")
    await bot.grant(HEAD, "Chị Vân", "hamlet_head", hamlet="thon-2")
    await bot.register(LAN, "Bà Lan", hamlet="thon-2")
    await bot.register(HOA, "Chị Hoa", hamlet="thon-2")
    meeting_at = datetime.combine(MEETING, time(8, 0), tzinfo=TZ).isoformat()
    async with bot.database.transaction() as db:
        dialogue_id = await dialogues.insert(db, commune_id="bao-lam", meeting_at=meeting_at, place="Hội trường UBND xã",
                                             theme=None, chair_person_id=await person(bot, CHAIRMAN))
    return dialogue_id


async def run(bot, reminders: ReminderService, day: date) -> int:
    queued = await reminders.queue_dialogue_reminders(day)
    await bot.deliver()
    return queued


def count(bot, *users) -> dict[int, int]:
    return {user: len(bot.fake.bot_texts(user)) for user in users}


async def test_invitations_not_issued_are_reminded_3_and_1_working_days_before_then_daily_across_tet(bot, dialogue):
    calendar = bot.services.calendar
    reminders = service(bot)
    by = dialogue_deadlines(MEETING, calendar=calendar).invitations_by
    assert by == date(2027, 2, 11)  # 7 working days before, Tết skipped
    three, one = calendar.working_days_before(by, 3), calendar.working_days_before(by, 1)
    assert (three, one) == (date(2027, 2, 1), date(2027, 2, 3))  # before Tết: the days off are not counted
    # Nothing before the first point, nothing during Tết.
    assert await run(bot, reminders, three - timedelta(days=1)) == 0
    assert await run(bot, reminders, three) == 2  # the MTTQ and the office
    assert bot.fake.bot_texts(MAI)[-1] == (
        f"⏰ Giấy mời dự buổi đối thoại {vi_date(MEETING)} phải được ban hành trước {vi_date(by)} "
        "(còn 3 ngày làm việc). Ủy ban MTTQ ban hành bằng lệnh /invitations.")
    assert await run(bot, reminders, three) == 0  # never twice
    assert await run(bot, reminders, one) == 2
    for day in (date(2027, 2, 4), date(2027, 2, 8), date(2027, 2, 10)):  # Tết
        assert await run(bot, reminders, day) == 0
    assert await run(bot, reminders, by) == 0  # the deadline day itself: the 1-day reminder was the last
    late1 = calendar.working_days_after(by, 1)
    assert await run(bot, reminders, late1) == 2
    assert bot.fake.bot_texts(THU)[-1].startswith(f"⚠️ Giấy mời dự buổi đối thoại {vi_date(MEETING)} đã chậm")
    assert "(đã chậm 1 ngày làm việc)" in bot.fake.bot_texts(THU)[-1]
    assert await run(bot, reminders, calendar.working_days_after(by, 2)) == 2  # every working day while late
    # Issued: no more.
    async with bot.database.transaction() as db:
        await invitations.mark_dialogue_issued(db, dialogue)
    assert await run(bot, reminders, calendar.working_days_after(by, 3)) == 0


async def test_a_reminder_that_fell_due_while_the_bot_was_down_is_sent_once_when_it_comes_back(bot, dialogue):
    calendar = bot.services.calendar
    reminders = service(bot)
    by = dialogue_deadlines(MEETING, calendar=calendar).invitations_by
    three = calendar.working_days_before(by, 3)
    assert await run(bot, reminders, three) == 2
    before = count(bot, MAI, THU)
    # Down on the day before the deadline; back on the deadline day: the missed reminder goes out, once.
    assert await run(bot, reminders, by) == 2
    assert "(còn 0 ngày làm việc)" in bot.fake.bot_texts(MAI)[-1]
    assert await run(bot, reminders, by) == 0
    assert count(bot, MAI, THU) == {MAI: before[MAI] + 1, THU: before[THU] + 1}


async def test_never_at_night_nor_before_the_configured_hour_nor_on_a_day_off(bot, dialogue):
    calendar = bot.services.calendar
    reminders = service(bot)
    three = calendar.working_days_before(dialogue_deadlines(MEETING, calendar=calendar).invitations_by, 3)
    reminders.daily_at = time(9, 0)
    at = lambda day, hour: datetime.combine(day, time(hour, 0), tzinfo=TZ)  # noqa: E731
    assert await reminders.sweep(at(three, 22)) == 0  # night
    assert await reminders.sweep(at(three, 8)) == 0  # before the hour set
    assert await reminders.sweep(at(date(2027, 2, 6), 10)) == 0  # Tết
    assert await reminders.sweep(at(three, 9)) == 2
    assert await reminders.sweep(at(three, 15)) == 0  # once


async def test_a_swapped_day_off_sends_nothing_and_a_made_up_saturday_does(bot, dialogue):
    # The government swaps: Friday 29 January 2027 off, Saturday 23 January worked (CALENDAR_OVERRIDES_FILE).
    swapped = WorkingCalendar({date(2027, 1, 29): False, date(2027, 1, 23): True})
    by = dialogue_deadlines(MEETING, calendar=swapped).invitations_by
    reminders = service(bot, swapped)
    assert await run(bot, reminders, date(2027, 1, 29)) == 0
    # Conclusions of a dialogue held on Friday 22 January: the Saturday counts as a working day.
    meeting_at = datetime.combine(date(2027, 1, 22), time(8, 0), tzinfo=TZ).isoformat()
    async with bot.database.transaction() as db:
        await db.execute("UPDATE dialogues SET status = 'cancelled' WHERE id = ?", (dialogue,))
        await dialogues.insert(db, commune_id="bao-lam", meeting_at=meeting_at, place="Hội trường UBND xã",
                               theme=None, chair_person_id=await person(bot, CHAIRMAN))
    conclusions_by = dialogue_deadlines(date(2027, 1, 22), calendar=swapped).conclusions_by
    three = swapped.working_days_before(conclusions_by, 3)
    assert date(2027, 1, 23) <= three
    assert by  # the swap moves the invitations deadline too
    assert await run(bot, reminders, date(2027, 1, 23)) == 0  # the Saturday worked: not yet a point
    assert await run(bot, reminders, three) == 2  # the office and the chair


async def test_conclusions_are_reminded_to_office_and_chair_and_the_mttq_hears_from_the_first_late_day(bot, dialogue):
    calendar = bot.services.calendar
    reminders = service(bot)
    conclusions_by = dialogue_deadlines(MEETING, calendar=calendar).conclusions_by
    before = count(bot, MAI, THU, CHAIRMAN)
    assert await run(bot, reminders, calendar.working_days_before(conclusions_by, 3)) == 2
    assert await run(bot, reminders, calendar.working_days_before(conclusions_by, 1)) == 2
    assert count(bot, MAI)[MAI] == before[MAI]
    assert bot.fake.bot_texts(CHAIRMAN)[-1].startswith(f"⏰ Kết luận buổi đối thoại {vi_date(MEETING)} phải được "
                                                       f"thông báo trước {vi_date(conclusions_by)}")
    assert await run(bot, reminders, calendar.working_days_after(conclusions_by, 1)) == 3
    assert bot.fake.bot_texts(MAI)[-1].startswith(f"⚠️ Kết luận buổi đối thoại {vi_date(MEETING)} chưa được thông báo")
    async with bot.database.transaction() as db:
        await dialogues.mark_announced(db, dialogue, calendar.working_days_after(conclusions_by, 1).isoformat())
    assert await run(bot, reminders, calendar.working_days_after(conclusions_by, 2)) == 0


async def test_those_coming_and_the_hamlet_heads_are_reminded_the_working_day_before_the_meeting(bot, dialogue):
    calendar = bot.services.calendar
    reminders = service(bot)
    async with bot.database.transaction() as db:
        await invitations.mark_dialogue_issued(db, dialogue)
        for user, answer in ((LAN, "yes"), (HOA, "no")):
            invitation = await invitations.add(db, dialogue_id=dialogue, commune_id="bao-lam", hamlet_id="thon-2",
                                               person_id=await person(bot, user), name=str(user), reason="representative",
                                               added_by=None)
            await invitations.set_answer(db, invitation, answer, None)
    eve = calendar.working_days_before(MEETING, 1)
    assert eve == date(2027, 2, 19)
    assert await run(bot, reminders, calendar.working_days_before(MEETING, 2)) == 0
    before = count(bot, HOA)
    assert await run(bot, reminders, eve) == 2  # Lan (coming) and the head of thôn 2
    assert bot.fake.bot_texts(LAN)[-1] == (f"📅 Nhắc lịch: buổi đối thoại của xã diễn ra lúc 08:00, {vi_date(MEETING)}, "
                                           "tại Hội trường UBND xã.")
    assert count(bot, HOA) == before  # cannot come: not reminded
    assert await run(bot, reminders, eve) == 0


async def test_an_officer_overdue_notice_missed_while_down_is_sent_once_on_return(bot):
    from tests.test_reminders import MINH, THU as OFFICE_THU, a_working_day, assigned, staff_up

    await staff_up(bot)
    calendar = bot.services.calendar
    reminders = service(bot)
    day = a_working_day(bot)
    due = calendar.working_days_after(day, 1)
    await assigned(bot, due)
    await reminders.queue_due_notices(today=day)  # the sweep ran the day before the due date
    await bot.deliver()
    before = count(bot, MINH, OFFICE_THU)
    # Down on the due day and the first late day; back on the third working day late.
    back = calendar.working_days_after(due, 3)
    await reminders.queue_due_notices(today=back)
    await bot.deliver()
    assert "Đã quá hạn 3 ngày làm việc" in bot.fake.bot_texts(MINH)[-1]
    assert count(bot, MINH, OFFICE_THU) == {MINH: before[MINH] + 1, OFFICE_THU: before[OFFICE_THU] + 1}
    await reminders.queue_due_notices(today=calendar.working_days_after(due, 4))
    await bot.deliver()
    assert count(bot, MINH, OFFICE_THU) == {MINH: before[MINH] + 1, OFFICE_THU: before[OFFICE_THU] + 1}


async def test_an_extension_date_that_is_not_a_working_day_is_refused(bot):
    tasks = bot.services.tasks
    window = ExtensionWindow(date(2027, 3, 1), date(2027, 4, 30), 30)
    with pytest.raises(ExtensionDateNotWorkingDay):
        tasks._check_new_date(window, date(2027, 3, 7), date(2027, 3, 1))  # a Sunday
    with pytest.raises(ExtensionDateNotWorkingDay):
        tasks._check_new_date(window, date(2027, 4, 30), date(2027, 3, 1))  # 30 April
    tasks._check_new_date(window, date(2027, 3, 8), date(2027, 3, 1))  # a Monday: fine


async def test_reminders_lists_what_goes_out_in_the_next_10_working_days(bot):
    from tests.dates import earliest

    await bot.grant(MAI, "Bà Mai", "mttq")
    await bot.grant(THU, "Chị Thu", "office")
    calendar = bot.services.calendar
    meeting = earliest(calendar)
    while not calendar.is_working_day(meeting):
        meeting += timedelta(days=1)
    by = dialogue_deadlines(meeting, calendar=calendar).invitations_by
    async with bot.database.transaction() as db:
        await dialogues.insert(db, commune_id="bao-lam", place="Hội trường UBND xã", theme=None, chair_person_id=None,
                               meeting_at=datetime.combine(meeting, time(8, 0), tzinfo=TZ).isoformat())
    replies = await bot.say(THU, "/reminders")
    assert replies[-1].startswith("⏰ Nhắc việc trong 10 ngày làm việc tới:")
    assert f"ban hành giấy mời trước {by.strftime('%d/%m/%Y')}" in replies[-1]
    assert (await bot.say(LAN, "/reminders")) != replies  # not a resident's
