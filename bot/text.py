"""Text typed by people, made safe to store and to show: the one place every user text is cleaned.

Invisible characters (zero-width spaces, the byte-order mark), direction overrides (which can make
a name read backwards to an official) and control characters (NUL) are removed; what is left is
Unicode NFC, so "ệ" typed in two ways is stored one way. A text that was only such characters is
empty, and refused like an empty text.
"""

from __future__ import annotations

import re
import unicodedata

from bot.errors import TextEmpty, TextTooLong

# Control (Cc) and format (Cf) characters are dropped; in a multi-line text, newline and tab stay.
_REMOVED_CATEGORIES = frozenset({"Cc", "Cf"})
_KEPT_IN_TEXTS = frozenset("\n\t")
# Line and paragraph separators (Zl, Zp) read as a newline in a text, a space in a single line.
_LINE_BREAKS = frozenset("\u2028\u2029\r")
# Letters and marks that draw nothing (Hangul fillers, the blank Braille pattern, the grapheme joiner):
# not format characters for Unicode, but a name made of them is as empty as one made of spaces.
_BLANK_LOOKING = frozenset("\u115f\u1160\u3164\uffa0\u2800\u034f")


def clean(text: str | None, *, single_line: bool = False) -> str:
    """Text as stored: NFC, no control or format characters, trimmed; a single line has its spaces collapsed."""
    kept = []
    for char in unicodedata.normalize("NFC", (text or "").replace("\r\n", "\n")):
        if char in _LINE_BREAKS:
            kept.append(" " if single_line else "\n")
        elif char in _KEPT_IN_TEXTS and not single_line:
            kept.append(char)
        elif unicodedata.category(char) in _REMOVED_CATEGORIES or char in _BLANK_LOOKING:
            kept.append(" " if char in _KEPT_IN_TEXTS else "")
        else:
            kept.append(char)
    cleaned = "".join(kept)
    if single_line:
        return " ".join(cleaned.split())
    return cleaned.strip()


def clean_text(text: str | None, limit: int, *, required: bool = True, single_line: bool = False) -> str:
    """Cleaned text within the limit, or a refusal saying why ("empty after cleaning" is empty)."""
    cleaned = clean(text, single_line=single_line)
    if len(cleaned) > limit:
        raise TextTooLong(length=len(cleaned), limit=limit)
    if required and not cleaned:
        raise TextEmpty()
    return cleaned


# --- phone numbers in free text (erased with the person who typed them) -----------------------------

_SEPARATOR = r"[ .\-]?"
_PREFIX = rf"(?<![\w+])(?:\(?\+84\)?|84|0){_SEPARATOR}"
# Vietnamese numbers as people type them: 0912345678, 0912 345 678, 0912.345.678, 0912-345-678,
# +84 912 345 678, (+84) 912345678, 84912345678, and landlines such as 0263 3822 123
# (9 or 10 digits after the 0 or the country code 84).
PHONE_NUMBER = re.compile(rf"{_PREFIX}(?:\d{_SEPARATOR}){{8,9}}\d(?!\w)")


def phone_digits(phone: str) -> str | None:
    """The digits after the trunk 0 or the country code 84, however the number was typed; None if not a number."""
    digits = re.sub(r"\D", "", phone or "")
    if digits.startswith("84") and len(digits) >= 11:
        digits = digits[2:]
    elif digits.startswith("0"):
        digits = digits[1:]
    return digits if len(digits) >= 8 else None


def identity_pattern(names: set[str], phones: set[str]) -> re.Pattern | None:
    """Some people's names as whole words and their phone numbers however typed; None if there are none."""
    alternatives = [re.escape(name) for name in sorted(names, key=len, reverse=True)]
    patterns = [rf"(?<!\w)(?:{'|'.join(alternatives)})(?!\w)"] if alternatives else []
    for digits in sorted(filter(None, map(phone_digits, phones))):
        patterns.append(_PREFIX + _SEPARATOR.join(digits) + r"(?!\w)")
    return re.compile("|".join(patterns)) if patterns else None


# --- long texts in one channel's messages -----------------------------------------------------------

def split_message(lines: list[str], limit: int) -> list[str]:
    """Lines joined into messages of at most `limit` characters, split between lines; a longer line is cut."""
    messages: list[str] = []
    current = ""
    for line in lines:
        while len(line) > limit:
            if current:
                messages.append(current)
                current = ""
            messages.append(line[:limit])
            line = line[limit:]
        if current and len(current) + 1 + len(line) > limit:
            messages.append(current)
            current = line
        else:
            current = f"{current}\n{line}" if current else line
    if current.strip():
        messages.append(current)
    return messages
