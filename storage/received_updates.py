"""The journal of received channel updates: written before handling, deleted when handling ended."""

from __future__ import annotations

import json

import aiosqlite


async def journal(db: aiosqlite.Connection, channel: str, updates: list[tuple[int, dict]], received_at: str) -> set[int]:
    """Write (update_id, raw) pairs not journaled yet; returns the ids that were already there."""
    present = set()
    for update_id, raw in updates:
        cursor = await db.execute(
            "INSERT INTO received_updates (channel, update_id, raw, received_at) VALUES (?, ?, ?, ?)"
            " ON CONFLICT DO NOTHING",
            (channel, update_id, json.dumps(raw, ensure_ascii=False), received_at))
        if not cursor.rowcount:
            present.add(update_id)
    return present


def delete_statement(channel: str, update_ids: list[int]) -> tuple[str, tuple]:
    """One statement (run on its own) deleting finished updates."""
    marks = ",".join("?" * len(update_ids))
    return (f"DELETE FROM received_updates WHERE channel = ? AND update_id IN ({marks})", (channel, *update_ids))


async def unfinished(db: aiosqlite.Connection, channel: str) -> list[tuple[int, str, int, bool]]:
    """(update_id, raw, replays, handled) of every journaled update, oldest first; `handled` when the
    update ledger has it (it was handled to its end, only its deletion from the journal was lost)."""
    rows = await (await db.execute(
        "SELECT r.update_id, r.raw, r.replays, h.update_id IS NOT NULL FROM received_updates r"
        " LEFT JOIN handled_updates h ON h.channel = r.channel AND h.update_id = r.update_id"
        " WHERE r.channel = ? ORDER BY r.update_id", (channel,))).fetchall()
    return [(row[0], row[1], row[2], bool(row[3])) for row in rows]


async def delete(db: aiosqlite.Connection, channel: str, update_ids: list[int]) -> None:
    if update_ids:
        await db.execute(*delete_statement(channel, update_ids))


async def count_replay(db: aiosqlite.Connection, channel: str, update_ids: list[int]) -> None:
    if update_ids:
        marks = ",".join("?" * len(update_ids))
        await db.execute(f"UPDATE received_updates SET replays = replays + 1 WHERE channel = ? AND update_id IN ({marks})",
                         (channel, *update_ids))


async def delete_received_before(db: aiosqlite.Connection, channel: str, cutoff_utc: str) -> int:
    cursor = await db.execute("DELETE FROM received_updates WHERE channel = ? AND received_at < ?", (channel, cutoff_utc))
    return cursor.rowcount
