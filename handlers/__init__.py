"""Telegram adapters. `register` wires every module's handlers into an Application, in a deliberate order."""

from __future__ import annotations

import warnings

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, ConversationHandler, MessageHandler, TypeHandler, filters
from telegram.warnings import PTBUserWarning

from bot.i18n import I18n
from handlers import (admin, common, communes, dialogs, dialogue, followup, invitations, notifications, office, officer,
                      onboarding, reports, resident, review)
from handlers.flows import NEW_MESSAGES, Flow, Menus

# Each module contributes a Flow; their order is the order of their `anywhere` handlers.
# admin comes before onboarding: its /start <invitation token> must win over the plain /start; and
# invitations before admin: its /start dialogue (the link hamlet heads forward) is no role token.
FLOW_MODULES = [invitations, admin, onboarding, resident, dialogue, office, officer, review, communes, reports,
                followup]


def _conversation(flows: list[Flow], menus: Menus) -> ConversationHandler:
    """One conversation per user for every flow, so starting one flow always leaves the other."""
    states: dict[int, list] = {}
    for flow in flows:
        clash = states.keys() & flow.states.keys()
        if clash:
            raise RuntimeError(f"two flows use the same conversation states: {sorted(clash)}")
        states.update(flow.states)
    with warnings.catch_warnings():
        # per_message=False is intended: a user has one flow at a time, whichever message its buttons sit on.
        warnings.simplefilter("ignore", PTBUserWarning)
        return ConversationHandler(
            name="main",
            persistent=True,
            allow_reentry=True,
            # The flows drawn from bot/dialogs (handlers/dialogs.py) enter here too, so they leave any other.
            entry_points=[handler for flow in flows for handler in flow.entry_points] + dialogs.entry_points(menus),
            states=states,
            fallbacks=[
                CommandHandler("cancel", common.cancel, filters=NEW_MESSAGES),
                MessageHandler(menus.cancel, common.cancel),
            ],
        )


def register(application: Application, i18n: I18n) -> None:
    menus = Menus(i18n)
    flows = [module.flow(menus) for module in FLOW_MODULES]

    # Group -2 runs first: updates from groups and channels stop there, before anything is
    # recorded or read (the bot works in private chats only).
    application.add_handler(TypeHandler(Update, common.private_chats_only), group=-2)
    # Group -1: a re-delivered update stops there and changes nothing.
    application.add_handler(TypeHandler(Update, common.drop_duplicate_update), group=-1)

    # Group 0: the conversation first (it owns text while a flow awaits it), then what works anywhere,
    # then the answers to everything not understood. Only the first match in a group runs.
    application.add_handler(_conversation(flows, menus))
    application.add_handlers([handler for flow in flows for handler in flow.anywhere] + dialogs.anywhere(menus))
    application.add_handlers([
        CommandHandler("undelivered", notifications.undelivered, filters=NEW_MESSAGES),
        CommandHandler("help", common.help_text, filters=NEW_MESSAGES),
        MessageHandler(menus.help, common.help_text),
        CommandHandler("language", common.ask_language, filters=NEW_MESSAGES),
        MessageHandler(menus.language, common.ask_language),
        CommandHandler("cancel", dialogs.cancel, filters=NEW_MESSAGES),
        MessageHandler(menus.cancel, dialogs.cancel),
        CallbackQueryHandler(common.set_language, pattern=r"^lang:(vi|en)$"),
        MessageHandler(filters.UpdateType.EDITED, common.edited_message),
        MessageHandler(NEW_MESSAGES & filters.COMMAND, common.unknown_command),
        MessageHandler(NEW_MESSAGES, dialogs.message),
        CallbackQueryHandler(common.stale_button),
    ])

    # Last group: persist conversation positions and drafts.
    application.add_handler(TypeHandler(Update, common.after_update), group=1)
    application.add_error_handler(common.on_error)
