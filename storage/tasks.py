"""What an officer's tasks need beyond the assignments themselves: the announcement that starts
their clock, and whether a concern's one extension was already used."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import aiosqlite

from storage import concerns
from storage.assignments import _COLUMNS as _ASSIGNMENT_COLUMNS_SQL, Assignment
from storage.concerns import _COLUMNS as _CONCERN_COLUMNS_SQL
from storage.records import Concern

_ASSIGNMENT_COLUMNS = [c.strip() for c in _ASSIGNMENT_COLUMNS_SQL.split(",")]
_CONCERN_COLUMNS = [c.strip() for c in _CONCERN_COLUMNS_SQL.split(",")]


async def announced_on(db: aiosqlite.Connection, dialogue_id: int | None) -> date | None:
    """The day a dialogue's conclusions were announced; None before (or without a dialogue)."""
    if dialogue_id is None:
        return None
    row = await (await db.execute("SELECT announced_on FROM dialogues WHERE id = ?", (dialogue_id,))).fetchone()
    if row is None or not row[0]:
        return None
    return date.fromisoformat(row[0][:10])


EXTENDED_TO = "SELECT extended_to FROM assignments WHERE concern_id = ? AND extended_to IS NOT NULL ORDER BY id DESC LIMIT 1"


async def extended_to(db: aiosqlite.Connection, concern_id: int) -> date | None:
    """The date a concern's resolution was extended to, by any of its assignments (the plan allows one)."""
    row = await (await db.execute(EXTENDED_TO, (concern_id,))).fetchone()
    return date.fromisoformat(row[0]) if row else None


# An officer's open tasks in one commune: live assignments whose concern is open. /tasks shows them
# overdue first, then by due date, then those still waiting for a due date: the earliest due date
# first gives exactly that order, as every overdue date is earlier than every date still ahead.
# CROSS JOIN: start from the officer's assignments (their index), never from the commune's open concerns.
_OFFICER_TASKS = (
    " FROM assignments a CROSS JOIN concerns c ON c.id = a.concern_id"
    " WHERE a.officer_person_id = ? AND a.ended_at IS NULL AND c.commune_id = ?"
    " AND c.status IN ('assigned', 'in_progress', 'extended')"
)
OFFICER_TASK_COUNTS = (
    "SELECT COUNT(*), COALESCE(SUM(COALESCE(a.extended_to, a.due_date) < ?), 0)" + _OFFICER_TASKS
)
OFFICER_TASK_PAGE = (
    f"SELECT {', '.join('a.' + c for c in _ASSIGNMENT_COLUMNS)}, {', '.join('c.' + c for c in _CONCERN_COLUMNS)}"
    + _OFFICER_TASKS
    # No due date yet (before the announcement) sorts last; the index of this very expression gives the order.
    + " ORDER BY COALESCE(a.extended_to, a.due_date, '9999-12-31'), a.id LIMIT ? OFFSET ?"
)


async def officer_task_counts(db: aiosqlite.Connection, officer_person_id: int, commune_id: str,
                              today_iso: str) -> tuple[int, int]:
    """How many open tasks the officer has, and how many of them are past their due date."""
    row = await (await db.execute(OFFICER_TASK_COUNTS, (today_iso, officer_person_id, commune_id))).fetchone()
    return row[0], row[1]


async def officer_task_page(db: aiosqlite.Connection, officer_person_id: int, commune_id: str, *,
                            limit: int, offset: int) -> list[tuple[Assignment, Concern]]:
    """One page of the officer's open tasks in the order of /tasks, with each concern's attachments."""
    rows = await (await db.execute(OFFICER_TASK_PAGE, (officer_person_id, commune_id, limit, offset))).fetchall()
    width = len(_ASSIGNMENT_COLUMNS)
    found = [(Assignment(*row[:width]), Concern(*row[width:])) for row in rows]
    attached = await concerns.attachments_of(db, [concern.id for _, concern in found])
    return [(assignment, replace(concern, attachments=attached.get(concern.id, ()))) for assignment, concern in found]
