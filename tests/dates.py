"""Dates for end-to-end tests, chosen relative to today so the suite passes on any day it runs.

The bot's clock is the real one: a meeting typed as a fixed date would be refused once that date is
past (or more than two years ahead). Tests that need a meeting day ask for one here; the hand-checked
examples with fixed dates are tested at the service level with a fixed clock instead.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from babel.dates import format_date

from bot.calendar import WorkingCalendar
from bot.deadlines import DeadlineRules, earliest_meeting_date

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
MONDAY = 0
PLAN_RULES = DeadlineRules()  # the plan's numbers: 7 working days for the invitations


def today_local() -> date:
    """Today in the commune's time zone, as the bot counts it."""
    return datetime.now(TZ).date()


def vi_date(day: date) -> str:
    """A date in the words the bot uses in Vietnamese, e.g. 'Thứ Hai, ngày 1 tháng 2 năm 2027'."""
    return format_date(day, "EEEE, 'ngày' d 'tháng' M 'năm' y", locale="vi")


def typed(day: date) -> str:
    """A date as an official types it: dd/mm/yyyy."""
    return day.strftime("%d/%m/%Y")


def working_mondays(calendar: WorkingCalendar, start: date, count: int) -> list[date]:
    """The first `count` Mondays on or after `start` that are working days (not in Tết, not a holiday)."""
    day = start + timedelta(days=(MONDAY - start.weekday()) % 7)
    found: list[date] = []
    while len(found) < count:
        if calendar.is_working_day(day):
            found.append(day)
        day += timedelta(days=7)
    return found


def earliest(calendar: WorkingCalendar, rules: DeadlineRules = PLAN_RULES) -> date:
    """The earliest meeting day the office may choose today (7 working days for the invitations)."""
    return earliest_meeting_date(today_local(), calendar=calendar, rules=rules)


def future_monday(calendar: WorkingCalendar, weeks_ahead: int = 0, rules: DeadlineRules = PLAN_RULES) -> date:
    """A working Monday at least `weeks_ahead` weeks after the earliest day a meeting may be scheduled today."""
    return working_mondays(calendar, earliest(calendar, rules) + timedelta(weeks=weeks_ahead), 1)[0]


def mondays_in_one_year(calendar: WorkingCalendar, count: int, rules: DeadlineRules = PLAN_RULES) -> list[date]:
    """`count` consecutive working Mondays, each one schedulable today, all in the same calendar year
    (for the one-dialogue-a-year rule and moving a dialogue within its year).

    They start at the earliest schedulable day; when the rest of that year is too short for them
    (today in December), they start on 1 January of the next year instead, which is still well
    within the two years ahead that scheduling allows.
    """
    start = earliest(calendar, rules)
    days = working_mondays(calendar, start, count)
    if days[-1].year != days[0].year:
        days = working_mondays(calendar, date(start.year + 1, 1, 1), count)
    assert len({day.year for day in days}) == 1
    return days


def monday_next_year(calendar: WorkingCalendar, year: int) -> date:
    """A working Monday of the year after `year` (from March: after Tết), for a second dialogue."""
    return working_mondays(calendar, date(year + 1, 3, 1), 1)[0]
