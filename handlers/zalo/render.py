"""How a dialog reply or a notice reads on Zalo: no buttons, so choices are a numbered list, and
every text within Zalo's 2,000 characters."""

from __future__ import annotations

from babel.lists import format_list

from bot.dialogs.labels import MENU_CANCEL
from bot.dialogs.runtime import MORE, MORE_LABEL, Choice, Reply
from bot.i18n import Translator
from handlers.zalo.client import MAX_TEXT


def numbered(text: str, choices: list[Choice], t: Translator, *, cancel: bool = False, more: bool = False) -> str:
    if not choices:
        return text
    lines = [text, ""] + [f"{number}. {choice.label}" for number, choice in enumerate(choices, 1)]
    numbers = [str(number) for number in range(1, len(choices) + 1)]
    if more:
        lines.append(f"{MORE}. {t(MORE_LABEL)}")
    if cancel:
        lines.append(f"0. {t(MENU_CANCEL)}")
    lines += ["", t("Reply %(numbers)s.", numbers=format_list(numbers, style="or", locale=t.locale))]
    if more:
        lines.append(t("Type 9 to see more."))
    return "\n".join(lines)


def render_reply(reply: Reply, t: Translator) -> list[str]:
    return split_text(numbered(reply.text, reply.choices, t, cancel=reply.cancel, more=reply.more))


def split_text(text: str, limit: int = MAX_TEXT) -> list[str]:
    """Parts of at most `limit` characters, cut at a line break (or a space) where one is near."""
    parts = []
    while len(text) > limit:
        cut = text.rfind("\n", 0, limit)
        if cut < limit // 2:
            cut = text.rfind(" ", 0, limit)
        if cut < limit // 2:
            cut = limit
        parts.append(text[:cut].rstrip())
        text = text[cut:].lstrip("\n ")
    if text or not parts:
        parts.append(text)
    return parts
