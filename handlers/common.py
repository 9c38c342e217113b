"""Handlers every user meets: help, language, cancel, and a clear answer to anything unexpected."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.ext import ApplicationHandlerStop

from bot.i18n import LOCALES
from handlers.context import CHANNEL, BotContext, answer, drop_buttons
from handlers.keyboards import MENU_MINE, MENU_NEW, MENU_SPEAK, language_choice
from handlers.states import END

log = logging.getLogger(__name__)


async def drop_duplicate_update(update: Update, context: BotContext) -> None:
    """An update Telegram delivers again (after a restart or a retry) is handled once only."""
    if not await context.services.ledger.first_time(CHANNEL, update.update_id):
        log.info("update %s was already handled; ignored", update.update_id)
        raise ApplicationHandlerStop


async def after_update(update: Update, context: BotContext) -> None:
    """Write conversation positions and drafts now, not at the next interval, so a crash loses
    nothing. Notices the update queued are sent by the background sender (it was woken), not here."""
    # PTB marks the user's data for saving only after every group ran, i.e. after this one.
    if update.effective_user is not None:
        context.application.mark_data_for_update_persistence(user_ids=update.effective_user.id)
    await context.application.update_persistence()


async def help_text(update: Update, context: BotContext) -> None:
    """/help: what the bot does and which buttons to tap."""
    t = await context.translator(update)
    resident = await context.resident(update)
    text = t(
        "This bot lets you take part in the commune's direct dialogue between its leaders and residents.\n\n"
        "%(new)s: write to the leaders about land, environment, compensation, social policies, officials' conduct, "
        "infrastructure or anything else.\n"
        "%(mine)s: see each concern's tracking code, status and history.\n"
        "%(speak)s: ask to speak about your concern at the dialogue meeting.\n\n"
        "Complaints and denunciations that need a petition go to the commune's citizen reception, not to the dialogue.\n"
        "Send /cancel at any time to stop what you are doing, and /language to change the language.",
        new=t(MENU_NEW), mine=t(MENU_MINE), speak=t(MENU_SPEAK),
    )
    if resident is None:
        text += "\n\n" + t("To begin, tap /start.")
    await answer(update, text, reply_markup=(await context.main_menu(update, t)) if resident else None)


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
    await context.services.residents.set_locale(CHANNEL, str(update.effective_user.id), locale)
    context.user_data["locale"] = locale
    t = context.i18n.for_locale(locale)
    await drop_buttons(update)
    registered = await context.resident(update) is not None
    await answer(update, t("The language is now English.") if locale == "en" else t("The language is now Vietnamese."),
                 reply_markup=(await context.main_menu(update, t)) if registered else None)


async def cancel(update: Update, context: BotContext) -> int:
    """/cancel inside a flow: leave it; nothing of the draft is kept."""
    t = await context.translator(update)
    # Every flow keeps its draft in user_data; only the language outlives a cancel.
    for key in [key for key in context.user_data if key != "locale"]:
        del context.user_data[key]
    actor = await context.actor(update)
    known = await context.resident(update) is not None or (actor is not None and actor.is_official)
    await answer(update, t("Stopped. Nothing was sent.") if known else t("Stopped. Tap /start when you are ready."),
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
    registered = await context.resident(update) is not None
    await answer(update, t("I do not know that command. Please use the buttons below, or /help."),
                 reply_markup=(await context.main_menu(update, t)) if registered else None)


async def unknown_message(update: Update, context: BotContext) -> None:
    """Text, stickers or files outside any flow."""
    t = await context.translator(update)
    if await context.resident(update) is None:
        await answer(update, t("Welcome! Tap /start to register first."))
        return
    await answer(update, t("I did not understand. To write to the commune, tap “%(button)s”.", button=t(MENU_NEW)),
                 reply_markup=await context.main_menu(update, t))


async def stale_button(update: Update, context: BotContext) -> None:
    """A button from an old message, or one whose data was forged: it does nothing."""
    t = await context.translator(update)
    await update.callback_query.answer(t("This button is no longer active."), show_alert=False)
    if update.effective_chat is not None:
        await update.get_bot().send_message(
            update.effective_chat.id, t("This button is no longer active. Please use the menu below."),
            reply_markup=(await context.main_menu(update, t)) if await context.resident(update) else None,
        )


async def edited_message(update: Update, context: BotContext) -> None:
    """Edits are not read: what was sent stands."""
    t = await context.translator(update)
    await update.get_bot().send_message(
        update.effective_chat.id, t("I only read new messages. If you want to change something, please send it again."))


async def on_error(update: object, context: BotContext) -> None:
    """Log the failure (never the token) and tell the user plainly; the bot goes on with the next update."""
    log.error("update %s failed", getattr(update, "update_id", None), exc_info=context.error)
    if isinstance(update, Update) and update.effective_chat is not None:
        try:
            t = await context.translator(update)
            await update.get_bot().send_message(
                update.effective_chat.id,
                t("Sorry, something went wrong on our side. Whatever you had already sent is safe. Please try again."),
            )
        except Exception:  # noqa: BLE001 - reporting the error must never raise another one
            log.exception("could not tell the user about the failure")


