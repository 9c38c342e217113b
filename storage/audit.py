"""The audit log: one row per change, written inside the change's own transaction."""

from __future__ import annotations

import json

import aiosqlite

from storage.database import utc_now
from storage.records import HistoryEntry


async def record(
    db: aiosqlite.Connection,
    *,
    commune_id: str | None,
    actor_person_id: int | None,
    action: str,
    subject_type: str,
    subject_id: int | None,
    details: dict | None = None,
) -> None:
    await db.execute(
        "INSERT INTO audit_log (at, commune_id, actor_person_id, action, subject_type, subject_id, details)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        (utc_now(), commune_id, actor_person_id, action, subject_type, subject_id,
         json.dumps(details or {}, ensure_ascii=False)),
    )


HISTORY = "SELECT at, action, details FROM audit_log WHERE subject_type = ? AND subject_id = ? ORDER BY id"


async def history(db: aiosqlite.Connection, subject_type: str, subject_id: int) -> list[HistoryEntry]:
    rows = await (await db.execute(HISTORY, (subject_type, subject_id))).fetchall()
    return [HistoryEntry(at=r[0], action=r[1], details=json.loads(r[2])) for r in rows]
