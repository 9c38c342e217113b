"""A report's figures, added up from the rows storage/reports.py reads (one pass, no query per row)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

from bot.calendar import WorkingCalendar
from storage.reports import RegisterRow

CONCLUSION_KINDS = ("answered", "assigned", "referred", "not_accepted")
# How an assignment stands, for the report and the assignment register.
OUTCOMES = ("on_time", "after_extension", "late", "overdue", "open")
_RESOLVED = frozenset({"resolved", "closed", "disputed"})


@dataclass(frozen=True)
class HamletFigures:
    hamlet_id: str
    received: int = 0
    accepted: int = 0
    assigned: int = 0
    resolved: int = 0
    overdue: int = 0


@dataclass(frozen=True)
class BodyFigures:
    body: str
    assigned: int = 0
    resolved: int = 0
    overdue: int = 0
    disputed: int = 0


@dataclass(frozen=True)
class Figures:
    received: int
    accepted: int
    merged: int
    out_of_scope: int
    rejected: int
    conclusions: dict[str, int]
    referred_answered: int
    outcomes: dict[str, int]  # assignments by OUTCOMES
    disputed: int
    satisfied: int
    average_working_days: float | None
    average_rating: float | None = None  # residents' 1-5 rating of closed concerns
    ratings: int = 0
    by_hamlet: tuple[HamletFigures, ...] = field(default=())
    by_body: tuple[BodyFigures, ...] = field(default=())

    @property
    def assigned(self) -> int:
        return sum(self.outcomes.values())

    @property
    def resolved(self) -> int:
        return self.outcomes["on_time"] + self.outcomes["after_extension"] + self.outcomes["late"]

    @property
    def satisfaction_percent(self) -> int | None:
        answers = self.satisfied + self.disputed
        return round(100 * self.satisfied / answers) if answers else None


def local_day(utc_iso: str, timezone: ZoneInfo) -> date:
    return datetime.fromisoformat(utc_iso).astimezone(timezone).date()


def outcome(row: RegisterRow, today: date, timezone: ZoneInfo) -> str | None:
    """on_time / after_extension / late / overdue / open for an assigned concern; None without an assignment."""
    if row.assigned_at is None:
        return None
    due = date.fromisoformat(row.extended_to or row.due_date) if (row.extended_to or row.due_date) else None
    if row.resolved_at is not None and row.status in _RESOLVED:
        if due is None or local_day(row.resolved_at, timezone) <= due:
            return "after_extension" if row.extended_to else "on_time"
        return "late"
    return "overdue" if due is not None and due < today else "open"


def add_up(counts: list[tuple], rows: list[RegisterRow], *, today: date, calendar: WorkingCalendar,
           timezone: ZoneInfo) -> Figures:
    """`counts` are storage.reports.concern_counts' rows (per hamlet), `rows` the register of the same scope."""
    totals = [sum(row[i] or 0 for row in counts) for i in range(1, 11)]
    hamlets: dict[str, Counter] = {row[0]: Counter(received=row[1], accepted=row[2] or 0) for row in counts}
    bodies: dict[str, Counter] = {}
    outcomes = Counter({name: 0 for name in OUTCOMES})
    days: list[int] = []
    stars = [row.satisfaction for row in rows if row.satisfaction]
    for row in rows:
        state = outcome(row, today, timezone)
        if state is None:
            continue
        outcomes[state] += 1
        per_hamlet = hamlets.setdefault(row.hamlet_id, Counter())
        per_body = bodies.setdefault(row.body or "", Counter())
        per_hamlet["assigned"] += 1
        per_body["assigned"] += 1
        if state in ("on_time", "after_extension", "late"):
            per_hamlet["resolved"] += 1
            per_body["resolved"] += 1
            start = local_day(row.assigned_at, timezone)
            days.append(max(0, calendar.working_days_between(start, local_day(row.resolved_at, timezone))))
        elif state == "overdue":
            per_hamlet["overdue"] += 1
            per_body["overdue"] += 1
        if row.disputed:
            per_body["disputed"] += 1
    return Figures(
        received=totals[0], accepted=totals[1], merged=totals[2], out_of_scope=totals[3], rejected=totals[4],
        conclusions=dict(zip(CONCLUSION_KINDS, totals[5:9])), referred_answered=totals[9],
        outcomes=dict(outcomes), disputed=sum(1 for r in rows if r.disputed), satisfied=sum(1 for r in rows if r.satisfied),
        average_working_days=round(sum(days) / len(days), 1) if days else None,
        average_rating=round(sum(stars) / len(stars), 1) if stars else None, ratings=len(stars),
        by_hamlet=tuple(HamletFigures(h, **{k: v for k, v in c.items()}) for h, c in sorted(hamlets.items())),
        by_body=tuple(BodyFigures(b, **{k: v for k, v in c.items()}) for b, c in sorted(bodies.items())),
    )
