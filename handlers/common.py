"""Handlers every user meets: help, language, cancel, and a clear answer to anything unexpected."""

from __future__ import annotations

import logging

from telegram import Chat, ChatMember, Update
from telegram.error import TelegramError
from telegram.ext import ApplicationHandlerStop

from bot.i18n import LOCALES, normalize_locale
from storage import dialogs as positions
from storage.database import DatabaseBusy
from handlers.context import CHANNEL, BotContext, answer, drop_buttons, retire_buttons
from bot.dialogs.resident import HELP
from handlers.keyboards import MENU_MINE, MENU_NEW, MENU_SPEAK, inline, language_choice
from handlers.menus import set_chat_commands
from handlers.states import END

log = logging.getLogger(__name__)


async def private_chats_only(update: Update, context: BotContext) -> None:
    """The bot works in private chats only: a group or channel never reaches a handler.

    What is said in a group is read by all its members, so nothing personal may be shown there:
    a group or supergroup is told once, in a line, to write in private, and the bot leaves it;
    a channel is left without a word (a post there would be public). An update with neither a
    chat nor a user (a poll, or an update python-telegram-bot could not read) concerns no one."""
    chat = update.effective_chat
    if chat is None:
        if update.effective_user is None:
            raise ApplicationHandlerStop
        return
    if chat.type == Chat.PRIVATE:
        return
    member = update.my_chat_member
    removed = member is not None and member.new_chat_member.status in (ChatMember.LEFT, ChatMember.BANNED)
    told: set[int] = context.bot_data.setdefault("groups_told", set())
    if chat.id not in told and not removed:
        told.add(chat.id)  # before any await: concurrent updates from the same group say nothing more
        try:
            if chat.type != Chat.CHANNEL:
                user = update.effective_user
                t = context.i18n.for_locale(normalize_locale(user.language_code if user and not user.is_bot else None))
                await update.get_bot().send_message(chat.id, t(
                    "I work only in private chat, so that nobody's details are shown to a group. "
                    "Please write to me directly: @%(bot)s", bot=update.get_bot().username))
            await update.get_bot().leave_chat(chat.id)
        except TelegramError as refusal:  # already removed, or not allowed to write: nothing more to do
            log.info("could not leave chat %s: %s", chat.id, refusal)
    raise ApplicationHandlerStop


async def drop_duplicate_update(update: Update, context: BotContext) -> None:
    """An update Telegram delivers again (after a restart or a retry) is handled once only.

    Only a read here: the update is recorded in after_update, once it was handled to the end."""
    if await context.services.ledger.already_handled(CHANNEL, update.update_id):
        log.info("update %s was already handled; ignored", update.update_id)
        raise ApplicationHandlerStop
    context.services.ledger.begin()


async def after_update(update: Update, context: BotContext) -> None:
    """Write conversation positions and drafts now, not at the next interval, so a crash loses
    nothing; record the update as handled (if it changed anything). Notices the update queued are sent by
    the background sender (it was woken), not here."""
    # PTB marks the user's data for saving only after every group ran, i.e. after this one.
    if update.effective_user is not None:
        context.application.mark_data_for_update_persistence(user_ids=update.effective_user.id)
    await context.application.update_persistence()
    try:
        await context.services.ledger.finished(CHANNEL, update.update_id)
    except DatabaseBusy:
        # The answer is given and the change is kept; only a re-delivery after a crash would be handled again.
        log.warning("update %s: the database was busy; not recorded as handled", update.update_id)


async def help_text(update: Update, context: BotContext) -> None:
    """/help: what the bot does and which buttons to tap."""
    t = await context.translator(update)
    resident = await context.resident(update)
    text = t(HELP, new=t(MENU_NEW), mine=t(MENU_MINE), speak=t(MENU_SPEAK))  # the same words on every channel
    if resident is None:
        text += "\n\n" + t("To begin, tap /start.")
        await answer(update, text)
        return
    # The main menu stays on screen from before; the one thing it lacks, kept off it to keep it short.
    await answer(update, text, reply_markup=inline([[(t("👤 My details"), "pf:show")]]))


async def ask_language(update: Update, context: BotContext) -> None:
    """/language: offer the languages as buttons."""
    t = await context.translator(update)
    await answer(update, t("Choose a language."), reply_markup=language_choice("lang"))


async def set_language(update: Update, context: BotContext) -> None:
    """A language button: store the choice and show the menu in that language."""
    query = update.callback_query
    await query.answer()
    locale = query.data.split(":", 1)[1]
    if locale not in LOCALES:
        return await stale_button(update, context)
    registered = await context.resident(update) is not None
    actor = await context.actor(update)  # before the language is stored: an admin named in the settings is known
    await context.services.residents.set_locale(CHANNEL, str(update.effective_user.id), locale)  # nothing for a stranger
    context.user_data["locale"] = locale
    t = context.i18n.for_locale(locale)
    await drop_buttons(update)
    official = actor if actor is not None and actor.is_official else None
    known = registered or official is not None
    # The keyboard and the command menu change together, not at the next /start.
    await answer(update, t("The language is now English.") if locale == "en" else t("The language is now Vietnamese."),
                 reply_markup=(await context.main_menu(update, t)) if known else None)
    if known:
        await set_chat_commands(context.bot, update.effective_chat.id, t, official)


# The user_data keys of the resident flows that end in sending something (a concern draft from before /new moved to bot/dialogs).
RESIDENT_DRAFTS = ("draft", "speak", "verdict")


async def cancel(update: Update, context: BotContext) -> int:
    """/cancel inside a flow: leave it; nothing of the draft is kept."""
    t = await context.translator(update)
    await retire_buttons(context)
    # A resident's concern, wish to speak or answer is a message to the commune; an official's flow saves a record.
    sending = any(key in context.user_data for key in RESIDENT_DRAFTS)
    # Every flow keeps its draft in user_data; only the language outlives a cancel.
    for key in [key for key in context.user_data if key != "locale"]:
        del context.user_data[key]
    actor = await context.actor(update)
    known = await context.resident(update) is not None or (actor is not None and actor.is_official)
    stopped = t("Stopped. Nothing was sent.") if sending else t("Stopped. Nothing was saved.")
    await answer(update, stopped if known else t("Stopped. Tap /start when you are ready."),
                 reply_markup=(await context.main_menu(update, t)) if known else None)
    return END


async def nothing_to_cancel(update: Update, context: BotContext) -> None:
    """/cancel outside any flow."""
    t = await context.translator(update)
    registered = await context.resident(update) is not None
    await answer(update, t("There is nothing to cancel."), reply_markup=(await context.main_menu(update, t)) if registered else None)


async def unknown_command(update: Update, context: BotContext) -> None:
    """A command the bot does not know."""
    t = await context.translator(update)
    if await context.resident(update) is None:
        actor = await context.actor(update)
        if actor is None or not actor.is_official:
            await answer(update, t("I do not know that command. To begin, tap /start."))
            return
    await answer(update, t("I do not know that command. Please use the buttons below, or /help."),
                 reply_markup=await context.main_menu(update, t))


async def unknown_message(update: Update, context: BotContext) -> None:
    """Text, stickers or files outside any flow."""
    t = await context.translator(update)
    if await context.resident(update) is None:
        actor = await context.actor(update)
        if actor is not None and actor.is_official:
            # An official need not be a resident: their menu, not a registration.
            await answer(update, t("I did not understand. Please choose a button below, or a command from the menu "
                                   "(/help lists them)."), reply_markup=await context.main_menu(update, t))
            return
        await answer(update, t("Welcome! Tap /start to register first."))
        return
    await answer(update, t("I did not understand. To write to the commune, tap “%(button)s”.", button=t(MENU_NEW)),
                 reply_markup=await context.main_menu(update, t))


async def stale_button(update: Update, context: BotContext) -> None:
    """A button from an old message, or one whose data was forged: it does nothing."""
    t = await context.translator(update)
    await update.callback_query.answer(t("This button is no longer active."), show_alert=False)
    if update.effective_chat is None:
        return
    markup = None
    if await _in_a_flow(update, context):  # its own keyboard (Cancel, the phone key) stays
        text = t("This button is no longer active. Please answer the latest message.")
    elif await context.resident(update) is None and not getattr(await context.actor(update), "is_official", False):
        text = t("This button is no longer active. To begin, send /start.")  # a stranger has no menu yet
    else:
        text = t("This button is no longer active. Please use the menu below.")
        markup = await context.main_menu(update, t)
    await update.get_bot().send_message(update.effective_chat.id, text, reply_markup=markup)


# What user_data holds outside any flow; any other key is a Telegram-only flow's draft.
IDLE_KEYS = ("locale", "dialog_buttons", "live_buttons")


async def _in_a_flow(update: Update, context: BotContext) -> bool:
    """A step of bot/dialogs (not the bare menu) or a Telegram-only flow is open for this person."""
    if any(key not in IDLE_KEYS for key in context.user_data or {}):
        return True
    async with context.services.database.read() as db:
        where = await positions.position(db, CHANNEL, str(update.effective_user.id))
    return where.step not in (None, "menu")


async def edited_message(update: Update, context: BotContext) -> None:
    """Edits are not read: what was sent stands."""
    t = await context.translator(update)
    await update.get_bot().send_message(
        update.effective_chat.id, t("I only read new messages. If you want to change something, please send it again."))


async def on_error(update: object, context: BotContext) -> None:
    """Log the failure (never the token) and tell the user plainly, in private chats only; the bot goes
    on with the next update.

    A write that could not get the database in time (DatabaseBusy) was rolled back: the user is
    asked to try again, and the update's remaining handlers (saving, recording it) are skipped."""
    busy = isinstance(context.error, DatabaseBusy)
    if busy:
        log.warning("update %s: the database was busy; the user is asked to try again", getattr(update, "update_id", None))
    else:
        log.error("update %s failed", getattr(update, "update_id", None), exc_info=context.error)
    if isinstance(update, Update) and update.effective_chat is not None and update.effective_chat.type == "private":
        try:
            t = await context.translator(update)
            await update.get_bot().send_message(
                update.effective_chat.id,
                t("Sorry, the commune's system is busy right now and nothing was saved. Please try again in a moment.")
                if busy else
                t("Sorry, something went wrong on our side. Whatever you had already sent is safe. Please try again."),
            )
        except Exception:  # noqa: BLE001 - reporting the error must never raise another one
            log.exception("could not tell the user about the failure")
    if busy and isinstance(update, Update):
        raise ApplicationHandlerStop


