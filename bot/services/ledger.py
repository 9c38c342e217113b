"""Which channel updates were already handled, so a re-delivered update changes nothing.

An update is recorded when its handling ends, not when it starts: one in flight when the
process was killed is handled again when it comes again (from the journal of received updates,
bot/services/journal.py, or from Telegram). An update that wrote
nothing (/help, /mine, a stale button) is not recorded at all, so it never waits for SQLite's
write lock; delivered again, it is simply answered again."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from storage import bot_state
from storage.database import Database, WriteScope, current_write_scope, track_writes

KEEP_HANDLED_UPDATES = timedelta(days=7)


class UpdateLedger:
    def __init__(self, database: Database) -> None:
        self._database = database

    async def already_handled(self, channel: str, update_id: int) -> bool:
        """True when this update was handled to its end before (a read: never waits for a writer)."""
        async with self._database.read() as db:
            return await bot_state.was_handled(db, channel, update_id)

    def begin(self) -> WriteScope:
        """Start noting what the update being handled (this asyncio task) writes."""
        return track_writes()

    async def finished(self, channel: str, update_id: int) -> bool:
        """Record the update begun in this task as handled, if it changed anything. Returns whether it was."""
        scope = current_write_scope()
        if scope is None or not scope.wrote:
            return False
        await self._database.execute_alone(bot_state.MARK_HANDLED, bot_state.mark_handled_params(channel, update_id))
        return True

    async def forget_old(self, channel: str) -> int:
        cutoff = (datetime.now(timezone.utc) - KEEP_HANDLED_UPDATES).replace(microsecond=0).isoformat()
        async with self._database.transaction() as db:
            return await bot_state.forget_handled_updates_before(db, channel, cutoff)
