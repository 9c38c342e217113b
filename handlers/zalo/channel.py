"""The Zalo channel as one unit to start and stop: client, adapter, outbox sender, and polling or webhook."""

from __future__ import annotations

import asyncio
import logging
from urllib.parse import urlsplit

from handlers.zalo.bot import ZaloBot
from handlers.zalo.client import ZaloClient, ZaloError
from handlers.zalo.notices import PER_CHAT_INTERVAL, ZALO_LIMITS, zalo_sender
from handlers.zalo.webhook import ZaloWebhook, serve_webhook

log = logging.getLogger(__name__)


class ZaloChannel:
    """Polling when no webhook URL is given; otherwise Zalo posts to `webhook_url`, served on host:port."""

    def __init__(self, *, token: str, base_url: str, services, i18n, webhook_url: str | None = None,
                 webhook_secret: str | None = None, listen_host: str = "127.0.0.1", listen_port: int = 8081,
                 poll_timeout: int = 30, limits=ZALO_LIMITS, sender_clock=None,
                 per_chat_interval: float = PER_CHAT_INTERVAL, request_timeout: float = 10.0) -> None:
        self.client = ZaloClient(token, base_url, timeout=request_timeout)
        self.bot = ZaloBot(self.client, services, i18n)
        self.sender = zalo_sender(self.client, services, i18n, limits, clock=sender_clock, per_chat_interval=per_chat_interval,
                                  user_lock=self.bot.user_lock)
        self.webhook = ZaloWebhook(self.bot, webhook_secret) if webhook_url and webhook_secret else None
        self._webhook_url = webhook_url
        self._webhook_secret = webhook_secret
        self._listen = (listen_host, listen_port)
        self._poll_timeout = poll_timeout
        self._stop = asyncio.Event()
        self._polling: asyncio.Task | None = None
        self._server = None
        self.account_name = ""

    async def start(self, *, own_server: bool = True) -> None:
        """`own_server=False`: the webhook is mounted on another server (see handlers.zalo.webhook.webhook_route)."""
        await self.bot.forget_old_messages()
        me = await self.client.get_me()
        # What the last stop cut short comes first, before any new message.
        await self.bot.replay()
        self.account_name = str((me or {}).get("account_name") or "")
        if self.webhook is not None:
            await self.client.set_webhook(self._webhook_url, self._webhook_secret)
            if own_server:
                self._server = await serve_webhook(self.webhook, *self._listen, path=urlsplit(self._webhook_url).path or "/")
        else:
            try:
                await self.client.delete_webhook()  # getUpdates answers nothing while a webhook is set
            except ZaloError as error:
                log.warning("Zalo deleteWebhook failed: %s", error)
            self._polling = asyncio.create_task(self.bot.poll(self._stop, self._poll_timeout), name="zalo polling")
        await self.sender.start()

    @property
    def webhook_port(self) -> int | None:
        return getattr(self._server, "port", None)

    async def stop(self) -> None:
        self._stop.set()
        await self.sender.stop()
        if self._polling is not None:
            self._polling.cancel()
            try:
                await self._polling
            except asyncio.CancelledError:
                pass
        if self._server is not None:
            self._server.stop()
            await self._server.close_all_connections()
        await self.bot.stop()
        await self.client.close()
