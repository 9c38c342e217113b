"""Dialogues as far as residents see them, and speaker registrations."""

from __future__ import annotations

import aiosqlite

from storage.database import utc_now
from storage.records import Dialogue, SpeakerRegistration


async def upcoming_dialogue(db: aiosqlite.Connection, commune_id: str, now_utc: str) -> Dialogue | None:
    row = await (
        await db.execute(
            "SELECT id, commune_id, meeting_at, place, theme, status FROM dialogues"
            " WHERE commune_id = ? AND status = 'scheduled' AND meeting_at >= ? ORDER BY meeting_at LIMIT 1",
            (commune_id, now_utc),
        )
    ).fetchone()
    return Dialogue(*row) if row else None


_REGISTRATION = (
    "SELECT s.id, s.concern_id, c.code, s.dialogue_id, s.point, s.status, s.registered_at"
    " FROM speaker_registrations s JOIN concerns c ON c.id = s.concern_id"
)


async def live_registrations(db: aiosqlite.Connection, resident_id: int) -> list[SpeakerRegistration]:
    rows = await (
        await db.execute(
            _REGISTRATION + " WHERE s.resident_id = ? AND s.status = 'registered' ORDER BY s.registered_at, s.id",
            (resident_id,),
        )
    ).fetchall()
    return [SpeakerRegistration(*r) for r in rows]


async def live_registration_for(db: aiosqlite.Connection, concern_id: int) -> SpeakerRegistration | None:
    row = await (
        await db.execute(_REGISTRATION + " WHERE s.concern_id = ? AND s.status = 'registered'", (concern_id,))
    ).fetchone()
    return SpeakerRegistration(*row) if row else None


async def register(
    db: aiosqlite.Connection, *, commune_id: str, concern_id: int, resident_id: int, dialogue_id: int | None, point: str
) -> int:
    cursor = await db.execute(
        "INSERT INTO speaker_registrations (commune_id, concern_id, resident_id, dialogue_id, point, registered_at)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        (commune_id, concern_id, resident_id, dialogue_id, point, utc_now()),
    )
    return cursor.lastrowid


async def withdraw(db: aiosqlite.Connection, registration_id: int, resident_id: int) -> SpeakerRegistration | None:
    row = await (
        await db.execute(
            _REGISTRATION + " WHERE s.id = ? AND s.resident_id = ? AND s.status = 'registered'",
            (registration_id, resident_id),
        )
    ).fetchone()
    if row is None:
        return None
    await db.execute(
        "UPDATE speaker_registrations SET status = 'withdrawn', withdrawn_at = ? WHERE id = ?",
        (utc_now(), registration_id),
    )
    return SpeakerRegistration(*row)
