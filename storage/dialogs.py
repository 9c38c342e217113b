"""Where each person is in a channel-neutral dialog, the Zalo messages already handled, and files kept
as bytes (a Zalo photo's URL may expire). SQL only."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import aiosqlite

from storage.database import utc_now


@dataclass
class Position:
    step: str | None = None
    draft: dict = field(default_factory=dict)
    choices: list[list[str]] = field(default_factory=list)  # [label, action] as last shown
    page: int = 0
    notice_choices: list[list[str]] = field(default_factory=list)
    notice_newest: bool = False


async def position(db: aiosqlite.Connection, channel: str, external_id: str) -> Position:
    row = await (await db.execute(
        "SELECT step, draft, choices, page, notice_choices, notice_newest FROM dialog_positions WHERE channel = ? AND external_id = ?",
        (channel, external_id))).fetchone()
    if row is None:
        return Position()
    return Position(row[0], json.loads(row[1]), json.loads(row[2]), row[3], json.loads(row[4]), bool(row[5]))


async def save_position(db: aiosqlite.Connection, channel: str, external_id: str, where: Position) -> None:
    await db.execute(
        "INSERT INTO dialog_positions (channel, external_id, step, draft, choices, page, notice_choices, updated_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (channel, external_id) DO UPDATE SET step = excluded.step, "
        "draft = excluded.draft, choices = excluded.choices, page = excluded.page, "
        "notice_choices = excluded.notice_choices, notice_newest = 0, updated_at = excluded.updated_at",
        (channel, external_id, where.step, json.dumps(where.draft, ensure_ascii=False),
         json.dumps(where.choices, ensure_ascii=False), where.page,
         json.dumps(where.notice_choices, ensure_ascii=False), utc_now()))


async def drop_position(db: aiosqlite.Connection, channel: str, external_id: str) -> None:
    await db.execute("DELETE FROM dialog_positions WHERE channel = ? AND external_id = ?", (channel, external_id))


async def set_notice_choices(db: aiosqlite.Connection, channel: str, external_id: str, choices: list[list[str]]) -> None:
    await db.execute(
        "INSERT INTO dialog_positions (channel, external_id, notice_choices, notice_newest, updated_at) VALUES (?, ?, ?, 1, ?) "
        "ON CONFLICT (channel, external_id) DO UPDATE SET notice_choices = excluded.notice_choices, notice_newest = 1",
        (channel, external_id, json.dumps(choices, ensure_ascii=False), utc_now()))


async def claim_message(db: aiosqlite.Connection, message_id: str) -> bool:
    """True the first time a Zalo message id is seen; False for a redelivery."""
    cursor = await db.execute("INSERT OR IGNORE INTO zalo_handled (message_id, handled_at) VALUES (?, ?)",
                              (message_id, utc_now()))
    return cursor.rowcount == 1


async def forget_handled(db: aiosqlite.Connection, before: str) -> int:
    """Handled Zalo message ids older than `before` (UTC): long past any redelivery."""
    cursor = await db.execute("DELETE FROM zalo_handled WHERE handled_at < ?", (before,))
    return cursor.rowcount


async def store_file(db: aiosqlite.Connection, file_id: str, content_type: str, content: bytes) -> None:
    await db.execute("INSERT OR IGNORE INTO stored_files (id, content_type, content, created_at) VALUES (?, ?, ?, ?)",
                     (file_id, content_type, content, utc_now()))


async def stored_file(db: aiosqlite.Connection, file_id: str) -> tuple[str, bytes] | None:
    row = await (await db.execute("SELECT content_type, content FROM stored_files WHERE id = ?", (file_id,))).fetchone()
    return (row[0], bytes(row[1])) if row else None


async def forget(db: aiosqlite.Connection, channel: str, external_id: str) -> None:
    """/forget: the person's position and draft go, and the kept photos no concern refers to any more."""
    await drop_position(db, channel, external_id)
    await db.execute("DELETE FROM stored_files WHERE 'stored:' || id NOT IN "
                     "(SELECT file_ref FROM concern_attachments WHERE file_ref IS NOT NULL)")
