"""The outbox, seen from a channel: claim what to send, then say how it went."""

from __future__ import annotations

import time

from storage import outbox
from storage.database import Database
from storage.outbox import Notice


class NotificationService:
    def __init__(self, database: Database) -> None:
        self._database = database
        self._paused_until = 0.0  # monotonic time before which nothing is claimed (Telegram said 429)

    def pause(self, seconds: float) -> None:
        self._paused_until = max(self._paused_until, time.monotonic() + seconds)

    async def claim(self, channel: str, limit: int = 10, *, look_anyway: bool = False) -> list[Notice]:
        # Most updates queue nothing: skip the database unless a notice was queued since the
        # last look (or the periodic job asks), and look before taking SQLite's write lock.
        if time.monotonic() < self._paused_until or not (look_anyway or outbox.maybe_pending()):
            return []
        outbox.looked()
        async with self._database.read() as db:
            if not await outbox.any_unclaimed(db, channel):
                return []
        async with self._database.transaction() as db:
            notices = await outbox.claim(db, channel, limit)
        if len(notices) == limit:  # a full batch: there may be more behind it
            outbox.looked(more_waiting=True)
        return notices

    async def sent(self, notice: Notice) -> None:
        async with self._database.transaction() as db:
            await outbox.mark_sent(db, notice.id)

    async def failed(self, notice: Notice, why: str) -> None:
        async with self._database.transaction() as db:
            await outbox.mark_failed(db, notice.id, why)

    async def retry_later(self, notice: Notice) -> None:
        async with self._database.transaction() as db:
            await outbox.release(db, notice.id)

    async def recover_interrupted(self) -> int:
        """At start: notices claimed but not finished when the process stopped may or may not have
        gone out. They are marked failed, never sent again (nothing is sent twice)."""
        async with self._database.transaction() as db:
            return await outbox.fail_interrupted(db)
