"""The bot's own state: conversation positions, per-user drafts, updates already handled."""

from __future__ import annotations

import json

import aiosqlite

from storage.database import utc_now


MARK_HANDLED = "INSERT INTO handled_updates (channel, update_id, handled_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING"


async def was_handled(db: aiosqlite.Connection, channel: str, update_id: int) -> bool:
    row = await (
        await db.execute("SELECT 1 FROM handled_updates WHERE channel = ? AND update_id = ?", (channel, update_id))
    ).fetchone()
    return row is not None


def mark_handled_params(channel: str, update_id: int) -> tuple:
    """For MARK_HANDLED, run as one statement once the update was handled (0 rows if it already was)."""
    return (channel, update_id, utc_now())


async def forget_handled_updates_before(db: aiosqlite.Connection, channel: str, cutoff_utc: str) -> int:
    cursor = await db.execute(
        "DELETE FROM handled_updates WHERE channel = ? AND handled_at < ?", (channel, cutoff_utc)
    )
    return cursor.rowcount


async def load_conversations(db: aiosqlite.Connection, name: str) -> dict[tuple, object]:
    rows = await (
        await db.execute("SELECT conversation_key, state FROM bot_conversations WHERE name = ?", (name,))
    ).fetchall()
    return {tuple(json.loads(key)): json.loads(state) for key, state in rows}


def save_conversation_statement(name: str, key: tuple, state: object | None) -> tuple[str, tuple]:
    """One statement (run on its own) that stores a conversation's state, or forgets it when None."""
    encoded_key = json.dumps(list(key))
    if state is None:
        return "DELETE FROM bot_conversations WHERE name = ? AND conversation_key = ?", (name, encoded_key)
    return (
        "INSERT INTO bot_conversations (name, conversation_key, state) VALUES (?, ?, ?)"
        " ON CONFLICT (name, conversation_key) DO UPDATE SET state = excluded.state",
        (name, encoded_key, json.dumps(state)),
    )


async def load_user_data_of(db: aiosqlite.Connection, user_id: int) -> dict | None:
    """One user's stored data (by the primary key), or None."""
    row = await (await db.execute("SELECT data FROM bot_user_data WHERE user_id = ?", (user_id,))).fetchone()
    return json.loads(row[0]) if row else None


def encode(data: dict) -> str:
    return json.dumps(data, ensure_ascii=False, sort_keys=True)


def save_user_data_statement(user_id: int, encoded: str) -> tuple[str, tuple]:
    """One statement (run on its own) that stores a user's data, or forgets it when empty."""
    if not encoded:
        return "DELETE FROM bot_user_data WHERE user_id = ?", (user_id,)
    return (
        "INSERT INTO bot_user_data (user_id, data) VALUES (?, ?) ON CONFLICT (user_id) DO UPDATE SET data = excluded.data",
        (user_id, encoded),
    )
