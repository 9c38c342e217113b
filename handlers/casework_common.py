"""What the office's casework modules share: conversation states, labels, refusing and the first step of a press."""

from __future__ import annotations

from telegram import Update

from bot.domain import HISTORY_LABELS
from bot.errors import DomainError, describe
from bot.i18n import N_, Translator
from handlers.context import BotContext, answer
from handlers.menus import OFFICIAL_COMMANDS


# This module's states of the one conversation (range 300-349).
(
    CW_MERGE_CODE,
    CW_REJECT_REASON,
    CW_CLOSE_NOTE,
    CW_CONCERN_CODE,
    CW_CLOSE_CODE,
    CW_ENTER_HAMLET,
    CW_ENTER_NAME,
    CW_ENTER_PHONE,
    CW_ENTER_TOPIC,
    CW_ENTER_TEXT,
    CW_ENTER_CONFIRM,
) = range(300, 311)

CODE = r"\d{3}-\d{3}"
MAX_MESSAGE = 3900  # under Telegram's 4096 characters, with room for the last line
MAX_HISTORY = 20

ACTION_LABELS = {
    "accept": N_("✅ Accept onto the agenda"),
    "merge": N_("🔗 Merge into an earlier concern"),
    "out_of_scope": N_("📮 Out of scope (petition)"),
    "reject": N_("❌ Reject with a reason"),
    "close": N_("🔒 Close with a note"),
    "reopen": N_("↩️ Reopen: back to the officer"),
}
ACTION_DATA = {"accept": "acc", "merge": "mrg", "out_of_scope": "oos", "reject": "rej", "close": "cls", "reopen": "reo"}

CONCLUSION_LABELS = {
    "answered": N_("Answered at the dialogue"),
    "assigned": N_("To be resolved by an officer"),
    "not_accepted": N_("Not accepted at the dialogue"),
}

# The resident's history lines speak to the resident ("You sent…"); officials read them about the resident.
OFFICIAL_HISTORY_LABELS = {
    **HISTORY_LABELS,
    "concern.submitted": N_("The resident sent this concern"),
    "speaker.approved": N_("The resident's registration to speak was approved"),
    "speaker.declined": N_("The resident's registration to speak was declined"),
    "concern.entered": N_("Entered by an official for a resident without a phone"),
    "speaker.registered": N_("The resident registered to speak about it"),
    "speaker.withdrawn": N_("The resident withdrew the registration to speak"),
    "concern.satisfied": N_("The resident was satisfied with the answer"),
    "concern.dispute": N_("The resident was not satisfied with the answer"),
    # The office's preparation for the meeting: officials read it, residents do not.
    "concern.direction": N_("The commune office proposed a direction"),
}


def _menu_label(command: str) -> str:
    return next(c.label for c in OFFICIAL_COMMANDS if c.command == command)


async def _refuse(update: Update, t: Translator, error: DomainError, **kwargs) -> None:
    await answer(update, describe(error, t), **kwargs)


async def _begin(update: Update, context: BotContext) -> Translator:
    """A button press is answered once, here; the pending casework of an earlier step is forgotten."""
    if update.callback_query is not None:
        await update.callback_query.answer()
    context.user_data.pop("casework", None)
    return await context.translator(update)


def _code_argument(context: BotContext) -> str | None:
    return " ".join(context.args) if context.args else None
