"""What an officer's tasks need beyond the assignments themselves: the announcement that starts
their clock, and whether a concern's one extension was already used."""

from __future__ import annotations

from datetime import date

import aiosqlite


async def announced_on(db: aiosqlite.Connection, dialogue_id: int | None) -> date | None:
    """The day a dialogue's conclusions were announced; None before (or without a dialogue)."""
    if dialogue_id is None:
        return None
    row = await (await db.execute("SELECT announced_on FROM dialogues WHERE id = ?", (dialogue_id,))).fetchone()
    if row is None or not row[0]:
        return None
    return date.fromisoformat(row[0][:10])


async def extended_to(db: aiosqlite.Connection, concern_id: int) -> date | None:
    """The date a concern's resolution was extended to, by any of its assignments (the plan allows one)."""
    row = await (
        await db.execute(
            "SELECT extended_to FROM assignments WHERE concern_id = ? AND extended_to IS NOT NULL ORDER BY id DESC LIMIT 1",
            (concern_id,),
        )
    ).fetchone()
    return date.fromisoformat(row[0]) if row else None
