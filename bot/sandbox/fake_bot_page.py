"""The fake Bot API's sandbox chat page: its state, its JSON actions and HTTP routes."""

from __future__ import annotations

import base64
import json
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import tornado.web

if TYPE_CHECKING:
    from bot.sandbox.fake_bot_api import FakeBotApi


_PAGE_PATH = Path(__file__).with_name("chat_page.html")


class PageMixin:
    """The sandbox chat page's state and actions of FakeBotApi."""

    # ------------------------------------------------------------------ sandbox

    def sandbox_state(self, user_id: int | None, since: int | None = None) -> dict:
        """What the chat page shows (GET /sandbox/api/state)."""
        if since is not None and since == self._version:
            return {"version": self._version, "unchanged": True}
        state: dict[str, Any] = {
            "version": self._version,
            "bot": self.bot_user,
            "users": [
                {**u, "message_count": len(self._chats[u["id"]].messages)} for u in self.users
            ],
            "user_id": user_id,
            "messages": [],
            "reply_keyboard": None,
            "force_reply": None,
            "toasts": [],
            "action": None,
        }
        chat = self._chats.get(int(user_id)) if user_id is not None else None
        if chat is None:
            return state
        messages = []
        for m in chat.messages.values():
            item = {**m.message, "from_bot": m.from_bot}
            item.pop("chat", None)
            item.pop("from", None)
            media = self._media_url(m.message)
            if media:
                item["media_url"] = media
            messages.append(item)
        state["messages"] = messages
        if chat.reply_keyboard is not None:
            state["reply_keyboard"] = {**chat.reply_keyboard, "hidden": chat.keyboard_hidden}
        state["force_reply"] = chat.force_reply
        state["toasts"] = chat.toasts[-5:]
        if chat.action and time.time() - chat.action[1] < 5:
            state["action"] = chat.action[0]
        return state

    def _media_url(self, message: dict) -> str | None:
        if "photo" in message:
            file_id = message["photo"][-1]["file_id"]
        else:
            for key in ("voice", "document", "sticker", "audio", "video"):
                if key in message:
                    file_id = message[key]["file_id"]
                    break
            else:
                return None
        rec = self._files.get(file_id)
        if rec is not None and rec.url and rec.data is None:
            return rec.url
        return f"/sandbox/file/{file_id}"

    def _sandbox_call(self, action: str, body: dict) -> dict:
        if action == "users":
            name = str(body.get("first_name") or "").strip()
            if not name:
                raise ValueError("first_name is required")
            user_id = body.get("user_id")
            if user_id in (None, ""):
                user_id = max([1_000_000, *self._users]) + 1
            lang = body.get("language_code") or None
            return self.add_user(int(user_id), name, language_code=lang,
                                 last_name=body.get("last_name") or None,
                                 username=body.get("username") or None)  # fmt: skip
        user_id = int(body["user_id"])
        if user_id not in self._users:
            raise ValueError(f"unknown user {user_id}")
        reply_to = body.get("reply_to")
        reply_to = int(reply_to) if reply_to not in (None, "") else None
        if action == "text":
            text = str(body.get("text") or "")
            if not text.strip():
                raise ValueError("text is empty")
            return self.send_text(user_id, text, reply_to=reply_to)
        if action == "press":
            return self.press(user_id, int(body["message_id"]), str(body["data"]))
        if action == "photo":
            data = base64.b64decode(body["data_base64"]) if body.get("data_base64") else None
            return self.send_photo(user_id, body.get("caption") or None, data, reply_to=reply_to)
        if action == "document":
            data = base64.b64decode(body["data_base64"]) if body.get("data_base64") else None
            return self.send_document(user_id, body.get("file_name") or "file.bin", data,
                                      caption=body.get("caption") or None,
                                      mime_type=body.get("mime_type") or None)  # fmt: skip
        if action == "location":
            return self.send_location(user_id, float(body["latitude"]), float(body["longitude"]))
        if action == "voice":
            return self.send_voice(user_id, int(body.get("duration") or 3))
        if action == "sticker":
            return self.send_sticker(user_id, body.get("emoji") or "👍")
        if action == "contact":
            return self.send_contact(user_id, body.get("phone_number") or None)
        if action == "block":
            return self.block_bot(user_id) if body.get("blocked", True) else self.unblock_bot(
                user_id)  # fmt: skip
        raise LookupError(action)


class _PageHandler(tornado.web.RequestHandler):
    def initialize(self, fake: FakeBotApi) -> None:
        self.fake = fake

    def get(self) -> None:
        self.set_header("Content-Type", "text/html; charset=utf-8")
        self.set_header("Cache-Control", "no-store")
        self.finish(_PAGE_PATH.read_bytes())


class _SandboxApiHandler(tornado.web.RequestHandler):
    def initialize(self, fake: FakeBotApi) -> None:
        self.fake = fake

    def _json(self, payload: Any, status: int = 200) -> None:
        self.set_status(status)
        self.set_header("Content-Type", "application/json")
        self.set_header("Cache-Control", "no-store")
        self.finish(json.dumps(payload, ensure_ascii=False).encode("utf-8"))

    def get(self, action: str) -> None:
        if action != "state":
            self._json({"ok": False, "error": "Not Found"}, 404)
            return
        user_id = self.get_query_argument("user_id", None)
        since = self.get_query_argument("since", None)
        try:
            state = self.fake.sandbox_state(
                int(user_id) if user_id else None, int(since) if since else None
            )
        except ValueError as err:
            self._json({"ok": False, "error": str(err)}, 400)
            return
        self._json(state)

    def post(self, action: str) -> None:
        try:
            body = json.loads(self.request.body or b"{}")
            if not isinstance(body, dict):
                raise ValueError("body must be a JSON object")
            result = self.fake._sandbox_call(action, body)
        except LookupError:
            self._json({"ok": False, "error": "Not Found"}, 404)
            return
        except (ValueError, TypeError) as err:
            self._json({"ok": False, "error": str(err)}, 400)
            return
        self._json({"ok": True, "result": result})

    def compute_etag(self) -> None:
        return None
