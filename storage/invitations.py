"""A dialogue's invitation list (issue 8): who is invited and why, how each invitation reached them
(by chat through the outbox, or by the hamlet head's hand), their answer and their attendance; and
the dialogue deadlines' reminders already sent."""

from __future__ import annotations

import json
from dataclasses import dataclass

import aiosqlite

from storage.database import utc_now


@dataclass(frozen=True)
class Invitation:
    id: int
    dialogue_id: int
    commune_id: str
    hamlet_id: str | None
    person_id: int | None
    name: str
    reason: str
    issued_at: str | None
    by_hand_at: str | None
    answer: str | None
    delegate_name: str | None
    attended_at: str | None
    delivery: str  # 'none' (not issued), 'waiting', 'chat', 'hand', 'unreachable', 'offline' (no Telegram, not handed yet)


_SELECT = """
    SELECT i.id, i.dialogue_id, i.commune_id, i.hamlet_id, i.person_id, i.name, i.reason, i.issued_at, i.by_hand_at,
           i.answer, i.delegate_name, i.attended_at,
           CASE WHEN i.by_hand_at IS NOT NULL THEN 'hand'
                WHEN i.issued_at IS NULL THEN 'none'
                WHEN i.person_id IS NULL OR p.channel = 'offline' THEN 'offline'
                WHEN o.sent_at IS NOT NULL THEN 'chat'
                WHEN o.given_up_at IS NOT NULL THEN 'unreachable'
                ELSE 'waiting' END
    FROM invitations i
    LEFT JOIN people p ON p.id = i.person_id
    LEFT JOIN outbox o ON o.id = i.notice_id
"""


def _invitation(row) -> Invitation:
    return Invitation(*row)


async def add(db: aiosqlite.Connection, *, dialogue_id: int, commune_id: str, hamlet_id: str | None,
              person_id: int | None, name: str, reason: str, added_by: int | None) -> int | None:
    """Add someone to the list; None when that person is already on it."""
    cursor = await db.execute(
        "INSERT INTO invitations (dialogue_id, commune_id, hamlet_id, person_id, name, reason, added_by, added_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
        (dialogue_id, commune_id, hamlet_id, person_id, name, reason, added_by, utc_now()))
    return cursor.lastrowid if cursor.rowcount == 1 else None


async def of_dialogue(db: aiosqlite.Connection, dialogue_id: int, hamlet_id: str | None = None) -> list[Invitation]:
    sql = _SELECT + " WHERE i.dialogue_id = ?"
    params: tuple = (dialogue_id,)
    if hamlet_id is not None:
        sql += " AND i.hamlet_id = ?"
        params += (hamlet_id,)
    rows = await (await db.execute(sql + " ORDER BY i.hamlet_id, i.name, i.id", params)).fetchall()
    return [_invitation(r) for r in rows]


async def by_id(db: aiosqlite.Connection, invitation_id: int) -> Invitation | None:
    row = await (await db.execute(_SELECT + " WHERE i.id = ?", (invitation_id,))).fetchone()
    return _invitation(row) if row else None


async def of_person(db: aiosqlite.Connection, dialogue_id: int, person_id: int) -> Invitation | None:
    row = await (await db.execute(_SELECT + " WHERE i.dialogue_id = ? AND i.person_id = ?",
                                  (dialogue_id, person_id))).fetchone()
    return _invitation(row) if row else None


async def mark_issued(db: aiosqlite.Connection, invitation_id: int, notice_id: int | None) -> None:
    await db.execute("UPDATE invitations SET issued_at = ?, notice_id = ? WHERE id = ?",
                     (utc_now(), notice_id, invitation_id))


async def set_answer(db: aiosqlite.Connection, invitation_id: int, answer: str, delegate_name: str | None) -> None:
    await db.execute("UPDATE invitations SET answer = ?, delegate_name = ?, answered_at = ? WHERE id = ?",
                     (answer, delegate_name, utc_now(), invitation_id))


async def mark_by_hand(db: aiosqlite.Connection, invitation_id: int) -> None:
    await db.execute("UPDATE invitations SET by_hand_at = COALESCE(by_hand_at, ?) WHERE id = ?", (utc_now(), invitation_id))


async def mark_attended(db: aiosqlite.Connection, invitation_ids: list[int]) -> int:
    now = utc_now()
    cursor = await db.executemany("UPDATE invitations SET attended_at = COALESCE(attended_at, ?) WHERE id = ?",
                                  [(now, i) for i in invitation_ids])
    return cursor.rowcount


async def mark_dialogue_issued(db: aiosqlite.Connection, dialogue_id: int) -> bool:
    cursor = await db.execute("UPDATE dialogues SET invitations_issued_at = ? WHERE id = ? AND invitations_issued_at IS NULL",
                              (utc_now(), dialogue_id))
    return cursor.rowcount == 1


async def dialogue_marks(db: aiosqlite.Connection, dialogue_id: int) -> tuple[str | None, int | None, str | None]:
    """(invitations issued at, chair delegated by, public notice at) of a dialogue."""
    row = await (await db.execute(
        "SELECT invitations_issued_at, chair_delegated_by, public_notice_at FROM dialogues WHERE id = ?",
        (dialogue_id,))).fetchone()
    return (row[0], row[1], row[2]) if row else (None, None, None)


async def set_chair(db: aiosqlite.Connection, dialogue_id: int, chair_person_id: int, delegated_by: int | None) -> None:
    await db.execute("UPDATE dialogues SET chair_person_id = ?, chair_delegated_by = ? WHERE id = ?",
                     (chair_person_id, delegated_by, dialogue_id))


async def mark_public_notice(db: aiosqlite.Connection, dialogue_id: int) -> bool:
    cursor = await db.execute("UPDATE dialogues SET public_notice_at = ? WHERE id = ? AND public_notice_at IS NULL",
                              (utc_now(), dialogue_id))
    return cursor.rowcount == 1


async def registered_residents(db: aiosqlite.Connection, commune_id: str) -> list[int]:
    """Every resident of the commune the bot can write to (registered on a chat, not forgotten)."""
    rows = await (await db.execute(
        "SELECT r.person_id FROM residents r JOIN people p ON p.id = r.person_id"
        " WHERE r.commune_id = ? AND p.channel != 'offline' AND p.forgotten_at IS NULL ORDER BY r.person_id",
        (commune_id,))).fetchall()
    return [r[0] for r in rows]


async def must_attend(db: aiosqlite.Connection, dialogue_id: int) -> list[tuple[int, str, str | None, str]]:
    """(person, name, hamlet, reason) of those who must be there: residents with a concern on the
    agenda (merged followers and supporters included), registered speakers."""
    rows = await (await db.execute(
        """
        SELECT c.resident_id, 'agenda' FROM concerns c WHERE c.dialogue_id = ? AND c.status != 'merged'
        UNION SELECT f.resident_id, 'agenda' FROM concerns c JOIN concerns f ON f.duplicate_of = c.id
              WHERE c.dialogue_id = ?
        UNION SELECT s.resident_id, 'agenda' FROM concerns c JOIN concern_supporters s ON s.concern_id = c.id
              WHERE c.dialogue_id = ?
        UNION SELECT s.resident_id, 'speaker' FROM speaker_registrations s
              WHERE s.dialogue_id = ? AND s.status = 'registered'
        """, (dialogue_id, dialogue_id, dialogue_id, dialogue_id))).fetchall()
    found: dict[int, str] = {}
    for person_id, reason in rows:
        if found.get(person_id) != "speaker":
            found[person_id] = reason
    if not found:
        return []
    names = await (await db.execute(
        "SELECT r.person_id, r.display_name, r.hamlet_id FROM residents r JOIN people p ON p.id = r.person_id"
        " WHERE p.forgotten_at IS NULL AND r.person_id IN (SELECT value FROM json_each(?))",
        (json.dumps(sorted(found)),))).fetchall()
    return [(r[0], r[1], r[2], found[r[0]]) for r in names]


async def resident(db: aiosqlite.Connection, person_id: int, commune_id: str) -> tuple[str, str] | None:
    """(name, hamlet) of a registered resident of the commune."""
    row = await (await db.execute(
        "SELECT display_name, hamlet_id FROM residents WHERE person_id = ? AND commune_id = ?",
        (person_id, commune_id))).fetchone()
    return (row[0], row[1]) if row else None


async def hamlet_residents(db: aiosqlite.Connection, commune_id: str, hamlet_id: str) -> list[tuple[int, str]]:
    rows = await (await db.execute(
        "SELECT r.person_id, r.display_name FROM residents r JOIN people p ON p.id = r.person_id"
        " WHERE r.commune_id = ? AND r.hamlet_id = ? AND p.forgotten_at IS NULL AND p.channel != 'offline'"
        " ORDER BY r.display_name, r.person_id", (commune_id, hamlet_id))).fetchall()
    return [(r[0], r[1]) for r in rows]


# --- dialogue deadlines' reminders ---------------------------------------------------------------

async def reminded(db: aiosqlite.Connection, dialogue_id: int, kind: str, due_day: str) -> set[int]:
    rows = await (await db.execute(
        "SELECT person_id FROM deadline_reminders_sent WHERE dialogue_id = ? AND kind = ? AND due_day = ?",
        (dialogue_id, kind, due_day))).fetchall()
    return {r[0] for r in rows}


async def mark_reminded(db: aiosqlite.Connection, dialogue_id: int, kind: str, due_day: str, person_ids: list[int]) -> None:
    now = utc_now()
    await db.executemany(
        "INSERT INTO deadline_reminders_sent (dialogue_id, person_id, kind, due_day, sent_at) VALUES (?, ?, ?, ?, ?)"
        " ON CONFLICT DO NOTHING", [(dialogue_id, p, kind, due_day, now) for p in person_ids])
