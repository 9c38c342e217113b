"""The periods a commune reports on: a month, a quarter, the first 6 or 9 months, a year (2026-11, 2026-Q4,
2026-6M, 2026-9M, 2026), with the words a report's title reads for them."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from bot.errors import DomainError
from bot.i18n import N_, Translator

_PERIOD = re.compile(r"^\s*(\d{4})(?:-(Q[1-4]|[69]M|\d{1,2}))?\s*$", re.IGNORECASE)
ROMAN = ("I", "II", "III", "IV")


class PeriodUnreadable(DomainError):
    message = N_("Please give the period as 2026 (a year), 2026-Q4 (a quarter), 2026-6M or 2026-9M "
                 "(the first 6 or 9 months) or 2026-11 (a month).")


@dataclass(frozen=True)
class Period:
    kind: str  # year | quarter | months (first n months) | month
    year: int
    number: int = 0  # the quarter, the month, or how many first months
    start: date = date.min
    end: date = date.min  # the day after the last

    def title(self, t: Translator) -> str:
        if self.kind == "month":
            return t("month %(month)d/%(year)d", month=self.number, year=self.year)
        if self.kind == "quarter":
            return t("quarter %(quarter)s of %(year)d", quarter=ROMAN[self.number - 1], year=self.year)
        if self.kind == "months":
            return t("the first %(months)d months of %(year)d", months=self.number, year=self.year)
        return t("the year %(year)d", year=self.year)

    @property
    def key(self) -> str:
        return {"month": f"{self.year}-{self.number:02d}", "quarter": f"{self.year}-Q{self.number}",
                "months": f"{self.year}-{self.number}M"}.get(self.kind, str(self.year))


def _first_of(year: int, month: int) -> date:
    return date(year + (month - 1) // 12, (month - 1) % 12 + 1, 1)


def parse_period(text: str | None) -> Period:
    match = _PERIOD.match(text or "")
    if match is None:
        raise PeriodUnreadable()
    year, part = int(match.group(1)), (match.group(2) or "").upper()
    if not 2000 <= year <= 2100:
        raise PeriodUnreadable()
    if not part:
        return Period("year", year, 0, date(year, 1, 1), date(year + 1, 1, 1))
    if part.startswith("Q"):
        quarter = int(part[1])
        return Period("quarter", year, quarter, _first_of(year, 3 * quarter - 2), _first_of(year, 3 * quarter + 1))
    if part.endswith("M"):
        months = int(part[0])
        return Period("months", year, months, date(year, 1, 1), _first_of(year, months + 1))
    month = int(part)
    if not 1 <= month <= 12:
        raise PeriodUnreadable()
    return Period("month", year, month, date(year, month, 1), _first_of(year, month + 1))


def current_periods(today: date) -> list[Period]:
    """What an official is offered to report on: this month, this quarter, the first 6 and 9 months, the year."""
    quarter = (today.month - 1) // 3 + 1
    keys = [f"{today.year}-{today.month:02d}", f"{today.year}-Q{quarter}", f"{today.year}-6M", f"{today.year}-9M",
            str(today.year)]
    return [parse_period(key) for key in keys]
