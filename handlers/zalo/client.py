"""A thin client of the Zalo Bot API on httpx, and the one place that knows Zalo's field names.

`https://bot-api.zaloplatforms.com/bot<TOKEN>/<method>`, every method a POST with a JSON body, every
answer `{"ok": true, "result": ...}` or `{"ok": false, "error_code": N, "description": "..."}`. The
token sits in the URL: no URL is ever logged or put into an exception's message here.
"""

from __future__ import annotations

from dataclasses import dataclass

import httpx

DEFAULT_BASE_URL = "https://bot-api.zaloplatforms.com/bot"
MAX_TEXT = 2000  # Zalo's limit for one message
SECRET_HEADER = "X-Bot-Api-Secret-Token"


class ZaloError(Exception):
    """A failed call, described without the URL (which holds the token)."""

    def __init__(self, method: str, code: int | None, description: str) -> None:
        super().__init__(f"Zalo {method}: {code or ''} {description}".strip())
        self.method = method
        self.code = code
        self.description = description

    @property
    def timed_out(self) -> bool:
        return self.code == 408

    @property
    def unreachable(self) -> bool:
        """The user cannot be reached (never wrote to the bot, blocked it, left): sending again cannot help."""
        words = self.description.lower()
        return self.code in (403, 404) or any(w in words for w in ("not found", "blocked", "not allow", "not interacted", "not follow"))

    @property
    def temporary(self) -> bool:
        return self.code is None or self.code in (408, 429) or self.code >= 500


@dataclass(frozen=True)
class ZaloMessage:
    """One incoming update, in the project's words."""

    message_id: str
    chat_id: str
    user_id: str
    display_name: str
    kind: str  # text | image | sticker | unsupported
    text: str | None = None
    photo_url: str | None = None
    caption: str | None = None
    date_ms: int | None = None


_KINDS = {"message.text.received": "text", "message.image.received": "image",
          "message.sticker.received": "sticker", "message.unsupported.received": "unsupported"}


def parse_update(update: dict) -> ZaloMessage | None:
    """An update as Zalo sends it (webhook body or getUpdates result); None when it is not a message."""
    if not isinstance(update, dict):
        return None
    message = update.get("message")
    if not isinstance(message, dict) or not message.get("message_id"):
        return None
    chat = message.get("chat") or {}
    sender = message.get("from") or {}
    # The sender's name field differs between sources: display_name, first_name or name.
    name = sender.get("display_name") or sender.get("first_name") or sender.get("name") or ""
    kind = _KINDS.get(update.get("event_name", ""), "unsupported")
    if kind == "unsupported" and isinstance(message.get("text"), str) and "event_name" not in update:
        kind = "text"
    return ZaloMessage(
        message_id=str(message["message_id"]), chat_id=str(chat.get("id") or sender.get("id") or ""),
        user_id=str(sender.get("id") or chat.get("id") or ""), display_name=str(name)[:64], kind=kind,
        text=message.get("text") if kind == "text" else None,
        photo_url=message.get("photo") or message.get("photo_url") if kind == "image" else None,
        caption=message.get("caption") if kind == "image" else None, date_ms=message.get("date"))


class ZaloClient:
    def __init__(self, token: str, base_url: str = DEFAULT_BASE_URL, *, timeout: float = 10.0,
                 client: httpx.AsyncClient | None = None) -> None:
        self._url = f"{base_url.rstrip('/')}{token}/"
        self._timeout = timeout
        self._client = client or httpx.AsyncClient(timeout=httpx.Timeout(timeout, connect=timeout))

    async def close(self) -> None:
        await self._client.aclose()

    async def call(self, method: str, body: dict | None = None, *, timeout: float | None = None):
        try:
            response = await self._client.post(self._url + method, json=body or {},
                                               timeout=timeout if timeout is not None else self._timeout)
        except httpx.TimeoutException:
            raise ZaloError(method, None, "timed out") from None
        except httpx.HTTPError as error:
            raise ZaloError(method, None, type(error).__name__) from None
        try:
            answer = response.json()
        except ValueError:
            raise ZaloError(method, response.status_code, "not JSON") from None
        if not isinstance(answer, dict) or not answer.get("ok"):
            answer = answer if isinstance(answer, dict) else {}
            raise ZaloError(method, answer.get("error_code") or response.status_code,
                            str(answer.get("description") or response.reason_phrase)[:200])
        return answer.get("result")

    async def get_me(self) -> dict:
        return await self.call("getMe")

    async def get_update(self, timeout: int = 30) -> dict | None:
        """One update or None when none came in time (Zalo answers 408, or an empty result)."""
        try:
            result = await self.call("getUpdates", {"timeout": str(timeout)}, timeout=timeout + 10)
        except ZaloError as error:
            if error.timed_out:
                return None
            raise
        if isinstance(result, list):  # defensively: a list has been seen from some servers
            result = result[0] if result else None
        return result or None

    async def send_message(self, chat_id: str, text: str) -> dict:
        return await self.call("sendMessage", {"chat_id": chat_id, "text": text[:MAX_TEXT]})

    async def send_photo(self, chat_id: str, photo_url: str, caption: str | None = None) -> dict:
        body = {"chat_id": chat_id, "photo": photo_url}
        if caption:
            body["caption"] = caption[:MAX_TEXT]
        return await self.call("sendPhoto", body)

    async def set_webhook(self, url: str, secret_token: str) -> dict:
        return await self.call("setWebhook", {"url": url, "secret_token": secret_token})

    async def delete_webhook(self) -> dict:
        return await self.call("deleteWebhook")

    async def download(self, url: str, limit: int = 10 * 1024 * 1024) -> tuple[str, bytes]:
        """A file Zalo gave as a URL (a photo): its type and bytes, at most `limit` bytes."""
        try:
            response = await self._client.get(url, timeout=30.0, follow_redirects=True)
        except httpx.HTTPError as error:
            raise ZaloError("download", None, type(error).__name__) from None
        if response.status_code != 200 or len(response.content) > limit:
            raise ZaloError("download", response.status_code, "file not available")
        return response.headers.get("content-type", "image/jpeg").split(";")[0], response.content
