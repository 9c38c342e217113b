"""A deadline is never silently missed (DOMAIN.md): the officer is reminded 5 and 1 working days before
the due date and on the day; once it has passed, the officer, the commune office, the chair and the MTTQ
committee are told on the first working day late and every 5 working days after; nobody is pinged twice.
Grouped, not flooded: each person gets one message a day listing exactly those items (the overseers a
digest, which also says what falls due that day).

The day the reminders run for is passed explicitly, chosen relative to today with the calendar, so the
tests pass whichever day they run on.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.services.reminders import ReminderService
from storage import assignments, concerns

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


def short(day: date) -> str:
    return f"{day.day:02d}/{day.month:02d}/{day.year}"


def overseer_digest(day: date, *, new=(), late=(), today=()) -> str:
    """The overseers' digest of `day`: new and late are (code, due, working days late), today codes."""
    lines = [f"📋 Tình hình thời hạn ({vi_date(day)}): mới quá hạn {len(new)}, vẫn quá hạn {len(late)}, "
             f"đến hạn hôm nay {len(today)}."]
    for title, items in (("🆕 Mới quá hạn (ngày làm việc đầu tiên chậm):", new), ("⚠️ Vẫn quá hạn:", late)):
        if items:
            lines += ["", title] + [f"• {code} · Quản lý đất đai · Anh Minh ({LAND_BODY}) · hạn {short(due)} · "
                                    f"chậm {n} ngày làm việc" for code, due, n in items]
    if today:
        lines += ["", "📅 Đến hạn hôm nay:"] + [f"• {code} · Quản lý đất đai · Anh Minh ({LAND_BODY})" for code in today]
    return "\n".join(lines + ["", "Xem chi tiết: /concern kèm mã theo dõi · mọi việc quá hạn: /overdue"])


def overdue_to_overseers(code: str, due: date, late: int, day: date) -> str:
    return overseer_digest(day, new=[(code, due, late)] if late == 1 else [], late=[(code, due, late)] if late > 1 else [])


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

    # On the due day the overseers' digest says it falls due today (one message each, officer excepted).
    assert await run_for(bot, due) == 4
    assert bot.fake.bot_texts(MINH)[-1] == (
        f"⏰ Hôm nay là hạn giải quyết kiến nghị {code}.\nLĩnh vực: Quản lý đất đai\nNội dung: {TEXT}\n\n"
        f"Hạn giải quyết: {vi_date(due)}\n\n"
        "Ông/bà báo cáo tiến độ, xin gia hạn hoặc báo kết quả bằng các nút dưới đây, hoặc sau này bằng lệnh /tasks.")
    for overseer in (THU, MAI, CHAIR):
        assert bot.fake.bot_texts(overseer)[-1] == overseer_digest(due, today=[code])
    assert counts(bot) == before | {MINH: before[MINH] + 3, THU: before[THU] + 1, MAI: before[MAI] + 1,
                                    CHAIR: before[CHAIR] + 1}
    assert await bot.rows("SELECT kind, on_day FROM reminders_sent WHERE kind = 'task_due_soon' ORDER BY on_day") == [
        ("task_due_soon", day.isoformat()), ("task_due_soon", calendar.working_days_before(due, 1).isoformat()),
        ("task_due_soon", due.isoformat())]


async def test_overdue_is_escalated_to_officer_office_chair_and_mttq_then_every_five_working_days(bot):
    await staff_up(bot)
    calendar = bot.services.calendar
    day = a_working_day(bot)
    due = calendar.working_days_before(day, 1)
    code = await assigned(bot, due)
    before = counts(bot)

    assert await run_for(bot, day) == 4
    assert bot.fake.bot_texts(MINH)[-1] == overdue_to_officer(code, due, 1)
    assert bot.buttons(MINH) == [b.format(code=code) for b in TASK_BUTTONS]
    for overseer in (THU, MAI, CHAIR):
        assert bot.fake.bot_texts(overseer)[-1] == overdue_to_overseers(code, due, 1, day)
    assert bot.buttons(THU) == []
    # The resident is not in the escalation.
    assert counts(bot) == before | {MINH: before[MINH] + 1, THU: before[THU] + 1, MAI: before[MAI] + 1,
                                    CHAIR: before[CHAIR] + 1}

    # 2 to 5 working days late: quiet; 6 late: everybody again, with the new count.
    for late in (2, 3, 4, 5):
        assert await run_for(bot, calendar.working_days_after(due, late)) == 0
    sixth = calendar.working_days_after(due, 6)
    assert await run_for(bot, sixth) == 4
    assert bot.fake.bot_texts(MINH)[-1] == overdue_to_officer(code, due, 6)
    assert bot.fake.bot_texts(THU)[-1] == overdue_to_overseers(code, due, 6, sixth)
    assert bot.fake.bot_texts(MAI)[-1] == overdue_to_overseers(code, due, 6, sixth)
    eleventh = calendar.working_days_after(due, 11)
    assert await run_for(bot, eleventh) == 4
    assert bot.fake.bot_texts(MAI)[-1] == overdue_to_overseers(code, due, 11, eleventh)


async def test_running_twice_the_same_day_or_after_a_restart_pings_nobody_twice(bot):
    await staff_up(bot)
    day = a_working_day(bot)
    due = bot.services.calendar.working_days_before(day, 1)
    await assigned(bot, due)

    assert await run_for(bot, day) == 4
    after_first = counts(bot)
    assert await run_for(bot, day) == 0
    await bot.restart()
    assert await run_for(bot, day) == 0
    # Even with the day's marker gone, the per-recipient records stop every second notice.
    async with bot.database.transaction() as db:
        await db.execute("DELETE FROM reminder_sweeps")
    assert await run_for(bot, day) == 0
    assert counts(bot) == after_first
    assert await bot.rows("SELECT kind, COUNT(*) FROM outbox WHERE kind LIKE '%overdue' OR kind LIKE '%digest'"
                          " GROUP BY kind ORDER BY kind") == [("reminder_digest", 3), ("task_overdue", 1)]


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

    late_day = calendar.working_days_after(extended_to, 1)
    assert await run_for(bot, late_day) == 4
    assert bot.fake.bot_texts(THU)[-1] == overdue_to_overseers(code, extended_to, 1, late_day)


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
    # The job keeps to the hours: woken at night it sends nothing (the morning's run will) ...
    bot.services.reminders._clock = lambda: datetime.combine(today, time(22, 0), tzinfo=TZ)
    await job.run(bot.application)
    await bot.deliver()
    assert counts(bot) == before
    # ... and in the morning it sends today's.
    bot.services.reminders._clock = lambda: datetime.combine(today, time(9, 0), tzinfo=TZ)
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


async def many_assigned(bot, dues: list[date]) -> list[str]:
    """Lan's concerns assigned to Minh, one per due date (stored directly: the flows are tested elsewhere)."""
    async with bot.database.transaction() as db:
        officer, = await (await db.execute("SELECT id FROM people WHERE external_id = ?", (str(MINH),))).fetchone()
        resident, = await (await db.execute("SELECT id FROM people WHERE external_id = ?", (str(LAN),))).fetchone()
        codes = []
        for number, due in enumerate(dues):
            code = f"5{number // 100:02d}-{number % 100:03d}"
            concern = await concerns.insert(db, commune_id="bao-lam", code=code, resident_id=resident, hamlet_id="thon-2",
                                            category="land", body=TEXT, status="assigned", submission_key=f"r-{number}",
                                            attachments=())
            await assignments.assign(db, concern_id=concern.id, officer_person_id=officer, body=LAND_BODY,
                                     assigned_by=None, due_date=due.isoformat())
            codes.append(code)
    return codes


async def test_each_person_gets_one_message_a_day_listing_exactly_the_items_due(bot):
    await staff_up(bot)
    calendar = bot.services.calendar
    day = a_working_day(bot)
    new_late, old_late = calendar.working_days_before(day, 1), calendar.working_days_before(day, 6)
    soon, quiet = calendar.working_days_after(day, 5), calendar.working_days_after(day, 3)
    codes = await many_assigned(bot, [new_late, old_late, day, soon, quiet])
    before = counts(bot)

    assert await run_for(bot, day) == 4  # Minh, and one digest each for the office, the chair and the MTTQ
    assert counts(bot) == before | {MINH: before[MINH] + 1, THU: before[THU] + 1, MAI: before[MAI] + 1,
                                    CHAIR: before[CHAIR] + 1}
    assert bot.fake.bot_texts(MINH)[-1] == "\n".join([
        f"⏰ Việc cần xử lý ({vi_date(day)}): 4 (quá hạn: 2, đến hạn hôm nay: 1, sắp đến hạn: 1).", "",
        "🆕 Mới quá hạn (ngày làm việc đầu tiên chậm):",
        f"• {codes[0]} · Quản lý đất đai · hạn {short(new_late)} · chậm 1 ngày làm việc", "",
        "⚠️ Vẫn quá hạn:", f"• {codes[1]} · Quản lý đất đai · hạn {short(old_late)} · chậm 6 ngày làm việc", "",
        "📅 Đến hạn hôm nay:", f"• {codes[2]} · Quản lý đất đai", "",
        "⏳ Sắp đến hạn:", f"• {codes[3]} · Quản lý đất đai · hạn {short(soon)} · còn 5 ngày làm việc", "",
        "Ông/bà báo cáo tiến độ, xin gia hạn hoặc báo kết quả bằng lệnh /tasks."])
    expected = overseer_digest(day, new=[(codes[0], new_late, 1)], late=[(codes[1], old_late, 6)], today=[codes[2]])
    for overseer in (THU, MAI, CHAIR):
        assert bot.fake.bot_texts(overseer)[-1] == expected
    # Every item is recorded for every recipient: grouping loses none of the promised reminders.
    assert await bot.rows("SELECT COUNT(*) FROM reminders_sent WHERE on_day = ?", day.isoformat()) == [(4 + 3 * 3,)]


async def test_a_long_digest_is_one_message_with_pages_only_for_its_reader(bot):
    await staff_up(bot)
    calendar = bot.services.calendar
    day = a_working_day(bot)
    late = calendar.working_days_before(day, 1)
    codes = await many_assigned(bot, [late] * 25)
    assert await run_for(bot, day) == 4
    first = bot.fake.bot_texts(THU)[-1]
    assert first.splitlines()[:2] == [
        f"📋 Tình hình thời hạn ({vi_date(day)}): mới quá hạn 25, vẫn quá hạn 0, đến hạn hôm nay 0.", "Trang 1/2"]
    assert re.findall(r"• (\d{3}-\d{3})", first) == codes[:20]
    next_page, = bot.buttons(THU)
    assert re.fullmatch(r"pn:\d+:pg:2", next_page)
    second = await bot.tap(THU, next_page)
    assert re.findall(r"• (\d{3}-\d{3})", second[0]) == codes[20:]
    assert bot.buttons(THU) == [next_page.replace("pg:2", "pg:1")]
    # Someone else's digest (a forwarded or forged button) shows nothing of it.
    message_id = bot.fake.last_bot_message(MAI)["message_id"]
    pressed = bot.fake.press(MAI, message_id, next_page)
    assert await bot.send(MAI, pressed) == []
    assert bot.fake.callback_answer(pressed)["text"] == ("Danh sách này không dành cho ông/bà: "
                                                         "danh sách đã gửi cho người khác, hoặc không còn nữa.")


async def test_a_second_sweep_the_same_day_looks_only_at_assignments_made_since(bot):
    await staff_up(bot)
    calendar = bot.services.calendar
    day = a_working_day(bot)
    due = calendar.working_days_after(day, 5)
    await many_assigned(bot, [due])
    assert await run_for(bot, day) == 1
    assert await bot.rows("SELECT on_day FROM reminder_sweeps") == [(day.isoformat(),)]
    assert await run_for(bot, day) == 0
    # Assigned after the morning's sweep (the bot restarted at noon): reminded the same day, once.
    async with bot.database.transaction() as db:
        officer, = await (await db.execute("SELECT id FROM people WHERE external_id = ?", (str(MINH),))).fetchone()
        resident, = await (await db.execute("SELECT id FROM people WHERE external_id = ?", (str(LAN),))).fetchone()
        concern = await concerns.insert(db, commune_id="bao-lam", code="600-001", resident_id=resident, hamlet_id="thon-2",
                                        category="land", body=TEXT, status="assigned", submission_key="noon", attachments=())
        await assignments.assign(db, concern_id=concern.id, officer_person_id=officer, body=LAND_BODY, assigned_by=None,
                                 due_date=due.isoformat())
    assert await run_for(bot, day) == 1
    assert bot.fake.bot_texts(MINH)[-1] == reminder("600-001", due, 5)
    assert await run_for(bot, day) == 0
