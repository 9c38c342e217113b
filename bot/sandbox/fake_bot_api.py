"""A fake Telegram Bot API server, written for this project.

Used by the test suite (a real ``telegram.ext.Application`` polls it on
127.0.0.1 and tests assert on what it received), by the benchmark, and by the
sandbox (a local "Telegram" with a chat page in the browser, served at ``/``).

Everything runs in one asyncio loop (tornado on asyncio)::

    fake = FakeBotApi()
    await fake.start()
    app = (ApplicationBuilder().token(fake.token).base_url(fake.base_url)
           .base_file_url(fake.base_file_url).build())
    ...
    fake.add_user(1001, "Lan")
    fake.send_text(1001, "/start")
    await fake.wait_until(lambda: fake.bot_texts(1001))

What it imitates (faithfully enough that a bot which works here works on
Telegram): POST/GET to ``{base_url}{token}/{method}`` with url-encoded,
multipart or JSON bodies; 401 on a wrong token, 404 on an unknown method,
400 ``Bad Request: ...`` on missing/invalid parameters, message length limits,
``message is not modified``, unknown messages/chats/files, callback data
longer than 64 bytes, HTML / MarkdownV2 / Markdown parse errors (``can't parse
entities``), leading/trailing whitespace trimming, removal of the inline
keyboard by ``editMessageText`` without ``reply_markup``, getUpdates offset /
limit / timeout (long poll) / allowed_updates and the 409 conflicts
(concurrent getUpdates, getUpdates while a webhook is set). With a webhook set
(setWebhook; plain http is accepted on the loopback only), queued updates are POSTed to it
in order with the secret token header, retried until answered 2xx; deleteWebhook stops that.

Private chats: chat id == user id; groups, supergroups and channels (add_group, send_group_text,
channel_post, leaveChat) exist for testing that the bot stays out of them. Message ids are a per-chat counter
shared by the user's and the bot's messages.

Sandbox (the chat page, ``chat_page.html``, served at ``/``), JSON endpoints:

    GET  /sandbox/api/state?user_id=ID&since=VERSION
         -> {"version", "unchanged": true} when nothing changed since VERSION, else
            {"version", "bot", "users": [User + message_count], "user_id",
             "messages": [Message without chat/from + from_bot + media_url],
             "reply_keyboard": ReplyKeyboardMarkup + "hidden" | null,
             "force_reply": ForceReply + "message_id" | null,
             "toasts": [{"id", "text", "show_alert"}] (callback answers), "action"}
    POST /sandbox/api/users     {"first_name", "language_code"?, "last_name"?, "user_id"?}
    POST /sandbox/api/text      {"user_id", "text", "reply_to"?}
    POST /sandbox/api/press     {"user_id", "message_id", "data"}
    POST /sandbox/api/photo     {"user_id", "caption"?, "data_base64"?, "reply_to"?}
    POST /sandbox/api/document  {"user_id", "file_name", "data_base64"?, "mime_type"?, "caption"?}
    POST /sandbox/api/location  {"user_id", "latitude", "longitude"}
    POST /sandbox/api/voice     {"user_id", "duration"?}
    POST /sandbox/api/sticker   {"user_id", "emoji"?}
    POST /sandbox/api/contact   {"user_id", "phone_number"?}
    POST /sandbox/api/block     {"user_id", "blocked": true|false}
         -> {"ok": true, "result": <the queued update, or the User>} / 400 {"ok": false, "error"}
    GET  /sandbox/file/<file_id>   the file's bytes (photos shown in the page)

The POSTs call the same methods tests use (add_user, send_text, press, ...).
Run it alone with ``python -m bot.sandbox.fake_bot_api --port 8081``.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import collections
import inspect
import json
import math
import mimetypes
import re
import struct
import threading
import time
import zlib
from dataclasses import dataclass, field
from http import HTTPStatus
from pathlib import Path
from typing import Any, Callable

import tornado.httpclient
import tornado.httpserver
import tornado.netutil
import tornado.web

from bot.sandbox.fake_zalo_api import zalo_page_routes

__all__ = ["ApiCall", "FakeBotApi", "ParseError", "parse_entities"]

_PAGE_PATH = Path(__file__).with_name("chat_page.html")

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


class ParseError(ValueError):
    """An entity parse error; str() is Telegram's text after "can't parse entities: "."""


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


# --------------------------------------------------------------------------- helpers


def _u16(s: str) -> int:
    """Length of s in UTF-16 code units (Telegram's entity unit)."""
    n = len(s)
    if s.isascii():
        return n
    return n + sum(1 for ch in s if ord(ch) > 0xFFFF)


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


def _image_size(data: bytes | None) -> tuple[int, int] | None:
    """(width, height) of a PNG, JPEG, GIF or WebP image, None if not an image."""
    if not data:
        return None
    if data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) >= 24:
        return struct.unpack(">II", data[16:24])
    if data[:6] in (b"GIF87a", b"GIF89a") and len(data) >= 10:
        return struct.unpack("<HH", data[6:10])
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP" and len(data) >= 30:
        chunk = data[12:16]
        if chunk == b"VP8X":
            w = int.from_bytes(data[24:27], "little") + 1
            h = int.from_bytes(data[27:30], "little") + 1
            return w, h
        if chunk == b"VP8 ":
            w, h = struct.unpack("<HH", data[26:30])
            return w & 0x3FFF, h & 0x3FFF
        if chunk == b"VP8L" and len(data) >= 25:
            bits = int.from_bytes(data[21:25], "little")
            return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
        return 512, 512
    if data[:2] == b"\xff\xd8":
        i = 2
        n = len(data)
        while i + 9 < n:
            if data[i] != 0xFF:
                i += 1
                continue
            marker = data[i + 1]
            if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:
                i += 2
                continue
            seg_len = struct.unpack(">H", data[i + 2 : i + 4])[0]
            if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
                h, w = struct.unpack(">HH", data[i + 5 : i + 9])
                return w, h
            i += 2 + seg_len
        return None
    return None


def _make_png(width: int, height: int, rgb: tuple[int, int, int] = (46, 125, 50)) -> bytes:
    """A small valid PNG: a diagonal two-colour picture."""
    r, g, b = rgb
    rows = []
    for y in range(height):
        row = bytearray(b"\x00")
        for x in range(width):
            if (x * height + y * width) // max(1, width) % 40 < 20:
                row += bytes((r, g, b))
            else:
                row += bytes((250, 220, 90))
        rows.append(bytes(row))
    raw = b"".join(rows)

    def chunk(tag: bytes, payload: bytes) -> bytes:
        return (
            struct.pack(">I", len(payload))
            + tag
            + payload
            + struct.pack(">I", zlib.crc32(tag + payload) & 0xFFFFFFFF)
        )

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(raw, 9))
        + chunk(b"IEND", b"")
    )


_DEFAULT_PHOTO: bytes | None = None


def _default_photo() -> bytes:
    global _DEFAULT_PHOTO
    if _DEFAULT_PHOTO is None:
        _DEFAULT_PHOTO = _make_png(640, 480)
    return _DEFAULT_PHOTO


# --------------------------------------------------------------------------- entity parsing


_HTML_TAGS = {
    "b": "bold", "strong": "bold", "i": "italic", "em": "italic",
    "u": "underline", "ins": "underline", "s": "strikethrough", "strike": "strikethrough",
    "del": "strikethrough", "tg-spoiler": "spoiler", "span": "spoiler", "a": "text_link",
    "code": "code", "pre": "pre", "blockquote": "blockquote", "tg-emoji": "custom_emoji",
}  # fmt: skip
_HTML_ATTR = re.compile(r"""\s*([a-zA-Z_:-]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+)))?""")
_HTML_ENTITY = re.compile(r"&(#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|lt|gt|amp|quot);")


def _byte_offset(text: str, index: int) -> int:
    return len(text[:index].encode("utf-8"))


def _unescape_html(value: str) -> str:
    def repl(m: re.Match) -> str:
        name = m.group(1)
        if name[0] == "#":
            code = int(name[2:], 16) if name[1] in "xX" else int(name[1:])
            try:
                return chr(code)
            except (ValueError, OverflowError):
                return m.group(0)
        return {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}[name]

    return _HTML_ENTITY.sub(repl, value)


class _Builder:
    def __init__(self) -> None:
        self.parts: list[str] = []
        self.pos = 0  # UTF-16 offset
        self.entities: list[dict] = []

    def add(self, s: str) -> None:
        if s:
            self.parts.append(s)
            self.pos += _u16(s)

    def entity(self, etype: str, start: int, **extra: Any) -> None:
        if self.pos > start:
            ent = {"type": etype, "offset": start, "length": self.pos - start}
            ent.update({k: v for k, v in extra.items() if v is not None})
            self.entities.append(ent)

    def text(self) -> str:
        return "".join(self.parts)


def _parse_html(text: str) -> tuple[str, list[dict]]:
    out = _Builder()
    stack: list[tuple[str, int, dict]] = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c == "<":
            j = text.find(">", i)
            if j == -1:
                raise ParseError(f"Unclosed start tag at byte offset {_byte_offset(text, i)}")
            inner = text[i + 1 : j]
            if inner.startswith("/"):
                name = inner[1:].strip().lower()
                if not stack:
                    raise ParseError(f"Unexpected end tag at byte offset {_byte_offset(text, i)}")
                tag, start, attrs = stack.pop()
                if name and name != tag:
                    raise ParseError(
                        f"Unmatched end tag at byte offset {_byte_offset(text, i)}, "
                        f'expected "</{tag}>", found "</{name}>"'
                    )
                _close_html(out, stack, tag, start, attrs)
            else:
                m = re.match(r"[a-zA-Z0-9-]*", inner)
                name = m.group(0).lower()
                attrs = {}
                for am in _HTML_ATTR.finditer(inner, m.end()):
                    value = am.group(2) if am.group(2) is not None else am.group(3)
                    if value is None:
                        value = am.group(4) or ""
                    attrs[am.group(1).lower()] = _unescape_html(value)
                if name not in _HTML_TAGS or (
                    name == "span" and attrs.get("class") != "tg-spoiler"
                ):
                    raise ParseError(
                        f'Unsupported start tag "{name}" at byte offset {_byte_offset(text, i)}'
                    )
                stack.append((name, out.pos, attrs))
            i = j + 1
        elif c == "&":
            m = _HTML_ENTITY.match(text, i)
            if m:
                out.add(_unescape_html(m.group(0)))
                i = m.end()
            else:
                out.add("&")
                i += 1
        else:
            j = i + 1
            while j < n and text[j] not in "<&":
                j += 1
            out.add(text[i:j])
            i = j
    if stack:
        raise ParseError(f'Can\'t find end tag corresponding to start tag "{stack[-1][0]}"')
    return out.text(), out.entities


def _close_html(out: _Builder, stack: list, tag: str, start: int, attrs: dict) -> None:
    etype = _HTML_TAGS[tag]
    if tag == "a":
        href = attrs.get("href", "")
        m = re.fullmatch(r"tg://user\?id=(\d+)", href)
        if m:
            out.entity("text_mention", start, user={"id": int(m.group(1)), "is_bot": False,
                                                   "first_name": ""})
        elif href:
            out.entity("text_link", start, url=href)
        return
    if tag == "code" and stack and stack[-1][0] == "pre":
        lang = attrs.get("class", "")
        if lang.startswith("language-"):
            stack[-1][2]["_language"] = lang[len("language-"):]
            return
    if tag == "pre":
        out.entity("pre", start, language=attrs.get("_language"))
        return
    if tag == "blockquote" and "expandable" in attrs:
        out.entity("expandable_blockquote", start)
        return
    if tag == "tg-emoji":
        out.entity("custom_emoji", start, custom_emoji_id=attrs.get("emoji-id"))
        return
    out.entity(etype, start)


_MDV2_RESERVED = frozenset("_*[]()~`>#+-=|{}.!")
_MDV2_NAMES = {
    "bold": "Bold", "italic": "Italic", "underline": "Underline", "strikethrough":
    "Strikethrough", "spoiler": "Spoiler", "link": "TextUrl", "emoji": "CustomEmoji",
}  # fmt: skip


def _parse_markdown_v2(text: str) -> tuple[str, list[dict]]:
    out = _Builder()
    stack: list[tuple[str, int, int]] = []  # (kind, utf16 start, byte offset)
    quote_start: int | None = None
    i, n = 0, len(text)
    line_start = True

    def read_until(j: int, closer: str, what: str, start_byte: int) -> tuple[str, int]:
        buf = []
        while j < n:
            ch = text[j]
            if ch == "\\" and j + 1 < n:
                buf.append(text[j + 1])
                j += 2
                continue
            if text.startswith(closer, j):
                return "".join(buf), j + len(closer)
            buf.append(ch)
            j += 1
        raise ParseError(f"Can't find end of {what} entity at byte offset {start_byte}")

    while i < n:
        c = text[i]
        if line_start:
            line_start = False
            if c == ">" or text.startswith("**>", i):
                if quote_start is None:
                    quote_start = out.pos
                i += 3 if c == "*" else 1
                continue
            if quote_start is not None:
                # the quote ended on the previous line (its newline is not quoted)
                out.parts[-1] = out.parts[-1][:-1]
                out.pos -= 1
                out.entity("blockquote", quote_start)
                out.add("\n")
                quote_start = None
        if c == "\\" and i + 1 < n and 0 < ord(text[i + 1]) < 127:
            out.add(text[i + 1])
            i += 2
            continue
        if c == "\n":
            out.add(c)
            line_start = True
            i += 1
            continue
        if c == "`":
            b = _byte_offset(text, i)
            if text.startswith("```", i):
                body, i = read_until(i + 3, "```", "Pre", b)
                language = None
                first, sep, rest = body.partition("\n")
                if sep and first and " " not in first:
                    language, body = first, rest
                start = out.pos
                out.add(body)
                out.entity("pre", start, language=language)
            else:
                body, i = read_until(i + 1, "`", "Code", b)
                start = out.pos
                out.add(body)
                out.entity("code", start)
            continue
        kind, width = None, 1
        if c == "*":
            kind = "bold"
        elif c == "_":
            if text.startswith("__", i):
                kind, width = "underline", 2
            else:
                kind = "italic"
        elif c == "~":
            kind = "strikethrough"
        elif c == "|" and text.startswith("||", i):
            kind, width = "spoiler", 2
        if kind is not None:
            if stack and stack[-1][0] == kind:
                _, start, _ = stack.pop()
                out.entity(kind, start)
            elif any(k == kind for k, _, _ in stack):
                top = stack[-1]
                raise ParseError(
                    f"Can't find end of {_MDV2_NAMES[top[0]]} entity at byte offset {top[2]}"
                )
            else:
                stack.append((kind, out.pos, _byte_offset(text, i)))
            i += width
            continue
        if c == "[" or (c == "!" and text.startswith("![", i)):
            stack.append(("emoji" if c == "!" else "link", out.pos, _byte_offset(text, i)))
            i += 2 if c == "!" else 1
            continue
        if c == "]" and stack and stack[-1][0] in ("link", "emoji"):
            kind, start, b = stack.pop()
            if not text.startswith("(", i + 1):
                raise ParseError(f"Can't find end of {_MDV2_NAMES[kind]} entity at byte offset {b}")
            url, i = read_until(i + 2, ")", _MDV2_NAMES[kind], b)
            if kind == "emoji":
                m = re.fullmatch(r"tg://emoji\?id=(\d+)", url)
                out.entity("custom_emoji", start, custom_emoji_id=m.group(1) if m else None)
            else:
                m = re.fullmatch(r"tg://user\?id=(\d+)", url)
                if m:
                    out.entity("text_mention", start, user={"id": int(m.group(1)),
                                                            "is_bot": False, "first_name": ""})
                else:
                    out.entity("text_link", start, url=url)
            continue
        if c in _MDV2_RESERVED:
            raise ParseError(
                f"Character '{c}' is reserved and must be escaped with the preceding '\\'"
            )
        j = i + 1
        while j < n and text[j] not in _MDV2_RESERVED and text[j] not in "\\\n":
            j += 1
        out.add(text[i:j])
        i = j
    if stack:
        kind, _, b = stack[-1]
        raise ParseError(f"Can't find end of {_MDV2_NAMES[kind]} entity at byte offset {b}")
    if quote_start is not None:
        out.entity("blockquote", quote_start)
    return out.text(), out.entities


def _parse_markdown(text: str) -> tuple[str, list[dict]]:
    """Legacy Markdown: *bold* _italic_ `code` ```pre``` [text](url)."""
    out = _Builder()
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c == "\\" and i + 1 < n and text[i + 1] in "_*`[":
            out.add(text[i + 1])
            i += 2
            continue
        if c in "*_`[":
            b = _byte_offset(text, i)
            err = ParseError(f"Can't find end of the entity starting at byte offset {b}")
            start = out.pos
            if text.startswith("```", i):
                j = text.find("```", i + 3)
                if j == -1:
                    raise err
                body = text[i + 3 : j]
                language = None
                first, sep, rest = body.partition("\n")
                if sep and first and " " not in first:
                    language, body = first, rest
                out.add(body)
                out.entity("pre", start, language=language)
                i = j + 3
                continue
            if c == "[":
                j = text.find("]", i + 1)
                if j == -1 or not text.startswith("(", j + 1) or text.find(")", j + 2) == -1:
                    raise err
                k = text.find(")", j + 2)
                out.add(text[i + 1 : j])
                out.entity("text_link", start, url=text[j + 2 : k])
                i = k + 1
                continue
            j = text.find(c, i + 1)
            if j == -1:
                raise err
            out.add(text[i + 1 : j])
            out.entity({"*": "bold", "_": "italic", "`": "code"}[c], start)
            i = j + 1
            continue
        j = i + 1
        while j < n and text[j] not in "\\*_`[":
            j += 1
        out.add(text[i:j])
        i = j
    return out.text(), out.entities


def parse_entities(text: str, parse_mode: str | None) -> tuple[str, list[dict]]:
    """Telegram's formatting: returns (plain text, entities); raises ParseError."""
    mode = (parse_mode or "").strip().lower()
    if not mode:
        return text, []
    parser = {"html": _parse_html, "markdownv2": _parse_markdown_v2,
              "markdown": _parse_markdown}.get(mode)  # fmt: skip
    if parser is None:
        raise ParseError("Unsupported parse_mode")
    plain, entities = parser(text)
    return plain, sorted(entities, key=lambda e: (e["offset"], -e["length"]))


def _trim(text: str, entities: list[dict]) -> tuple[str, list[dict]]:
    """Telegram strips leading/trailing whitespace and re-bases the entities."""
    stripped = text.strip()
    if stripped == text:
        return text, entities
    lead = _u16(text[: len(text) - len(text.lstrip())])
    total = _u16(stripped)
    result = []
    for ent in entities:
        start = max(0, ent["offset"] - lead)
        end = min(total, ent["offset"] + ent["length"] - lead)
        if end > start:
            result.append({**ent, "offset": start, "length": end - start})
    return stripped, result


_COMMAND_RE = re.compile(r"(?<![\w/])/[A-Za-z0-9_]{1,64}(?:@[A-Za-z0-9_]{3,64})?")


_AUTO_RE = re.compile(
    r"(?P<url>\b(?:https?://|www\.)[^\s<>\"]+[^\s<>\".,;:!?)\]'])"
    r"|(?P<email>\b[\w.+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,})"
    r"|(?P<mention>(?<![\w@])@[A-Za-z][A-Za-z0-9_]{3,31}\b)"
    r"|(?P<hashtag>(?<![\w#])#[^\W\d_]\w*)"
    r"|(?P<bot_command>(?<![\w/])/[A-Za-z0-9_]{1,64}(?:@[A-Za-z0-9_]{3,64})?)"
)
_OPAQUE = frozenset({"code", "pre", "text_link", "text_mention", "url", "email", "mention",
                     "hashtag", "bot_command", "custom_emoji"})  # fmt: skip


def _auto_entities(text: str, entities: list[dict]) -> list[dict]:
    """Entities Telegram detects by itself in sent text (urls, mentions, ...)."""
    if not any(ch in text for ch in "/@#w"):
        return entities
    taken = [(e["offset"], e["offset"] + e["length"]) for e in entities if e["type"] in _OPAQUE]
    found = []
    for m in _AUTO_RE.finditer(text):
        start = _u16(text[: m.start()])
        end = start + _u16(m.group(0))
        if any(a < end and start < b for a, b in taken):
            continue
        found.append({"type": m.lastgroup, "offset": start, "length": end - start})
    if not found:
        return entities
    return sorted(entities + found, key=lambda e: (e["offset"], -e["length"]))


def _command_entities(text: str) -> list[dict]:
    entities = []
    for m in _COMMAND_RE.finditer(text):
        offset = _u16(text[: m.start()])
        entities.append({"type": "bot_command", "offset": offset, "length": _u16(m.group(0))})
    return entities


# --------------------------------------------------------------------------- the server


class FakeBotApi:
    """A fake Telegram Bot API server (see the module docstring)."""

    def __init__(
        self,
        *,
        token: str = "123456:TEST-TOKEN",
        bot_id: int = 123456,
        bot_username: str = "doithoai_test_bot",
        host: str = "127.0.0.1",
        port: int = 0,
        bot_first_name: str = "Đối Thoại",
    ) -> None:
        self.token = token
        self.bot_id = bot_id
        self.bot_username = bot_username
        self.host = host
        self._requested_port = port
        self.port: int = port
        self.bot_user = {
            "id": bot_id,
            "is_bot": True,
            "first_name": bot_first_name,
            "username": bot_username,
        }
        self.calls: list[ApiCall] = []
        self._users: dict[int, dict] = {}
        self._chats: dict[int, _Chat] = {}
        self._files: dict[str, _FileRec] = {}
        self._files_by_path: dict[str, _FileRec] = {}
        self._file_counter = 0
        self._queue: collections.deque[_Queued] = collections.deque()
        self._next_update_id = 100_000_001
        self._max_update_id = 0
        self._allowed_updates: frozenset[str] | None = None  # None = Telegram's default
        self._active_poll: _Poll | None = None
        self._callback_queries: dict[str, dict] = {}
        self._next_callback_id = 4_382_000_000_000_000_001
        self._failures: dict[str, collections.deque] = {}
        self.zalo = None  # a FakeZaloApi whose residents the page can play too (the sandbox sets it)
        self._chat_failures: dict[int, collections.deque] = {}
        # Telegram's flood limits, when enforce_limits() was called: (per second overall, per second per chat).
        self._limits: tuple[float, float] | None = None
        self._sent_at: collections.deque[float] = collections.deque()
        self._chat_sent_at: dict[int, float] = {}
        self.limit_hits = 0  # 429s answered because a limit was broken
        self._webhook: dict = {"url": ""}
        self._webhook_task: asyncio.Task | None = None
        self.webhook_posts: list[tuple[int, int]] = []  # (update_id, HTTP status; 0 = no connection)
        self._commands: dict[tuple[str, str], list[dict]] = {}
        self._menu_buttons: dict[int | None, dict] = {}
        self._bot_texts: dict[tuple[str, str], str] = {}
        self._version = 0
        self._server: tornado.httpserver.HTTPServer | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._loop_thread: int | None = None
        self._stopping = False
        self._changed = asyncio.Event()
        self._updates_ev = asyncio.Event()

    # ------------------------------------------------------------------ lifecycle

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}/bot"

    @property
    def base_file_url(self) -> str:
        return f"http://{self.host}:{self.port}/file/bot"

    @property
    def page_url(self) -> str:
        return f"http://{self.host}:{self.port}/"

    async def start(self) -> None:
        """Bind (port 0 = a free port) and serve in the running loop."""
        if self._server is not None:
            return
        self._loop = asyncio.get_running_loop()
        self._loop_thread = threading.get_ident()
        self._changed = asyncio.Event()
        self._updates_ev = asyncio.Event()
        self._stopping = False
        app = tornado.web.Application(
            [
                (r"/bot([^/]*)/([^/]+)/?", _ApiHandler, {"fake": self}),
                (r"/file/bot([^/]*)/(.+)", _FileHandler, {"fake": self}),
                (r"/sandbox/file/([^/]+)", _SandboxFileHandler, {"fake": self}),
                (r"/sandbox/api/([a-z_]+)", _SandboxApiHandler, {"fake": self}),
                (r"/", _PageHandler, {"fake": self}),
                # The fake Zalo's page (a resident without buttons), when the sandbox runs one beside this.
                *zalo_page_routes(lambda: self.zalo),
                (r"/.*", _NotFoundHandler),
            ],
            log_function=lambda handler: None,
            compress_response=False,
        )
        sockets = tornado.netutil.bind_sockets(self._requested_port, address=self.host)
        self.port = sockets[0].getsockname()[1]
        self._server = tornado.httpserver.HTTPServer(
            app, max_buffer_size=64 * 1024 * 1024, max_body_size=64 * 1024 * 1024
        )
        self._server.add_sockets(sockets)

    async def stop(self) -> None:
        """Answer pending long polls, stop listening and close all connections."""
        server, self._server = self._server, None
        if server is None:
            return
        self._stopping = True
        self._stop_webhook_delivery()
        self._fire_updates()
        self._fire_changed()
        await asyncio.sleep(0)
        server.stop()
        try:
            await asyncio.wait_for(server.close_all_connections(), 5)
        except (asyncio.TimeoutError, Exception):  # pragma: no cover - best effort
            pass

    async def __aenter__(self) -> "FakeBotApi":
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    # ------------------------------------------------------------------ notifications

    def _fire_changed(self) -> None:
        ev, self._changed = self._changed, asyncio.Event()
        ev.set()

    def _fire_updates(self) -> None:
        ev, self._updates_ev = self._updates_ev, asyncio.Event()
        ev.set()

    def _notify(self, updates: bool = False, bump: bool = True) -> None:
        if bump:
            self._version += 1
        if self._loop is not None and threading.get_ident() != self._loop_thread:
            if updates:
                self._loop.call_soon_threadsafe(self._fire_updates)
            self._loop.call_soon_threadsafe(self._fire_changed)
            return
        if updates:
            self._fire_updates()
        self._fire_changed()

    # ------------------------------------------------------------------ inspection

    def calls_of(self, method: str | None = None, chat_id: int | None = None) -> list[ApiCall]:
        """Recorded calls (all statuses), optionally of one method (case-insensitive)
        and/or one chat_id."""
        m = method.lower() if method else None
        c = str(chat_id) if chat_id is not None else None
        return [
            call
            for call in self.calls
            if (m is None or call.method.lower() == m)
            and (c is None or str(call.params.get("chat_id")) == c)
        ]

    def chat(self, chat_id: int) -> list[dict]:
        """Transcript of a private chat, current state (edits applied, deletions
        removed). Each item is the Telegram Message dict plus ``from_bot`` and
        ``reply_keyboard`` (the non-inline reply_markup sent with it, or None)."""
        chat = self._chats.get(int(chat_id))
        if chat is None:
            return []
        return [
            {**m.message, "from_bot": m.from_bot, "reply_keyboard": m.reply_keyboard}
            for m in chat.messages.values()
        ]

    def bot_texts(self, chat_id: int) -> list[str]:
        """Texts (or captions) of the bot's messages in a chat, current state; bot
        messages with neither (a bare location, voice, ...) are skipped."""
        chat = self._chats.get(int(chat_id))
        if chat is None:
            return []
        result = []
        for m in chat.messages.values():
            if m.from_bot:
                text = m.message.get("text", m.message.get("caption"))
                if text is not None:
                    result.append(text)
        return result

    def last_bot_message(self, chat_id: int) -> dict | None:
        """The bot's latest message in the chat (Telegram dict), or None."""
        chat = self._chats.get(int(chat_id))
        if chat is None:
            return None
        for m in reversed(chat.messages.values()):
            if m.from_bot:
                return m.message
        return None

    def current_reply_keyboard(self, chat_id: int) -> list[list[str]] | None:
        """Button texts of the reply keyboard the user sees now (None when there is
        none, it was removed, or a one_time_keyboard was used)."""
        chat = self._chats.get(int(chat_id))
        if chat is None or chat.reply_keyboard is None or chat.keyboard_hidden:
            return None
        return [
            [b if isinstance(b, str) else b.get("text", "") for b in row]
            for row in chat.reply_keyboard.get("keyboard", [])
        ]

    def reply_keyboard_markup(self, chat_id: int) -> dict | None:
        """The full ReplyKeyboardMarkup dict currently in force (even if hidden)."""
        chat = self._chats.get(int(chat_id))
        return chat.reply_keyboard if chat else None

    def callback_answer(self, callback_query_id: str | dict) -> dict | None:
        """The answerCallbackQuery params given for a query (or its update), None
        while unanswered."""
        if isinstance(callback_query_id, dict):
            callback_query_id = callback_query_id["callback_query"]["id"]
        query = self._callback_queries.get(str(callback_query_id))
        return query["answer"] if query else None

    def my_commands(self, scope: dict | None = None, language_code: str = "") -> list[dict]:
        """Commands stored by setMyCommands for a scope (default {"type": "default"})."""
        return list(self._commands.get(self._scope_key(scope, language_code), []))

    def menu_button(self, chat_id: int | None = None) -> dict | None:
        return self._menu_buttons.get(chat_id)

    @property
    def users(self) -> list[dict]:
        return list(self._users.values())

    @property
    def pending_updates(self) -> int:
        return len(self._queue)

    def file_bytes(self, file_id: str) -> bytes | None:
        rec = self._files.get(file_id)
        return rec.data if rec else None

    # ------------------------------------------------------------------ waiting

    async def wait_until(
        self, predicate: Callable[[], Any], timeout: float = 10.0, *, message: str | None = None
    ) -> None:
        """Wait until predicate() is truthy; re-evaluated on every recorded call or
        queued update (and at least every 0.1 s, for predicates on other state).
        The predicate may be async. Raises TimeoutError describing the wait."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            ev = self._changed
            value = predicate()
            if inspect.isawaitable(value):
                value = await value
            if value:
                return
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise TimeoutError(
                    f"wait_until({message or _describe(predicate)}) still false after "
                    f"{timeout}s. {self._recent_calls()}"
                )
            try:
                await asyncio.wait_for(ev.wait(), min(remaining, 0.1))
            except asyncio.TimeoutError:
                pass

    async def wait_for_call(
        self, method: str, *, chat_id: int | None = None, after: int = 0, timeout: float = 10.0
    ) -> ApiCall:
        """The first call of ``method`` (and chat_id) with index >= ``after`` in
        ``calls``; waits for it. Use ``after=len(fake.calls)`` to wait for a new one."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        m = method.lower()
        c = str(chat_id) if chat_id is not None else None
        i = after
        while True:
            ev = self._changed
            calls = self.calls
            while i < len(calls):
                call = calls[i]
                i += 1
                if call.method.lower() == m and (c is None or str(call.params.get("chat_id")) == c):
                    return call
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise TimeoutError(
                    f"no {method} call"
                    + (f" for chat_id={chat_id}" if chat_id is not None else "")
                    + f" at index >= {after} within {timeout}s. {self._recent_calls()}"
                )
            try:
                await asyncio.wait_for(ev.wait(), min(remaining, 0.5))
            except asyncio.TimeoutError:
                pass

    def _recent_calls(self, n: int = 10) -> str:
        interesting = [c for c in self.calls if c.method != "getUpdates"][-n:]
        polls = sum(1 for c in self.calls if c.method == "getUpdates")
        lines = [
            f"  {c.method} -> {c.status}{' ' + c.error if c.error else ''}: {_short(c.params)}"
            for c in interesting
        ]
        return (
            f"{len(self.calls)} calls recorded ({polls} getUpdates), "
            f"{len(self._queue)} updates unconfirmed; last calls:\n" + "\n".join(lines)
            if lines
            else f"{len(self.calls)} calls recorded ({polls} getUpdates), none but getUpdates; "
            f"{len(self._queue)} updates unconfirmed."
        )

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

    # ------------------------------------------------------------------ files

    def _store_file(
        self, kind: str, data: bytes | None, mime: str, ext: str, *, file_name: str | None = None,
        url: str | None = None,
    ) -> _FileRec:  # fmt: skip
        self._file_counter += 1
        n = self._file_counter
        prefix = {"photo": "AgACAgUAAxkB", "voice": "AwACAgUAAxkB", "document": "BQACAgUAAxkB",
                  "sticker": "CAACAgUAAxkB"}.get(kind, "BAACAgUAAxkB")  # fmt: skip
        file_id = f"{prefix}{n:06d}{base64.urlsafe_b64encode(struct.pack('>I', n * 2654435761 % 2**32)).decode().rstrip('=')}"  # noqa: E501
        folder = {"photo": "photos", "voice": "voice", "document": "documents",
                  "sticker": "stickers"}.get(kind, kind)  # fmt: skip
        rec = _FileRec(
            file_id=file_id,
            file_unique_id=f"AQAD{n:06d}",
            kind=kind,
            data=data,
            mime=mime,
            file_path=f"{folder}/file_{n}{ext}",
            file_name=file_name,
            url=url,
        )
        self._files[file_id] = rec
        self._files_by_path[rec.file_path] = rec
        return rec

    def _file_ref(self, rec: _FileRec) -> dict:
        ref: dict[str, Any] = {"file_id": rec.file_id, "file_unique_id": rec.file_unique_id}
        if rec.data is not None:
            ref["file_size"] = rec.size
        return ref

    def _photo_sizes(self, rec: _FileRec) -> list[dict]:
        """PhotoSize list, smallest first; every size resolves to the same bytes."""
        w, h = _image_size(rec.data) or (800, 600)
        biggest = max(w, h, 1)
        sizes = []
        for limit in (90, 320, 800, 1280):
            if biggest > limit:
                scale = limit / biggest
                alias = self._alias_file(rec, f"s{limit}")
                sizes.append({**self._file_ref(alias), "width": max(1, round(w * scale)),
                              "height": max(1, round(h * scale))})  # fmt: skip
        if biggest > 2560:
            scale = 2560 / biggest
            w, h = round(w * scale), round(h * scale)
        sizes.append({**self._file_ref(rec), "width": w, "height": h})
        return sizes

    def _alias_file(self, rec: _FileRec, suffix: str) -> _FileRec:
        alias = self._store_file(rec.kind, rec.data, rec.mime, Path(rec.file_path).suffix)
        alias.file_unique_id = f"{rec.file_unique_id}{suffix}"
        return alias

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
            at=time.time(),
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


# --------------------------------------------------------------------------- tornado handlers


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


class _FileHandler(tornado.web.RequestHandler):
    def initialize(self, fake: FakeBotApi) -> None:
        self.fake = fake

    def get(self, token: str, path: str) -> None:
        rec = self.fake._files_by_path.get(path)
        if token != self.fake.token or rec is None or rec.data is None:
            self.set_status(404)
            self.set_header("Content-Type", "application/json")
            self.finish(b'{"ok":false,"error_code":404,"description":"Not Found"}')
            return
        self.set_header("Content-Type", rec.mime or "application/octet-stream")
        self.finish(rec.data)

    def compute_etag(self) -> None:
        return None


class _SandboxFileHandler(tornado.web.RequestHandler):
    def initialize(self, fake: FakeBotApi) -> None:
        self.fake = fake

    def get(self, file_id: str) -> None:
        rec = self.fake._files.get(file_id)
        if rec is None or rec.data is None:
            self.send_error(404)
            return
        self.set_header("Content-Type", rec.mime or "application/octet-stream")
        self.set_header("Cache-Control", "max-age=3600")
        self.finish(rec.data)


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


class _NotFoundHandler(tornado.web.RequestHandler):
    def prepare(self) -> None:
        self.set_status(404)
        self.set_header("Content-Type", "application/json")
        self.finish(b'{"ok":false,"error_code":404,"description":"Not Found"}')


# --------------------------------------------------------------------------- standalone


def main(argv: list[str] | None = None) -> None:  # pragma: no cover - manual use
    """Serve the fake API and the chat page alone: python -m bot.sandbox.fake_bot_api"""
    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("--port", type=int, default=8081)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--token", default="123456:TEST-TOKEN")
    args = parser.parse_args(argv)

    async def run() -> None:
        fake = FakeBotApi(token=args.token, host=args.host, port=args.port)
        await fake.start()
        fake.add_user(1001, "Lan", language_code="vi")
        print(f"chat page: {fake.page_url}\nbase_url:  {fake.base_url}\ntoken:     {fake.token}")
        try:
            await asyncio.Event().wait()
        finally:
            await fake.stop()

    try:
        asyncio.run(run())
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":  # pragma: no cover
    main()
