"""The daily reminder sweep's data: open assignments due on given days, who was already reminded of
what, and the sweep's own marker per commune and day."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass

import aiosqlite

from storage.database import utc_now


@dataclass(frozen=True)
class DueAssignment:
    """An open assignment with the due date in force and what a reminder says about it."""

    assignment_id: int
    commune_id: str
    code: str
    category: str
    text: str
    officer_person_id: int
    officer_name: str | None
    body: str
    due_date: str  # ISO date: the extended one if the assignment was extended
    extended: bool


# Live, unresolved assignments of a commune whose due date in force is one of the days given (a JSON
# list): the sweep computes those days with the working-day calendar, so SQLite reads only them,
# through the index on the due date in force. Status says whether it is open (a reopened concern
# keeps its old resolved_at). Only assignments above an id: a sweep run again that day looks only at
# assignments made since.
DUE_ON_DAYS = (
    "SELECT a.id, c.commune_id, c.code, c.category, c.body, a.officer_person_id,"
    " a.body, COALESCE(a.extended_to, a.due_date), a.extended_to IS NOT NULL"
    # CROSS JOIN keeps SQLite from starting at the commune's concerns (all of them open, at worst):
    # the due days are few, and each reads its own stretch of the due-date index. The officers' names
    # are read once each (OFFICER_NAMES), not once per item: ten thousand items have twenty officers.
    " FROM assignments a CROSS JOIN concerns c ON c.id = a.concern_id"
    " WHERE COALESCE(a.extended_to, a.due_date) IN (SELECT value FROM json_each(?)) AND a.ended_at IS NULL"
    " AND a.id > ? AND c.commune_id = ? AND c.status IN (SELECT value FROM json_each(?)) ORDER BY a.id"
)
OFFICER_NAMES = (
    "SELECT p.id, COALESCE(p.display_name, r.display_name) FROM people p LEFT JOIN residents r ON r.person_id = p.id"
    " WHERE p.id IN (SELECT value FROM json_each(?))"
)
EARLIEST_DUE = "SELECT MIN(COALESCE(extended_to, due_date)) FROM assignments WHERE ended_at IS NULL"
LAST_ASSIGNMENT = "SELECT MAX(id) FROM assignments"
SENT_ON_DAY = (
    "SELECT assignment_id, recipient_person_id, kind FROM reminders_sent"
    " WHERE assignment_id IN (SELECT value FROM json_each(?)) AND on_day = ?"
)
MARK_SENT = (
    "INSERT INTO reminders_sent (assignment_id, recipient_person_id, kind, on_day, sent_at) VALUES (?, ?, ?, ?, ?)"
    " ON CONFLICT DO NOTHING"
)
SWEPT = "SELECT last_assignment_id FROM reminder_sweeps WHERE commune_id = ? AND on_day = ?"
MARK_SWEPT = (
    "INSERT INTO reminder_sweeps (commune_id, on_day, last_assignment_id, swept_at) VALUES (?, ?, ?, ?)"
    " ON CONFLICT (commune_id, on_day) DO UPDATE SET last_assignment_id = excluded.last_assignment_id,"
    " swept_at = excluded.swept_at"
)


async def earliest_due(db: aiosqlite.Connection) -> str | None:
    """The earliest due date in force of any live assignment (how far back the overdue days go)."""
    row = await (await db.execute(EARLIEST_DUE)).fetchone()
    return row[0]


async def last_assignment_id(db: aiosqlite.Connection) -> int:
    row = await (await db.execute(LAST_ASSIGNMENT)).fetchone()
    return row[0] or 0


async def due_on(db: aiosqlite.Connection, commune_id: str, days: Iterable[str], statuses: Iterable[str], *,
                 after_id: int = 0) -> list[DueAssignment]:
    """The commune's live, unresolved assignments in one of `statuses` whose due date in force is one of `days`."""
    rows = await (await db.execute(
        DUE_ON_DAYS, (json.dumps(sorted(days)), after_id, commune_id, json.dumps(sorted(statuses))),
    )).fetchall()
    if not rows:
        return []
    names = dict(await (await db.execute(OFFICER_NAMES, (json.dumps(sorted({row[5] for row in rows})),))).fetchall())
    return [DueAssignment(row[0], row[1], row[2], row[3], row[4], row[5], names.get(row[5]), row[6], row[7], bool(row[8]))
            for row in rows]


async def sent_on(db: aiosqlite.Connection, on_day: str, assignment_ids: list[int]) -> set[tuple[int, int, str]]:
    """(assignment, recipient, kind) of the reminders about these assignments already recorded for `on_day`."""
    rows = await (await db.execute(SENT_ON_DAY, (json.dumps(assignment_ids), on_day))).fetchall()
    return {(row[0], row[1], row[2]) for row in rows}


async def mark_sent_many(db: aiosqlite.Connection, on_day: str, sent: Iterable[tuple[int, int, str]]) -> None:
    """Record (assignment, recipient, kind) reminders of `on_day`, in one batch."""
    now = utc_now()
    await db.executemany(MARK_SENT, [(assignment_id, recipient, kind, on_day, now) for assignment_id, recipient, kind in sent])


async def mark_sent(db: aiosqlite.Connection, *, assignment_id: int, recipient_person_id: int, kind: str, on_day: str) -> bool:
    """Record that `recipient` gets notice `kind` about the assignment on `on_day`; False if they already did."""
    cursor = await db.execute(MARK_SENT, (assignment_id, recipient_person_id, kind, on_day, utc_now()))
    return cursor.rowcount == 1


async def swept(db: aiosqlite.Connection, commune_id: str, on_day: str) -> int | None:
    """The last assignment id the commune's sweep of `on_day` looked at; None if it has not run that day."""
    row = await (await db.execute(SWEPT, (commune_id, on_day))).fetchone()
    return row[0] if row else None


async def mark_swept(db: aiosqlite.Connection, commune_id: str, on_day: str, last_assignment: int) -> None:
    await db.execute(MARK_SWEPT, (commune_id, on_day, last_assignment, utc_now()))
