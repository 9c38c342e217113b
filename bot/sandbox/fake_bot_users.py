"""The fake Bot API's simulated users and groups: what residents send and press."""

from __future__ import annotations

import mimetypes
import time
from pathlib import Path
from typing import Any

from bot.sandbox.fake_bot_files import _default_photo
from bot.sandbox.fake_bot_records import _as_int, _Chat, _Msg, _Queued, _strip_reply
from bot.sandbox.telegram_format import _command_entities


class UsersMixin:
    """Simulated users, groups and channels of FakeBotApi (the updates they cause)."""

    def block_bot(self, user_id: int) -> dict:
        """The user blocks the bot: later sends to them get 403, and a
        my_chat_member update (member -> kicked) is queued and returned."""
        chat = self._chat_for(user_id)
        chat.blocked = True
        return self._member_update(chat, "member", "kicked")

    def unblock_bot(self, user_id: int) -> dict:
        chat = self._chat_for(user_id)
        chat.blocked = False
        return self._member_update(chat, "kicked", "member")

    def _member_update(self, chat: _Chat, old: str, new: str) -> dict:
        now = int(time.time())
        return self._queue_update(
            {
                "my_chat_member": {
                    "chat": chat.chat,
                    "from": chat.user,
                    "date": now,
                    "old_chat_member": {"user": self.bot_user, "status": old}
                    | ({"until_date": 0} if old == "kicked" else {}),
                    "new_chat_member": {"user": self.bot_user, "status": new}
                    | ({"until_date": 0} if new == "kicked" else {}),
                }
            }
        )

    # ------------------------------------------------------------------ users & updates

    def add_user(
        self,
        user_id: int,
        first_name: str,
        *,
        language_code: str | None = "vi",
        last_name: str | None = None,
        username: str | None = None,
    ) -> dict:
        """Create (or update) a user; returns the Telegram User dict."""
        user_id = int(user_id)
        user: dict[str, Any] = {"id": user_id, "is_bot": False, "first_name": first_name}
        if last_name:
            user["last_name"] = last_name
        if username:
            user["username"] = username
        if language_code:
            user["language_code"] = language_code
        self._users[user_id] = user
        chat_dict: dict[str, Any] = {"id": user_id, "first_name": first_name}
        if last_name:
            chat_dict["last_name"] = last_name
        if username:
            chat_dict["username"] = username
        chat_dict["type"] = "private"
        existing = self._chats.get(user_id)
        if existing is None:
            self._chats[user_id] = _Chat(user=user, chat=chat_dict)
        else:
            existing.user, existing.chat = user, chat_dict
        self._notify()
        return user

    def _chat_for(self, user_id: int) -> _Chat:
        chat = self._chats.get(int(user_id))
        if chat is None:
            self.add_user(int(user_id), f"User {user_id}")
            chat = self._chats[int(user_id)]
        return chat

    def _new_message(self, chat: _Chat, from_bot: bool, content: dict, **meta: Any) -> _Msg:
        mid = chat.next_message_id
        chat.next_message_id += 1
        message = {
            "message_id": mid,
            "from": self.bot_user if from_bot else chat.user,
            "chat": chat.chat,
            "date": int(time.time()),
            **content,
        }
        rec = _Msg(message=message, from_bot=from_bot, **meta)
        chat.messages[mid] = rec
        if from_bot:
            chat.action = None
        return rec

    def _user_message(self, user_id: int, content: dict, reply_to: int | None = None) -> dict:
        chat = self._chat_for(user_id)
        if reply_to is not None:
            target = chat.messages.get(int(reply_to))
            if target is None:
                raise ValueError(f"no message {reply_to} in chat {user_id} to reply to")
            content = {**content, "reply_to_message": _strip_reply(target.message)}
        chat.force_reply = None
        rec = self._new_message(chat, False, content)
        return self._queue_update({"message": rec.message})

    def _queue_update(self, update: dict, forced: bool = False) -> dict:
        if "update_id" not in update:
            update = {"update_id": self._next_update_id, **update}
            self._next_update_id += 1
        uid = int(update["update_id"])
        kind = next((k for k in update if k != "update_id"), "")
        forced = forced or uid <= self._max_update_id
        self._max_update_id = max(self._max_update_id, uid)
        self._next_update_id = max(self._next_update_id, uid + 1)
        self._queue.append(_Queued(update=update, update_id=uid, kind=kind, forced=forced))
        self._notify(updates=True)
        return update

    def send_text(self, user_id: int, text: str, *, reply_to: int | None = None) -> dict:
        """The user sends a text ("/cmd ..." gets bot_command entities)."""
        chat = self._chat_for(user_id)
        content: dict[str, Any] = {"text": text}
        entities = _command_entities(text)
        if entities:
            content["entities"] = entities
        kb = chat.reply_keyboard
        if kb is not None and kb.get("one_time_keyboard") and not chat.keyboard_hidden:
            texts = {b if isinstance(b, str) else b.get("text") for row in kb.get("keyboard", [])
                     for b in row}  # fmt: skip
            if text in texts:
                chat.keyboard_hidden = True
        return self._user_message(user_id, content, reply_to)

    def send_photo(
        self,
        user_id: int,
        caption: str | None = None,
        data: bytes | None = None,
        *,
        reply_to: int | None = None,
    ) -> dict:
        """The user sends a photo (default: a generated 640x480 PNG)."""
        self._chat_for(user_id)
        rec = self._store_file("photo", data if data is not None else _default_photo(),
                               "image/jpeg", ".jpg")  # fmt: skip
        content: dict[str, Any] = {"photo": self._photo_sizes(rec)}
        if caption:
            content["caption"] = caption
            entities = _command_entities(caption)
            if entities:
                content["caption_entities"] = entities
        return self._user_message(user_id, content, reply_to)

    def send_location(self, user_id: int, latitude: float, longitude: float) -> dict:
        return self._user_message(
            user_id, {"location": {"latitude": float(latitude), "longitude": float(longitude)}}
        )

    def send_voice(self, user_id: int, duration: int = 3, data: bytes | None = None) -> dict:
        if data is None:
            data = b"OggS\x00\x02" + bytes(200 + 40 * int(duration))
        rec = self._store_file("voice", data, "audio/ogg", ".oga")
        voice = {"duration": int(duration), "mime_type": "audio/ogg", **self._file_ref(rec)}
        return self._user_message(user_id, {"voice": voice})

    def send_document(
        self,
        user_id: int,
        file_name: str = "a.pdf",
        data: bytes | None = None,
        *,
        caption: str | None = None,
        mime_type: str | None = None,
    ) -> dict:
        mime = mime_type or mimetypes.guess_type(file_name)[0] or "application/octet-stream"
        if data is None:
            data = b"%PDF-1.4\n% fake document\n%%EOF\n" if mime == "application/pdf" else (
                b"fake document " + file_name.encode())  # fmt: skip
        rec = self._store_file("document", data, mime, Path(file_name).suffix or "",
                               file_name=file_name)  # fmt: skip
        doc = {"file_name": file_name, "mime_type": mime, **self._file_ref(rec)}
        content: dict[str, Any] = {"document": doc}
        if caption:
            content["caption"] = caption
        return self._user_message(user_id, content)

    def send_sticker(self, user_id: int, emoji: str = "👍") -> dict:
        data = b"RIFF\x1a\x00\x00\x00WEBPVP8X\x0a\x00\x00\x00\x00\x00\x00\x00\xff\x01\x00\xff\x01\x00"
        rec = self._store_file("sticker", data, "image/webp", ".webp")
        sticker = {
            "width": 512, "height": 512, "emoji": emoji, "set_name": "DoiThoaiTest",
            "is_animated": False, "is_video": False, "type": "regular", **self._file_ref(rec),
        }  # fmt: skip
        return self._user_message(user_id, {"sticker": sticker})

    def send_contact(self, user_id: int, phone_number: str | None = None) -> dict:
        """The user shares their own contact (a request_contact button)."""
        chat = self._chat_for(user_id)
        contact: dict[str, Any] = {
            "phone_number": phone_number or f"84{900000000 + int(user_id) % 100000000}",
            "first_name": chat.user["first_name"],
            "user_id": int(user_id),
        }
        if "last_name" in chat.user:
            contact["last_name"] = chat.user["last_name"]
        return self._user_message(user_id, {"contact": contact})

    def edit_user_message(self, user_id: int, message_id: int, text: str) -> dict:
        """The user edits one of their text messages: an edited_message update."""
        chat = self._chat_for(user_id)
        rec = chat.messages.get(int(message_id))
        if rec is None or rec.from_bot or "text" not in rec.message:
            raise ValueError(f"no user text message {message_id} in chat {user_id}")
        content = {**rec.message, "text": text, "edit_date": int(time.time())}
        content.pop("entities", None)
        entities = _command_entities(text)
        if entities:
            content["entities"] = entities
        rec.message = content
        return self._queue_update({"edited_message": content})

    def press(self, user_id: int, message_id: int, data: str) -> dict:
        """The user taps an inline button with callback ``data`` on a bot message."""
        chat = self._chat_for(user_id)
        rec = chat.messages.get(int(message_id))
        if rec is None or not rec.from_bot:
            raise ValueError(f"no bot message {message_id} in chat {user_id} to press a button on")
        qid = str(self._next_callback_id)
        self._next_callback_id += 1
        self._callback_queries[qid] = {"chat_id": int(user_id), "message_id": int(message_id),
                                       "answer": None}  # fmt: skip
        query = {
            "id": qid,
            "from": chat.user,
            "message": rec.message,
            "chat_instance": str(-(7_000_000_000_000_000_000 + int(user_id))),
            "data": data,
        }
        return self._queue_update({"callback_query": query})

    def push_update(self, update: dict) -> dict:
        """Queue a raw update as-is (update_id assigned if missing). Pushing an
        update whose update_id was already used queues a duplicate that is
        delivered once more whatever offset the bot already confirmed."""
        return self._queue_update(update)

    # ------------------------------------------------------------------ groups & channels

    # Telegram's placeholder senders: "from" of a message sent on behalf of a chat.
    CHANNEL_BOT = {"id": 136817688, "is_bot": True, "first_name": "Channel", "username": "Channel_Bot"}

    def add_group(self, chat_id: int, title: str, *, type: str = "group") -> dict:
        """A group, supergroup or channel (negative ids, as on Telegram) the bot is in."""
        chat_dict = {"id": int(chat_id), "type": type, "title": title}
        self._chats[int(chat_id)] = _Chat(user={"id": int(chat_id)}, chat=chat_dict)
        return chat_dict

    def left_chats(self) -> list[int]:
        """Chats the bot left with leaveChat, in order."""
        return [_as_int(c.params.get("chat_id"), "chat_id") for c in self.calls if c.method == "leaveChat" and c.ok]

    def add_bot_to_group(self, chat_id: int, by_user_id: int) -> dict:
        """Someone adds the bot to a group: a my_chat_member update (left -> member)."""
        chat = self._chats[int(chat_id)]
        return self._queue_update({"my_chat_member": {
            "chat": chat.chat, "from": self._chat_for(by_user_id).user, "date": int(time.time()),
            "old_chat_member": {"user": self.bot_user, "status": "left"},
            "new_chat_member": {"user": self.bot_user, "status": "member"},
        }})

    def send_group_text(self, chat_id: int, text: str, *, user_id: int | None = None,
                        sender_chat: dict | None = None) -> dict:
        """A message in a group: from ``user_id``, or on behalf of ``sender_chat`` (then "from" is
        Telegram's placeholder), or with no sender at all when both are None."""
        chat = self._chats[int(chat_id)]
        content: dict[str, Any] = {"text": text}
        entities = _command_entities(text)
        if entities:
            content["entities"] = entities
        rec = self._new_message(chat, False, content)
        message = dict(rec.message)
        message.pop("from", None)
        if user_id is not None:
            message["from"] = self._chat_for(user_id).user
        elif sender_chat is not None:
            message["from"], message["sender_chat"] = self.CHANNEL_BOT, sender_chat
        rec.message = message
        return self._queue_update({"message": message})

    def channel_post(self, chat_id: int, text: str, *, edit_of: int | None = None) -> dict:
        """A post in a channel (no "from", sender_chat is the channel), or an edit of one."""
        chat = self._chats[int(chat_id)]
        if edit_of is not None:
            message = {**chat.messages[int(edit_of)].message, "text": text, "edit_date": int(time.time())}
            chat.messages[int(edit_of)].message = message
            return self._queue_update({"edited_channel_post": message})
        rec = self._new_message(chat, False, {"text": text, "sender_chat": chat.chat})
        message = {k: v for k, v in rec.message.items() if k != "from"}
        rec.message = message
        return self._queue_update({"channel_post": message})
