"""Telegram text formatting: HTML / MarkdownV2 / Markdown entity parsing and auto-detected entities."""

from __future__ import annotations

import re
from typing import Any


class ParseError(ValueError):
    """An entity parse error; str() is Telegram's text after "can't parse entities: "."""


def _u16(s: str) -> int:
    """Length of s in UTF-16 code units (Telegram's entity unit)."""
    n = len(s)
    if s.isascii():
        return n
    return n + sum(1 for ch in s if ord(ch) > 0xFFFF)


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
