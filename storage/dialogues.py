"""Dialogues as the officials run them: the plan, its agenda, the meeting's progress, the announcement."""

from __future__ import annotations

from dataclasses import dataclass

import aiosqlite

from storage.database import utc_now


@dataclass(frozen=True)
class DialogueRecord:
    id: int
    commune_id: str
    meeting_at: str  # UTC ISO 8601
    place: str
    theme: str | None
    status: str  # scheduled | held | cancelled
    created_at: str
    chair_person_id: int | None
    announced_on: str | None  # ISO date (local) the conclusions were announced
    current_position: int | None  # the speaker being called, counted in the approved speaking order


_COLUMNS = "id, commune_id, meeting_at, place, theme, status, created_at, chair_person_id, announced_on, current_position"


async def insert(db: aiosqlite.Connection, *, commune_id: str, meeting_at: str, place: str, theme: str | None,
                 chair_person_id: int) -> int:
    cursor = await db.execute(
        "INSERT INTO dialogues (commune_id, meeting_at, place, theme, status, created_at, chair_person_id)"
        " VALUES (?, ?, ?, ?, 'scheduled', ?, ?)",
        (commune_id, meeting_at, place, theme, utc_now(), chair_person_id),
    )
    return cursor.lastrowid


async def by_id(db: aiosqlite.Connection, dialogue_id: int) -> DialogueRecord | None:
    row = await (await db.execute(f"SELECT {_COLUMNS} FROM dialogues WHERE id = ?", (dialogue_id,))).fetchone()
    return DialogueRecord(*row) if row else None


async def current(db: aiosqlite.Connection, commune_id: str) -> DialogueRecord | None:
    """The commune's dialogue whose conclusions are not announced yet (planned, or being held)."""
    row = await (
        await db.execute(f"SELECT {_COLUMNS} FROM dialogues WHERE commune_id = ? AND status = 'scheduled'"
                         " ORDER BY meeting_at, id LIMIT 1", (commune_id,))
    ).fetchone()
    return DialogueRecord(*row) if row else None


async def last_held(db: aiosqlite.Connection, commune_id: str) -> DialogueRecord | None:
    row = await (
        await db.execute(f"SELECT {_COLUMNS} FROM dialogues WHERE commune_id = ? AND status = 'held'"
                         " ORDER BY meeting_at DESC, id DESC LIMIT 1", (commune_id,))
    ).fetchone()
    return DialogueRecord(*row) if row else None


async def not_cancelled(db: aiosqlite.Connection, commune_id: str) -> list[DialogueRecord]:
    rows = await (
        await db.execute(f"SELECT {_COLUMNS} FROM dialogues WHERE commune_id = ? AND status != 'cancelled'"
                         " ORDER BY meeting_at, id", (commune_id,))
    ).fetchall()
    return [DialogueRecord(*r) for r in rows]


async def update_plan(db: aiosqlite.Connection, dialogue_id: int, *, meeting_at: str, place: str, theme: str | None,
                      chair_person_id: int) -> None:
    await db.execute("UPDATE dialogues SET meeting_at = ?, place = ?, theme = ?, chair_person_id = ? WHERE id = ?",
                     (meeting_at, place, theme, chair_person_id, dialogue_id))


async def cancel(db: aiosqlite.Connection, dialogue_id: int) -> bool:
    cursor = await db.execute("UPDATE dialogues SET status = 'cancelled' WHERE id = ? AND status = 'scheduled'", (dialogue_id,))
    return cursor.rowcount == 1


async def mark_announced(db: aiosqlite.Connection, dialogue_id: int, announced_on: str) -> bool:
    """The conclusions are public: the dialogue is held. Only once."""
    cursor = await db.execute(
        "UPDATE dialogues SET status = 'held', announced_on = ? WHERE id = ? AND status = 'scheduled' AND announced_on IS NULL",
        (announced_on, dialogue_id),
    )
    return cursor.rowcount == 1


async def move_position(db: aiosqlite.Connection, dialogue_id: int, expected: int | None, position: int) -> bool:
    """Move the meeting to another speaker, only if nobody moved it meanwhile."""
    cursor = await db.execute(
        "UPDATE dialogues SET current_position = ? WHERE id = ? AND status = 'scheduled' AND COALESCE(current_position, 0) = ?",
        (position, dialogue_id, expected or 0),
    )
    return cursor.rowcount == 1


# --- what joins a dialogue ----------------------------------------------------------------------

@dataclass(frozen=True)
class Joined:
    """A resident's registration or concern that joined (or left) a dialogue."""

    resident_id: int
    code: str
    speaking: bool  # a registration to speak (else a concern on the agenda)


async def attach_waiting(db: aiosqlite.Connection, commune_id: str, dialogue_id: int) -> list[Joined]:
    """Wishes to speak kept on file and accepted concerns not on any dialogue join this one."""
    registrations = await (
        await db.execute(
            "SELECT s.id, s.resident_id, c.code FROM speaker_registrations s JOIN concerns c ON c.id = s.concern_id"
            " WHERE s.commune_id = ? AND s.dialogue_id IS NULL AND s.status = 'registered' ORDER BY s.registered_at, s.id",
            (commune_id,),
        )
    ).fetchall()
    accepted = await (
        await db.execute(
            "SELECT id, resident_id, code FROM concerns WHERE commune_id = ? AND dialogue_id IS NULL AND status = 'accepted'"
            " ORDER BY submitted_at, id",
            (commune_id,),
        )
    ).fetchall()
    await db.executemany("UPDATE speaker_registrations SET dialogue_id = ? WHERE id = ?", [(dialogue_id, r[0]) for r in registrations])
    await db.executemany("UPDATE concerns SET dialogue_id = ? WHERE id = ?", [(dialogue_id, r[0]) for r in accepted])
    return [Joined(r[1], r[2], True) for r in registrations] + [Joined(r[1], r[2], False) for r in accepted]


AGENDA_OF = "SELECT resident_id, code FROM concerns WHERE dialogue_id = ? AND status = 'accepted' ORDER BY submitted_at, id"
AGENDA_CONCLUDED = ("SELECT id FROM concerns WHERE dialogue_id = ? AND conclusion IS NOT NULL AND status != 'merged'"
                    " ORDER BY submitted_at, id")
AGENDA_OPEN = ("SELECT id FROM concerns WHERE commune_id = ? AND status = 'accepted' AND conclusion IS NULL"
               " AND (dialogue_id = ? OR (dialogue_id IS NULL AND submitted_at < ?)) ORDER BY submitted_at, id")


async def concerned(db: aiosqlite.Connection, dialogue_id: int) -> list[Joined]:
    """Who is waiting for this dialogue: live speakers and the residents of the concerns on its agenda."""
    registrations = await (
        await db.execute(
            "SELECT s.resident_id, c.code FROM speaker_registrations s JOIN concerns c ON c.id = s.concern_id"
            " WHERE s.dialogue_id = ? AND s.status = 'registered' ORDER BY s.registered_at, s.id",
            (dialogue_id,),
        )
    ).fetchall()
    agenda = await (await db.execute(AGENDA_OF, (dialogue_id,))).fetchall()
    return [Joined(r[0], r[1], True) for r in registrations] + [Joined(r[0], r[1], False) for r in agenda]


async def detach(db: aiosqlite.Connection, dialogue_id: int) -> None:
    """A cancelled dialogue: its live registrations and open agenda go back on file for the next one,
    to be reviewed afresh."""
    await db.execute(
        "UPDATE speaker_registrations SET dialogue_id = NULL, review = 'pending', decline_reason = NULL, position = NULL,"
        " called_at = NULL WHERE dialogue_id = ? AND status = 'registered'",
        (dialogue_id,),
    )
    await db.execute("UPDATE concerns SET dialogue_id = NULL WHERE dialogue_id = ? AND status = 'accepted' AND conclusion IS NULL",
                     (dialogue_id,))


# --- the agenda and its conclusions ---------------------------------------------------------------

async def agenda_ids(db: aiosqlite.Connection, dialogue: DialogueRecord, *, concluded: bool) -> list[int]:
    """Ids of the concerns on a dialogue's agenda, oldest first.

    Open (concluded=False): accepted and not concluded, attached to the dialogue or accepted
    meanwhile for no dialogue but sent before the meeting began. Concluded: those with a conclusion."""
    if concluded:
        sql, params = AGENDA_CONCLUDED, (dialogue.id,)
    else:
        sql, params = AGENDA_OPEN, (dialogue.commune_id, dialogue.id, dialogue.meeting_at)
    return [r[0] for r in await (await db.execute(sql, params)).fetchall()]


async def resident_name(db: aiosqlite.Connection, person_id: int) -> str | None:
    row = await (
        await db.execute("SELECT COALESCE(r.display_name, p.display_name) FROM people p"
                         " LEFT JOIN residents r ON r.person_id = p.id WHERE p.id = ?", (person_id,))
    ).fetchone()
    return row[0] if row else None


async def person_name(db: aiosqlite.Connection, person_id: int) -> str | None:
    row = await (
        await db.execute("SELECT COALESCE(p.display_name, r.display_name) FROM people p"
                         " LEFT JOIN residents r ON r.person_id = p.id WHERE p.id = ?", (person_id,))
    ).fetchone()
    return row[0] if row else None
