"""Buttons: the main menu (reply keyboard) and the inline choices, in the user's language."""

from __future__ import annotations

import re

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, KeyboardButton, ReplyKeyboardMarkup
from telegram.ext import filters

from bot.i18n import I18n, N_, Translator

from bot.dialogs.labels import (  # noqa: F401 - defined once for both channels
    LANGUAGE_BUTTONS, MENU_CANCEL, MENU_HELP, MENU_LANGUAGE, MENU_MINE, MENU_NEW, MENU_SPEAK, PHONE_SHARE, PHONE_SKIP,
)


def flow_menu(t: Translator) -> ReplyKeyboardMarkup:
    """While filling something in: only the way out."""
    return ReplyKeyboardMarkup([[t(MENU_CANCEL)]], resize_keyboard=True, is_persistent=True)


def phone_keyboard(t: Translator, labels: list[str]) -> ReplyKeyboardMarkup:
    """Telegram's own contact button (it sends the user's number, nothing typed), then the step's choices
    (“Skip”) as keys whose text comes back as typed."""
    return ReplyKeyboardMarkup([[KeyboardButton(t(PHONE_SHARE), request_contact=True)], *([label] for label in labels)],
                               resize_keyboard=True, one_time_keyboard=True)


def menu_filter(i18n: I18n, label: str) -> filters.BaseFilter:
    """Matches the label's text in every language, so a button works whatever the user's language."""
    texts = {i18n.for_locale(locale)(label) for locale in ("vi", "en")}
    return filters.Regex("^(" + "|".join(re.escape(text) for text in sorted(texts)) + ")$")


def inline(rows: list[list[tuple[str, str]]]) -> InlineKeyboardMarkup:
    """Inline keyboard from rows of (label, callback data)."""
    return InlineKeyboardMarkup([[InlineKeyboardButton(label, callback_data=data) for label, data in row] for row in rows])


def choices(items: list[tuple[str, str]], per_row: int = 1) -> InlineKeyboardMarkup:
    rows = [items[i : i + per_row] for i in range(0, len(items), per_row)]
    return inline(rows)


def language_choice(prefix: str) -> InlineKeyboardMarkup:
    return inline([[(label, f"{prefix}:{code}") for code, label in LANGUAGE_BUTTONS]])


