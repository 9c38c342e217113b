"""The fake Bot API's request handling and Bot API methods (send, edit, delete, commands, ...)."""

from __future__ import annotations

import json
import mimetypes
import re
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import tornado.web

from bot.sandbox.fake_bot_files import _image_size
from bot.sandbox.fake_bot_records import (
    ApiCall, _ApiError, _as_bool, _as_int, _as_json, _bad, _CANONICAL, _Chat, _CHAT_ACTIONS,
    _check_inline_button, _decode_form_value, _FileRec, _has_link, MAX_CAPTION, MAX_FILE_DOWNLOAD,
    MAX_TEXT, _Msg, _same_edit_date, _strip_reply,
)
from bot.sandbox.telegram_format import _auto_entities, parse_entities, ParseError, _trim, _u16

if TYPE_CHECKING:
    from bot.sandbox.fake_bot_api import FakeBotApi


class MethodsMixin:
    """Request parsing and the Bot API methods of FakeBotApi."""

    # ------------------------------------------------------------------ request handling

    def _parse_request(self, handler: tornado.web.RequestHandler) -> tuple[dict, dict]:
        request = handler.request
        params: dict[str, Any] = {}
        for name, values in request.query_arguments.items():
            params[name] = _decode_form_value(name, values[-1].decode("utf-8", "replace"))
        ctype = request.headers.get("Content-Type", "")
        if ctype.startswith("application/json"):
            if request.body:
                try:
                    body = json.loads(request.body)
                except ValueError:
                    raise _bad("can't parse JSON encoded request body") from None
                if isinstance(body, dict):
                    params.update(body)
        else:
            for name, values in request.body_arguments.items():
                params[name] = _decode_form_value(name, values[-1].decode("utf-8", "replace"))
        files = {name: parts[-1] for name, parts in request.files.items()}
        return params, files

    async def _serve_api(self, handler: "_ApiHandler", token: str, method: str) -> None:
        try:
            params, files = self._parse_request(handler)
        except _ApiError as err:
            params, files, parse_error = {}, {}, err
        else:
            parse_error = None
        canonical = _CANONICAL.get(method.lower())
        call = ApiCall(
            method=canonical or method,
            params=params,
            at=self.clock(),
            files={
                name: {"filename": f.filename, "content_type": f.content_type, "size": len(f.body)}
                for name, f in files.items()
            },
        )
        self.calls.append(call)
        status, payload = 200, None
        try:
            if token != self.token:
                raise _ApiError(401, "Unauthorized")
            if canonical is None:
                raise _ApiError(404, "Not Found")
            if parse_error is not None:
                raise parse_error
            failures = self._failures.get(canonical.lower())
            if not failures and canonical != "getUpdates":
                failures = self._failures.get("*")
            if failures:
                fstatus, fdesc, fparams = failures.popleft()
                raise _ApiError(fstatus, fdesc, fparams)
            self._check_limits(canonical, params)
            if canonical == "getUpdates":
                self._notify(bump=False)
                result = await self._m_getUpdates(params, handler)
            else:
                result = getattr(self, "_m_" + canonical)(params, files)
            call.status, call.result = 200, result
            payload = {"ok": True, "result": result}
        except _ApiError as err:
            status = err.status
            call.status, call.error = err.status, err.description
            payload = {"ok": False, "error_code": err.status, "description": err.description}
            if err.parameters:
                payload["parameters"] = err.parameters
        self._notify(bump=call.method != "getUpdates")
        if handler.closed:
            return
        handler.set_status(status)
        handler.set_header("Content-Type", "application/json")
        handler.finish(json.dumps(payload, ensure_ascii=False).encode("utf-8"))

    # ------------------------------------------------------------------ validation helpers

    def _require(self, params: dict, name: str) -> Any:
        value = params.get(name)
        if value is None or value == "":
            if name == "chat_id":
                raise _bad("chat_id is empty")
            if name == "text":
                raise _bad("message text is empty")
            if name == "message_id":
                raise _bad("message identifier is not specified")
            raise _bad(f'parameter "{name}" is required')
        return value

    def _target_chat(self, params: dict, name: str = "chat_id") -> _Chat:
        raw = params.get(name)
        if raw is None or raw == "":
            raise _bad(f"{name} is empty")
        try:
            chat_id = _as_int(raw, name)
        except _ApiError:
            raise _bad("chat not found") from None
        chat = self._chats.get(chat_id)
        if chat is None:
            raise _bad("chat not found")
        if chat.blocked:
            raise _ApiError(403, "Forbidden: bot was blocked by the user")
        return chat

    def _formatted(self, params: dict, text_key: str, entities_key: str, mode_key: str,
                   limit: int, too_long: str) -> tuple[str, list[dict]]:  # fmt: skip
        text = params.get(text_key)
        if not isinstance(text, str):
            text = "" if text is None else str(text)
        entities = params.get(entities_key)
        if entities is not None:
            entities = _as_json(entities, entities_key)
            if not isinstance(entities, list):
                raise _bad(f"can't parse {entities_key} JSON object")
            plain = text
        else:
            mode = params.get(mode_key)
            if mode and str(mode).lower() not in ("html", "markdown", "markdownv2"):
                raise _bad("unsupported parse_mode")
            try:
                plain, entities = parse_entities(text, mode)
            except ParseError as err:
                raise _bad(f"can't parse entities: {err}") from None
        plain, entities = _trim(plain, entities)
        if _u16(plain) > limit:
            raise _bad(too_long)
        return plain, _auto_entities(plain, entities)

    def _markup(self, params: dict) -> tuple[dict | None, dict | None]:
        """(inline markup for the message, reply keyboard / remove / force_reply)."""
        raw = params.get("reply_markup")
        if raw is None or raw == "":
            return None, None
        markup = _as_json(raw, "reply_markup")
        if not isinstance(markup, dict):
            raise _bad("can't parse reply keyboard markup JSON object")
        if "inline_keyboard" in markup:
            rows = markup["inline_keyboard"]
            if not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
                raise _bad("can't parse inline keyboard button: field \"inline_keyboard\" "
                           "of the InlineKeyboardMarkup must be an Array of Arrays")  # fmt: skip
            for row in rows:
                for button in row:
                    _check_inline_button(button)
            if not any(rows):
                return None, None
            return markup, None
        if "keyboard" in markup:
            rows = markup["keyboard"]
            if not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
                raise _bad('field "keyboard" of the ReplyKeyboardMarkup must be an Array of '
                           "Arrays")  # fmt: skip
            for row in rows:
                for button in row:
                    text = button if isinstance(button, str) else (button or {}).get("text")
                    if not text:
                        raise _bad("keyboard button text must be non-empty")
            return None, markup
        if markup.get("remove_keyboard") or markup.get("force_reply"):
            return None, markup
        raise _bad("can't parse reply keyboard markup JSON object")

    def _apply_keyboard(self, chat: _Chat, keyboard: dict | None) -> None:
        if keyboard is None:
            return
        if "keyboard" in keyboard:
            chat.reply_keyboard, chat.keyboard_hidden, chat.force_reply = keyboard, False, None
        elif keyboard.get("remove_keyboard"):
            chat.reply_keyboard, chat.keyboard_hidden = None, False

    def _reply_to(self, chat: _Chat, params: dict) -> dict:
        reply = params.get("reply_parameters")
        if reply is not None:
            reply = _as_json(reply, "reply_parameters")
        elif params.get("reply_to_message_id") is not None:
            reply = {
                "message_id": params["reply_to_message_id"],
                "allow_sending_without_reply": params.get("allow_sending_without_reply"),
            }
        if not reply or not isinstance(reply, dict) or reply.get("message_id") is None:
            return {}
        mid = _as_int(reply["message_id"], "message_id")
        target = chat.messages.get(mid)
        if target is None:
            if _as_bool(reply.get("allow_sending_without_reply") or False):
                return {}
            raise _bad("message to be replied not found")
        return {"reply_to_message": _strip_reply(target.message)}

    def _send(self, chat: _Chat, params: dict, content: dict, keyboard: dict | None,
              inline: dict | None) -> dict:  # fmt: skip
        content = {**content, **self._reply_to(chat, params)}
        if inline is not None:
            content["reply_markup"] = inline
        if _as_bool(params.get("protect_content") or False):
            content["has_protected_content"] = True
        rec = self._new_message(chat, True, content, reply_keyboard=keyboard)
        self._apply_keyboard(chat, keyboard)
        if keyboard is not None and keyboard.get("force_reply"):
            chat.force_reply = {**keyboard, "message_id": rec.message["message_id"]}
        return rec.message

    def _input_file(self, params: dict, files: dict, name: str, kind: str, mime: str,
                    ext: str) -> _FileRec:  # fmt: skip
        upload = files.get(name)
        value = params.get(name)
        if upload is None and isinstance(value, str) and value.startswith("attach://"):
            upload = files.get(value[len("attach://"):])
            if upload is None:
                raise _bad(f"there is no {name} in the request")
        if upload is not None:
            fname = upload.filename or None
            ctype = upload.content_type or mime
            if ctype == "application/octet-stream" and fname:
                ctype = mimetypes.guess_type(fname)[0] or ctype
            suffix = Path(fname).suffix if fname else ext
            return self._store_file(kind, upload.body, ctype, suffix or ext, file_name=fname)
        if value is None or value == "":
            raise _bad(f"there is no {name} in the request")
        if not isinstance(value, str):
            raise _bad("wrong file identifier/HTTP URL specified")
        rec = self._files.get(value)
        if rec is not None:
            return rec
        if re.match(r"https?://", value):
            return self._store_file(kind, None, mime, ext, url=value,
                                    file_name=value.rsplit("/", 1)[-1] or None)  # fmt: skip
        raise _bad("wrong file identifier/HTTP URL specified")

    def _caption_content(self, params: dict) -> dict:
        caption, entities = self._formatted(params, "caption", "caption_entities", "parse_mode",
                                            MAX_CAPTION, "message caption is too long")  # fmt: skip
        content: dict[str, Any] = {}
        if caption:
            content["caption"] = caption
            if entities:
                content["caption_entities"] = entities
        if _as_bool(params.get("show_caption_above_media") or False):
            content["show_caption_above_media"] = True
        return content

    def _own_message(self, params: dict) -> tuple[_Chat, _Msg]:
        if params.get("inline_message_id"):
            raise _bad("MESSAGE_ID_INVALID")
        chat = self._target_chat(params)
        mid = _as_int(self._require(params, "message_id"), "message_id")
        rec = chat.messages.get(mid)
        if rec is None:
            raise _bad("message to edit not found")
        if not rec.from_bot:
            raise _bad("message can't be edited")
        return chat, rec

    def _apply_edit(self, rec: _Msg, new: dict) -> dict:
        if new == rec.message:
            raise _bad(
                "message is not modified: specified new message content and reply markup are "
                "exactly the same as a current content and reply markup of the message"
            )
        new["edit_date"] = int(time.time())
        rec.message = new
        return new

    # ------------------------------------------------------------------ methods

    def _m_getMe(self, params: dict, files: dict) -> dict:
        return {
            **self.bot_user,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    def _m_leaveChat(self, params: dict, files: dict) -> bool:
        chat = self._target_chat(params)
        if chat.chat.get("type") == "private":
            raise _bad("chat member status can't be changed in private chats")
        return True

    def _m_logOut(self, params: dict, files: dict) -> bool:
        return True

    def _m_close(self, params: dict, files: dict) -> bool:
        return True

    def _m_sendMessage(self, params: dict, files: dict) -> dict:
        chat = self._target_chat(params)
        self._require(params, "text")
        text, entities = self._formatted(params, "text", "entities", "parse_mode", MAX_TEXT,
                                         "message is too long")  # fmt: skip
        if not text:
            raise _bad("message text is empty")
        inline, keyboard = self._markup(params)
        content: dict[str, Any] = {"text": text}
        if entities:
            content["entities"] = entities
        lpo = params.get("link_preview_options")
        if lpo:
            lpo = _as_json(lpo, "link_preview_options")
            if isinstance(lpo, dict) and lpo.get("is_disabled") and _has_link(text, entities):
                content["link_preview_options"] = {"is_disabled": True}
        return self._send(chat, params, content, keyboard, inline)

    def _m_sendPhoto(self, params: dict, files: dict) -> dict:
        chat = self._target_chat(params)
        caption = self._caption_content(params)
        inline, keyboard = self._markup(params)
        rec = self._input_file(params, files, "photo", "photo", "image/jpeg", ".jpg")
        if rec.data is not None and _image_size(rec.data) is None:
            raise _bad("IMAGE_PROCESS_FAILED")
        content: dict[str, Any] = {"photo": self._photo_sizes(rec), **caption}
        if _as_bool(params.get("has_spoiler") or False):
            content["has_media_spoiler"] = True
        return self._send(chat, params, content, keyboard, inline)

    def _m_sendDocument(self, params: dict, files: dict) -> dict:
        chat = self._target_chat(params)
        caption = self._caption_content(params)
        inline, keyboard = self._markup(params)
        rec = self._input_file(params, files, "document", "document",
                               "application/octet-stream", "")  # fmt: skip
        doc: dict[str, Any] = {}
        if rec.file_name:
            doc["file_name"] = rec.file_name
        doc["mime_type"] = rec.mime
        doc.update(self._file_ref(rec))
        return self._send(chat, params, {"document": doc, **caption}, keyboard, inline)

    def _m_sendVoice(self, params: dict, files: dict) -> dict:
        chat = self._target_chat(params)
        caption = self._caption_content(params)
        inline, keyboard = self._markup(params)
        rec = self._input_file(params, files, "voice", "voice", "audio/ogg", ".oga")
        duration = params.get("duration")
        voice = {
            "duration": _as_int(duration, "duration") if duration not in (None, "") else 1,
            "mime_type": "audio/ogg" if rec.mime in ("application/octet-stream", "") else rec.mime,
            **self._file_ref(rec),
        }
        return self._send(chat, params, {"voice": voice, **caption}, keyboard, inline)

    def _m_sendSticker(self, params: dict, files: dict) -> dict:
        chat = self._target_chat(params)
        inline, keyboard = self._markup(params)
        rec = self._input_file(params, files, "sticker", "sticker", "image/webp", ".webp")
        sticker = {"width": 512, "height": 512, "emoji": params.get("emoji") or "🙂",
                   "is_animated": False, "is_video": False, "type": "regular",
                   **self._file_ref(rec)}  # fmt: skip
        return self._send(chat, params, {"sticker": sticker}, keyboard, inline)

    def _m_sendLocation(self, params: dict, files: dict) -> dict:
        chat = self._target_chat(params)
        try:
            lat = float(self._require(params, "latitude"))
            lon = float(self._require(params, "longitude"))
        except (TypeError, ValueError):
            raise _bad("wrong latitude/longitude specified") from None
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            raise _bad("wrong latitude/longitude specified")
        inline, keyboard = self._markup(params)
        location: dict[str, Any] = {"latitude": lat, "longitude": lon}
        for key in ("horizontal_accuracy", "live_period", "heading", "proximity_alert_radius"):
            if params.get(key) not in (None, ""):
                location[key] = params[key]
        return self._send(chat, params, {"location": location}, keyboard, inline)

    def _m_sendChatAction(self, params: dict, files: dict) -> bool:
        chat = self._target_chat(params)
        action = self._require(params, "action")
        if action not in _CHAT_ACTIONS:
            raise _bad("wrong parameter action in request")
        chat.action = (action, time.time())
        return True

    def _copy_source(self, params: dict) -> tuple[_Chat, _Msg]:
        source = self._chats.get(_as_int(self._require(params, "from_chat_id"), "from_chat_id"))
        if source is None:
            raise _bad("chat not found")
        mid = _as_int(self._require(params, "message_id"), "message_id")
        rec = source.messages.get(mid)
        if rec is None:
            raise _bad("message to copy not found")
        return source, rec

    def _m_forwardMessage(self, params: dict, files: dict) -> dict:
        chat = self._target_chat(params)
        source, rec = self._copy_source(params)
        m = rec.message
        content = {k: v for k, v in m.items() if k not in ("message_id", "from", "chat", "date",
                                                           "reply_to_message", "edit_date")}  # fmt: skip
        content["forward_origin"] = {"type": "user", "sender_user": m["from"], "date": m["date"]}
        return self._send(chat, {}, content, None, None)

    def _m_copyMessage(self, params: dict, files: dict) -> dict:
        chat = self._target_chat(params)
        source, rec = self._copy_source(params)
        m = rec.message
        content = {k: v for k, v in m.items() if k not in ("message_id", "from", "chat", "date",
                   "reply_to_message", "edit_date", "reply_markup")}  # fmt: skip
        if "caption" in params:
            content.pop("caption", None)
            content.pop("caption_entities", None)
            content.update(self._caption_content(params))
        inline, keyboard = self._markup(params)
        sent = self._send(chat, params, content, keyboard, inline)
        return {"message_id": sent["message_id"]}

    def _m_editMessageText(self, params: dict, files: dict) -> dict:
        chat, rec = self._own_message(params)
        self._require(params, "text")
        text, entities = self._formatted(params, "text", "entities", "parse_mode", MAX_TEXT,
                                         "MESSAGE_TOO_LONG")  # fmt: skip
        if not text:
            raise _bad("message text is empty")
        if "text" not in rec.message:
            raise _bad("there is no text in the message to edit")
        inline, keyboard = self._markup(params)
        if keyboard is not None:
            raise _bad("inline keyboard expected")
        new = {k: v for k, v in rec.message.items()
               if k not in ("text", "entities", "reply_markup", "edit_date")}  # fmt: skip
        new["text"] = text
        if entities:
            new["entities"] = entities
        if inline is not None:  # without reply_markup Telegram removes the inline keyboard
            new["reply_markup"] = inline
        return self._apply_edit(rec, _same_edit_date(new, rec.message))

    def _m_editMessageCaption(self, params: dict, files: dict) -> dict:
        chat, rec = self._own_message(params)
        if "text" in rec.message or not any(
            k in rec.message for k in ("photo", "document", "voice", "video", "audio", "animation")
        ):
            raise _bad("there is no caption in the message to edit")
        caption = self._caption_content(params)
        inline, keyboard = self._markup(params)
        if keyboard is not None:
            raise _bad("inline keyboard expected")
        new = {k: v for k, v in rec.message.items() if k not in (
            "caption", "caption_entities", "reply_markup", "edit_date",
            "show_caption_above_media")}  # fmt: skip
        new.update(caption)
        if inline is not None:
            new["reply_markup"] = inline
        return self._apply_edit(rec, _same_edit_date(new, rec.message))

    def _m_editMessageReplyMarkup(self, params: dict, files: dict) -> dict:
        chat, rec = self._own_message(params)
        inline, keyboard = self._markup(params)
        if keyboard is not None:
            raise _bad("inline keyboard expected")
        new = {k: v for k, v in rec.message.items() if k not in ("reply_markup", "edit_date")}
        if inline is not None:
            new["reply_markup"] = inline
        return self._apply_edit(rec, _same_edit_date(new, rec.message))

    def _m_deleteMessage(self, params: dict, files: dict) -> bool:
        chat = self._target_chat(params)
        mid = _as_int(self._require(params, "message_id"), "message_id")
        if chat.messages.pop(mid, None) is None:
            raise _bad("message to delete not found")
        return True

    def _m_deleteMessages(self, params: dict, files: dict) -> bool:
        chat = self._target_chat(params)
        ids = _as_json(self._require(params, "message_ids"), "message_ids")
        if not isinstance(ids, list) or not 1 <= len(ids) <= 100:
            raise _bad("message_ids must be a non-empty list of at most 100 identifiers")
        for mid in ids:
            chat.messages.pop(_as_int(mid, "message_ids"), None)
        return True

    def _m_answerCallbackQuery(self, params: dict, files: dict) -> bool:
        qid = str(self._require(params, "callback_query_id"))
        query = self._callback_queries.get(qid)
        if query is None or query["answer"] is not None:
            raise _bad("query is too old and response timeout expired or query ID is invalid")
        text = params.get("text")
        if text is not None and len(str(text)) > 200:
            raise _bad("MESSAGE_TOO_LONG")
        answer = {k: params[k] for k in ("text", "show_alert", "url", "cache_time")
                  if params.get(k) is not None}  # fmt: skip
        query["answer"] = answer
        chat = self._chats.get(query["chat_id"])
        if chat is not None and text:
            toasts = chat.toasts
            toasts.append({"id": len(toasts) + 1, "text": str(text),
                           "show_alert": _as_bool(params.get("show_alert") or False)})  # fmt: skip
            del toasts[:-20]
        return True

    def _m_getFile(self, params: dict, files: dict) -> dict:
        file_id = self._require(params, "file_id")
        rec = self._files.get(str(file_id))
        if rec is None:
            raise _bad("invalid file_id")
        if rec.size > MAX_FILE_DOWNLOAD:
            raise _bad("file is too big")
        result: dict[str, Any] = {"file_id": rec.file_id, "file_unique_id": rec.file_unique_id}
        if rec.data is not None:
            result["file_size"] = rec.size
            result["file_path"] = rec.file_path
        return result

    def _m_getChat(self, params: dict, files: dict) -> dict:
        chat = self._target_chat(params)
        return {
            **chat.chat,
            "accent_color_id": chat.user["id"] % 7,
            "max_reaction_count": 11,
            "accepted_gift_types": {
                "unlimited_gifts": True, "limited_gifts": True, "unique_gifts": True,
                "premium_subscription": True, "gifts_from_channels": True,
            },  # fmt: skip
        }

    @staticmethod
    def _scope_key(scope: Any, language_code: Any) -> tuple[str, str]:
        if isinstance(scope, str):
            scope = json.loads(scope) if scope else None
        scope = scope or {"type": "default"}
        return json.dumps(scope, sort_keys=True), str(language_code or "")

    def _m_setMyCommands(self, params: dict, files: dict) -> bool:
        commands = _as_json(self._require(params, "commands"), "commands")
        if not isinstance(commands, list) or len(commands) > 100:
            raise _bad("can't parse commands JSON object")
        clean = []
        for cmd in commands:
            if not isinstance(cmd, dict):
                raise _bad("can't parse BotCommand JSON object")
            name = str(cmd.get("command", ""))
            if not re.fullmatch(r"[a-z0-9_]{1,32}", name):
                raise _bad("BOT_COMMAND_INVALID")
            desc = str(cmd.get("description", ""))
            if not 1 <= len(desc.strip()) <= 256:
                raise _bad("BOT_COMMAND_DESCRIPTION_INVALID")
            clean.append({"command": name, "description": desc})
        key = self._scope_key(_as_json(params.get("scope"), "scope"), params.get("language_code"))
        if clean:
            self._commands[key] = clean
        else:
            self._commands.pop(key, None)
        return True

    def _m_getMyCommands(self, params: dict, files: dict) -> list[dict]:
        key = self._scope_key(_as_json(params.get("scope"), "scope"), params.get("language_code"))
        return list(self._commands.get(key, []))

    def _m_deleteMyCommands(self, params: dict, files: dict) -> bool:
        key = self._scope_key(_as_json(params.get("scope"), "scope"), params.get("language_code"))
        self._commands.pop(key, None)
        return True

    def _m_setChatMenuButton(self, params: dict, files: dict) -> bool:
        chat_id = params.get("chat_id")
        if chat_id not in (None, ""):
            chat_id = self._target_chat(params).chat["id"]
        else:
            chat_id = None
        button = _as_json(params.get("menu_button"), "menu_button") or {"type": "default"}
        if not isinstance(button, dict) or button.get("type") not in ("default", "commands",
                                                                      "web_app"):  # fmt: skip
            raise _bad("can't parse menu button")
        self._menu_buttons[chat_id] = button
        return True

    def _m_getChatMenuButton(self, params: dict, files: dict) -> dict:
        chat_id = params.get("chat_id")
        chat_id = self._target_chat(params).chat["id"] if chat_id not in (None, "") else None
        return self._menu_buttons.get(chat_id) or self._menu_buttons.get(None) or {
            "type": "commands" if self._commands else "default"}  # fmt: skip

    def _set_text(self, kind: str, key: str, limit: int, params: dict) -> bool:
        value = params.get(key) or ""
        if len(value) > limit:
            raise _bad(f"{kind.upper()}_INVALID")
        lang = str(params.get("language_code") or "")
        if value:
            self._bot_texts[(kind, lang)] = value
        else:
            self._bot_texts.pop((kind, lang), None)
        return True

    def _get_text(self, kind: str, key: str, params: dict) -> dict:
        lang = str(params.get("language_code") or "")
        return {key: self._bot_texts.get((kind, lang), self._bot_texts.get((kind, ""), ""))}

    def _m_setMyDescription(self, params: dict, files: dict) -> bool:
        return self._set_text("description", "description", 512, params)

    def _m_getMyDescription(self, params: dict, files: dict) -> dict:
        return self._get_text("description", "description", params)

    def _m_setMyShortDescription(self, params: dict, files: dict) -> bool:
        return self._set_text("short_description", "short_description", 120, params)

    def _m_getMyShortDescription(self, params: dict, files: dict) -> dict:
        return self._get_text("short_description", "short_description", params)

    def _m_setMyName(self, params: dict, files: dict) -> bool:
        return self._set_text("name", "name", 64, params)

    def _m_getMyName(self, params: dict, files: dict) -> dict:
        result = self._get_text("name", "name", params)
        return result if result["name"] else {"name": self.bot_user["first_name"]}


class _ApiHandler(tornado.web.RequestHandler):
    def initialize(self, fake: FakeBotApi) -> None:
        self.fake = fake
        self.closed = False

    async def post(self, token: str, method: str) -> None:
        await self.fake._serve_api(self, token, method)

    get = post

    def on_connection_close(self) -> None:
        self.closed = True
        self.fake._fire_updates()

    def compute_etag(self) -> None:
        return None


class _NotFoundHandler(tornado.web.RequestHandler):
    def prepare(self) -> None:
        self.set_status(404)
        self.set_header("Content-Type", "application/json")
        self.finish(b'{"ok":false,"error_code":404,"description":"Not Found"}')
