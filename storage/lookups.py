"""Failed concern-code lookups per person, to slow down trying codes one after another."""

from __future__ import annotations

import aiosqlite


async def record_failure(db: aiosqlite.Connection, person_id: int, at: str) -> None:
    await db.execute("INSERT INTO code_lookup_failures (person_id, at) VALUES (?, ?)", (person_id, at))


async def failures_since(db: aiosqlite.Connection, person_id: int, since: str) -> list[str]:
    """When the person's failed lookups since `since` happened (UTC ISO), oldest first."""
    rows = await (await db.execute(
        "SELECT at FROM code_lookup_failures WHERE person_id = ? AND at > ? ORDER BY at", (person_id, since)
    )).fetchall()
    return [row[0] for row in rows]


async def forget_before(db: aiosqlite.Connection, before: str) -> None:
    """Failures older than any window still counted are of no use any more."""
    await db.execute("DELETE FROM code_lookup_failures WHERE at <= ?", (before,))
