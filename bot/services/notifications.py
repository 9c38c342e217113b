"""The outbox, seen from a channel: claim what to send, then say how it went."""

from __future__ import annotations

from storage import outbox
from storage.database import Database
from storage.outbox import Notice


class NotificationService:
    def __init__(self, database: Database) -> None:
        self._database = database

    async def claim(self, channel: str, limit: int = 50) -> list[Notice]:
        # Most updates queue nothing: look first without taking SQLite's write lock.
        async with self._database.read() as db:
            if not await outbox.any_unclaimed(db, channel):
                return []
        async with self._database.transaction() as db:
            return await outbox.claim(db, channel, limit)

    async def sent(self, notice: Notice) -> None:
        async with self._database.transaction() as db:
            await outbox.mark_sent(db, notice.id)

    async def failed(self, notice: Notice, why: str) -> None:
        async with self._database.transaction() as db:
            await outbox.mark_failed(db, notice.id, why)

    async def retry_later(self, notice: Notice) -> None:
        async with self._database.transaction() as db:
            await outbox.release(db, notice.id)
