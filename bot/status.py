"""`python -m bot status`: the state of a deployment in one screen, read from its database only.

Read-only (a running bot is not disturbed). The outbox is read by the columns it has: with the
outbox sender's `given_up_at`, given-up notices are counted apart from the ones still retried."""

from __future__ import annotations

import sqlite3
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.backup import bot_is_running, code_schema_version, latest_backup, schema_version_of
from storage import ops


def _columns(connection: sqlite3.Connection, table: str) -> set[str]:
    return {row[1] for row in connection.execute(f"PRAGMA table_info({table})")}


def _when(utc_iso: str | None, tz: ZoneInfo) -> str:
    if not utc_iso:
        return "never"
    try:
        return datetime.fromisoformat(utc_iso).astimezone(tz).strftime("%Y-%m-%d %H:%M %Z")
    except ValueError:
        return utc_iso


def _size(path: Path) -> int:
    return sum(p.stat().st_size for p in (path, path.with_name(path.name + "-wal")) if p.exists())


def outbox_counts(connection: sqlite3.Connection) -> dict[str, int | None]:
    columns = _columns(connection, "outbox")
    if not columns:
        return {"pending": 0, "failed": 0, "given_up": None}
    given_up = "given_up_at" in columns
    live = "sent_at IS NULL" + (" AND given_up_at IS NULL" if given_up else "")

    def count(where: str) -> int:
        return connection.execute(f"SELECT COUNT(*) FROM outbox WHERE {where}").fetchone()[0]

    return {
        "pending": count(f"{live} AND failure IS NULL"),
        "failed": count(f"{live} AND failure IS NOT NULL"),
        "given_up": count("given_up_at IS NOT NULL") if given_up else None,
    }


def status_lines(database: Path, backups: Path, tz: ZoneInfo) -> list[str]:
    if not database.exists():
        return [f"database   {database}: does not exist yet"]
    version, code = schema_version_of(database), code_schema_version()
    running = "a bot is running on it" if bot_is_running(database) else "no bot running on it"
    lines = [f"database   {database}: {_size(database) / 1_048_576:.1f} MB, schema {version}/{code}, {running}"]
    connection = sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=5)
    try:
        counts = outbox_counts(connection)
        given_up = "n/a" if counts["given_up"] is None else counts["given_up"]
        lines.append(f"notices    pending {counts['pending']}, failed {counts['failed']}, given up {given_up}")
        marks = ops_marks(connection)
        sweep = marks.get(ops.LAST_REMINDER_SWEEP)
        lines.append("reminders  last sweep " + (f"{_when(sweep[1], tz)} ({sweep[0]} queued)" if sweep else "never"))
        last_update = None
        if _columns(connection, "handled_updates"):
            last_update = connection.execute("SELECT MAX(handled_at) FROM handled_updates").fetchone()[0]
        lines.append(f"updates    last handled (that changed something) {_when(last_update, tz)}")
        backup = marks.get(ops.LAST_BACKUP)
        newest = latest_backup(backups) if backups.exists() else None
        if backup:
            lines.append(f"backup     last {_when(backup[1], tz)}: {backup[0]}")
        elif newest is not None:
            stamp = datetime.fromtimestamp(newest.stat().st_mtime, tz).strftime("%Y-%m-%d %H:%M %Z")
            lines.append(f"backup     last {stamp}: {newest}")
        else:
            lines.append(f"backup     none yet (BACKUP_DIR {backups})")
    finally:
        connection.close()
    return lines


def ops_marks(connection: sqlite3.Connection) -> dict[str, tuple[str, str]]:
    if not _columns(connection, "ops_state"):
        return {}
    return {r[0]: (r[1], r[2]) for r in connection.execute("SELECT key, value, updated_at FROM ops_state")}
