"""How a module of handlers plugs into the bot: its part of the one conversation, and its other handlers."""

from __future__ import annotations

from dataclasses import dataclass, field

from telegram.ext import BaseHandler, filters

from bot.i18n import I18n
from handlers.keyboards import MENU_CANCEL, MENU_HELP, MENU_LANGUAGE, MENU_MINE, MENU_NEW, MENU_SPEAK, menu_filter

NEW_MESSAGES = filters.UpdateType.MESSAGE
ATTACHMENTS = filters.PHOTO | filters.VOICE | filters.LOCATION | filters.Document.ALL


@dataclass
class Flow:
    """entry_points and states join the one per-user conversation (so starting a flow leaves
    any other); `anywhere` handlers work outside it, in group 0 after the conversation.
    Each module numbers its states in its own range (resident 0-99, admin 100-199, ...)."""

    entry_points: list[BaseHandler] = field(default_factory=list)
    states: dict[int, list[BaseHandler]] = field(default_factory=dict)
    anywhere: list[BaseHandler] = field(default_factory=list)


class _IsMenuButton(filters.MessageFilter):
    """True for the text of any main-menu button known so far, in any language (checked at each update)."""

    def __init__(self, texts: set[str]) -> None:
        super().__init__(name="menu button")
        self._texts = texts

    def filter(self, message) -> bool:
        return message.text in self._texts


class Menus:
    """Filters for the main-menu buttons, matching their text in every language."""

    def __init__(self, i18n: I18n) -> None:
        self.i18n = i18n
        self._texts: set[str] = set()
        self.any = _IsMenuButton(self._texts)
        self.new = self.label(MENU_NEW)
        self.mine = self.label(MENU_MINE)
        self.speak = self.label(MENU_SPEAK)
        self.help = self.label(MENU_HELP)
        self.language = self.label(MENU_LANGUAGE)
        self.cancel = self.label(MENU_CANCEL)
        # Typed text that is neither a command nor any menu button (buttons added later included).
        self.free_text = NEW_MESSAGES & filters.TEXT & ~filters.COMMAND & ~self.any

    def label(self, msgid: str) -> filters.BaseFilter:
        """A filter for a menu button's text in every language; it is kept out of free text."""
        self._texts.update(self.i18n.for_locale(locale)(msgid) for locale in ("vi", "en"))
        return NEW_MESSAGES & menu_filter(self.i18n, msgid)
