"""The Zalo adapter: an incoming update -> one dialog runtime call -> the replies, numbered; by polling
(one update per getUpdates) or by webhook (bot/zalo webhook handler).

A message is written to the journal of received updates before it is handled (bot/services/journal.py,
the one Telegram's updates go through), recorded as handled in the transaction that keeps the person's
new dialog position, together with its replies, and deleted from the journal once the replies were sent.
So a message cut short by a crash is handled at the next start; one handled whose replies were not all
sent has them sent then, without being handled twice; and a redelivered message (same message_id: Zalo
has no update id) changes nothing. A message whose handling failed is not recorded as handled: the
person is told to try again, and Zalo delivering it again handles it."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
from collections.abc import AsyncIterator

from bot.dialogs.flows import Runtime
from bot.dialogs.runtime import Attachment, Inbound, Reply
from bot.i18n import N_
from handlers.zalo.client import ZaloClient, ZaloError, ZaloMessage, parse_update
from handlers.zalo.render import render_reply
from bot.services.concerns import STORED_PREFIX
from storage import dialogs as stored
from storage import received_updates
from storage.database import DatabaseBusy

log = logging.getLogger(__name__)

CHANNEL = "zalo"

BUSY = N_("Sorry, the commune's system is busy right now and nothing was saved. Please try again in a moment.")
FAILED = N_("Sorry, something went wrong on our side. Whatever you had already sent is safe. Please try again.")
PHOTO_FAILED = N_("Your photo could not be received. Please send it again.")
# A reply Zalo did not take (a server error, a timeout) is tried again after these pauses (seconds): a
# duplicate is better than a resident left without their tracking code.
REPLY_RETRIES = (1.0, 4.0)


class ZaloBot:
    def __init__(self, client: ZaloClient, services, i18n) -> None:
        self.client = client
        self.services = services
        self.i18n = i18n
        self.runtime = Runtime(services, i18n)
        self.reply_retries = REPLY_RETRIES
        self._locks: dict[str, asyncio.Lock] = {}
        self._waiting: dict[str, int] = {}
        self._tasks: set[asyncio.Task] = set()
        self.handled: set[str] = set()  # message ids whose handling ended in this process (tests wait on it)
        self.handled_changed = asyncio.Condition()

    @contextlib.asynccontextmanager
    async def user_lock(self, user_id: str) -> AsyncIterator[None]:
        """One person's messages one by one (webhook requests may overlap), and a notice to them never
        between a message and its replies (the Zalo sender takes it too)."""
        lock = self._locks.setdefault(user_id, asyncio.Lock())
        self._waiting[user_id] = self._waiting.get(user_id, 0) + 1
        try:
            async with lock:
                yield
        finally:
            self._waiting[user_id] -= 1
            if not self._waiting[user_id]:
                del self._waiting[user_id], self._locks[user_id]

    async def receive(self, update: dict) -> ZaloMessage | None:
        """Journal an update before it is handled: the message to handle, or None (not a message, or a
        redelivery: handled already, or still in the journal)."""
        message = parse_update(update)
        if message is None or not message.user_id:
            return None
        if await self.services.ledger.already_handled(CHANNEL, message.message_id) \
                or not await self.services.journal.received_message(CHANNEL, message.message_id, update):
            log.info("Zalo message %s was received again; ignored", message.message_id)
            await self._ended(message.message_id)
            return None
        return message

    async def handle_update(self, update: dict) -> None:
        """One update, whatever way it came: journaled, then handled."""
        message = await self.receive(update)
        if message is not None:
            await self.handle(message)

    def handle_soon(self, message: ZaloMessage) -> None:
        """Handle a journaled message in the background (the webhook answers Zalo at once)."""
        task = asyncio.create_task(self.handle(message), name="zalo message")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def handle(self, message: ZaloMessage) -> None:
        try:
            async with self.user_lock(message.user_id):
                try:
                    parts = await self._handle(message)
                except Exception as error:  # noqa: BLE001 - one bad message must not stop the channel
                    # Logged by kind only: the update holds names and texts. Not recorded as handled.
                    busy, photo = isinstance(error, DatabaseBusy), isinstance(error, ZaloError)
                    log.log(logging.WARNING if busy or photo else logging.ERROR, "Zalo message %s could not be handled: %s",
                            message.message_id, error if photo else type(error).__name__)
                    await self._forget_now(message.message_id)  # so that Zalo delivering it again is handled
                    parts = [await self._sorry(message, BUSY if busy else PHOTO_FAILED if photo else FAILED)]
                await self._send(message.chat_id, parts)
        except asyncio.CancelledError:
            raise  # stopping: it stays in the journal and is taken up at the next start
        self.services.journal.done(CHANNEL, message.message_id)
        await self._ended(message.message_id)

    async def _forget_now(self, message_id: str) -> None:
        try:
            await self.services.database.execute_alone(*received_updates.delete_statement(CHANNEL, [message_id]))
        except DatabaseBusy:
            pass  # deleted shortly (done), or at the next start

    async def _handle(self, message: ZaloMessage) -> list[str]:
        inbound = Inbound(CHANNEL, message.user_id, message.display_name, text=message.text,
                          unsupported=message.kind in ("unsupported", "sticker"))
        if message.kind == "image":
            photo = await self._keep_photo(message)
            inbound = Inbound(CHANNEL, message.user_id, message.display_name, attachment=photo,
                              unsupported=photo is None)
        kept: list[str] | None = None

        async def handled(db, replies: list[Reply]) -> None:
            nonlocal kept
            kept = self._render(replies)
            await received_updates.handled_with_answer(db, CHANNEL, message.message_id, kept)

        replies = await self.runtime.handle(inbound, on_saved=handled)
        if kept is not None:
            return kept
        # Nothing kept (/forget erased the person, or a listing shown while the database was busy).
        parts = self._render(replies)
        with contextlib.suppress(DatabaseBusy):
            async with self.services.database.transaction() as db:
                await received_updates.handled_with_answer(db, CHANNEL, message.message_id, parts)
        return parts

    def _render(self, replies: list[Reply]) -> list[str]:
        return [part for reply in replies for part in render_reply(reply, self.i18n.for_locale(reply.locale))]

    async def _sorry(self, message: ZaloMessage, text: str) -> str:
        with contextlib.suppress(Exception):
            locale = await self.services.residents.locale_of(CHANNEL, message.user_id)
            return self.i18n.for_locale(locale or "vi")(text)
        return self.i18n.for_locale("vi")(text)

    async def _send(self, chat_id: str, parts: list[str]) -> None:
        for part in parts:
            for pause in (*self.reply_retries, None):
                try:
                    await self.client.send_message(chat_id, part)
                    break
                except ZaloError as error:
                    if pause is None or not error.temporary:
                        log.warning("a reply could not be sent on Zalo: %s", error)
                        if error.unreachable:
                            return  # the person cannot be reached: the other parts cannot either
                        break
                    log.info("a reply could not be sent on Zalo (%s); trying again in %.0f s", error, pause)
                    await asyncio.sleep(pause)

    async def _ended(self, message_id: str) -> None:
        async with self.handled_changed:
            self.handled.add(message_id)
            self.handled_changed.notify_all()

    async def replay(self) -> int:
        """At start, before any new message: what the last stop cut short. A message whose handling did not
        end is handled again; one handled whose replies may not all have been sent has them sent."""
        taken_up = await self.services.journal.messages_to_replay(CHANNEL)
        for raw, answer in taken_up:
            message = parse_update(raw)
            if message is None or not message.user_id:
                continue
            if answer is None:
                await self.handle(message)
                continue
            async with self.user_lock(message.user_id):
                await self._send(message.chat_id, answer)
            self.services.journal.done(CHANNEL, message.message_id)
            await self._ended(message.message_id)
        return len(taken_up)

    async def _keep_photo(self, message: ZaloMessage) -> Attachment | None:
        """The photo's bytes are stored now: Zalo's URL may expire before the office opens it. One that cannot
        be downloaded fails the message (raised): the person is asked to try again, and nothing is recorded."""
        if not message.photo_url:
            return None
        content_type, content = await self.client.download(message.photo_url)
        file_id = "zalo-" + hashlib.sha256(content).hexdigest()[:32]
        async with self.services.database.transaction() as db:
            await stored.store_file(db, file_id, content_type, content)
        return Attachment("photo", STORED_PREFIX + file_id, caption=message.caption)

    async def forget_old_messages(self) -> int:
        """Handled message ids are kept a week, as Telegram's update ids are: long enough for any redelivery;
        the journal a day."""
        return await self.services.ledger.forget_old(CHANNEL) + await self.services.journal.forget_old(CHANNEL)

    async def wait_handled(self, message_id: str) -> None:
        async with self.handled_changed:
            await self.handled_changed.wait_for(lambda: message_id in self.handled)

    async def stop(self) -> None:
        """Messages still being handled are cut short: they stay in the journal for the next start."""
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        with contextlib.suppress(DatabaseBusy):
            await self.services.journal.flush()

    async def poll(self, stop: asyncio.Event, timeout: int = 30) -> None:
        """Polling mode: one update per getUpdates; errors back off, up to a minute."""
        pause = 1.0
        while not stop.is_set():
            try:
                update = await self.client.get_update(timeout)
            except ZaloError as error:
                log.warning("Zalo getUpdates failed: %s; trying again in %.0f s", error, pause)
                try:
                    await asyncio.wait_for(stop.wait(), pause)
                except TimeoutError:
                    pass
                pause = min(pause * 2, 60.0)
                continue
            pause = 1.0
            if update:
                await self.handle_update(update)
