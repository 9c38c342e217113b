"""Dialogues as far as residents see them, and speaker registrations."""

from __future__ import annotations

from dataclasses import dataclass

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


LIVE_REGISTRATIONS = _REGISTRATION + " WHERE s.resident_id = ? AND s.status = 'registered' ORDER BY s.registered_at, s.id"


async def live_registrations(db: aiosqlite.Connection, resident_id: int) -> list[SpeakerRegistration]:
    rows = await (await db.execute(LIVE_REGISTRATIONS, (resident_id,))).fetchall()
    return [SpeakerRegistration(*r) for r in rows]


async def live_registration_for(db: aiosqlite.Connection, concern_id: int,
                                resident_id: int | None = None) -> SpeakerRegistration | None:
    """The live registration to speak about a concern (of one resident, when given: followers speak too)."""
    sql = _REGISTRATION + " WHERE s.concern_id = ? AND s.status = 'registered'"
    params: tuple = (concern_id,)
    if resident_id is not None:
        sql += " AND s.resident_id = ?"
        params += (resident_id,)
    row = await (await db.execute(sql, params)).fetchone()
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


# --- the office's side: the speaking order of one dialogue ---------------------------------------

@dataclass(frozen=True)
class SpeakerSlot:
    """One live registration as the office sees it: who, about which concern, in which order."""

    id: int
    dialogue_id: int | None
    concern_id: int
    concern_code: str
    category: str
    hamlet_id: str
    resident_id: int
    resident_name: str | None
    point: str
    review: str  # pending | approved | declined
    decline_reason: str | None
    position: int | None
    registered_at: str
    called_at: str | None


_SLOT = (
    "SELECT s.id, s.dialogue_id, s.concern_id, c.code, c.category, c.hamlet_id, s.resident_id,"
    " COALESCE(r.display_name, p.display_name), s.point, s.review, s.decline_reason, s.position, s.registered_at, s.called_at"
    " FROM speaker_registrations s JOIN concerns c ON c.id = s.concern_id JOIN people p ON p.id = s.resident_id"
    " LEFT JOIN residents r ON r.person_id = s.resident_id"
)
# The order of speaking: the office's order first, then the order of registration.
SPEAKING_ORDER = (_SLOT + " WHERE s.dialogue_id = ? AND s.status = 'registered'"
                  " ORDER BY s.position IS NULL, s.position, s.registered_at, s.id")


async def speaking_order(db: aiosqlite.Connection, dialogue_id: int) -> list[SpeakerSlot]:
    rows = await (await db.execute(SPEAKING_ORDER, (dialogue_id,))).fetchall()
    return [SpeakerSlot(*r) for r in rows]


async def places_in_order(db: aiosqlite.Connection, dialogue_id: int) -> dict[int, tuple[int, int]]:
    """Each approved speaker's place among the approved ones (registration id -> (place, how many)),
    in the order /next calls them."""
    approved = [s.id for s in await speaking_order(db, dialogue_id) if s.review == "approved"]
    return {registration_id: (place, len(approved)) for place, registration_id in enumerate(approved, start=1)}


async def reviews(db: aiosqlite.Connection, registration_ids: list[int]) -> dict[int, str]:
    """The office's review (pending, approved, declined) of each registration."""
    if not registration_ids:
        return {}
    marks = ", ".join("?" for _ in registration_ids)
    rows = await (await db.execute(f"SELECT id, review FROM speaker_registrations WHERE id IN ({marks})",
                                   registration_ids)).fetchall()
    return {row[0]: row[1] for row in rows}


async def slot(db: aiosqlite.Connection, registration_id: int) -> SpeakerSlot | None:
    row = await (await db.execute(_SLOT + " WHERE s.id = ? AND s.status = 'registered'", (registration_id,))).fetchone()
    return SpeakerSlot(*row) if row else None


ON_FILE = ("SELECT COUNT(*) FROM speaker_registrations WHERE commune_id = ? AND dialogue_id IS NULL"
           " AND status = 'registered'")


async def on_file(db: aiosqlite.Connection, commune_id: str) -> int:
    """Wishes to speak kept on file, waiting for the next dialogue to be scheduled."""
    row = await (await db.execute(ON_FILE, (commune_id,))).fetchone()
    return row[0]


async def set_review(db: aiosqlite.Connection, registration_id: int, review: str, reason: str | None = None) -> None:
    await db.execute("UPDATE speaker_registrations SET review = ?, decline_reason = ? WHERE id = ?",
                     (review, reason, registration_id))


async def set_positions(db: aiosqlite.Connection, ordered_ids: list[int]) -> None:
    """Write the speaking order: the first id speaks first."""
    await db.executemany("UPDATE speaker_registrations SET position = ? WHERE id = ?",
                         [(number, registration_id) for number, registration_id in enumerate(ordered_ids, start=1)])


async def mark_called(db: aiosqlite.Connection, registration_id: int) -> None:
    await db.execute("UPDATE speaker_registrations SET called_at = ? WHERE id = ?", (utc_now(), registration_id))
