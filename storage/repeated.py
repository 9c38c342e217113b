"""Concerns raised again and again (issue 10): supporters, earlier rounds of a concern, the review before a
dialogue, proposed directions, promises made at a meeting, a hamlet's list, anonymous petition attempts."""

from __future__ import annotations

from dataclasses import dataclass

import aiosqlite

from storage.database import utc_now


@dataclass(frozen=True)
class ReviewRow:
    code: str
    category: str
    hamlet_id: str
    body: str
    status: str
    submitted_at: str
    raised_count: int
    residents: int
    dialogues: int
    proposed_direction: str | None
    promise_due: str | None  # ISO date of the earliest promise not done
    due: str | None  # ISO date in force of the live assignment


@dataclass(frozen=True)
class EarlierRound:
    dialogue_id: int | None
    status: str
    conclusion: str | None
    conclusion_text: str | None
    raised_again_at: str


@dataclass(frozen=True)
class Promise:
    id: int
    concern_id: int
    code: str
    promise: str
    due_date: str
    made_by: int | None


@dataclass(frozen=True)
class HamletRow:
    code: str
    category: str
    body: str
    status: str
    submitted_at: str
    raised_count: int


# --- supporters -------------------------------------------------------------------------------

SUPPORTER = "SELECT 1 FROM concern_supporters WHERE concern_id = ? AND resident_id = ?"


async def is_supporter(db: aiosqlite.Connection, concern_id: int, resident_id: int) -> bool:
    return await (await db.execute(SUPPORTER, (concern_id, resident_id))).fetchone() is not None


async def add_supporter(db: aiosqlite.Connection, concern_id: int, resident_id: int) -> bool:
    cursor = await db.execute("INSERT OR IGNORE INTO concern_supporters (concern_id, resident_id, supported_at)"
                              " VALUES (?, ?, ?)", (concern_id, resident_id, utc_now()))
    return cursor.rowcount > 0


# The concerns a resident follows without being their sender: supported, or theirs merged into it.
FOLLOWED_BY = (
    "SELECT concern_id FROM concern_supporters WHERE resident_id = ?"
    " UNION SELECT duplicate_of FROM concerns WHERE resident_id = ? AND status = 'merged' AND duplicate_of IS NOT NULL"
)


FOLLOWS = (
    "SELECT 1 FROM concern_supporters WHERE concern_id = ? AND resident_id = ?"
    " UNION ALL SELECT 1 FROM concerns WHERE duplicate_of = ? AND resident_id = ? AND status = 'merged' LIMIT 1"
)


async def follows(db: aiosqlite.Connection, concern_id: int, resident_id: int) -> bool:
    """Does the resident follow this concern without having sent it (supported, or theirs merged into it)?"""
    row = await (await db.execute(FOLLOWS, (concern_id, resident_id, concern_id, resident_id))).fetchone()
    return row is not None


async def followed_by(db: aiosqlite.Connection, resident_id: int) -> list[int]:
    rows = await (await db.execute(FOLLOWED_BY, (resident_id, resident_id))).fetchall()
    return [row[0] for row in rows]


# --- earlier rounds ("nêu lại") -----------------------------------------------------------------

async def keep_round(db: aiosqlite.Connection, *, concern_id: int, dialogue_id: int | None, status: str,
                     conclusion: str | None, conclusion_text: str | None) -> None:
    await db.execute("INSERT INTO concern_earlier_rounds (concern_id, dialogue_id, status, conclusion, conclusion_text,"
                     " raised_again_at) VALUES (?, ?, ?, ?, ?, ?)",
                     (concern_id, dialogue_id, status, conclusion, conclusion_text, utc_now()))


EARLIER_ROUNDS = ("SELECT dialogue_id, status, conclusion, conclusion_text, raised_again_at FROM concern_earlier_rounds"
                  " WHERE concern_id = ? ORDER BY id")


async def earlier_rounds(db: aiosqlite.Connection, concern_id: int) -> list[EarlierRound]:
    return [EarlierRound(*row) for row in await (await db.execute(EARLIER_ROUNDS, (concern_id,))).fetchall()]


# --- the review before a dialogue (plan II.3.1) ---------------------------------------------------

# Still followed: an answer is awaited, or it was disputed.
_OPEN = "('submitted', 'accepted', 'assigned', 'in_progress', 'extended', 'disputed')"
_REVIEWED = (
    " FROM concerns c WHERE c.commune_id = ? AND c.status != 'merged' AND (? IS NULL OR c.category = ?)"
    " AND (? IS NULL OR c.hamlet_id = ?)"
    f" AND (c.raised_count > 1 OR c.status IN {_OPEN}"
    " OR EXISTS (SELECT 1 FROM concern_promises p WHERE p.concern_id = c.id AND p.done_at IS NULL))"
)
REVIEW_COUNT = "SELECT COUNT(*)" + _REVIEWED
# Worst first: times raised, residents concerned, dialogues it came to, then the oldest.
REVIEW_PAGE = (
    "SELECT c.code, c.category, c.hamlet_id, c.body, c.status, c.submitted_at, c.raised_count,"
    " 1 + (SELECT COUNT(*) FROM concern_supporters s WHERE s.concern_id = c.id AND s.resident_id != c.resident_id)"
    " + (SELECT COUNT(DISTINCT m.resident_id) FROM concerns m WHERE m.duplicate_of = c.id AND m.status = 'merged'"
    " AND m.resident_id != c.resident_id"
    " AND m.resident_id NOT IN (SELECT s.resident_id FROM concern_supporters s WHERE s.concern_id = c.id)) AS residents,"
    " (c.dialogue_id IS NOT NULL) + (SELECT COUNT(DISTINCT e.dialogue_id) FROM concern_earlier_rounds e"
    " WHERE e.concern_id = c.id AND e.dialogue_id IS NOT c.dialogue_id) AS dialogues,"
    " c.proposed_direction,"
    " (SELECT MIN(p.due_date) FROM concern_promises p WHERE p.concern_id = c.id AND p.done_at IS NULL),"
    " (SELECT COALESCE(a.extended_to, a.due_date) FROM assignments a WHERE a.concern_id = c.id AND a.ended_at IS NULL"
    " ORDER BY a.id DESC LIMIT 1)"
    + _REVIEWED +
    " ORDER BY c.raised_count DESC, residents DESC, dialogues DESC, c.submitted_at, c.id LIMIT ? OFFSET ?"
)


async def count_review(db: aiosqlite.Connection, commune_id: str, *, topic: str | None, hamlet_id: str | None) -> int:
    row = await (await db.execute(REVIEW_COUNT, (commune_id, topic, topic, hamlet_id, hamlet_id))).fetchone()
    return row[0]


async def review(db: aiosqlite.Connection, commune_id: str, *, topic: str | None, hamlet_id: str | None,
                 limit: int, offset: int) -> list[ReviewRow]:
    rows = await (await db.execute(REVIEW_PAGE, (commune_id, topic, topic, hamlet_id, hamlet_id, limit, offset))).fetchall()
    return [ReviewRow(*row) for row in rows]


async def set_direction(db: aiosqlite.Connection, concern_id: int, direction: str | None) -> None:
    await db.execute("UPDATE concerns SET proposed_direction = ?, updated_at = ? WHERE id = ?",
                     (direction, utc_now(), concern_id))


async def direction_of(db: aiosqlite.Connection, concern_id: int) -> str | None:
    row = await (await db.execute("SELECT proposed_direction FROM concerns WHERE id = ?", (concern_id,))).fetchone()
    return row[0] if row else None


# --- promises made at the meeting ------------------------------------------------------------------

async def add_promise(db: aiosqlite.Connection, *, concern_id: int, commune_id: str, promise: str, due_date: str,
                      made_by: int | None) -> int:
    cursor = await db.execute(
        "INSERT INTO concern_promises (concern_id, commune_id, promise, due_date, made_by, made_at) VALUES (?, ?, ?, ?, ?, ?)",
        (concern_id, commune_id, promise, due_date, made_by, utc_now()))
    return cursor.lastrowid


OPEN_PROMISES_OF = ("SELECT p.id, p.concern_id, c.code, p.promise, p.due_date, p.made_by FROM concern_promises p"
                    " JOIN concerns c ON c.id = p.concern_id WHERE p.concern_id = ? AND p.done_at IS NULL ORDER BY p.id")
# The promises not done by a day (or earlier), for the day's reminders.
PROMISES_DUE_BY = ("SELECT p.id, p.concern_id, c.code, p.promise, p.due_date, p.made_by FROM concern_promises p"
                   " JOIN concerns c ON c.id = p.concern_id WHERE p.commune_id = ? AND p.done_at IS NULL"
                   " AND p.due_date <= ? ORDER BY p.due_date, p.id")


async def open_promises_of(db: aiosqlite.Connection, concern_id: int) -> list[Promise]:
    return [Promise(*row) for row in await (await db.execute(OPEN_PROMISES_OF, (concern_id,))).fetchall()]


async def promises_due_by(db: aiosqlite.Connection, commune_id: str, day_iso: str) -> list[Promise]:
    return [Promise(*row) for row in await (await db.execute(PROMISES_DUE_BY, (commune_id, day_iso))).fetchall()]


async def mark_reminded(db: aiosqlite.Connection, promise_ids: list[int], on_day: str) -> None:
    await db.executemany("UPDATE concern_promises SET reminded_on = ? WHERE id = ?", [(on_day, i) for i in promise_ids])


# Promises due by a day and not reminded that day yet.
PROMISES_TO_REMIND = ("SELECT p.id, p.concern_id, c.code, p.promise, p.due_date, p.made_by FROM concern_promises p"
                      " JOIN concerns c ON c.id = p.concern_id WHERE p.commune_id = ? AND p.done_at IS NULL"
                      " AND p.due_date <= ? AND (p.reminded_on IS NULL OR p.reminded_on != ?) ORDER BY p.due_date, p.id")


async def promises_to_remind(db: aiosqlite.Connection, commune_id: str, by_day: str, on_day: str) -> list[Promise]:
    rows = await (await db.execute(PROMISES_TO_REMIND, (commune_id, by_day, on_day))).fetchall()
    return [Promise(*row) for row in rows]


async def promise_done(db: aiosqlite.Connection, promise_id: int) -> bool:
    cursor = await db.execute("UPDATE concern_promises SET done_at = ? WHERE id = ? AND done_at IS NULL",
                              (utc_now(), promise_id))
    return cursor.rowcount > 0


# --- carry-over to the next dialogue ------------------------------------------------------------

# The previous dialogue's items not settled: not raised, or raised and still being resolved or disputed.
UNRESOLVED_OF = (
    "SELECT id, code FROM concerns WHERE dialogue_id = ? AND status != 'merged'"
    " AND (status IN ('accepted', 'assigned', 'in_progress', 'extended', 'disputed')"
    " OR EXISTS (SELECT 1 FROM concern_promises p WHERE p.concern_id = concerns.id AND p.done_at IS NULL))"
    " ORDER BY submitted_at, id"
)


async def unresolved_of(db: aiosqlite.Connection, dialogue_id: int) -> list[tuple[int, str]]:
    return [(row[0], row[1]) for row in await (await db.execute(UNRESOLVED_OF, (dialogue_id,))).fetchall()]


async def move_to_dialogue(db: aiosqlite.Connection, concern_id: int, dialogue_id: int) -> None:
    await db.execute("UPDATE concerns SET dialogue_id = ?, updated_at = ? WHERE id = ?", (dialogue_id, utc_now(), concern_id))


# --- a hamlet's concerns ----------------------------------------------------------------------

HAMLET_COUNT = "SELECT COUNT(*) FROM concerns WHERE commune_id = ? AND hamlet_id = ? AND status != 'merged'"
HAMLET_PAGE = (
    "SELECT code, category, body, status, submitted_at, raised_count FROM concerns"
    " WHERE commune_id = ? AND hamlet_id = ? AND status != 'merged' ORDER BY submitted_at DESC, id DESC LIMIT ? OFFSET ?"
)


async def count_hamlet(db: aiosqlite.Connection, commune_id: str, hamlet_id: str) -> int:
    return (await (await db.execute(HAMLET_COUNT, (commune_id, hamlet_id))).fetchone())[0]


async def hamlet_page(db: aiosqlite.Connection, commune_id: str, hamlet_id: str, *, limit: int, offset: int) -> list[HamletRow]:
    rows = await (await db.execute(HAMLET_PAGE, (commune_id, hamlet_id, limit, offset))).fetchall()
    return [HamletRow(*row) for row in rows]


# --- petition attempts (nothing personal) -------------------------------------------------------

async def count_petition_attempt(db: aiosqlite.Connection, *, commune_id: str, category: str, hamlet_id: str,
                                 on_date: str) -> None:
    await db.execute("INSERT INTO petition_attempts (commune_id, category, hamlet_id, on_date) VALUES (?, ?, ?, ?)",
                     (commune_id, category, hamlet_id, on_date))


PETITION_COUNTS = ("SELECT category, hamlet_id, COUNT(*) FROM petition_attempts WHERE commune_id = ? AND on_date >= ?"
                   " GROUP BY category, hamlet_id ORDER BY COUNT(*) DESC, category, hamlet_id")


async def petition_counts(db: aiosqlite.Connection, commune_id: str, since_iso: str) -> list[tuple[str, str, int]]:
    return [(row[0], row[1], row[2]) for row in await (await db.execute(PETITION_COUNTS, (commune_id, since_iso))).fetchall()]


PREVIOUS_DIALOGUE = ("SELECT id FROM dialogues WHERE commune_id = ? AND status != 'cancelled' AND meeting_at < ?"
                     " ORDER BY meeting_at DESC LIMIT 1")


async def previous_dialogue(db: aiosqlite.Connection, commune_id: str, before_utc: str) -> int | None:
    row = await (await db.execute(PREVIOUS_DIALOGUE, (commune_id, before_utc))).fetchone()
    return row[0] if row else None
