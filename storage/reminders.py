"""Open assignments with a due date, for the daily reminders, and who was already reminded of what."""

from __future__ import annotations

from collections.abc import Collection
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


async def open_with_due_date(db: aiosqlite.Connection, commune_id: str, statuses: Collection[str]) -> list[DueAssignment]:
    """The commune's live, unresolved assignments in one of `statuses` that have a due date."""
    marks = ", ".join("?" for _ in statuses)
    rows = await (await db.execute(
        "SELECT a.id, c.commune_id, c.code, c.category, c.body, a.officer_person_id,"
        " COALESCE(p.display_name, r.display_name), a.body, COALESCE(a.extended_to, a.due_date), a.extended_to IS NOT NULL"
        " FROM assignments a JOIN concerns c ON c.id = a.concern_id"
        " JOIN people p ON p.id = a.officer_person_id LEFT JOIN residents r ON r.person_id = p.id"
        # Status says whether it is open (a reopened concern keeps its old resolved_at).
        f" WHERE c.commune_id = ? AND a.ended_at IS NULL AND c.status IN ({marks})"
        " AND COALESCE(a.extended_to, a.due_date) IS NOT NULL ORDER BY a.id",
        (commune_id, *sorted(statuses)),
    )).fetchall()
    return [DueAssignment(*row[:9], bool(row[9])) for row in rows]


async def mark_sent(db: aiosqlite.Connection, *, assignment_id: int, recipient_person_id: int, kind: str, on_day: str) -> bool:
    """Record that `recipient` gets notice `kind` about the assignment on `on_day`; False if they already did."""
    cursor = await db.execute(
        "INSERT INTO reminders_sent (assignment_id, recipient_person_id, kind, on_day, sent_at) VALUES (?, ?, ?, ?, ?)"
        " ON CONFLICT DO NOTHING",
        (assignment_id, recipient_person_id, kind, on_day, utc_now()),
    )
    return cursor.rowcount == 1
