"""The office's casework queries: the screening inbox, residents entered by officials, identities, overdue work."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import aiosqlite

from storage import concerns
from storage.database import utc_now
from storage.records import Concern

# An assignment's clock runs in these concern statuses (bot/lifecycle.py OPEN_ASSIGNMENT_STATUSES).
_OPEN = "('assigned', 'in_progress', 'extended')"


@dataclass(frozen=True)
class Identity:
    """Who a resident is, for the officials allowed to know (bot/roles.py sees_identity_of)."""

    name: str | None
    phone: str | None
    offline: bool  # entered by an official for a resident without a phone
    forgotten: bool


@dataclass(frozen=True)
class OverdueRow:
    code: str
    body: str
    officer_name: str | None
    effective_due: str  # ISO date


async def count_submitted(db: aiosqlite.Connection, commune_id: str) -> int:
    row = await (await db.execute("SELECT COUNT(*) FROM concerns WHERE commune_id = ? AND status = 'submitted'",
                                  (commune_id,))).fetchone()
    return row[0]


async def next_submitted(db: aiosqlite.Connection, commune_id: str, after: Concern | None = None) -> tuple[Concern, int] | None:
    """The oldest concern waiting for screening (after `after` in that order), with its position in the queue."""
    sql = "SELECT id FROM concerns WHERE commune_id = ? AND status = 'submitted'"
    params: tuple = (commune_id,)
    if after is not None:
        sql += " AND (submitted_at > ? OR (submitted_at = ? AND id > ?))"
        params += (after.submitted_at, after.submitted_at, after.id)
    row = await (await db.execute(sql + " ORDER BY submitted_at, id LIMIT 1", params)).fetchone()
    if row is None:
        return None
    concern = await concerns.by_id(db, row[0])
    assert concern is not None
    before = await (await db.execute(
        "SELECT COUNT(*) FROM concerns WHERE commune_id = ? AND status = 'submitted'"
        " AND (submitted_at < ? OR (submitted_at = ? AND id < ?))",
        (commune_id, concern.submitted_at, concern.submitted_at, concern.id),
    )).fetchone()
    return concern, before[0] + 1


async def insert_offline_resident(db: aiosqlite.Connection, *, commune_id: str, hamlet_id: str, name: str,
                                  phone: str | None, locale: str = "vi") -> int:
    """A resident without a phone (or without Telegram): a person on the 'offline' channel, never messaged."""
    now = utc_now()
    cursor = await db.execute(
        "INSERT INTO people (channel, external_id, locale, created_at, display_name) VALUES ('offline', ?, ?, ?, ?)",
        (uuid.uuid4().hex, locale, now, name),
    )
    person_id = cursor.lastrowid
    await db.execute(
        "INSERT INTO residents (person_id, commune_id, hamlet_id, display_name, registered_at, phone) VALUES (?, ?, ?, ?, ?, ?)",
        (person_id, commune_id, hamlet_id, name, now, phone),
    )
    return person_id


async def set_entered_by(db: aiosqlite.Connection, concern_id: int, official_person_id: int) -> None:
    await db.execute("UPDATE concerns SET entered_by = ? WHERE id = ?", (official_person_id, concern_id))


async def identity(db: aiosqlite.Connection, person_id: int) -> Identity:
    row = await (await db.execute(
        "SELECT COALESCE(r.display_name, p.display_name), r.phone, p.channel, p.forgotten_at"
        " FROM people p LEFT JOIN residents r ON r.person_id = p.id WHERE p.id = ?",
        (person_id,),
    )).fetchone()
    if row is None:
        return Identity(None, None, False, True)
    return Identity(row[0], row[1], row[2] == "offline", row[3] is not None)


async def person_name(db: aiosqlite.Connection, person_id: int | None) -> str | None:
    """An official's name as they gave it (officials' names are not secret among officials)."""
    if person_id is None:
        return None
    row = await (await db.execute(
        "SELECT COALESCE(p.display_name, r.display_name) FROM people p LEFT JOIN residents r ON r.person_id = p.id"
        " WHERE p.id = ?", (person_id,))).fetchone()
    return row[0] if row else None


async def code_of(db: aiosqlite.Connection, concern_id: int | None) -> str | None:
    if concern_id is None:
        return None
    row = await (await db.execute("SELECT code FROM concerns WHERE id = ?", (concern_id,))).fetchone()
    return row[0] if row else None


# Open assignments whose due date in force (the extension first) is before today. Counted from the
# commune's open concerns (a covering index), each with its live assignment.
OVERDUE_COUNT = (
    "SELECT COUNT(*) FROM concerns c CROSS JOIN assignments a ON a.concern_id = c.id AND a.ended_at IS NULL"
    f" WHERE c.commune_id = ? AND c.status IN {_OPEN} AND COALESCE(a.extended_to, a.due_date) < ?"
)
# A page of them by body, then due date: read in that order from the index of live assignments by body
# and due date, so the first pages stop after a few dozen rows instead of sorting every overdue item.
OVERDUE_PAGE = (
    "SELECT c.code, a.body, COALESCE(p.display_name, r.display_name), COALESCE(a.extended_to, a.due_date) AS due"
    " FROM assignments a INDEXED BY assignments_live_by_body_due CROSS JOIN concerns c ON c.id = a.concern_id"
    " JOIN people p ON p.id = a.officer_person_id LEFT JOIN residents r ON r.person_id = p.id"
    f" WHERE a.ended_at IS NULL AND COALESCE(a.extended_to, a.due_date) < ? AND c.commune_id = ? AND c.status IN {_OPEN}"
    " ORDER BY a.body, COALESCE(a.extended_to, a.due_date), a.id LIMIT ? OFFSET ?"
)


async def count_overdue(db: aiosqlite.Connection, commune_id: str, today_iso: str) -> int:
    row = await (await db.execute(OVERDUE_COUNT, (commune_id, today_iso))).fetchone()
    return row[0]


async def overdue(db: aiosqlite.Connection, commune_id: str, today_iso: str, *, limit: int = -1,
                  offset: int = 0) -> list[OverdueRow]:
    """Open assignments past their due date, by body then date (a page of them: `limit` rows from `offset`)."""
    rows = await (await db.execute(OVERDUE_PAGE, (today_iso, commune_id, limit, offset))).fetchall()
    return [OverdueRow(*row) for row in rows]
