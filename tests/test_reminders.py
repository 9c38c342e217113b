"""A deadline is never silently missed (DOMAIN.md): the officer is reminded 5 and 1 working days before
the due date and on the day; once it has passed, the officer, the commune office and the MTTQ committee
are told on the first working day late and every 5 working days after; nobody is pinged twice.

The day the reminders run for is passed explicitly, chosen relative to today with the calendar, so the
tests pass whichever day they run on.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.services.reminders import ReminderService
from storage import assignments

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
LAN, HOA = 1001, 1002  # residents
MINH = 2001  # officer
THU = 3001  # commune office
CHAIR = 3003
MAI = 4001  # MTTQ
CODE = re.compile(r"Mã theo dõi: (\d{3}-\d{3})")
LAND_BODY = "Địa chính - Xây dựng"
TEXT = "Đường vào thôn 2 bị sạt lở"
TASK_BUTTONS = ["tk:note:{code}", "tk:ext:{code}", "tk:res:{code}"]


def vi_date(day: date) -> str:
    weekday = ["Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ Nhật"][day.weekday()]
    return f"{weekday}, ngày {day.day} tháng {day.month} năm {day.year}"


def a_working_day(bot) -> date:
    """The first working day after today: the day the tests run the reminders for."""
    return bot.services.calendar.working_days_after(datetime.now(TZ).date(), 1)


def reminders(bot) -> ReminderService:
    s = bot.services
    return ReminderService(s.database, s.communes, s.staff, s.calendar, s.rules)


async def staff_up(bot) -> None:
    await bot.register(LAN, "Bà Lan")
    await bot.grant(MINH, "Anh Minh", "officer", body=LAND_BODY)
    await bot.grant(THU, "Chị Thu", "office")
    await bot.grant(MAI, "Chị Mai", "mttq")
    await bot.grant(CHAIR, "Ông Chủ tịch", "chair")


async def assigned(bot, due: date, *, extended_to: date | None = None, status: str = "assigned") -> str:
    """Lan's concern, assigned to Minh with `due` as its due date (and `extended_to` if extended)."""
    code = CODE.search((await bot.submit_concern(LAN, TEXT))[0]).group(1)
    async with bot.database.transaction() as db:
        concern_id, = await (await db.execute("SELECT id FROM concerns WHERE code = ?", (code,))).fetchone()
        officer, = await (await db.execute("SELECT id FROM people WHERE external_id = ?", (str(MINH),))).fetchone()
        await db.execute("UPDATE concerns SET status = ? WHERE id = ?", (status, concern_id))
        assignment = await assignments.assign(db, concern_id=concern_id, officer_person_id=officer, body=LAND_BODY,
                                              assigned_by=None, due_date=due.isoformat())
        if extended_to is not None:
            await assignments.extend(db, assignment, extended_to.isoformat(), "Cần đo đạc lại ranh giới thửa đất.")
    return code


async def run_for(bot, day: date) -> int:
    queued = await reminders(bot).queue_due_notices(today=day)
    await bot.deliver()
    return queued


def counts(bot) -> dict[int, int]:
    return {user: len(bot.fake.bot_texts(user)) for user in (LAN, MINH, THU, MAI, CHAIR)}


def reminder(code: str, due: date, days_left: int) -> str:
    return (f"⏰ Nhắc việc: sắp đến hạn giải quyết kiến nghị {code}.\nLĩnh vực: Quản lý đất đai\nNội dung: {TEXT}\n\n"
            f"Hạn giải quyết: {vi_date(due)} (còn {days_left} ngày làm việc).\n\n"
            "Ông/bà báo cáo tiến độ, xin gia hạn hoặc báo kết quả bằng các nút dưới đây, hoặc sau này bằng lệnh /tasks.")


def overdue_to_officer(code: str, due: date, late: int) -> str:
    return (f"⚠️ Kiến nghị {code} giao ông/bà giải quyết đã quá hạn.\nLĩnh vực: Quản lý đất đai\nNội dung: {TEXT}\n\n"
            f"Hạn giải quyết: {vi_date(due)}. Đã quá hạn {late} ngày làm việc.\n\n"
            "Văn phòng HĐND và UBND xã và Ủy ban MTTQ Việt Nam xã đã được thông báo. "
            "Xin ông/bà báo kết quả, hoặc báo cáo tiến độ, bằng các nút dưới đây.")


def overdue_to_overseers(code: str, due: date, late: int) -> str:
    return (f"⚠️ Quá hạn: kiến nghị {code} chưa được giải quyết đúng hạn.\nLĩnh vực: Quản lý đất đai\n"
            f"Giao cho: Anh Minh ({LAND_BODY})\n\n"
            f"Hạn giải quyết: {vi_date(due)}. Đã quá hạn {late} ngày làm việc.\n\n"
            f"Xem chi tiết: /concern {code} · mọi việc quá hạn: /overdue")


async def test_officer_is_reminded_five_working_days_before_due_one_day_before_and_on_the_day(bot):
    await staff_up(bot)
    calendar = bot.services.calendar
    day = a_working_day(bot)
    due = calendar.working_days_after(day, 5)
    code = await assigned(bot, due)
    before = counts(bot)

    assert await run_for(bot, day) == 1
    assert bot.fake.bot_texts(MINH)[-1] == reminder(code, due, 5)
    assert bot.buttons(MINH) == [b.format(code=code) for b in TASK_BUTTONS]
    assert counts(bot) == before | {MINH: before[MINH] + 1}  # only the officer, not the resident nor the office

    # 4, 3 and 2 working days before: quiet.
    for n in (4, 3, 2):
        assert await run_for(bot, calendar.working_days_before(due, n)) == 0
    assert await run_for(bot, calendar.working_days_before(due, 1)) == 1
    assert bot.fake.bot_texts(MINH)[-1] == reminder(code, due, 1)

    assert await run_for(bot, due) == 1
    assert bot.fake.bot_texts(MINH)[-1] == (
        f"⏰ Hôm nay là hạn giải quyết kiến nghị {code}.\nLĩnh vực: Quản lý đất đai\nNội dung: {TEXT}\n\n"
        f"Hạn giải quyết: {vi_date(due)}\n\n"
        "Ông/bà báo cáo tiến độ, xin gia hạn hoặc báo kết quả bằng các nút dưới đây, hoặc sau này bằng lệnh /tasks.")
    assert counts(bot) == before | {MINH: before[MINH] + 3}
    assert await bot.rows("SELECT kind, on_day FROM reminders_sent ORDER BY on_day") == [
        ("task_due_soon", day.isoformat()), ("task_due_soon", calendar.working_days_before(due, 1).isoformat()),
        ("task_due_soon", due.isoformat())]


async def test_overdue_is_escalated_to_officer_office_and_mttq_then_every_five_working_days(bot):
    await staff_up(bot)
    calendar = bot.services.calendar
    day = a_working_day(bot)
    due = calendar.working_days_before(day, 1)
    code = await assigned(bot, due)
    before = counts(bot)

    assert await run_for(bot, day) == 3
    assert bot.fake.bot_texts(MINH)[-1] == overdue_to_officer(code, due, 1)
    assert bot.buttons(MINH) == [b.format(code=code) for b in TASK_BUTTONS]
    assert bot.fake.bot_texts(THU)[-1] == overdue_to_overseers(code, due, 1)
    assert bot.fake.bot_texts(MAI)[-1] == overdue_to_overseers(code, due, 1)
    assert bot.buttons(THU) == []
    # The resident and the chair are not in the escalation.
    assert counts(bot) == before | {MINH: before[MINH] + 1, THU: before[THU] + 1, MAI: before[MAI] + 1}

    # 2 to 5 working days late: quiet; 6 late: everybody again, with the new count.
    for late in (2, 3, 4, 5):
        assert await run_for(bot, calendar.working_days_after(due, late)) == 0
    assert await run_for(bot, calendar.working_days_after(due, 6)) == 3
    assert bot.fake.bot_texts(MINH)[-1] == overdue_to_officer(code, due, 6)
    assert bot.fake.bot_texts(THU)[-1] == overdue_to_overseers(code, due, 6)
    assert bot.fake.bot_texts(MAI)[-1] == overdue_to_overseers(code, due, 6)
    assert await run_for(bot, calendar.working_days_after(due, 11)) == 3
    assert bot.fake.bot_texts(MAI)[-1] == overdue_to_overseers(code, due, 11)


async def test_running_twice_the_same_day_or_after_a_restart_pings_nobody_twice(bot):
    await staff_up(bot)
    day = a_working_day(bot)
    due = bot.services.calendar.working_days_before(day, 1)
    await assigned(bot, due)

    assert await run_for(bot, day) == 3
    after_first = counts(bot)
    assert await run_for(bot, day) == 0
    await bot.restart()
    assert await run_for(bot, day) == 0
    assert counts(bot) == after_first
    assert await bot.rows("SELECT COUNT(*) FROM outbox WHERE kind = 'task_overdue'") == [(3,)]


async def test_between_the_milestones_nothing_is_sent(bot):
    await staff_up(bot)
    calendar = bot.services.calendar
    day = a_working_day(bot)
    await assigned(bot, calendar.working_days_before(day, 3))  # 3 working days late
    before = counts(bot)

    assert await run_for(bot, day) == 0
    assert counts(bot) == before
    assert await bot.rows("SELECT COUNT(*) FROM reminders_sent") == [(0,)]


async def test_a_resolved_assignment_is_not_reminded(bot):
    await staff_up(bot)
    calendar = bot.services.calendar
    day = a_working_day(bot)
    due = calendar.working_days_after(day, 5)
    code = await assigned(bot, due)
    assert await run_for(bot, day) == 1

    # The officer resolves it from the reminder's own button.
    await bot.tap(MINH, f"tk:res:{code}")
    await bot.say(MINH, "Đã đắp lại taluy và đổ bê tông đoạn sạt lở.")
    assert await bot.tap(MINH, f"tk:rok:{code}") == [
        f"✅ Kiến nghị {code} đã được giải quyết. Người dân đã nhận văn bản kết quả của ông/bà."]
    before = counts(bot)
    assert await run_for(bot, calendar.working_days_before(due, 1)) == 0
    assert await run_for(bot, calendar.working_days_after(due, 1)) == 0
    assert counts(bot) == before


async def test_an_extended_assignment_is_reminded_and_escalated_by_its_extended_date(bot):
    await staff_up(bot)
    calendar = bot.services.calendar
    day = a_working_day(bot)
    due = calendar.working_days_before(day, 1)  # the original date has passed: no escalation for it
    extended_to = calendar.working_days_after(day, 1)
    code = await assigned(bot, due, extended_to=extended_to, status="extended")
    before = counts(bot)

    assert await run_for(bot, day) == 1
    assert bot.fake.bot_texts(MINH)[-1] == (
        f"⏰ Nhắc việc: sắp đến hạn giải quyết kiến nghị {code}.\nLĩnh vực: Quản lý đất đai\nNội dung: {TEXT}\n\n"
        f"Hạn giải quyết: {vi_date(extended_to)} (còn 1 ngày làm việc).\n\n"
        "Đây là hạn đã được gia hạn: kế hoạch không cho phép gia hạn thêm.\n"
        "Ông/bà báo cáo tiến độ hoặc báo kết quả bằng các nút dưới đây, hoặc sau này bằng lệnh /tasks.")
    assert bot.buttons(MINH) == [f"tk:note:{code}", f"tk:res:{code}"]  # no second extension
    assert counts(bot) == before | {MINH: before[MINH] + 1}

    assert await run_for(bot, calendar.working_days_after(extended_to, 1)) == 3
    assert bot.fake.bot_texts(THU)[-1] == overdue_to_overseers(code, extended_to, 1)


async def test_nothing_is_sent_on_a_day_off(bot):
    await staff_up(bot)
    calendar = bot.services.calendar
    day_off = datetime.now(TZ).date()
    while calendar.is_working_day(day_off):
        day_off += timedelta(days=1)
    # 5 working days ahead of the day off, and 1 working day late: both would trigger on a working day.
    await assigned(bot, calendar.working_days_after(day_off, 5))
    before = counts(bot)

    assert await run_for(bot, day_off) == 0
    assert counts(bot) == before


async def test_the_reminders_run_every_morning_and_once_shortly_after_start(bot):
    jobs = {job.name: job for job in bot.application.job_queue.jobs()}
    assert {"queue_reminders", "queue_reminders_at_start"} <= set(jobs)
    assert jobs["queue_reminders"].next_t.astimezone(TZ).time() == time(7, 30)


async def test_the_scheduled_job_queues_and_delivers_todays_reminders(bot):
    await staff_up(bot)
    today = datetime.now(TZ).date()
    due = bot.services.calendar.working_days_after(today, 5)
    code = await assigned(bot, due)
    before = counts(bot)

    job = next(job for job in bot.application.job_queue.jobs() if job.name == "queue_reminders")
    await job.run(bot.application)
    await bot.deliver()  # the job only queues; the background sender sends

    if bot.services.calendar.is_working_day(today):
        assert bot.fake.bot_texts(MINH)[-1] == reminder(code, due, 5)
        assert counts(bot) == before | {MINH: before[MINH] + 1}
    else:  # no reminders on a day off
        assert counts(bot) == before


async def test_a_reopened_concern_is_reminded_again(bot):
    """Reopening after a dispute leaves the old resolved_at on the assignment; the reminders still come."""
    await staff_up(bot)
    day = a_working_day(bot)
    due = bot.services.calendar.working_days_after(day, 1)
    code = await assigned(bot, due, status="in_progress")
    async with bot.database.transaction() as db:
        await db.execute("UPDATE assignments SET resolved_at = '2026-01-01T00:00:00+00:00', result = 'cũ'")
    assert await run_for(bot, day) == 1
    assert bot.fake.bot_texts(MINH)[-1] == reminder(code, due, 1)


async def test_an_officer_whose_role_was_withdrawn_is_not_pinged_but_the_office_is(bot):
    await staff_up(bot)
    day = a_working_day(bot)
    due = bot.services.calendar.working_days_before(day, 1)
    code = await assigned(bot, due)
    async with bot.database.transaction() as db:
        await db.execute("UPDATE roles SET revoked_at = '2026-01-01T00:00:00+00:00' WHERE role = 'officer'")
    before = counts(bot)
    await run_for(bot, day)
    after = counts(bot)
    assert after[MINH] == before[MINH]
    assert after[THU] == before[THU] + 1 and after[MAI] == before[MAI] + 1
    assert code in bot.fake.bot_texts(THU)[-1]
