"""The fake Bot API's failure injection and Telegram flood limits."""

from __future__ import annotations

import collections
import math
import time
from http import HTTPStatus

from bot.sandbox.fake_bot_records import _ApiError


class LimitsMixin:
    """Failure injection and flood limits of FakeBotApi."""

    # ------------------------------------------------------------------ fault injection

    def fail_next(
        self,
        method: str,
        status: int,
        *,
        retry_after: int | None = None,
        description: str | None = None,
        count: int = 1,
    ) -> None:
        """Make the next ``count`` calls of ``method`` ("*" = any method but
        getUpdates) fail with ``status``: 429 carries parameters.retry_after
        (default 1), 403 says the bot was blocked, 5xx are server errors."""
        if status == 429 and retry_after is None:
            retry_after = 1
        if description is None:
            description = {
                400: "Bad Request: injected failure",
                401: "Unauthorized",
                403: "Forbidden: bot was blocked by the user",
                404: "Not Found",
                409: "Conflict: terminated by other getUpdates request; "
                "make sure that only one bot instance is running",
                429: f"Too Many Requests: retry after {retry_after}",
            }.get(status)
            if description is None:
                try:
                    description = HTTPStatus(status).phrase
                except ValueError:
                    description = "Unknown error"
        params = {"retry_after": retry_after} if retry_after is not None else None
        queue = self._failures.setdefault(method.lower(), collections.deque())
        for _ in range(count):
            queue.append((status, description, params))

    def fail_chat(self, chat_id: int, status: int, *, retry_after: int | None = None, count: int = 1) -> None:
        """Make the next ``count`` messages sent to one chat fail with ``status`` (500, 429 with retry_after...)."""
        if status == 429 and retry_after is None:
            retry_after = 1
        description = f"Too Many Requests: retry after {retry_after}" if status == 429 else (
            "Bad Request: chat not found" if status == 400 else "Internal Server Error")
        params = {"retry_after": retry_after} if retry_after is not None else None
        queue = self._chat_failures.setdefault(int(chat_id), collections.deque())
        for _ in range(count):
            queue.append((status, description, params))

    def enforce_limits(self, per_second: float = 30, per_chat_per_second: float = 1) -> None:
        """Answer sends beyond Telegram's flood limits with 429 and retry_after, as Telegram does:
        more than ``per_second`` messages in any second overall, or two to one chat within 1/``per_chat_per_second`` s."""
        self._limits = (per_second, per_chat_per_second)

    def _check_limits(self, method: str, params: dict) -> None:
        if method.startswith("send") and method != "sendChatAction":
            try:
                chat_id = int(params.get("chat_id"))
            except (TypeError, ValueError):
                return
            failures = self._chat_failures.get(chat_id)
            if failures:
                fstatus, fdesc, fparams = failures.popleft()
                raise _ApiError(fstatus, fdesc, fparams)
            if self._limits is None:
                return
            per_second, per_chat = self._limits
            now = time.monotonic()
            while self._sent_at and self._sent_at[0] <= now - 1.0:
                self._sent_at.popleft()
            wait = 0.0
            if per_second and len(self._sent_at) >= per_second:
                wait = self._sent_at[0] + 1.0 - now
            last = self._chat_sent_at.get(chat_id)
            if per_chat and last is not None and now - last < 1.0 / per_chat:
                wait = max(wait, last + 1.0 / per_chat - now)
            if wait > 0:
                self.limit_hits += 1
                retry_after = max(1, math.ceil(wait))
                raise _ApiError(429, f"Too Many Requests: retry after {retry_after}", {"retry_after": retry_after})
            self._sent_at.append(now)
            self._chat_sent_at[chat_id] = now
