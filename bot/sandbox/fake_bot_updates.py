"""The fake Bot API's update queue: getUpdates long polling and webhook delivery."""

from __future__ import annotations

import asyncio
import collections
import json
import re
from typing import TYPE_CHECKING, Any

import tornado.httpclient

from bot.sandbox.fake_bot_records import (
    _ApiError, _as_bool, _as_int, _as_json, _bad, _NOT_DEFAULT_UPDATES, _Poll, _Queued,
)

if TYPE_CHECKING:
    from bot.sandbox.fake_bot_methods import _ApiHandler


class UpdatesMixin:
    """getUpdates, the update queue and webhooks of FakeBotApi."""

    async def _m_getUpdates(self, params: dict, handler: "_ApiHandler") -> list[dict]:
        if self._webhook.get("url"):
            raise _ApiError(409, "Conflict: can't use getUpdates method while webhook is active; "
                                 "use deleteWebhook to delete the webhook first")  # fmt: skip
        offset = params.get("offset")
        offset = _as_int(offset, "offset") if offset not in (None, "") else None
        limit = params.get("limit")
        limit = min(100, max(1, _as_int(limit, "limit"))) if limit not in (None, "") else 100
        timeout = params.get("timeout")
        timeout = max(0.0, float(timeout)) if timeout not in (None, "") else 0.0
        allowed = params.get("allowed_updates")
        if allowed not in (None, ""):
            allowed = _as_json(allowed, "allowed_updates")
            self._allowed_updates = frozenset(allowed) if allowed else None

        if self._active_poll is not None:
            self._active_poll.conflict = True
            self._fire_updates()
        poll = self._active_poll = _Poll()
        try:
            if offset is not None:
                self._confirm(offset)
            loop = asyncio.get_running_loop()
            deadline = loop.time() + timeout
            while True:
                if poll.conflict:
                    raise _ApiError(409, "Conflict: terminated by other getUpdates request; "
                                         "make sure that only one bot instance is running")  # fmt: skip
                batch = self._collect(limit)
                remaining = deadline - loop.time()
                if batch or remaining <= 0 or self._stopping or handler.closed:
                    break
                ev = self._updates_ev
                try:
                    await asyncio.wait_for(ev.wait(), remaining)
                except asyncio.TimeoutError:
                    pass
        finally:
            if self._active_poll is poll:
                self._active_poll = None
        if handler.closed:
            return []
        for entry in batch:
            entry.delivered = True
        return [entry.update for entry in batch]

    def _confirm(self, offset: int) -> None:
        q = self._queue
        if offset < 0:
            keep = -offset
            while len(q) > keep:
                q.popleft()
            return

        def confirmed(e: _Queued) -> bool:
            return e.update_id < offset and (e.delivered or not e.forced)

        while q and confirmed(q[0]):
            q.popleft()
        if q and q[0].update_id < offset:  # a forced duplicate blocks the head; rare
            self._queue = collections.deque(e for e in q if not confirmed(e))

    def _collect(self, limit: int) -> list[_Queued]:
        allowed = self._allowed_updates
        batch: list[_Queued] = []
        dropped = False
        for entry in self._queue:
            if allowed is None:
                ok = entry.kind not in _NOT_DEFAULT_UPDATES
            else:
                ok = entry.kind in allowed
            if not ok:
                dropped = True
                continue
            batch.append(entry)
            if len(batch) >= limit:
                break
        if dropped:  # Telegram never stores updates of types the bot did not ask for
            self._queue = collections.deque(
                e for e in self._queue
                if (e.kind in allowed if allowed is not None else e.kind not in _NOT_DEFAULT_UPDATES)
            )  # fmt: skip
        return batch

    def _m_setWebhook(self, params: dict, files: dict) -> bool:
        url = params.get("url")
        if url is None:
            raise _bad('parameter "url" is required')
        # Telegram wants https; the fake also posts to plain http on the loopback (tests have no TLS).
        if url and not re.match(r"https://|http://(127\.0\.0\.1|localhost)[:/]", str(url)):
            raise _bad("bad webhook: An HTTPS URL must be provided for webhook")
        if _as_bool(params.get("drop_pending_updates") or False):
            self._queue.clear()
        self._webhook = {"url": url}
        for key in ("max_connections", "ip_address", "allowed_updates", "secret_token"):
            if params.get(key) is not None:
                self._webhook[key] = params[key]
        if params.get("allowed_updates"):
            allowed = _as_json(params["allowed_updates"], "allowed_updates")
            self._allowed_updates = frozenset(allowed) if allowed else None
        self._start_webhook_delivery()
        return True

    def _m_deleteWebhook(self, params: dict, files: dict) -> bool:
        if _as_bool(params.get("drop_pending_updates") or False):
            self._queue.clear()
        self._webhook = {"url": ""}
        self._stop_webhook_delivery()
        return True

    # ------------------------------------------------------------------ webhook delivery

    def _start_webhook_delivery(self) -> None:
        self._stop_webhook_delivery()
        if self._webhook.get("url"):
            self._webhook_task = asyncio.get_running_loop().create_task(self._deliver_webhooks(dict(self._webhook)))

    def _stop_webhook_delivery(self) -> None:
        task, self._webhook_task = getattr(self, "_webhook_task", None), None
        if task is not None:
            task.cancel()

    async def _deliver_webhooks(self, webhook: dict) -> None:
        """As Telegram does with a webhook set: POST each update (JSON, with the secret token header
        when one was given) in order, one at a time; an answer other than 2xx is retried shortly."""
        client = tornado.httpclient.AsyncHTTPClient()
        headers = {"Content-Type": "application/json"}
        if webhook.get("secret_token"):
            headers["X-Telegram-Bot-Api-Secret-Token"] = str(webhook["secret_token"])
        while not self._stopping:
            batch = self._collect(100)
            if not batch:
                ev = self._updates_ev
                await ev.wait()
                continue
            for entry in batch:
                try:
                    response = await client.fetch(webhook["url"], method="POST", headers=headers,
                                                  body=json.dumps(entry.update), raise_error=False, request_timeout=30)
                    status, error = response.code, (response.reason if response.code >= 300 else None)
                except Exception as exc:  # noqa: BLE001 - connection refused etc.: Telegram retries
                    status, error = 0, type(exc).__name__
                self.webhook_posts.append((entry.update_id, status))
                if error is not None:
                    self._webhook["last_error_message"] = f"Wrong response from the webhook: {status} {error}"
                    await asyncio.sleep(0.2)
                    break
                entry.delivered = True
                try:
                    self._queue.remove(entry)
                except ValueError:
                    pass
                self._notify(bump=False)

    def _m_getWebhookInfo(self, params: dict, files: dict) -> dict:
        info: dict[str, Any] = {
            "url": self._webhook.get("url", ""),
            "has_custom_certificate": False,
            "pending_update_count": len(self._queue),
        }
        if info["url"]:
            info["max_connections"] = self._webhook.get("max_connections", 40)
            if self._webhook.get("ip_address"):
                info["ip_address"] = self._webhook["ip_address"]
            if self._webhook.get("last_error_message"):
                info["last_error_message"] = self._webhook["last_error_message"]
            if self._allowed_updates is not None:
                info["allowed_updates"] = sorted(self._allowed_updates)
        return info
