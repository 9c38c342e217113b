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


_COLUMNS = (
    "SELECT c.code, c.dialogue_id, c.hamlet_id, c.category, c.status,"
    "       CASE WHEN c.text_public = 1 THEN c.body END,"
    "       c.conclusion, c.conclusion_text,"
    "       COALESCE(a.extended_to, a.due_date), a.extended_to IS NOT NULL, a.resolved_at, a.result,"
    "       EXISTS (SELECT 1 FROM audit_log l WHERE l.subject_type = 'concern' AND l.subject_id = c.id"
    "               AND l.action = 'concern.satisfied')"
    " FROM concerns c"
    " LEFT JOIN assignments a ON a.id = (SELECT MAX(id) FROM assignments WHERE concern_id = c.id)")
_SCREENED_IN = "c.status NOT IN ('submitted', 'rejected', 'out_of_scope')"

# One page of a dialogue's concerns, in submission order (bound: commune, dialogue, limit, offset).
DIALOGUE_PAGE = (_COLUMNS + " WHERE c.commune_id = ? AND c.dialogue_id = ? AND " + _SCREENED_IN
                 + " ORDER BY c.submitted_at, c.id LIMIT ? OFFSET ?")
# One page of the accepted concerns not on a dialogue yet (bound: commune, limit, offset).
WAITING_PAGE = (_COLUMNS + " WHERE c.commune_id = ? AND c.dialogue_id IS NULL AND c.status = 'accepted'"
                " ORDER BY c.submitted_at, c.id LIMIT ? OFFSET ?")
WAITING_COUNT = "SELECT COUNT(*) FROM concerns c WHERE c.commune_id = ? AND c.dialogue_id IS NULL AND c.status = 'accepted'"

# The board's figures per dialogue, counted as bot.board.figures_of counts them (bound: the local-day
# offset as an SQLite modifier such as '+420 minutes', today's local date, the commune). A concern's
# figures come from its latest assignment: the due date in force (extended or not), and the local day
# it was resolved (resolved_at is UTC; the offset turns it into the local day: a zone with a fixed offset).
FIGURES_BY_DIALOGUE = """
WITH board AS (
    SELECT c.dialogue_id, c.conclusion,
           COALESCE(a.extended_to, a.due_date) AS due, a.extended_to IS NOT NULL AS extended,
           CASE WHEN a.resolved_at IS NOT NULL THEN date(a.resolved_at, ?1) END AS resolved
    FROM concerns c
    LEFT JOIN assignments a ON a.id = (SELECT MAX(id) FROM assignments WHERE concern_id = c.id)
    WHERE c.commune_id = ?3 AND c.dialogue_id IS NOT NULL AND c.status NOT IN ('submitted', 'rejected', 'out_of_scope'))
SELECT dialogue_id, COUNT(*), SUM(conclusion = 'answered'), SUM(conclusion = 'assigned'),
       SUM(due IS NOT NULL AND resolved IS NOT NULL AND resolved <= due AND NOT extended),
       SUM(extended),
       SUM(due IS NOT NULL AND ((resolved IS NULL AND ?2 > due) OR (resolved IS NOT NULL AND resolved > due)))
FROM board GROUP BY dialogue_id"""
# The concerns residents said they were satisfied with, per dialogue: read from the few audit rows that
# say so (index audit_satisfied), not by looking up every concern's audit trail (bound: the commune).
SATISFIED_BY_DIALOGUE = (
    "SELECT c.dialogue_id, COUNT(DISTINCT c.id) FROM audit_log l JOIN concerns c ON c.id = l.subject_id"
    " WHERE l.action = 'concern.satisfied' AND l.subject_type = 'concern'"
    " AND c.commune_id = ? AND c.dialogue_id IS NOT NULL AND " + _SCREENED_IN + " GROUP BY c.dialogue_id")


@dataclass(frozen=True)
class Counts:
    """A dialogue's figures as counted in SQL: see FIGURES_BY_DIALOGUE."""
    received: int
    answered: int
    assigned: int
    on_time: int
    extended: int
    overdue: int
    satisfied: int


def _concern(row) -> PublicConcern:
    return PublicConcern(*row[:9], bool(row[9]), row[10], row[11], bool(row[12]))


async def concerns(db: aiosqlite.Connection, commune_id: str) -> list[PublicConcern]:
    """The commune's concerns that reached a dialogue or are waiting for one (screened in), all of them:
    only for a zone whose local day SQL cannot compute (see bot.board), and for tests."""
    rows = await (await db.execute(
        _COLUMNS + " WHERE c.commune_id = ? AND " + _SCREENED_IN + " ORDER BY c.submitted_at, c.id",
        (commune_id,))).fetchall()
    return [_concern(row) for row in rows]


async def figures_by_dialogue(db: aiosqlite.Connection, commune_id: str, today: str, offset: str) -> dict[int, Counts]:
    """Each dialogue's figures (dialogues without a concern are absent); `offset` an SQLite modifier
    ('+420 minutes') from UTC to the local day, `today` the local date (ISO)."""
    rows = await (await db.execute(FIGURES_BY_DIALOGUE, (offset, today, commune_id))).fetchall()
    satisfied = dict(await (await db.execute(SATISFIED_BY_DIALOGUE, (commune_id,))).fetchall())
    return {row[0]: Counts(*(int(value or 0) for value in row[1:]), satisfied=satisfied.get(row[0], 0)) for row in rows}


async def dialogue_page(db: aiosqlite.Connection, commune_id: str, dialogue_id: int, limit: int,
                        offset: int) -> list[PublicConcern]:
    rows = await (await db.execute(DIALOGUE_PAGE, (commune_id, dialogue_id, limit, offset))).fetchall()
    return [_concern(row) for row in rows]


async def waiting_count(db: aiosqlite.Connection, commune_id: str) -> int:
    return (await (await db.execute(WAITING_COUNT, (commune_id,))).fetchone())[0]


async def waiting_page(db: aiosqlite.Connection, commune_id: str, limit: int, offset: int) -> list[PublicConcern]:
    rows = await (await db.execute(WAITING_PAGE, (commune_id, limit, offset))).fetchall()
    return [_concern(row) for row in rows]


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
