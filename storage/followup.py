"""After the meeting (issue 11): the chair's confirmation of conclusions, referrals awaiting an answer, and the
MTTQ's supervision notes with their acknowledgements."""

from __future__ import annotations

from dataclasses import dataclass

import aiosqlite

from storage.database import utc_now


async def set_conclusion_meta(db: aiosqlite.Connection, concern_id: int, *, by: int, confirmed: bool,
                              referred_to: str | None) -> None:
    await db.execute("UPDATE concerns SET conclusion_by = ?, conclusion_confirmed_at = ?, referred_to = ? WHERE id = ?",
                     (by, utc_now() if confirmed else None, referred_to, concern_id))


@dataclass(frozen=True)
class PendingConclusion:
    id: int
    code: str
    conclusion: str
    text: str | None
    referred_to: str | None
    body: str | None  # the assigned officer's body


async def unconfirmed(db: aiosqlite.Connection, dialogue_id: int) -> list[PendingConclusion]:
    rows = await (await db.execute(
        "SELECT c.id, c.code, c.conclusion, c.conclusion_text, c.referred_to, a.body FROM concerns c"
        " LEFT JOIN assignments a ON a.concern_id = c.id AND a.ended_at IS NULL"
        " WHERE c.dialogue_id = ? AND c.conclusion IS NOT NULL AND c.conclusion_confirmed_at IS NULL ORDER BY c.id",
        (dialogue_id,))).fetchall()
    return [PendingConclusion(*row) for row in rows]


async def confirm(db: aiosqlite.Connection, concern_ids: list[int]) -> None:
    now = utc_now()
    await db.executemany("UPDATE concerns SET conclusion_confirmed_at = ? WHERE id = ? AND conclusion_confirmed_at IS NULL",
                         [(now, concern_id) for concern_id in concern_ids])


async def referred_to(db: aiosqlite.Connection, concern_id: int) -> str | None:
    row = await (await db.execute("SELECT referred_to FROM concerns WHERE id = ?", (concern_id,))).fetchone()
    return row[0] if row else None


@dataclass(frozen=True)
class Referral:
    id: int
    code: str
    referred_to: str
    announced_on: str | None


async def waiting_referrals(db: aiosqlite.Connection, commune_id: str) -> list[Referral]:
    """Referred concerns whose answer is not recorded yet, oldest announcement first."""
    rows = await (await db.execute(
        "SELECT c.id, c.code, c.referred_to, d.announced_on FROM concerns c LEFT JOIN dialogues d ON d.id = c.dialogue_id"
        " WHERE c.commune_id = ? AND c.status = 'referred' ORDER BY d.announced_on IS NULL, d.announced_on, c.code",
        (commune_id,))).fetchall()
    return [Referral(*row) for row in rows]


async def reminded_on(db: aiosqlite.Connection, commune_id: str, day: str) -> bool:
    row = await (await db.execute(
        "SELECT 1 FROM audit_log WHERE commune_id = ? AND action = 'referral.reminded' AND json_extract(details, '$.on_day') = ?",
        (commune_id, day))).fetchone()
    return row is not None


async def record_referral_answer(db: aiosqlite.Connection, concern_id: int, answer: str) -> None:
    await db.execute("UPDATE concerns SET referral_answer = ?, referral_answered_at = ? WHERE id = ?",
                     (answer, utc_now(), concern_id))


async def rate(db: aiosqlite.Connection, concern_id: int, stars: int) -> None:
    await db.execute("UPDATE concerns SET satisfaction = ? WHERE id = ?", (stars, concern_id))


async def rating(db: aiosqlite.Connection, concern_id: int) -> int | None:
    row = await (await db.execute("SELECT satisfaction FROM concerns WHERE id = ?", (concern_id,))).fetchone()
    return row[0] if row else None


async def toggle_follower(db: aiosqlite.Connection, commune_id: str, person_id: int) -> bool:
    """Start or stop following the results; True when now following."""
    cursor = await db.execute("DELETE FROM result_followers WHERE commune_id = ? AND person_id = ?", (commune_id, person_id))
    if cursor.rowcount:
        return False
    await db.execute("INSERT INTO result_followers (commune_id, person_id, since) VALUES (?, ?, ?)",
                     (commune_id, person_id, utc_now()))
    return True


async def followers(db: aiosqlite.Connection, commune_id: str) -> list[int]:
    """Chairs following the results, while they still hold the role."""
    rows = await (await db.execute(
        "SELECT f.person_id FROM result_followers f JOIN roles r ON r.person_id = f.person_id AND r.commune_id = f.commune_id"
        " AND r.role = 'chair' AND r.revoked_at IS NULL WHERE f.commune_id = ? ORDER BY f.person_id", (commune_id,))).fetchall()
    return [row[0] for row in rows]


async def is_offline(db: aiosqlite.Connection, person_id: int) -> bool:
    row = await (await db.execute("SELECT channel FROM people WHERE id = ?", (person_id,))).fetchone()
    return bool(row) and row[0] == "offline"


async def answer_given(db: aiosqlite.Connection, concern_id: int) -> str | None:
    """The written result, the referred body's answer, or the answer given at the meeting."""
    row = await (await db.execute(
        "SELECT COALESCE((SELECT result FROM assignments WHERE concern_id = c.id AND resolved_at IS NOT NULL"
        " ORDER BY id DESC LIMIT 1), c.referral_answer, c.conclusion_text) FROM concerns c WHERE c.id = ?",
        (concern_id,))).fetchone()
    return row[0] if row else None


async def live_officer(db: aiosqlite.Connection, concern_id: int) -> int | None:
    row = await (await db.execute("SELECT officer_person_id FROM assignments WHERE concern_id = ? AND ended_at IS NULL",
                                  (concern_id,))).fetchone()
    return row[0] if row else None


# --- supervision notes --------------------------------------------------------------------------

@dataclass(frozen=True)
class Note:
    id: int
    concern_code: str | None
    dialogue_meeting_at: str | None
    author_name: str | None
    text: str
    created_at: str
    acknowledged_by: tuple[str, ...]  # roles: office, chair


async def add_note(db: aiosqlite.Connection, *, commune_id: str, concern_id: int | None, dialogue_id: int | None,
                   author: int, text: str) -> int:
    cursor = await db.execute(
        "INSERT INTO supervision_notes (commune_id, concern_id, dialogue_id, author_person_id, text, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?)", (commune_id, concern_id, dialogue_id, author, text, utc_now()))
    return cursor.lastrowid


async def acknowledge(db: aiosqlite.Connection, note_id: int, role: str, person_id: int) -> bool:
    cursor = await db.execute("INSERT OR IGNORE INTO supervision_acks (note_id, role, person_id, at) VALUES (?, ?, ?, ?)",
                              (note_id, role, person_id, utc_now()))
    return cursor.rowcount == 1


async def notes(db: aiosqlite.Connection, commune_id: str, *, unacknowledged_only: bool = False,
                note_id: int | None = None) -> list[Note]:
    """Notes of the commune with the roles that acknowledged each, in one query."""
    where, params = ["n.commune_id = ?"], [commune_id]
    if note_id is not None:
        where.append("n.id = ?")
        params.append(note_id)
    having = " HAVING COUNT(DISTINCT k.role) < 2" if unacknowledged_only else ""
    rows = await (await db.execute(
        "SELECT n.id, c.code, d.meeting_at, p.display_name, n.text, n.created_at, GROUP_CONCAT(DISTINCT k.role)"
        " FROM supervision_notes n LEFT JOIN concerns c ON c.id = n.concern_id"
        " LEFT JOIN dialogues d ON d.id = n.dialogue_id LEFT JOIN people p ON p.id = n.author_person_id"
        " LEFT JOIN supervision_acks k ON k.note_id = n.id"
        f" WHERE {' AND '.join(where)} GROUP BY n.id{having} ORDER BY n.id", params)).fetchall()
    return [Note(*row[:6], acknowledged_by=tuple(sorted((row[6] or "").split(",") if row[6] else ()))) for row in rows]
