"""What the public board may read: dialogues and their concerns, never a person.

These queries name every column they return and never join people, residents or attachments;
a concern's text leaves the database only when its resident agreed (text_public = 1)."""

from __future__ import annotations

from dataclasses import dataclass

import aiosqlite


@dataclass(frozen=True)
class PublicDialogue:
    id: int
    meeting_at: str  # UTC ISO 8601
    place: str
    theme: str | None
    status: str
    announced_on: str | None


@dataclass(frozen=True)
class PublicConcern:
    code: str
    dialogue_id: int | None
    hamlet_id: str
    category: str
    status: str
    public_text: str | None  # None unless the resident agreed that it may be public
    conclusion: str | None
    conclusion_text: str | None
    due_date: str | None  # the assignment's effective due date (ISO), if any
    extended: bool
    resolved_at: str | None
    result: str | None  # the body's written answer
    satisfied: bool


async def dialogues(db: aiosqlite.Connection, commune_id: str) -> list[PublicDialogue]:
    rows = await (await db.execute(
        "SELECT id, meeting_at, place, theme, status, announced_on FROM dialogues"
        " WHERE commune_id = ? AND status != 'cancelled' ORDER BY meeting_at DESC, id DESC", (commune_id,))).fetchall()
    return [PublicDialogue(*row) for row in rows]


async def concerns(db: aiosqlite.Connection, commune_id: str) -> list[PublicConcern]:
    """The commune's concerns that reached a dialogue or are waiting for one (screened in)."""
    rows = await (await db.execute(
        "SELECT c.code, c.dialogue_id, c.hamlet_id, c.category, c.status,"
        "       CASE WHEN c.text_public = 1 THEN c.body END,"
        "       c.conclusion, c.conclusion_text,"
        "       COALESCE(a.extended_to, a.due_date), a.extended_to IS NOT NULL, a.resolved_at, a.result,"
        "       EXISTS (SELECT 1 FROM audit_log l WHERE l.subject_type = 'concern' AND l.subject_id = c.id"
        "               AND l.action = 'concern.satisfied')"
        " FROM concerns c"
        " LEFT JOIN assignments a ON a.id = (SELECT MAX(id) FROM assignments WHERE concern_id = c.id)"
        " WHERE c.commune_id = ? AND c.status NOT IN ('submitted', 'rejected', 'out_of_scope')"
        " ORDER BY c.submitted_at, c.id", (commune_id,))).fetchall()
    return [PublicConcern(*row[:9], bool(row[9]), row[10], row[11], bool(row[12])) for row in rows]


async def received_count(db: aiosqlite.Connection, commune_id: str) -> int:
    row = await (await db.execute("SELECT COUNT(*) FROM concerns WHERE commune_id = ?", (commune_id,))).fetchone()
    return row[0]


async def resident_identities(db: aiosqlite.Connection, commune_id: str) -> tuple[set[str], set[str]]:
    """Names and phone numbers of the commune's residents, only to blank them out of the texts shown."""
    rows = await (await db.execute(
        "SELECT r.display_name, r.phone, p.display_name FROM residents r JOIN people p ON p.id = r.person_id"
        " WHERE r.commune_id = ?", (commune_id,))).fetchall()
    names = {n for r in rows for n in (r[0], r[2]) if n and len(n.strip()) >= 2}
    phones = {r[1] for r in rows if r[1]}
    return names, phones
