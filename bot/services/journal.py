"""The journal of received updates, so that an update in flight when the process died still counts.

With polling, python-telegram-bot confirms a batch to Telegram (the next getUpdates) while its
updates are still being handled: after a kill Telegram never sends an update in flight again.
So every update is written here before it is handed to the handlers (`received`), and deleted
once its handling ended, whatever the end: it wrote, only read, was stopped, or failed and was
answered by the error handler (`done`). At the next start the updates still here are handled
again, oldest first (`to_replay`); one the update ledger knows as handled is only deleted.

An update that kills the process every time it is handled would be replayed forever: after
MAX_REPLAYS starts it is given up, logged once by id only (its content holds names and texts).
An update finished but not yet deleted when the process died is replayed too: if it wrote, the
ledger drops it; if it only read, its answer is given again."""

from __future__ import annotations

import asyncio
import contextvars
import json
import logging
from datetime import datetime, timedelta, timezone

from storage import received_updates
from storage.database import Database, DatabaseBusy, utc_now

log = logging.getLogger(__name__)

MAX_REPLAYS = 3
# Rows are deleted seconds after they were written; one left over (its deletion failed) goes after a day.
KEEP_RECEIVED_UPDATES = timedelta(days=1)
# How long the journal waits for a write lock held by another process before the batch is handled
# without it: users are not held up (issue 6 item 8), at the cost of no replay for that batch.
JOURNAL_BUSY_TIMEOUT = 0.5
# A failed deletion is tried again after this many seconds.
RETRY_DELETE_AFTER = 1.0


class UpdateJournal:
    def __init__(self, database: Database) -> None:
        self._database = database
        self._finished: dict[str, set[int]] = {}
        # Updates received again while their first copy was still in the journal, per channel: the first
        # of the two `done` calls is not the end of the update's handling.
        self._received_twice: dict[str, set[int]] = {}
        self._deleting: asyncio.Task | None = None
        self._flushing = asyncio.Lock()

    async def received(self, channel: str, updates: list[dict]) -> list[dict]:
        """Journal a batch of raw updates (one transaction) before they are handled; returns the batch to hand on.

        An update still in the journal (being handled, or replayed at start) is handed on as its bare
        update_id, which nothing handles: Telegram sent it again, it is not handled twice. When another
        process holds SQLite's write lock the batch is handed on unjournaled (logged)."""
        numbered = [(update["update_id"], update) for update in updates
                    if isinstance(update, dict) and isinstance(update.get("update_id"), int)]
        if not numbered:
            return updates
        try:
            async with self._database.transaction(busy_timeout=JOURNAL_BUSY_TIMEOUT) as db:
                present = await received_updates.journal(db, channel, numbered, utc_now())
        except DatabaseBusy:
            log.warning("updates %s-%s: the database was busy; handled without the journal (not replayed after a crash)",
                        numbered[0][0], numbered[-1][0])
            return updates
        if not present:
            return updates
        self._received_twice.setdefault(channel, set()).update(present)
        return [{"update_id": update["update_id"]} if isinstance(update, dict) and update.get("update_id") in present
                else update for update in updates]

    def done(self, channel: str, update_id: int) -> None:
        """The handling of this update ended: it is deleted from the journal shortly (batched)."""
        twice = self._received_twice.get(channel)
        if twice is not None and update_id in twice:
            twice.discard(update_id)  # the other copy's end deletes it
            return
        self._finished.setdefault(channel, set()).add(update_id)
        if self._deleting is None or self._deleting.done():
            # A fresh context: the deletion is no write of the update that happened to finish first.
            self._deleting = asyncio.get_running_loop().create_task(self._delete_finished(), context=contextvars.Context())

    async def _delete_finished(self) -> None:
        await asyncio.sleep(0)  # updates finishing together are deleted together
        while any(self._finished.values()):
            if not await self.flush():
                await asyncio.sleep(RETRY_DELETE_AFTER)

    async def flush(self) -> bool:
        """Delete every finished update now (after a deletion under way). False when the database was busy
        (they stay to be deleted)."""
        async with self._flushing:
            for channel, finished in list(self._finished.items()):
                update_ids = sorted(finished)
                if not update_ids:
                    continue
                finished.difference_update(update_ids)
                try:
                    await self._database.execute_alone(*received_updates.delete_statement(channel, update_ids))
                except BaseException as error:  # busy, or cancelled at a stop: to be deleted later (again is harmless)
                    finished.update(update_ids)
                    if isinstance(error, DatabaseBusy):
                        return False
                    raise
        return True

    async def close(self) -> None:
        """At a graceful stop: delete what finished, so nothing finished is replayed at the next start."""
        if self._deleting is not None and not self._deleting.done():
            self._deleting.cancel()
        try:
            await self.flush()
        except DatabaseBusy:
            pass  # replayed at the next start: the ledger drops those that wrote

    async def to_replay(self, channel: str) -> list[dict]:
        """The raw updates whose handling did not end before the process stopped, oldest first.

        Counted as replayed (in the same transaction), so one that kills the process every time
        is given up after MAX_REPLAYS starts."""
        replay, forget = [], []
        async with self._database.transaction() as db:
            for update_id, raw, replays, handled in await received_updates.unfinished(db, channel):
                if handled:
                    forget.append(update_id)
                elif replays >= MAX_REPLAYS:
                    log.warning("update %s was given up: the bot stopped while handling it %d times", update_id, replays + 1)
                    forget.append(update_id)
                else:
                    replay.append((update_id, json.loads(raw)))
            await received_updates.delete(db, channel, forget)
            await received_updates.count_replay(db, channel, [update_id for update_id, _ in replay])
        if replay:
            log.info("%d update(s) cut short when the bot last stopped are handled again", len(replay))
        return [raw for _, raw in replay]

    # --- One message at a time (Zalo: no update id, one message per poll or webhook request) -------------

    async def received_message(self, channel: str, message_id: str, raw: dict) -> bool:
        """Journal one message before it is handled. False when it is in the journal already (being handled,
        or to be replayed): a redelivery, not handled twice. True when it is to be handled, also when another
        process held SQLite's write lock and it could not be journaled (logged, as for a Telegram batch)."""
        # Microseconds: messages received within one second are replayed in the order they came.
        received_at = datetime.now(timezone.utc).isoformat()
        try:
            async with self._database.transaction(busy_timeout=JOURNAL_BUSY_TIMEOUT) as db:
                return await received_updates.journal_message(db, channel, message_id, raw, received_at)
        except DatabaseBusy:
            log.warning("a %s message: the database was busy; handled without the journal (not replayed after a crash)",
                        channel)
            return True

    async def messages_to_replay(self, channel: str) -> list[tuple[dict, list[str] | None]]:
        """What the last stop cut short, in the order received: (raw, None) for a message whose handling did not
        end (handle it again), (raw, replies) for one handled to its end whose replies may not all have been sent
        (send them; it is not handled again). Counted as replayed, given up after MAX_REPLAYS starts."""
        replay, forget = [], []
        async with self._database.transaction() as db:
            for message_id, raw, replays, handled, answer in await received_updates.unfinished_messages(db, channel):
                if handled and not answer:
                    forget.append(message_id)
                elif replays >= MAX_REPLAYS:
                    log.warning("a %s message was given up: the bot stopped while handling it %d times", channel, replays + 1)
                    forget.append(message_id)
                else:
                    replay.append((message_id, json.loads(raw), answer if handled else None))
            await received_updates.delete(db, channel, forget)
            await received_updates.count_replay(db, channel, [message_id for message_id, _, _ in replay])
        if replay:
            log.info("%d %s message(s) cut short when the bot last stopped are taken up again", len(replay), channel)
        return [(raw, answer) for _, raw, answer in replay]

    async def forget_old(self, channel: str) -> int:
        cutoff = (datetime.now(timezone.utc) - KEEP_RECEIVED_UPDATES).replace(microsecond=0).isoformat()
        async with self._database.transaction() as db:
            return await received_updates.delete_received_before(db, channel, cutoff)
