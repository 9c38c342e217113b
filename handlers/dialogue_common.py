"""What the dialogue's Telegram modules share: conversation states, labels, sending and refusing."""

from __future__ import annotations

from telegram import Update

from bot.errors import DomainError, describe
from bot.i18n import N_, Translator
from handlers.context import BotContext, answer
from handlers.menus import OFFICIAL_COMMANDS


# Conversation states of the dialogue's modules (200-299).
DIALOGUE_DATE, DIALOGUE_TIME, DIALOGUE_PLACE, DIALOGUE_THEME, DIALOGUE_CHAIR, DIALOGUE_CONFIRM = range(200, 206)
SPEAKER_DECLINE_REASON = 210
CONCLUDE_ANSWER, CONCLUDE_REASON, CONCLUDE_ASSIGN_TEXT, CONCLUDE_REFERRED = 220, 221, 222, 223

PLAN = "dialogue_plan"
CONCLUDING = "concluding"
# Speakers on one page of /speakers, each with a row of buttons.
SPEAKERS_PER_PAGE = 10
MAX_BUTTON_ROWS = 24  # four buttons a row: Telegram allows 100 on a message
MAX_MESSAGE = 3800
MAX_POINT_SHOWN = 160

REVIEW_LABELS = {"pending": N_("waiting for review"), "approved": N_("approved")}
CONCLUSION_LABELS = {
    "answered": N_("answered at the meeting"),
    "assigned": N_("assigned to an officer"),
    "not_accepted": N_("not accepted"),
    "referred": N_("referred to a higher level or another body"),
}


def _menu_label(command: str) -> str:
    return next(c.label for c in OFFICIAL_COMMANDS if c.command == command)


async def _refuse(update: Update, context: BotContext, t: Translator, error: DomainError, *, menu: bool = False) -> None:
    await answer(update, describe(error, t), reply_markup=(await context.main_menu(update, t)) if menu else None)


async def _pressed(update: Update, context: BotContext) -> tuple[Translator, list[str]]:
    """Answer the button press (once) and split its data."""
    await update.callback_query.answer()
    return await context.translator(update), update.callback_query.data.split(":")


async def _send(update: Update, lines: list[str], reply_markup=None) -> None:
    """Long lists go out in several messages; the buttons ride on the last one."""
    chunks, current = [], ""
    for line in lines:
        if current and len(current) + len(line) + 1 > MAX_MESSAGE:
            chunks.append(current)
            current = ""
        current = f"{current}\n{line}" if current else line
    chunks.append(current)
    for chunk in chunks[:-1]:
        await answer(update, chunk)
    await answer(update, chunks[-1], reply_markup=reply_markup)


def _meeting(t: Translator, utc_iso: str) -> tuple[str, str]:
    return t.date(t.local_date(utc_iso)), t.moment(utc_iso).split(" ")[0]


def _short(text: str, limit: int = MAX_POINT_SHOWN) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
