"""Concerns and their attachments."""

from __future__ import annotations

import json

import aiosqlite

from storage.database import utc_now
from storage.records import Attachment, Concern

_COLUMNS = (
    "id, commune_id, code, resident_id, hamlet_id, category, body, status, submitted_at,"
    " dialogue_id, duplicate_of, raised_count, conclusion, conclusion_text, screening_note, entered_by, text_public"
)


async def code_exists(db: aiosqlite.Connection, code: str) -> bool:
    row = await (await db.execute("SELECT 1 FROM concerns WHERE code = ?", (code,))).fetchone()
    return row is not None


async def by_submission_key(db: aiosqlite.Connection, key: str) -> Concern | None:
    row = await (await db.execute(f"SELECT {_COLUMNS} FROM concerns WHERE submission_key = ?", (key,))).fetchone()
    return await _with_attachments(db, row)


async def by_code(db: aiosqlite.Connection, code: str) -> Concern | None:
    row = await (await db.execute(f"SELECT {_COLUMNS} FROM concerns WHERE code = ?", (code,))).fetchone()
    return await _with_attachments(db, row)


async def insert(
    db: aiosqlite.Connection,
    *,
    commune_id: str,
    code: str,
    resident_id: int,
    hamlet_id: str,
    category: str,
    body: str,
    status: str,
    submission_key: str,
    attachments: tuple[Attachment, ...],
    text_public: bool = False,
) -> Concern:
    now = utc_now()
    cursor = await db.execute(
        "INSERT INTO concerns (commune_id, code, resident_id, hamlet_id, category, body, status,"
        " submission_key, submitted_at, updated_at, text_public) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (commune_id, code, resident_id, hamlet_id, category, body, status, submission_key, now, now, int(text_public)),
    )
    concern_id = cursor.lastrowid
    await db.executemany(
        "INSERT INTO concern_attachments (concern_id, kind, file_ref, latitude, longitude) VALUES (?, ?, ?, ?, ?)",
        [(concern_id, a.kind, a.file_ref, a.latitude, a.longitude) for a in attachments],
    )
    return Concern(concern_id, commune_id, code, resident_id, hamlet_id, category, body, status, now,
                   text_public=text_public, attachments=attachments)


async def of_resident(db: aiosqlite.Connection, resident_id: int, limit: int = 50) -> list[Concern]:
    rows = await (
        await db.execute(
            f"SELECT {_COLUMNS} FROM concerns WHERE resident_id = ? ORDER BY submitted_at DESC, id DESC LIMIT ?",
            (resident_id, limit),
        )
    ).fetchall()
    return [Concern(*row) for row in rows]


ATTACHMENTS = "SELECT kind, file_ref, latitude, longitude FROM concern_attachments WHERE concern_id = ? ORDER BY id"
# The attachments of several concerns in one query (a list screen never reads them one concern at a time).
ATTACHMENTS_OF = (
    "SELECT concern_id, kind, file_ref, latitude, longitude FROM concern_attachments"
    " WHERE concern_id IN (SELECT value FROM json_each(?)) ORDER BY concern_id, id"
)


async def attachments_of(db: aiosqlite.Connection, concern_ids: list[int]) -> dict[int, tuple[Attachment, ...]]:
    if not concern_ids:
        return {}
    found: dict[int, list[Attachment]] = {}
    for row in await (await db.execute(ATTACHMENTS_OF, (json.dumps(concern_ids),))).fetchall():
        found.setdefault(row[0], []).append(Attachment(*row[1:]))
    return {concern_id: tuple(items) for concern_id, items in found.items()}


async def _with_attachments(db: aiosqlite.Connection, row) -> Concern | None:
    if row is None:
        return None
    rows = await (await db.execute(ATTACHMENTS, (row[0],))).fetchall()
    return Concern(*row, attachments=tuple(Attachment(*r) for r in rows))


_CHANGEABLE = frozenset({"dialogue_id", "duplicate_of", "conclusion", "conclusion_text", "screening_note",
                         "proposed_direction"})


async def set_status(db: aiosqlite.Connection, concern_id: int, status: str, **fields: object) -> None:
    """Move a concern to a status (the caller checked the transition), setting some of its fields."""
    unknown = set(fields) - _CHANGEABLE
    if unknown:
        raise ValueError(f"not changeable: {sorted(unknown)}")
    assignments = "".join(f", {name} = ?" for name in fields)
    await db.execute(f"UPDATE concerns SET status = ?, updated_at = ?{assignments} WHERE id = ?",
                     (status, utc_now(), *fields.values(), concern_id))


async def in_commune(db: aiosqlite.Connection, commune_id: str, code: str) -> Concern | None:
    """A concern by code, only within the official's own commune."""
    row = await (await db.execute(f"SELECT {_COLUMNS} FROM concerns WHERE code = ? AND commune_id = ?", (code, commune_id))).fetchone()
    return await _with_attachments(db, row)


async def by_id(db: aiosqlite.Connection, concern_id: int) -> Concern | None:
    row = await (await db.execute(f"SELECT {_COLUMNS} FROM concerns WHERE id = ?", (concern_id,))).fetchone()
    return await _with_attachments(db, row)


async def with_status(db: aiosqlite.Connection, commune_id: str, statuses: tuple[str, ...], *,
                      dialogue_id: int | None = None, limit: int = 200) -> list[Concern]:
    """Concerns of a commune in some statuses, oldest first (optionally on one dialogue's agenda)."""
    marks = ", ".join("?" for _ in statuses)
    sql = f"SELECT {_COLUMNS} FROM concerns WHERE commune_id = ? AND status IN ({marks})"
    params: tuple = (commune_id, *statuses)
    if dialogue_id is not None:
        sql += " AND dialogue_id = ?"
        params += (dialogue_id,)
    rows = await (await db.execute(sql + " ORDER BY submitted_at, id LIMIT ?", (*params, limit))).fetchall()
    return [Concern(*row) for row in rows]


async def raise_again(db: aiosqlite.Connection, concern_id: int) -> None:
    """An identical concern was merged into this one: it counts one more raising (plan II.3.1)."""
    await db.execute("UPDATE concerns SET raised_count = raised_count + 1, updated_at = ? WHERE id = ?", (utc_now(), concern_id))



# The residents of the concerns merged into it, and those who supported it (issue 10), each once.
FOLLOWERS = (
    "SELECT m.resident_id FROM concerns m JOIN concerns c ON c.id = m.duplicate_of"
    " WHERE m.duplicate_of = ? AND m.status = 'merged' AND m.resident_id != c.resident_id"
    " UNION SELECT s.resident_id FROM concern_supporters s JOIN concerns c ON c.id = s.concern_id"
    " WHERE s.concern_id = ? AND s.resident_id != c.resident_id"
)


async def followers(db: aiosqlite.Connection, concern_id: int) -> list[int]:
    """The residents of the concerns merged into this one and its supporters (each once, not its own resident)."""
    rows = await (await db.execute(FOLLOWERS, (concern_id, concern_id))).fetchall()
    return [r[0] for r in rows]


async def repoint_duplicates(db: aiosqlite.Connection, from_id: int, to_id: int) -> None:
    await db.execute("UPDATE concerns SET duplicate_of = ?, updated_at = ? WHERE duplicate_of = ?", (to_id, utc_now(), from_id))


async def set_text_public(db: aiosqlite.Connection, concern_id: int, public: bool) -> int:
    """Whether the concern's text may be shown on the public board (the resident's choice)."""
    cursor = await db.execute("UPDATE concerns SET text_public = ? WHERE id = ? AND text_public != ?",
                              (int(public), concern_id, int(public)))
    return cursor.rowcount
