"""The resident's Telegram-only flow still to move to bot/dialogs: send a concern."""

from __future__ import annotations

import uuid

from telegram import Update
from telegram.ext import CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot.domain import STATUS_LABELS
from bot.errors import DomainError, describe
from bot.i18n import Translator
from handlers.context import BotContext, answer, ask, drop_buttons, replace_message, retire_buttons
from handlers.flows import ATTACHMENTS, NEW_MESSAGES, Flow, Menus
from handlers.keyboards import MENU_CANCEL, MENU_MINE, inline
from handlers.onboarding import resident_or_refuse
from handlers.presenters import category_name, draft_lines, draft_summary
from handlers.states import (
    CONCERN_CONFIRM, CONCERN_TEXT, CONCERN_TOPIC, END,
)
from storage.records import Attachment, Resident

MAX_LISTED = 10



async def _refuse(update: Update, t: Translator, refusal: DomainError, **kwargs) -> None:
    await answer(update, describe(refusal, t), **kwargs)


async def _resident_or_refuse(update: Update, context: BotContext) -> Resident | None:
    resident = await resident_or_refuse(update, context)
    if resident is None:
        context.user_data.pop("draft", None)
    return resident


# --- Send a concern -------------------------------------------------------------------------

async def new_concern(update: Update, context: BotContext) -> int:
    """/new: start a draft and ask for its topic."""
    resident = await _resident_or_refuse(update, context)
    if resident is None:
        return END
    t = context.i18n.for_locale(resident.locale)
    commune = context.services.concerns.commune_of(resident)
    context.user_data["draft"] = {"id": uuid.uuid4().hex[:16], "category": None, "body": None, "attachments": []}
    topics = [[(c.name(t.locale), f"cc:cat:{c.key}")] for c in commune.categories]
    await ask(update, context, t("What is your concern about? Choose a topic."),
              inline([*topics, [(t(MENU_CANCEL), "cc:cancel")]]))
    return CONCERN_TOPIC


async def choose_topic(update: Update, context: BotContext) -> int:
    """A topic was chosen; a petition topic is redirected to the citizen reception."""
    query = update.callback_query
    await query.answer()
    resident = await _resident_or_refuse(update, context)
    draft = context.user_data.get("draft")
    if resident is None or draft is None:
        return END
    t = context.i18n.for_locale(resident.locale)
    key = query.data.split(":", 2)[2]
    try:
        await context.services.concerns.choose_category(resident, key)
    except DomainError as refusal:
        await drop_buttons(update)
        await _refuse(update, t, refusal, reply_markup=await context.main_menu(update, t))
        context.user_data.pop("draft", None)
        return END
    draft["category"] = key
    commune = context.services.concerns.commune_of(resident)
    await replace_message(
        update,
        t("Topic: %(topic)s", topic=category_name(commune, key, t)) + "\n\n"
        + t("Please write your concern in a few sentences. You may also send a voice note, "
            "a photo with a caption, or your location."),
        reply_markup=inline([[(t(MENU_CANCEL), "cc:cancel")]]),
    )
    # Its “Cancel” goes once the text arrives and the summary (with its own buttons) is shown.
    context.user_data["live_buttons"] = [query.message.chat_id, query.message.message_id]
    return CONCERN_TEXT


def _draft_attachments(draft: dict) -> tuple[Attachment, ...]:
    return tuple(Attachment(**a) for a in draft["attachments"])


async def _show_summary(update: Update, context: BotContext, resident: Resident) -> int:
    t = context.i18n.for_locale(resident.locale)
    draft = context.user_data["draft"]
    commune = context.services.concerns.commune_of(resident)
    public = t("🌐 Text may be shown on the public board") if draft.get("public") else t("🔒 Text not shown on the public board")
    buttons = inline([
        [(t("✅ Send to the commune"), f"cc:ok:{draft['id']}")],
        [(public, f"cc:pub:{draft['id']}")],
        [(t("❌ Do not send"), f"cc:no:{draft['id']}")],
    ])
    # A newer summary replaces the one before: only the newest one's buttons stay.
    await retire_buttons(context)
    summary = "\n\n".join([draft_summary(commune, draft, _draft_attachments(draft), t), _board_note(t, draft)])
    await ask(update, context, summary, buttons)
    return CONCERN_CONFIRM


def _board_note(t: Translator, draft: dict) -> str:
    if draft.get("public"):
        return t("The commune's public board will show this concern's topic, hamlet and text, never your name or phone. "
                 "Tap 🌐 to keep the text off it.")
    return t("The commune's public board will show only this concern's topic and hamlet, never your name or phone. "
             "Tap 🔒 if its text may be shown too.")


async def toggle_public(update: Update, context: BotContext) -> int:
    """The resident allows (or not) the text on the public board; the summary is shown again."""
    query = update.callback_query
    await query.answer()
    resident = await _resident_or_refuse(update, context)
    draft = context.user_data.get("draft")
    if resident is None:
        return END
    t = context.i18n.for_locale(resident.locale)
    if draft is None or query.data != f"cc:pub:{draft['id']}":
        await drop_buttons(update)
        await answer(update, t("This button is no longer active. Please use the menu below."), reply_markup=await context.main_menu(update, t))
        return END
    draft["public"] = not draft.get("public", False)
    return await _show_summary(update, context, resident)


async def concern_text(update: Update, context: BotContext) -> int:
    """The concern's text (typed, or a photo's caption), checked and shown back for confirmation."""
    resident = await _resident_or_refuse(update, context)
    draft = context.user_data.get("draft")
    if resident is None or draft is None:
        return END
    t = context.i18n.for_locale(resident.locale)
    message = update.effective_message
    try:
        body = context.services.concerns.check_body(message.text)
    except DomainError as refusal:
        await _refuse(update, t, refusal)
        return CONCERN_TEXT if not draft.get("body") else CONCERN_CONFIRM
    draft["body"] = body
    await offer_similar(update, context, resident, draft)
    return await _show_summary(update, context, resident)


# --- Similar concerns (issue 10): one step, shown between the text and the summary ---------------

async def offer_similar(update: Update, context: BotContext, resident: Resident, draft: dict) -> None:
    """Up to 3 similar concerns of the commune (topic, hamlet, short text, status; never a name), each with
    “This is my concern too”; the summary that follows sends the draft as a new concern."""
    found = await context.services.concerns.similar_for(resident, draft["body"], category=draft["category"])
    if not found:
        return
    t = context.i18n.for_locale(resident.locale)
    commune = context.services.concerns.commune_of(resident)
    lines = [t("Other residents have raised something similar:")]
    for similar in found:
        hamlet = commune.hamlet(similar.hamlet_id)
        lines.append(t("• %(code)s · %(topic)s · %(hamlet)s · %(status)s: %(text)s", code=similar.code,
                       topic=category_name(commune, similar.topic, t),
                       hamlet=hamlet.name(t.locale) if hamlet else similar.hamlet_id,
                       status=t(STATUS_LABELS[similar.status]), text=similar.excerpt))
    lines += ["", t("If one of them is your concern, tap it: you will follow it and be counted in, and nothing new is "
                    "sent. Otherwise send yours as a new concern below.")]
    buttons = [[(t("🙋 This is my concern too: %(code)s", code=similar.code), f"cc:sup:{draft['id']}:{similar.code}")]
               for similar in found]
    await answer(update, "\n".join(lines), reply_markup=inline(buttons))


async def support_similar(update: Update, context: BotContext) -> int:
    """“This is my concern too”: the resident follows that concern; the draft is dropped, nothing new is created."""
    query = update.callback_query
    await query.answer()
    resident = await _resident_or_refuse(update, context)
    draft = context.user_data.get("draft")
    if resident is None:
        return END
    t = context.i18n.for_locale(resident.locale)
    _, _, draft_id, code = query.data.split(":", 3)
    if draft is None or draft["id"] != draft_id:
        await drop_buttons(update)
        await answer(update, t("This button is no longer active. Please use the menu below."), reply_markup=await context.main_menu(update, t))
        return END
    try:
        concern = await context.services.concerns.support(resident, code)
    except DomainError as refusal:
        await _refuse(update, t, refusal)
        return CONCERN_CONFIRM
    context.user_data.pop("draft", None)
    await drop_buttons(update)
    await retire_buttons(context)  # the summary's “Send” goes: nothing new is sent
    await answer(update, t("🙋 Thank you: you are counted in concern %(code)s, now raised %(count)d times. You follow it "
                           "like its sender: you will be told here at every step, and it is in “%(button)s”.",
                           code=concern.code, count=concern.raised_count, button=t(MENU_MINE)),
                 reply_markup=await context.main_menu(update, t))
    return END


async def concern_attachment(update: Update, context: BotContext) -> int:
    """A photo, voice note, file or location joins the draft; a photo's caption is taken as the text."""
    resident = await _resident_or_refuse(update, context)
    draft = context.user_data.get("draft")
    if resident is None or draft is None:
        return END
    t = context.i18n.for_locale(resident.locale)
    message = update.effective_message
    if len(draft["attachments"]) >= 10:
        await answer(update, t("This concern already has 10 attachments, the most it can have."))
        return CONCERN_CONFIRM if draft.get("body") or _has_voice(draft) else CONCERN_TEXT
    if message.photo:
        attachment = {"kind": "photo", "file_ref": message.photo[-1].file_id}
    elif message.voice:
        attachment = {"kind": "voice", "file_ref": message.voice.file_id}
    elif message.document:
        attachment = {"kind": "document", "file_ref": message.document.file_id}
    else:
        location = message.location
        attachment = {"kind": "location", "latitude": location.latitude, "longitude": location.longitude}
    if message.caption is not None:
        try:
            draft["body"] = context.services.concerns.check_body(message.caption)
        except DomainError as refusal:
            await _refuse(update, t, refusal)
            return CONCERN_CONFIRM if draft.get("body") else CONCERN_TEXT
    draft["attachments"].append(attachment)
    if draft.get("body") or _has_voice(draft):
        return await _show_summary(update, context, resident)
    await answer(update, t("Received. Now please write a few words describing the problem."))
    return CONCERN_TEXT


def _has_voice(draft: dict) -> bool:
    return any(a["kind"] == "voice" for a in draft["attachments"])


async def confirm_concern(update: Update, context: BotContext) -> int:
    """Confirmed: the concern is committed, then the resident gets its tracking code."""
    query = update.callback_query
    await query.answer()
    resident = await _resident_or_refuse(update, context)
    draft = context.user_data.get("draft")
    if resident is None:
        return END
    t = context.i18n.for_locale(resident.locale)
    if draft is None or query.data != f"cc:ok:{draft['id']}":
        await drop_buttons(update)
        await answer(update, t("This button is no longer active. Please use the menu below."), reply_markup=await context.main_menu(update, t))
        return END
    try:
        concern = await context.services.concerns.submit(
            resident, category=draft["category"], body=draft.get("body"),
            attachments=_draft_attachments(draft), submission_key=draft["id"], text_public=bool(draft.get("public")),
        )
    except DomainError as refusal:
        await _refuse(update, t, refusal)
        return CONCERN_CONFIRM
    context.user_data.pop("draft", None)
    context.user_data.pop("live_buttons", None)
    commune = context.services.concerns.commune_of(resident)
    confirmation = t("✅ Your concern has been received and saved.\n\nTracking code: %(code)s\n\n"
                     "The commune office will review it for the dialogue agenda. You will be told here at every step. "
                     "Tap “%(button)s” to follow it.", code=concern.code, button=t(MENU_MINE))
    # The summary the resident confirmed becomes the receipt: code first, then what was sent.
    await replace_message(update, "\n".join([confirmation, "", *draft_lines(commune, draft, _draft_attachments(draft), t)]))
    return END


async def discard_concern(update: Update, context: BotContext) -> int:
    """“Do not send”: the draft is dropped."""
    query = update.callback_query
    await query.answer()
    t = await context.translator(update)
    context.user_data.pop("draft", None)
    await replace_message(update, t("The concern was not sent. Nothing was saved."))
    await retire_buttons(context)  # the other step's buttons (a summary, or the topic's “Cancel”) too
    return END


async def expect_text(update: Update, context: BotContext) -> None:
    """A sticker or anything else the draft cannot use: say what it can use."""
    t = await context.translator(update)
    await answer(update, t("I cannot use that here. Please type your concern, or send a photo, a voice note or a location."))


async def expect_button(update: Update, context: BotContext) -> None:
    """Typed text while a button choice is awaited."""
    t = await context.translator(update)
    await answer(update, t("Please choose one of the buttons above (or send /cancel to stop)."))


# --- My concerns ----------------------------------------------------------------------------

def flow(menus: Menus) -> Flow:
    """Send a concern (in the conversation). /speak and /mine are drawn from bot/dialogs (handlers/dialogs.py)."""
    expect_button_here = MessageHandler(menus.free_text, expect_button)
    anything_else = MessageHandler(NEW_MESSAGES & ~filters.COMMAND & ~menus.any, expect_text)
    drop_draft = CallbackQueryHandler(discard_concern, pattern=r"^cc:cancel$")
    drafting = [MessageHandler(menus.free_text, concern_text),
                MessageHandler(NEW_MESSAGES & ATTACHMENTS, concern_attachment)]
    return Flow(
        entry_points=[
            CommandHandler("new", new_concern, filters=NEW_MESSAGES),
            MessageHandler(menus.new, new_concern),
        ],
        states={
            CONCERN_TOPIC: [CallbackQueryHandler(choose_topic, pattern=r"^cc:cat:[^:]{1,32}$"), drop_draft, expect_button_here],
            CONCERN_TEXT: [*drafting, drop_draft, anything_else],
            CONCERN_CONFIRM: [CallbackQueryHandler(confirm_concern, pattern=r"^cc:ok:[0-9a-f]{16}$"),
                              CallbackQueryHandler(toggle_public, pattern=r"^cc:pub:[0-9a-f]{16}$"),
                              CallbackQueryHandler(discard_concern, pattern=r"^cc:no:[0-9a-f]{16}$"), drop_draft,
                              CallbackQueryHandler(support_similar, pattern=r"^cc:sup:[0-9a-f]{16}:\d{3}-\d{3}$"),
                              *drafting, anything_else],
        },
    )
