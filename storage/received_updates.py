"""The journal of received channel updates (Telegram's updates, Zalo's messages): written before handling,
deleted when handling ended."""

from __future__ import annotations

import json

import aiosqlite

from storage import bot_state


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


# --- Zalo's messages (issue 9): one message at a time, its replies kept with the mark of its end ---------

async def journal_message(db: aiosqlite.Connection, channel: str, message_id: str, raw: dict, received_at: str) -> bool:
    """Write one received message before it is handled; False when it is in the journal already."""
    return not await journal(db, channel, [(message_id, raw)], received_at)


KEEP_ANSWER = "UPDATE received_updates SET answer = ? WHERE channel = ? AND update_id = ?"


async def handled_with_answer(db: aiosqlite.Connection, channel: str, message_id: str, answer: list[str]) -> None:
    """In the transaction that keeps what handling the message changed: it is handled, and these are its
    replies, still to send (so a crash before they are sent sends them at the next start, once)."""
    await db.execute(KEEP_ANSWER, (json.dumps(answer, ensure_ascii=False), channel, message_id))
    await db.execute(bot_state.MARK_HANDLED, bot_state.mark_handled_params(channel, message_id))


async def unfinished_messages(db: aiosqlite.Connection, channel: str) -> list[tuple[str, str, int, bool, list[str] | None]]:
    """(message_id, raw, replays, handled, answer) of every journaled message, in the order received."""
    rows = await (await db.execute(
        "SELECT r.update_id, r.raw, r.replays, h.update_id IS NOT NULL, r.answer FROM received_updates r"
        " LEFT JOIN handled_updates h ON h.channel = r.channel AND h.update_id = r.update_id"
        " WHERE r.channel = ? ORDER BY r.received_at, r.update_id", (channel,))).fetchall()
    return [(row[0], row[1], row[2], bool(row[3]), json.loads(row[4]) if row[4] is not None else None) for row in rows]
