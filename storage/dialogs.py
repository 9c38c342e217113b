"""Where each person is in a channel-neutral dialog, and files kept as bytes (a Zalo photo's URL may
expire). SQL only. (Zalo's messages are journaled and recorded as handled in storage/received_updates.)"""

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
    notice_newest: bool = False  # the notice's list was shown after the flow's: a number answers the notice
    notice_title: str = ""  # the notice's first line, to offer its choices again
    notice_aside: bool = False  # a flow's list came after the notice's: offer the notice again when the flow ends
    aside: dict | None = None  # a flow set aside by a notice's answer: {"step", "draft", "choices"}
    # Older notices still unanswered, oldest first ({"choices", "title"}): offered again, newest first,
    # once the notice above (notice_choices) is answered or done with.
    waiting: list[dict] = field(default_factory=list)

    def note_notice(self, choices: list[list[str]], title: str) -> None:
        """A notice with choices was shown: its list is the newest; the one it follows, unanswered, waits."""
        self.waiting = keep_waiting(self.waiting, self.notice_choices, self.notice_title, choices)
        self.notice_choices, self.notice_title, self.notice_newest, self.notice_aside = choices, title, True, False


MAX_WAITING = 30  # a bound, should a person leave dozens unanswered: the oldest go first


def keep_waiting(waiting: list[dict], current: list[list[str]], title: str, newest: list[list[str]]) -> list[dict]:
    """The waiting notices once `newest` replaces `current`: the current one (if any, and not the same list
    sent again) joins them, and no list waits twice."""
    kept = [item for item in waiting if item.get("choices") not in (current, newest)]
    if current and current != newest:
        kept.append({"choices": current, "title": title})
    return kept[-MAX_WAITING:]


async def position(db: aiosqlite.Connection, channel: str, external_id: str) -> Position:
    row = await (await db.execute(
        "SELECT step, draft, choices, page, notice_choices, notice_newest, notice_title, notice_aside, aside,"
        " waiting_notices"
        " FROM dialog_positions WHERE channel = ? AND external_id = ?", (channel, external_id))).fetchone()
    if row is None:
        return Position()
    return Position(row[0], json.loads(row[1]), json.loads(row[2]), row[3], json.loads(row[4]), bool(row[5]),
                    row[6], bool(row[7]), json.loads(row[8]) if row[8] else None, json.loads(row[9] or "[]"))


async def save_position(db: aiosqlite.Connection, channel: str, external_id: str, where: Position) -> None:
    await db.execute(
        "INSERT INTO dialog_positions (channel, external_id, step, draft, choices, page, notice_choices, notice_newest,"
        " notice_title, notice_aside, aside, waiting_notices, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
        " ON CONFLICT (channel, external_id) DO UPDATE SET step = excluded.step, draft = excluded.draft,"
        " choices = excluded.choices, page = excluded.page, notice_choices = excluded.notice_choices,"
        " notice_newest = excluded.notice_newest, notice_title = excluded.notice_title,"
        " notice_aside = excluded.notice_aside, aside = excluded.aside, waiting_notices = excluded.waiting_notices,"
        " updated_at = excluded.updated_at",
        (channel, external_id, where.step, json.dumps(where.draft, ensure_ascii=False),
         json.dumps(where.choices, ensure_ascii=False), where.page,
         json.dumps(where.notice_choices, ensure_ascii=False), int(where.notice_newest), where.notice_title,
         int(where.notice_aside), json.dumps(where.aside, ensure_ascii=False) if where.aside else None,
         json.dumps(where.waiting, ensure_ascii=False), utc_now()))


async def drop_position(db: aiosqlite.Connection, channel: str, external_id: str) -> None:
    await db.execute("DELETE FROM dialog_positions WHERE channel = ? AND external_id = ?", (channel, external_id))


async def set_notice_choices(db: aiosqlite.Connection, channel: str, external_id: str, choices: list[list[str]],
                             title: str = "") -> None:
    """A notice with choices was sent: its list is the newest the person saw; the previous notice's, if still
    unanswered, waits to be offered again (never replaced)."""
    row = await (await db.execute(
        "SELECT notice_choices, notice_title, waiting_notices FROM dialog_positions WHERE channel = ? AND external_id = ?",
        (channel, external_id))).fetchone()
    waiting = keep_waiting(json.loads(row[2] or "[]"), json.loads(row[0]), row[1], choices) if row else []
    await db.execute(
        "INSERT INTO dialog_positions (channel, external_id, notice_choices, notice_newest, notice_title, waiting_notices,"
        " updated_at) VALUES (?, ?, ?, 1, ?, ?, ?) ON CONFLICT (channel, external_id) DO UPDATE SET"
        " notice_choices = excluded.notice_choices, notice_newest = 1, notice_title = excluded.notice_title,"
        " notice_aside = 0, waiting_notices = excluded.waiting_notices",
        (channel, external_id, json.dumps(choices, ensure_ascii=False), title, json.dumps(waiting, ensure_ascii=False),
         utc_now()))


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
