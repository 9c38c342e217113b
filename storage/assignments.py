"""Assignments of concerns to officers, with their working-day due dates."""

from __future__ import annotations

from dataclasses import dataclass

import aiosqlite

from storage.database import utc_now


@dataclass(frozen=True)
class Assignment:
    id: int
    concern_id: int
    officer_person_id: int
    body: str
    assigned_at: str
    due_date: str | None  # ISO date; None until the conclusions are announced
    extended_to: str | None
    extension_reason: str | None
    resolved_at: str | None
    result: str | None

    @property
    def effective_due(self) -> str | None:
        return self.extended_to or self.due_date


_COLUMNS = "id, concern_id, officer_person_id, body, assigned_at, due_date, extended_to, extension_reason, resolved_at, result"


LIVE_FOR = f"SELECT {_COLUMNS} FROM assignments WHERE concern_id = ? AND ended_at IS NULL"
OF_OFFICER = f"SELECT {_COLUMNS} FROM assignments WHERE officer_person_id = ? AND ended_at IS NULL ORDER BY id"


async def live_for(db: aiosqlite.Connection, concern_id: int) -> Assignment | None:
    row = await (await db.execute(LIVE_FOR, (concern_id,))).fetchone()
    return Assignment(*row) if row else None


async def assign(db: aiosqlite.Connection, *, concern_id: int, officer_person_id: int, body: str,
                 assigned_by: int | None, due_date: str | None) -> int:
    """(Re)assign: a live assignment is ended and a new one starts, keeping the same due date."""
    previous = await live_for(db, concern_id)
    if previous is not None:
        await db.execute("UPDATE assignments SET ended_at = ? WHERE id = ?", (utc_now(), previous.id))
        due_date = due_date or previous.due_date
    cursor = await db.execute(
        "INSERT INTO assignments (concern_id, officer_person_id, body, assigned_by, assigned_at, due_date, extended_to, extension_reason)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (concern_id, officer_person_id, body, assigned_by, utc_now(), due_date,
         previous.extended_to if previous else None, previous.extension_reason if previous else None),
    )
    return cursor.lastrowid


async def set_due_date(db: aiosqlite.Connection, assignment_id: int, due_date: str) -> None:
    await db.execute("UPDATE assignments SET due_date = ? WHERE id = ?", (due_date, assignment_id))


async def extend(db: aiosqlite.Connection, assignment_id: int, extended_to: str, reason: str) -> None:
    await db.execute("UPDATE assignments SET extended_to = ?, extension_reason = ? WHERE id = ?", (extended_to, reason, assignment_id))


async def resolve(db: aiosqlite.Connection, assignment_id: int, result: str) -> None:
    await db.execute("UPDATE assignments SET resolved_at = ?, result = ? WHERE id = ?", (utc_now(), result, assignment_id))


async def of_officer(db: aiosqlite.Connection, officer_person_id: int) -> list[Assignment]:
    rows = await (await db.execute(OF_OFFICER, (officer_person_id,))).fetchall()
    return [Assignment(*r) for r in rows]


async def open_in_commune(db: aiosqlite.Connection, commune_id: str) -> list[Assignment]:
    rows = await (
        await db.execute(
            f"SELECT a.{_COLUMNS.replace(', ', ', a.')} FROM assignments a JOIN concerns c ON c.id = a.concern_id"
            " WHERE c.commune_id = ? AND a.ended_at IS NULL AND c.status IN ('assigned', 'in_progress', 'extended') ORDER BY a.id",
            (commune_id,),
        )
    ).fetchall()
    return [Assignment(*r) for r in rows]


async def officers_ever(db: aiosqlite.Connection, concern_id: int) -> set[int]:
    """Every officer the concern is or was assigned to (a past officer still answers for their part)."""
    rows = await (await db.execute("SELECT DISTINCT officer_person_id FROM assignments WHERE concern_id = ?",
                                   (concern_id,))).fetchall()
    return {row[0] for row in rows}
