"""Notifications waiting to be sent, written in the transaction of the change they report.

A notice is waiting until it is sent or given up. The sender claims waiting notices (claimed_at)
while it holds them in memory; a process that dies leaves them claimed, and the next start puts
every claimed, unfinished notice back (`release_interrupted`): a notice whose request was on the
wire at the kill may then arrive twice, but none is lost.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import aiosqlite

from storage.database import utc_now


@dataclass(frozen=True)
class Notice:
    id: int
    person_id: int
    channel: str
    external_id: str
    locale: str
    kind: str
    payload: dict
    # Set when the addressee has no phone: the notice goes to the official who entered their
    # concern, to pass on; this is the resident's name.
    on_behalf_of: str | None = None
    attempts: int = 0  # failed attempts so far (a 429 is not one)


@dataclass(frozen=True)
class Outcome:
    """What became of one notice after a try, as the sender records it.

    state: 'sent'; 'retry' (tried again at `next_attempt_at`); 'given_up' (never tried again)."""

    notice_id: int
    state: str
    attempts: int = 0
    failure: str | None = None
    next_attempt_at: str | None = None


# Called (without arguments) whenever a notice is queued in this process: the sender wakes up.
# The sender claims in a write transaction, so it sees the notice once the queuing one commits.
_listeners: list[Callable[[], None]] = []


def add_listener(listener: Callable[[], None]) -> None:
    _listeners.append(listener)


def remove_listener(listener: Callable[[], None]) -> None:
    if listener in _listeners:
        _listeners.remove(listener)


async def enqueue(db: aiosqlite.Connection, person_id: int, kind: str, **payload: object) -> int:
    cursor = await db.execute(
        "INSERT INTO outbox (person_id, kind, payload, created_at) VALUES (?, ?, ?, ?)",
        (person_id, kind, json.dumps(payload, ensure_ascii=False), utc_now()),
    )
    for listener in list(_listeners):
        listener()
    return cursor.lastrowid


# Who actually receives a notice: the addressee, or for a resident without a phone ('offline'),
# the official who entered their latest concern.
_WAITING = """
    SELECT o.id, o.person_id, r.channel, r.external_id, r.locale, o.kind, o.payload,
           CASE WHEN p.channel = 'offline' THEN res.display_name END, o.attempts
    FROM outbox o
    JOIN people p ON p.id = o.person_id
    LEFT JOIN residents res ON res.person_id = p.id
    JOIN people r ON r.id = CASE WHEN p.channel = 'offline' THEN (
        SELECT c.entered_by FROM concerns c WHERE c.resident_id = p.id AND c.entered_by IS NOT NULL
        ORDER BY c.id DESC LIMIT 1) ELSE p.id END
    WHERE o.claimed_at IS NULL AND o.sent_at IS NULL AND o.given_up_at IS NULL
      AND (o.next_attempt_at IS NULL OR o.next_attempt_at <= ?)
      AND r.channel = ? AND p.forgotten_at IS NULL AND r.forgotten_at IS NULL
"""


def _notice(row) -> Notice:
    return Notice(row[0], row[1], row[2], row[3], row[4], row[5], json.loads(row[6]), row[7], row[8])


async def any_waiting(db: aiosqlite.Connection, channel: str) -> bool:
    row = await (await db.execute(_WAITING + " LIMIT 1", (utc_now(), channel))).fetchone()
    return row is not None


async def claim(db: aiosqlite.Connection, channel: str, limit: int = 500) -> list[Notice]:
    """Claim waiting notices for one channel, oldest first, for this process to send."""
    rows = await (await db.execute(_WAITING + " ORDER BY o.id LIMIT ?", (utc_now(), channel, limit))).fetchall()
    if rows:
        now = utc_now()
        await db.executemany("UPDATE outbox SET claimed_at = ? WHERE id = ?", [(now, r[0]) for r in rows])
    return [_notice(r) for r in rows]


async def record(db: aiosqlite.Connection, outcomes: Iterable[Outcome]) -> None:
    """Write many outcomes at once (the sender calls this with everything finished meanwhile)."""
    now = utc_now()
    sent, retried, given_up = [], [], []
    for outcome in outcomes:
        if outcome.state == "sent":
            sent.append((now, outcome.notice_id))
        elif outcome.state == "retry":
            retried.append((outcome.attempts, (outcome.failure or "")[:500], outcome.next_attempt_at, outcome.notice_id))
        else:
            given_up.append((now, outcome.attempts, (outcome.failure or "")[:500], outcome.notice_id))
    if sent:
        await db.executemany("UPDATE outbox SET sent_at = ? WHERE id = ?", sent)
    if retried:
        await db.executemany("UPDATE outbox SET attempts = ?, failure = ?, next_attempt_at = ? WHERE id = ?", retried)
    if given_up:
        await db.executemany("UPDATE outbox SET given_up_at = ?, attempts = ?, failure = ? WHERE id = ?", given_up)


async def release_interrupted(db: aiosqlite.Connection) -> int:
    """At start: every notice claimed by a process that stopped before finishing it waits again."""
    cursor = await db.execute(
        "UPDATE outbox SET claimed_at = NULL"
        " WHERE sent_at IS NULL AND given_up_at IS NULL AND claimed_at IS NOT NULL"
    )
    return cursor.rowcount


async def residents_hamlet_heads(db: aiosqlite.Connection, person_id: int) -> tuple[dict, list[int]] | None:
    """For a resident: who they are (name, commune, hamlet) and the heads of their hamlet; else None."""
    row = await (await db.execute(
        "SELECT display_name, commune_id, hamlet_id FROM residents WHERE person_id = ?", (person_id,))).fetchone()
    if row is None:
        return None
    heads = await (await db.execute(
        "SELECT DISTINCT person_id FROM roles WHERE role = 'hamlet_head' AND commune_id = ? AND hamlet_id = ?"
        " AND revoked_at IS NULL AND person_id != ? ORDER BY person_id", (row[1], row[2], person_id))).fetchall()
    return {"name": row[0], "commune": row[1], "hamlet": row[2]}, [h[0] for h in heads]


async def mark_passed(db: aiosqlite.Connection, notice_id: int, head_person_id: int) -> None:
    await db.execute("UPDATE outbox SET passed_to = ? WHERE id = ?", (head_person_id, notice_id))


@dataclass(frozen=True)
class GivenUp:
    """A notice that could not be delivered, as the office lists it."""

    id: int
    kind: str
    payload: dict
    given_up_at: str
    failure: str
    name: str | None
    hamlet_id: str | None
    passed_to_name: str | None
    passed: bool


_GIVEN_UP = """
    FROM outbox o
    JOIN people p ON p.id = o.person_id
    LEFT JOIN residents res ON res.person_id = p.id
    LEFT JOIN people h ON h.id = o.passed_to
    WHERE o.given_up_at IS NOT NULL AND p.forgotten_at IS NULL
      AND (res.commune_id = :commune OR EXISTS (
          SELECT 1 FROM roles ro WHERE ro.person_id = p.id AND ro.commune_id = :commune))
"""


async def given_up(db: aiosqlite.Connection, commune_id: str, limit: int = 20) -> tuple[int, list[GivenUp]]:
    """How many notices of the commune's people were given up, and the newest `limit` of them."""
    total = (await (await db.execute("SELECT COUNT(*) " + _GIVEN_UP, {"commune": commune_id})).fetchone())[0]
    rows = await (await db.execute(
        "SELECT o.id, o.kind, o.payload, o.given_up_at, COALESCE(o.failure, ''),"
        " COALESCE(res.display_name, p.display_name), res.hamlet_id, h.display_name, o.passed_to IS NOT NULL "
        + _GIVEN_UP + " ORDER BY o.given_up_at DESC, o.id DESC LIMIT :limit",
        {"commune": commune_id, "limit": limit})).fetchall()
    return total, [GivenUp(r[0], r[1], json.loads(r[2]), r[3], r[4], r[5], r[6], r[7], bool(r[8])) for r in rows]
