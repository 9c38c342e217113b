"""The fake Bot API's constants, records (calls, chats, messages, files, updates) and small helpers."""

from __future__ import annotations

import inspect
import json
import re
from dataclasses import dataclass, field
from typing import Any, Callable


MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_CALLBACK_DATA = 64
MAX_FILE_DOWNLOAD = 20 * 1024 * 1024

# Update types Telegram does not deliver unless they are explicitly requested.
_NOT_DEFAULT_UPDATES = frozenset({"chat_member", "message_reaction", "message_reaction_count"})

# Form parameters that are always strings, even when they look like JSON
# (e.g. a text "123" or a numeric callback_query_id).
_STRING_PARAMS = frozenset(
    """text caption parse_mode caption_parse_mode callback_query_id inline_message_id
    business_connection_id message_effect_id file_id photo document voice audio video
    animation video_note sticker thumbnail url title description short_description name
    query switch_inline_query phone_number first_name last_name vcard address
    foursquare_id foursquare_type google_place_id google_place_type secret_token
    ip_address certificate payload provider_token currency start_parameter explanation
    explanation_parse_mode question question_parse_mode action language_code emoji
    custom_emoji_id set_name sticker_set_name result_id web_app_query_id invite_link
    gift_id text_parse_mode cache_time_text data""".split()
)

_CHAT_ACTIONS = frozenset(
    """typing upload_photo record_video upload_video record_voice upload_voice
    upload_document choose_sticker find_location record_video_note
    upload_video_note""".split()
)

_IMPLEMENTED = """getMe logOut close getUpdates setWebhook deleteWebhook getWebhookInfo
sendMessage forwardMessage copyMessage sendPhoto sendDocument sendVoice sendSticker
sendLocation sendChatAction editMessageText editMessageCaption editMessageReplyMarkup
deleteMessage deleteMessages answerCallbackQuery getFile getChat
setMyCommands getMyCommands deleteMyCommands setChatMenuButton getChatMenuButton
setMyDescription getMyDescription setMyShortDescription getMyShortDescription
setMyName getMyName leaveChat""".split()
_CANONICAL = {name.lower(): name for name in _IMPLEMENTED}


# --------------------------------------------------------------------------- records


@dataclass(eq=False)
class ApiCall:
    """One request the bot made.

    ``params`` are decoded: JSON strings of form bodies (reply_markup, entities,
    commands, scope, ...) are parsed; numbers/bools become ints/floats/bools
    (except string parameters such as ``text``). Uploaded files are not in
    ``params`` but described in ``files`` (name -> {filename, content_type, size}).
    ``status`` is the HTTP status answered, ``result`` the ``result`` returned
    (None on errors, or while a long poll is still pending), ``error`` the
    description on errors.
    """

    method: str
    params: dict
    at: float
    status: int = 0
    result: Any = None
    error: str | None = None
    files: dict = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.status == 200

    def __repr__(self) -> str:
        return f"ApiCall({self.method} {self.status or '...'} {_short(self.params)})"


class _ApiError(Exception):
    def __init__(self, status: int, description: str, parameters: dict | None = None):
        super().__init__(description)
        self.status = status
        self.description = description
        self.parameters = parameters


def _bad(description: str) -> _ApiError:
    return _ApiError(400, "Bad Request: " + description)


@dataclass(eq=False)
class _FileRec:
    file_id: str
    file_unique_id: str
    kind: str
    data: bytes | None
    mime: str
    file_path: str
    file_name: str | None = None
    url: str | None = None

    @property
    def size(self) -> int:
        return len(self.data) if self.data is not None else 0


@dataclass(eq=False)
class _Msg:
    message: dict  # the Telegram Message dict (replaced, never mutated, on edits)
    from_bot: bool
    reply_keyboard: dict | None = None  # non-inline reply_markup sent with it


@dataclass(eq=False)
class _Chat:
    user: dict
    chat: dict
    messages: dict = field(default_factory=dict)  # message_id -> _Msg (insertion order)
    next_message_id: int = 1
    reply_keyboard: dict | None = None
    keyboard_hidden: bool = False
    force_reply: dict | None = None
    blocked: bool = False
    action: tuple[str, float] | None = None
    toasts: list = field(default_factory=list)


@dataclass(eq=False, slots=True)
class _Queued:
    update: dict
    update_id: int
    kind: str
    forced: bool  # a re-pushed duplicate: deliver at least once whatever the offset
    delivered: bool = False


class _Poll:
    __slots__ = ("conflict",)

    def __init__(self) -> None:
        self.conflict = False


def _short(params: dict, width: int = 60) -> str:
    parts = []
    for key, value in params.items():
        text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
        if len(text) > width:
            text = text[: width - 1] + "…"
        parts.append(f"{key}={text!r}" if isinstance(value, str) else f"{key}={text}")
    return ", ".join(parts)


def _decode_form_value(name: str, raw: str) -> Any:
    if name in _STRING_PARAMS or not raw:
        return raw
    if raw[0] in '{["-0123456789tfn':
        try:
            return json.loads(raw)
        except ValueError:
            return raw
    return raw


def _as_int(value: Any, name: str) -> int:
    if isinstance(value, bool):
        raise _bad(f"invalid {name} specified")
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        try:
            return int(value.strip())
        except ValueError:
            pass
    raise _bad(f"invalid {name} specified")


def _as_bool(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("true", "1", "yes")
    return bool(value)


def _as_json(value: Any, name: str) -> Any:
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            raise _bad(f"can't parse {name} JSON object") from None
    return value


def _strip_reply(message: dict) -> dict:
    if "reply_to_message" in message:
        return {k: v for k, v in message.items() if k != "reply_to_message"}
    return message


def _same_edit_date(new: dict, old: dict) -> dict:
    """So that an identical edit compares equal to the current message."""
    if "edit_date" in old:
        new["edit_date"] = old["edit_date"]
    return new


def _has_link(text: str, entities: list[dict]) -> bool:
    return "http" in text or any(e["type"] in ("url", "text_link") for e in entities)


def _check_inline_button(button: Any) -> None:
    if not isinstance(button, dict):
        raise _bad("can't parse inline keyboard button: InlineKeyboardButton must be an Object")
    if not button.get("text"):
        raise _bad("can't parse inline keyboard button: Text buttons are unallowed in the "
                   "inline keyboard")  # fmt: skip
    if "callback_data" in button:
        data = button["callback_data"]
        if not isinstance(data, str) or not 1 <= len(data.encode("utf-8")) <= MAX_CALLBACK_DATA:
            raise _bad("BUTTON_DATA_INVALID")
    elif "url" in button:
        if not re.match(r"(https?|tg)://\S+$", str(button["url"])):
            raise _bad("BUTTON_URL_INVALID")
    elif not any(k in button for k in ("web_app", "login_url", "switch_inline_query",
                 "switch_inline_query_current_chat", "switch_inline_query_chosen_chat",
                 "copy_text", "callback_game", "pay")):  # fmt: skip
        raise _bad("can't parse inline keyboard button: Text buttons are unallowed in the "
                   "inline keyboard")  # fmt: skip


def _describe(predicate: Callable) -> str:
    try:
        source = inspect.getsource(predicate).strip()
        if len(source) > 200:
            source = source[:199] + "…"
        return source
    except (OSError, TypeError):
        return getattr(predicate, "__qualname__", repr(predicate))
