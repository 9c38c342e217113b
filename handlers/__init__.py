"""Telegram adapters. `register` wires every handler into an Application, in a deliberate order."""

from __future__ import annotations

import warnings

from telegram import Update
from telegram.ext import (
    Application, CallbackQueryHandler, CommandHandler, ConversationHandler, MessageHandler, TypeHandler, filters,
)
from telegram.warnings import PTBUserWarning

from bot.i18n import I18n
from handlers import common, onboarding, resident
from handlers.keyboards import MENU_CANCEL, MENU_HELP, MENU_LANGUAGE, MENU_MINE, MENU_NEW, MENU_SPEAK, menu_filter
from handlers.states import (
    CONCERN_CONFIRM, CONCERN_TEXT, CONCERN_TOPIC, ONBOARD_COMMUNE, ONBOARD_HAMLET, ONBOARD_LANGUAGE, ONBOARD_NAME,
    SPEAK_CONFIRM, SPEAK_PICK, SPEAK_POINT,
)

NEW_MESSAGES = filters.UpdateType.MESSAGE
ATTACHMENTS = filters.PHOTO | filters.VOICE | filters.AUDIO | filters.LOCATION | filters.Document.ALL


def _conversation(i18n: I18n) -> ConversationHandler:
    """One conversation per user for every flow, so starting one flow always leaves the other."""
    menu = {label: menu_filter(i18n, label) for label in (MENU_NEW, MENU_MINE, MENU_SPEAK, MENU_HELP, MENU_LANGUAGE, MENU_CANCEL)}
    any_menu = menu[MENU_NEW] | menu[MENU_MINE] | menu[MENU_SPEAK] | menu[MENU_HELP] | menu[MENU_LANGUAGE] | menu[MENU_CANCEL]
    free_text = NEW_MESSAGES & filters.TEXT & ~filters.COMMAND & ~any_menu
    starts = [
        CommandHandler("start", onboarding.start, filters=NEW_MESSAGES),
        CommandHandler("new", resident.new_concern, filters=NEW_MESSAGES),
        MessageHandler(NEW_MESSAGES & menu[MENU_NEW], resident.new_concern),
        CommandHandler("speak", resident.speak_menu, filters=NEW_MESSAGES),
        MessageHandler(NEW_MESSAGES & menu[MENU_SPEAK], resident.speak_menu),
        CallbackQueryHandler(resident.speak_pick, pattern=r"^sp:new$"),
    ]
    expect_button = MessageHandler(free_text, resident.expect_button)
    anything_else = MessageHandler(NEW_MESSAGES & ~filters.COMMAND & ~any_menu, resident.expect_text)
    with warnings.catch_warnings():
        # per_message=False is intended: a user has one flow at a time, whichever message its buttons sit on.
        warnings.simplefilter("ignore", PTBUserWarning)
        return ConversationHandler(
            name="main",
            persistent=True,
            allow_reentry=True,
            entry_points=starts,
            states={
                ONBOARD_LANGUAGE: [CallbackQueryHandler(onboarding.choose_language, pattern=r"^ob:lang:(vi|en)$"),
                                   MessageHandler(free_text, onboarding.onboarding_needs_button)],
                ONBOARD_COMMUNE: [CallbackQueryHandler(onboarding.choose_commune, pattern=r"^ob:commune:[^:]{1,32}$"),
                                  MessageHandler(free_text, onboarding.onboarding_needs_button)],
                ONBOARD_HAMLET: [CallbackQueryHandler(onboarding.choose_hamlet, pattern=r"^ob:hamlet:[^:]{1,32}$"),
                                 MessageHandler(free_text, onboarding.onboarding_needs_button)],
                ONBOARD_NAME: [MessageHandler(free_text, onboarding.give_name),
                               CallbackQueryHandler(onboarding.give_name, pattern=r"^ob:name:telegram$")],
                CONCERN_TOPIC: [CallbackQueryHandler(resident.choose_topic, pattern=r"^cc:cat:[^:]{1,32}$"), expect_button],
                CONCERN_TEXT: [MessageHandler(free_text, resident.concern_text),
                               MessageHandler(NEW_MESSAGES & ATTACHMENTS, resident.concern_attachment),
                               anything_else],
                CONCERN_CONFIRM: [CallbackQueryHandler(resident.confirm_concern, pattern=r"^cc:ok:[0-9a-f]{16}$"),
                                  CallbackQueryHandler(resident.discard_concern, pattern=r"^cc:no:[0-9a-f]{16}$"),
                                  MessageHandler(free_text, resident.concern_text),
                                  MessageHandler(NEW_MESSAGES & ATTACHMENTS, resident.concern_attachment),
                                  anything_else],
                SPEAK_PICK: [CallbackQueryHandler(resident.speak_chosen, pattern=r"^sp:pick:\d{3}-\d{3}$"), expect_button],
                SPEAK_POINT: [MessageHandler(free_text, resident.speak_point)],
                SPEAK_CONFIRM: [CallbackQueryHandler(resident.speak_confirm, pattern=r"^sp:(ok|no)$"), expect_button],
            },
            fallbacks=[
                CommandHandler("cancel", common.cancel, filters=NEW_MESSAGES),
                MessageHandler(NEW_MESSAGES & menu[MENU_CANCEL], common.cancel),
            ],
        )


def register(application: Application, i18n: I18n) -> None:
    # Group -1 runs first: a re-delivered update stops there and changes nothing.
    application.add_handler(TypeHandler(Update, common.drop_duplicate_update), group=-1)

    # Group 0: the conversation first (it owns text while a flow awaits it), then what works anywhere,
    # then the answers to everything not understood. Only the first match in a group runs.
    application.add_handler(_conversation(i18n))
    application.add_handlers([
        CommandHandler("mine", resident.my_concerns, filters=NEW_MESSAGES),
        MessageHandler(NEW_MESSAGES & menu_filter(i18n, MENU_MINE), resident.my_concerns),
        CommandHandler("help", common.help_text, filters=NEW_MESSAGES),
        MessageHandler(NEW_MESSAGES & menu_filter(i18n, MENU_HELP), common.help_text),
        CommandHandler("language", common.ask_language, filters=NEW_MESSAGES),
        MessageHandler(NEW_MESSAGES & menu_filter(i18n, MENU_LANGUAGE), common.ask_language),
        CommandHandler("cancel", common.nothing_to_cancel, filters=NEW_MESSAGES),
        MessageHandler(NEW_MESSAGES & menu_filter(i18n, MENU_CANCEL), common.nothing_to_cancel),
        CallbackQueryHandler(common.set_language, pattern=r"^lang:(vi|en)$"),
        CallbackQueryHandler(resident.show_concern, pattern=r"^mine:show:\d{3}-\d{3}$"),
        CallbackQueryHandler(resident.speak_withdraw_ask, pattern=r"^sp:wd:\d{1,12}$"),
        CallbackQueryHandler(resident.speak_withdraw, pattern=r"^sp:(wdy:\d{1,12}|wdn)$"),
        MessageHandler(filters.UpdateType.EDITED, common.edited_message),
        MessageHandler(NEW_MESSAGES & filters.COMMAND, common.unknown_command),
        MessageHandler(NEW_MESSAGES, common.unknown_message),
        CallbackQueryHandler(common.stale_button),
    ])

    # Last group: persist conversation positions and drafts after every handled update.
    application.add_handler(TypeHandler(Update, common.save_conversation_state), group=1)
    application.add_error_handler(common.on_error)
