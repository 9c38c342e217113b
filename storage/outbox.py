"""Notifications waiting to be sent, written in the transaction of the change they report."""

from __future__ import annotations

import json
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


# Set when this process queues a notice; the dispatcher skips the database while it is clear.
# Notices queued by another process (the server's command line) are found by the periodic job.
_queued_since_last_look = True


def maybe_pending() -> bool:
    return _queued_since_last_look


def looked(more_waiting: bool = False) -> None:
    global _queued_since_last_look
    _queued_since_last_look = more_waiting


async def enqueue(db: aiosqlite.Connection, person_id: int, kind: str, **payload: object) -> int:
    global _queued_since_last_look
    _queued_since_last_look = True
    cursor = await db.execute(
        "INSERT INTO outbox (person_id, kind, payload, created_at) VALUES (?, ?, ?, ?)",
        (person_id, kind, json.dumps(payload, ensure_ascii=False), utc_now()),
    )
    return cursor.lastrowid


# Who actually receives a notice: the addressee, or for a resident without a phone ('offline'),
# the official who entered their latest concern.
_RECIPIENTS = """
    SELECT o.id, o.person_id, r.channel, r.external_id, r.locale, o.kind, o.payload,
           CASE WHEN p.channel = 'offline' THEN res.display_name END
    FROM outbox o
    JOIN people p ON p.id = o.person_id
    LEFT JOIN residents res ON res.person_id = p.id
    JOIN people r ON r.id = CASE WHEN p.channel = 'offline' THEN (
        SELECT c.entered_by FROM concerns c WHERE c.resident_id = p.id AND c.entered_by IS NOT NULL
        ORDER BY c.id DESC LIMIT 1) ELSE p.id END
    WHERE o.claimed_at IS NULL AND r.channel = ? AND p.forgotten_at IS NULL AND r.forgotten_at IS NULL
"""


async def any_unclaimed(db: aiosqlite.Connection, channel: str) -> bool:
    row = await (await db.execute(f"SELECT 1 FROM ({_RECIPIENTS}) LIMIT 1", (channel,))).fetchone()
    return row is not None


async def claim(db: aiosqlite.Connection, channel: str, limit: int = 50) -> list[Notice]:
    """Claim unsent notices for one channel. Claimed rows are never claimed again, even after a crash."""
    rows = await (await db.execute(_RECIPIENTS + " ORDER BY o.id LIMIT ?", (channel, limit))).fetchall()
    if rows:
        now = utc_now()
        await db.executemany("UPDATE outbox SET claimed_at = ? WHERE id = ?", [(now, r[0]) for r in rows])
    return [Notice(*r[:6], json.loads(r[6]), r[7]) for r in rows]


async def mark_sent(db: aiosqlite.Connection, notice_id: int) -> None:
    await db.execute("UPDATE outbox SET sent_at = ? WHERE id = ?", (utc_now(), notice_id))


async def mark_failed(db: aiosqlite.Connection, notice_id: int, failure: str) -> None:
    await db.execute("UPDATE outbox SET failure = ? WHERE id = ?", (failure[:500], notice_id))


async def release(db: aiosqlite.Connection, notice_id: int) -> None:
    """Put a notice back for a later try (Telegram asked to slow down or was unreachable)."""
    global _queued_since_last_look
    _queued_since_last_look = True
    await db.execute("UPDATE outbox SET claimed_at = NULL WHERE id = ?", (notice_id,))


async def fail_interrupted(db: aiosqlite.Connection) -> int:
    cursor = await db.execute(
        "UPDATE outbox SET failure = 'interrupted by a restart: may have been delivered'"
        " WHERE claimed_at IS NOT NULL AND sent_at IS NULL AND failure IS NULL"
    )
    return cursor.rowcount
