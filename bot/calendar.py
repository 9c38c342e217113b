"""The civil-service working-day calendar (ngày làm việc) the plan's deadlines count in.

A working day is Monday to Friday, minus public holidays and Tết, minus the
government's swapped days off, plus the Saturdays made working days in
exchange (làm bù). The ``holidays`` package's Vietnam calendar holds all of
these (swapped days off as holidays, làm bù Saturdays in its
``weekend_workdays``), so its own ``is_working_day`` is the source of truth;
days the government announces after the package was released come from
per-deployment overrides, which win over the package.

Counting follows the Civil Code 2015 (art. 147-148): the day of the event is
not counted, counting starts the next day.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from datetime import date, datetime, timedelta
from pathlib import Path

import holidays
from holidays.countries.vietnam import Vietnam

_ONE_DAY = timedelta(days=1)


class _Year:
    """One year's working days, precomputed so lookups and counts are O(1)."""

    __slots__ = ("first", "flags", "cumulative")

    def __init__(self, first: date, flags: bytes) -> None:
        self.first = first
        self.flags = flags
        # cumulative[i] = working days from 1 January up to and including day i.
        running = 0
        cumulative = []
        for flag in flags:
            running += flag
            cumulative.append(running)
        self.cumulative = cumulative

    @property
    def total(self) -> int:
        return self.cumulative[-1]

    def index(self, day: date) -> int:
        return (day - self.first).days


class WorkingCalendar:
    """Vietnam's civil-service working days, with the deployment's own overrides."""

    def __init__(self, overrides: Mapping[date, bool] | None = None) -> None:
        self._overrides: dict[date, bool] = {}
        for day, working in (overrides or {}).items():
            _check_day(day)
            if not isinstance(working, bool):
                raise TypeError(f"override for {day.isoformat()} must be True or False")
            self._overrides[day] = working
        self._years: dict[int, _Year] = {}

    @property
    def overrides(self) -> Mapping[date, bool]:
        return dict(self._overrides)

    def is_working_day(self, day: date) -> bool:
        _check_day(day)
        year = self._year(day.year)
        return bool(year.flags[year.index(day)])

    def working_days_after(self, day: date, n: int) -> date:
        """The n-th working day after ``day``; ``day`` itself never counts."""
        return self._step(day, n, _ONE_DAY)

    def working_days_before(self, day: date, n: int) -> date:
        """The n-th working day before ``day``; ``day`` itself never counts."""
        return self._step(day, n, -_ONE_DAY)

    def working_days_between(self, start: date, end: date) -> int:
        """Working days in (start, end]; negative, -(working days in (end, start]), if end < start.

        ``working_days_between(today, due)`` is the working days left (0 on the
        due day itself); ``working_days_between(due, today)`` is how late.
        """
        _check_day(start)
        _check_day(end)
        if end < start:
            return -self.working_days_between(end, start)
        since = start.year
        return self._count_since_new_year(end, since) - self._count_since_new_year(start, since)

    def _step(self, day: date, n: int, step: timedelta) -> date:
        _check_day(day)
        if isinstance(n, bool) or not isinstance(n, int) or n < 1:
            raise ValueError(f"the number of working days must be a positive integer, not {n!r}")
        found = 0
        while found < n:
            day += step
            if self.is_working_day(day):
                found += 1
        return day

    def _count_since_new_year(self, day: date, since_year: int) -> int:
        """Working days from 1 January of ``since_year`` through ``day``."""
        year = self._year(day.year)
        count = year.cumulative[year.index(day)]
        for earlier in range(since_year, day.year):
            count += self._year(earlier).total
        return count

    def _year(self, number: int) -> _Year:
        cached = self._years.get(number)
        if cached is not None:
            return cached
        if not Vietnam.start_year <= number <= Vietnam.end_year:
            raise ValueError(
                f"no working-day calendar for {number}: the holidays package covers Vietnam "
                f"from {Vietnam.start_year} to {Vietnam.end_year}"
            )
        vietnam = holidays.country_holidays("VN", years=number)
        first = date(number, 1, 1)
        days = (date(number + 1, 1, 1) - first).days
        flags = bytearray(days)
        for offset in range(days):
            day = first + timedelta(days=offset)
            working = self._overrides.get(day)
            if working is None:
                working = vietnam.is_working_day(day)
            flags[offset] = working
        built = _Year(first, bytes(flags))
        self._years[number] = built
        return built


def _check_day(day: object) -> None:
    # A datetime would silently pick its (possibly UTC) calendar day: deadlines are dates.
    if isinstance(day, datetime) or not isinstance(day, date):
        raise TypeError(f"expected a date, not {type(day).__name__}")


_ENTRY_KEYS = {"date", "working", "note"}


def load_overrides(path: Path) -> dict[date, bool]:
    """Read days announced by the government after the package's release.

    The file is TOML::

        [[day]]
        date = 2027-01-02
        working = false
        note = "Nghỉ bù theo Thông báo số ..."
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        reason = error.strerror or error
        raise ValueError(f"{path}: cannot read calendar overrides: {reason}") from error
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ValueError(f"{path}: not valid TOML: {error}") from error

    unknown = set(document) - {"day"}
    if unknown:
        raise ValueError(
            f"{path}: unknown top-level key(s) {', '.join(sorted(unknown))}; "
            "expected [[day]] entries"
        )
    entries = document.get("day", [])
    if not isinstance(entries, list):
        raise ValueError(f"{path}: 'day' must be an array of tables, written [[day]]")

    overrides: dict[date, bool] = {}
    for number, entry in enumerate(entries, start=1):
        where = f"{path}: [[day]] entry {number}"
        if not isinstance(entry, dict):
            raise ValueError(f"{where}: must be a table with date and working")
        unknown = set(entry) - _ENTRY_KEYS
        if unknown:
            raise ValueError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}")
        day = _entry_date(entry.get("date"), where)
        where = f"{where} ({day.isoformat()})"
        working = entry.get("working")
        if not isinstance(working, bool):
            raise ValueError(f"{where}: 'working' must be true or false")
        note = entry.get("note", "")
        if not isinstance(note, str):
            raise ValueError(f"{where}: 'note' must be a string")
        if overrides.get(day, working) != working:
            raise ValueError(f"{where}: contradicts an earlier entry for the same date")
        overrides[day] = working
    return overrides


def _entry_date(value: object, where: str) -> date:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    if value is None:
        raise ValueError(f"{where}: missing 'date'")
    raise ValueError(f"{where}: 'date' must be a date like 2027-01-02, not {value!r}")
