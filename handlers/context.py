"""What every Telegram handler needs: the services, the user's language, replying plainly."""

from __future__ import annotations

import logging

from telegram import Message, Update
from telegram.error import BadRequest
from telegram.ext import Application, CallbackContext, ExtBot

from bot.i18n import I18n, Translator, normalize_locale
from bot.services import Services
from bot.roles import Actor
from storage.records import Resident

CHANNEL = "telegram"
log = logging.getLogger(__name__)


class BotContext(CallbackContext[ExtBot, dict, dict, dict]):
    """CallbackContext with typed access to the wiring kept in bot_data."""

    def __init__(self, application: Application, chat_id: int | None = None, user_id: int | None = None) -> None:
        super().__init__(application=application, chat_id=chat_id, user_id=user_id)

    @property
    def services(self) -> Services:
        return self.application.bot_data["services"]

    @property
    def i18n(self) -> I18n:
        return self.application.bot_data["i18n"]

    async def translator(self, update: Update) -> Translator:
        """The user's chosen language; before any choice, the language of their Telegram app."""
        user = update.effective_user
        locale = self.user_data.get("locale") if self.user_data is not None else None
        if locale is None and user is not None:
            locale = await self.services.residents.locale_of(CHANNEL, str(user.id))
            if locale is not None and self.user_data is not None:
                self.user_data["locale"] = locale
            # A guess from the Telegram app is not kept: user_data is saved to SQLite, and a stranger's
            # /help must not need a write (it would wait behind any write lock).
            locale = locale or normalize_locale(user.language_code)
        return self.i18n.for_locale(locale)

    async def actor(self, update: Update) -> Actor | None:
        """The user as an official of their commune (roles may be empty)."""
        user = update.effective_user
        if user is None:
            return None
        return await self.services.staff.actor(CHANNEL, str(user.id), user.full_name, writing=True, username=user.username)

    async def main_menu(self, update: Update, t: Translator):
        """The main-menu keyboard for this user's roles."""
        from handlers.menus import main_menu

        actor = await self.actor(update)
        if actor is None or not actor.is_official:
            return main_menu(t, None)
        return main_menu(t, actor, resident=await self.resident(update) is not None)

    async def resident(self, update: Update) -> Resident | None:
        user = update.effective_user
        return await self.services.residents.find(CHANNEL, str(user.id)) if user else None


async def answer(update: Update, text: str, **kwargs) -> Message | None:
    """Reply in the chat the update came from, whether it is a message or a button press.

    A button press is answered (once, as Telegram requires) by its own handler."""
    if update.effective_chat is not None:
        return await update.get_bot().send_message(update.effective_chat.id, text, **kwargs)
    return None


async def ask(update: Update, context: BotContext, text: str, reply_markup) -> None:
    """Send a step's question with inline buttons, remembered so that `retire_buttons` can take them
    off when the step ends by something typed instead of a tap."""
    message = await answer(update, text, reply_markup=reply_markup)
    if message is not None and context.user_data is not None:
        context.user_data["live_buttons"] = [message.chat_id, message.message_id]


async def retire_buttons(context: BotContext) -> None:
    """The step of the last question asked is over: its buttons go, so none stays looking live."""
    live = context.user_data.pop("live_buttons", None) if context.user_data is not None else None
    if not live:
        return
    try:
        await context.bot.edit_message_reply_markup(chat_id=live[0], message_id=live[1], reply_markup=None)
    except BadRequest as refusal:
        log.debug("buttons not removed: %s", refusal)


async def drop_buttons(update: Update) -> None:
    """Take the inline buttons off the pressed message, so they cannot be pressed again.

    Cosmetic: when Telegram refuses (already removed by an earlier press, or the message is
    too old to edit) the flow goes on; the handlers' own checks stop a second press anyway."""
    try:
        await update.callback_query.edit_message_reply_markup(None)
    except BadRequest as refusal:
        log.debug("buttons not removed: %s", refusal)


async def replace_message(update: Update, text: str, reply_markup=None) -> None:
    """Turn the pressed message into the answer (one request instead of two, and the chat stays
    short on a small screen); if Telegram will not edit it, send the answer as a new message."""
    try:
        await update.callback_query.edit_message_text(text, reply_markup=reply_markup)
    except BadRequest as refusal:
        log.debug("message not edited (%s); sending it instead", refusal)
        await answer(update, text, reply_markup=reply_markup)
