"""A person's own data: /mydata shows a summary in the chat and sends everything as a file; /forget erases their identity."""

from __future__ import annotations

import json

from telegram import InputFile, ReplyKeyboardRemove, Update
from telegram.ext import CallbackQueryHandler, CommandHandler, MessageHandler

from bot.errors import DomainError, describe
from bot.services.privacy import FORGET_LIMITS
from bot.text import split_message
from handlers.context import CHANNEL, BotContext, answer, drop_buttons
from handlers.flows import Flow, Menus, NEW_MESSAGES
from handlers.keyboards import inline
from handlers.menus import set_chat_commands
from handlers.states import END

# This module's conversation states (range 400-449).
FORGET_CONFIRM = 400

DATA_FILE_NAME = "doithoai-my-data.json"
MAX_MESSAGE = 4096  # Telegram's limit for one message


async def my_data(update: Update, context: BotContext) -> None:
    """/mydata: a summary to read on the phone, then everything stored about the user as a JSON file."""
    t = await context.translator(update)
    try:
        data = await context.services.privacy.my_data(CHANNEL, str(update.effective_user.id))
    except DomainError as refusal:
        await answer(update, describe(refusal, t))
        return
    for part in split_message(context.services.privacy.summary(data, t), MAX_MESSAGE):
        await answer(update, part)
    document = context.services.privacy.document(data, t)
    content = json.dumps(document, ensure_ascii=False, indent=2).encode("utf-8")
    await update.get_bot().send_document(
        update.effective_chat.id, InputFile(content, filename=DATA_FILE_NAME, attach=True),
        caption=t("The same with every detail, in one file (it opens on a computer). Please keep it private."),
    )


async def ask_forget(update: Update, context: BotContext) -> int:
    """/forget: say what would be erased and what kept, and ask for a confirmation."""
    t = await context.translator(update)
    try:
        summary = await context.services.privacy.forget_summary(CHANNEL, str(update.effective_user.id))
    except DomainError as refusal:
        await answer(update, describe(refusal, t))
        return END
    buttons = inline([
        [(t("🗑 Yes, erase my identity"), "pv:forget:yes")],
        [(t("↩️ No, keep everything"), "pv:forget:no")],
    ])
    await answer(
        update,
        t("Erase your identity?\n\n"
          "Erased: your name, your phone number, the link to your Telegram account, the photos, voice notes, "
          "files and locations you sent (%(attachments)d), and every phone number written in your concerns. "
          "Any role you hold as an official is withdrawn.\n\n"
          "Kept, without your name or phone number: the text of your concerns (%(concerns)d), their topic, "
          "hamlet and status, and the officials' answers. The commune must keep them as the record of the "
          "dialogue: what residents raised and how it was answered is reported to the higher level and "
          "supervised by the Fatherland Front.\n\n"
          "Afterwards the bot no longer knows you and sends you no more news about your concerns. "
          "You may start again with /start as a new user. This cannot be undone. "
          "If you want a copy of your data first, tap /mydata.",
          concerns=summary.concerns, attachments=summary.attachments) + "\n\n" + t(FORGET_LIMITS),
        reply_markup=buttons,
    )
    return FORGET_CONFIRM


async def confirm_forget(update: Update, context: BotContext) -> int:
    """“Yes”: erase the identity, drop what the bot keeps for this chat, and end the conversation."""
    query = update.callback_query
    await query.answer()
    t = await context.translator(update)
    await drop_buttons(update)
    user_id = update.effective_user.id
    try:
        await context.services.privacy.forget(CHANNEL, str(user_id))
    except DomainError as refusal:
        await answer(update, describe(refusal, t))
        return END
    # Drafts, language and flow positions kept for this Telegram user go too.
    context.application.drop_user_data(user_id)
    await set_chat_commands(update.get_bot(), update.effective_chat.id, t, None)
    await answer(
        update,
        t("Your identity has been erased: the bot no longer knows who you are. Your name, phone number and the "
          "photos, voice notes, files and locations you sent are gone; the commune keeps only the text of your "
          "concerns, without your name or phone number, with their topic, hamlet, status and the officials' "
          "answers, as the record of the dialogue.\n\n"
          "Thank you for taking part in the commune's dialogue. To use the bot again, tap /start."),
        reply_markup=ReplyKeyboardRemove(),
    )
    return END


async def cancel_forget(update: Update, context: BotContext) -> int:
    """“No”: nothing is erased."""
    query = update.callback_query
    await query.answer()
    t = await context.translator(update)
    await drop_buttons(update)
    registered = await context.resident(update) is not None
    await answer(update, t("Nothing was erased. Everything stays as it was."),
                 reply_markup=(await context.main_menu(update, t)) if registered else None)
    return END


async def expect_button(update: Update, context: BotContext) -> None:
    """Typed text while the confirmation is awaited."""
    t = await context.translator(update)
    await answer(update, t("Please choose one of the buttons above (or send /cancel to stop)."))


def flow(menus: Menus) -> Flow:
    """/forget asks for a confirmation inside the conversation; /mydata works anywhere."""
    return Flow(
        entry_points=[CommandHandler("forget", ask_forget, filters=NEW_MESSAGES)],
        states={
            FORGET_CONFIRM: [
                CallbackQueryHandler(confirm_forget, pattern=r"^pv:forget:yes$"),
                CallbackQueryHandler(cancel_forget, pattern=r"^pv:forget:no$"),
                MessageHandler(menus.free_text, expect_button),
            ],
        },
        anywhere=[CommandHandler("mydata", my_data, filters=NEW_MESSAGES)],
    )
