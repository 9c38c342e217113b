"""The bot's operational marks (last backup, last reminder sweep, last update handled, health probe)."""

from __future__ import annotations

import aiosqlite

from storage.database import utc_now

LAST_BACKUP = "last_backup"
LAST_REMINDER_SWEEP = "last_reminder_sweep"
LAST_UPDATE = "last_update"
HEALTH_PROBE = "health_probe"

SET = ("INSERT INTO ops_state (key, value, updated_at) VALUES (?, ?, ?)"
       " ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at")


def set_params(key: str, value: str) -> tuple:
    return (key, value, utc_now())


async def get_all(db: aiosqlite.Connection) -> dict[str, tuple[str, str]]:
    """key -> (value, updated_at UTC)."""
    rows = await (await db.execute("SELECT key, value, updated_at FROM ops_state")).fetchall()
    return {r[0]: (r[1], r[2]) for r in rows}
