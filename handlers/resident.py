"""Residents who were inside the old Telegram-only concern flow when /new moved to bot/dialogs.

Their PTB conversation was persisted at CONCERN_TOPIC, CONCERN_TEXT or CONCERN_CONFIRM with the draft in
user_data: their next message or press goes on in the runtime with that draft (handlers/dialogs.py
carry_over_draft), and the old conversation state ends there. A press of the old summary's buttons
("cc:...") reaches the same place as an entry point of the conversation."""

from __future__ import annotations

from telegram import Update
from telegram.ext import MessageHandler, filters

from handlers import dialogs
from handlers.context import BotContext
from handlers.flows import NEW_MESSAGES, Flow, Menus
from handlers.states import CONCERN_CONFIRM, CONCERN_TEXT, CONCERN_TOPIC, END


async def carried_message(update: Update, context: BotContext) -> int:
    """Typed text, a photo, a voice note... from someone left in the old flow: the runtime takes it."""
    await dialogs.message(update, context)
    return END


def flow(menus: Menus) -> Flow:
    """Only the old states, so a message sent in them is not lost; /new itself is a bot/dialogs flow."""
    carried = [MessageHandler(NEW_MESSAGES & ~filters.COMMAND & ~menus.any, carried_message)]
    return Flow(states={CONCERN_TOPIC: carried, CONCERN_TEXT: carried, CONCERN_CONFIRM: carried})
