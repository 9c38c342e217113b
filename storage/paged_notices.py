"""Long lists sent as one message of several pages: the whole list, kept for the pages asked later."""

from __future__ import annotations

import json

import aiosqlite

from storage.database import utc_now

PAGED_NOTICE = "SELECT kind, payload FROM paged_notices WHERE id = ? AND person_id = ?"


async def add(db: aiosqlite.Connection, *, person_id: int, kind: str, payload: str) -> int:
    """Keep a list (its payload already encoded as JSON: several people may get the same one)."""
    cursor = await db.execute(
        "INSERT INTO paged_notices (person_id, kind, payload, created_at) VALUES (?, ?, ?, ?)",
        (person_id, kind, payload, utc_now()),
    )
    return cursor.lastrowid


async def get(db: aiosqlite.Connection, notice_id: int, person_id: int) -> tuple[str, dict] | None:
    """(kind, payload) of a list, only for the person it was sent to."""
    row = await (await db.execute(PAGED_NOTICE, (notice_id, person_id))).fetchone()
    return (row[0], json.loads(row[1])) if row else None
