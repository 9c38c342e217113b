"""Which channel updates were already handled, so a re-delivered update changes nothing."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from storage import bot_state
from storage.database import Database

KEEP_HANDLED_UPDATES = timedelta(days=7)


class UpdateLedger:
    def __init__(self, database: Database) -> None:
        self._database = database

    async def first_time(self, channel: str, update_id: int) -> bool:
        changed = await self._database.execute_alone(bot_state.MARK_HANDLED, bot_state.mark_handled_params(channel, update_id))
        return changed == 1

    async def forget_old(self, channel: str) -> int:
        cutoff = (datetime.now(timezone.utc) - KEEP_HANDLED_UPDATES).replace(microsecond=0).isoformat()
        async with self._database.transaction() as db:
            return await bot_state.forget_handled_updates_before(db, channel, cutoff)
