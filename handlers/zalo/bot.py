"""The Zalo adapter: an incoming update -> one dialog runtime call -> the replies, numbered; by polling
(one update per getUpdates) or by webhook (bot/zalo webhook handler)."""

from __future__ import annotations

import asyncio
import hashlib
import logging
from datetime import datetime, timedelta, timezone

from bot.dialogs.flows import Runtime
from bot.dialogs.runtime import Attachment, Inbound
from handlers.zalo.client import ZaloClient, ZaloError, ZaloMessage, parse_update
from handlers.zalo.render import render_reply
from bot.services.concerns import STORED_PREFIX
from storage import dialogs as stored

log = logging.getLogger(__name__)

CHANNEL = "zalo"


class ZaloBot:
    def __init__(self, client: ZaloClient, services, i18n) -> None:
        self.client = client
        self.services = services
        self.i18n = i18n
        self.runtime = Runtime(services, i18n)
        self._locks: dict[str, asyncio.Lock] = {}
        self.handled: set[str] = set()  # message ids handled by this process (tests wait on it)
        self.handled_changed = asyncio.Condition()

    async def handle_update(self, update: dict) -> None:
        """One update, whatever way it came; a redelivered message (same message_id) changes nothing."""
        message = parse_update(update)
        if message is None or not message.user_id:
            return
        lock = self._locks.setdefault(message.user_id, asyncio.Lock())
        try:
            async with lock:  # one person's messages one by one (webhook requests may overlap)
                await self._handle(message)
        except Exception as error:  # noqa: BLE001 - one bad update must not stop the channel
            # Logged by kind only: the update holds names and texts.
            log.error("Zalo message %s could not be handled: %s", message.message_id, type(error).__name__)
        finally:
            if not lock.locked():
                self._locks.pop(message.user_id, None)
            async with self.handled_changed:
                self.handled.add(message.message_id)
                self.handled_changed.notify_all()

    async def _handle(self, message: ZaloMessage) -> None:
        async with self.services.database.transaction() as db:
            if not await stored.claim_message(db, message.message_id):
                return
        inbound = Inbound(CHANNEL, message.user_id, message.display_name, text=message.text,
                          unsupported=message.kind in ("unsupported", "sticker"))
        if message.kind == "image":
            photo = await self._keep_photo(message)
            inbound = Inbound(CHANNEL, message.user_id, message.display_name, attachment=photo,
                              unsupported=photo is None)
        replies = await self.runtime.handle(inbound)
        for reply in replies:
            for part in render_reply(reply, self.i18n.for_locale(reply.locale)):
                try:
                    await self.client.send_message(message.chat_id, part)
                except ZaloError as error:
                    log.warning("a reply could not be sent on Zalo: %s", error)

    async def _keep_photo(self, message: ZaloMessage) -> Attachment | None:
        """The photo's bytes are stored now: Zalo's URL may expire before the office opens it."""
        if not message.photo_url:
            return None
        try:
            content_type, content = await self.client.download(message.photo_url)
        except ZaloError as error:
            log.warning("a Zalo photo could not be downloaded: %s", error)
            return None
        file_id = "zalo-" + hashlib.sha256(content).hexdigest()[:32]
        async with self.services.database.transaction() as db:
            await stored.store_file(db, file_id, content_type, content)
        return Attachment("photo", STORED_PREFIX + file_id, caption=message.caption)

    async def forget_old_messages(self, days: int = 7) -> int:
        """Handled message ids are kept a week, as Telegram's update ids are: long enough for any redelivery."""
        before = (datetime.now(timezone.utc) - timedelta(days=days)).replace(microsecond=0).isoformat()
        async with self.services.database.transaction() as db:
            return await stored.forget_handled(db, before)

    async def wait_handled(self, message_id: str) -> None:
        async with self.handled_changed:
            await self.handled_changed.wait_for(lambda: message_id in self.handled)

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
