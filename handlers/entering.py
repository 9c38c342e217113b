"""/enter over Telegram: an official enters a concern for a resident without a phone."""

from __future__ import annotations

import uuid

from telegram import Update

from bot.errors import DomainError
from bot.i18n import Translator
from handlers.context import BotContext, answer, drop_buttons
from handlers.keyboards import choices, flow_menu, inline
from handlers.presenters import category_name
from handlers.states import END
from handlers.casework_common import (
    CW_ENTER_HAMLET, CW_ENTER_NAME, CW_ENTER_PHONE, CW_ENTER_TOPIC, CW_ENTER_TEXT, CW_ENTER_CONFIRM, _refuse, _begin,
)


# --- /enter: a concern for a resident without a phone -----------------------------------------

async def enter(update: Update, context: BotContext) -> int:
    """/enter: the hamlet (a hamlet head skips it: their own), then the resident's name."""
    t = await _begin(update, context)
    context.user_data.pop("entry", None)
    actor = await context.actor(update)
    try:
        hamlets = await context.services.casework.entry_hamlets(actor)
    except DomainError as refusal:
        await _refuse(update, t, refusal)
        return END
    if not hamlets:
        await answer(update, t("Your hamlet is not in the commune's list any more. Please ask the administrator."))
        return END
    context.user_data["entry"] = {"id": uuid.uuid4().hex[:16]}
    await answer(update, t("You are entering a concern for a resident without a phone. Nothing is saved until you confirm."),
                 reply_markup=flow_menu(t))
    if len(hamlets) == 1:
        context.user_data["entry"]["hamlet"] = hamlets[0].id
        await answer(update, t("Resident of %(hamlet)s. What is the resident's full name?", hamlet=hamlets[0].name(t.locale)))
        return CW_ENTER_NAME
    await answer(update, t("Which hamlet does the resident live in?"),
                 reply_markup=choices([(h.name.label(t.locale), f"cw:eh:{h.id}") for h in hamlets], per_row=2))
    return CW_ENTER_HAMLET


def _entry(context: BotContext) -> dict | None:
    return context.user_data.get("entry")


async def enter_hamlet(update: Update, context: BotContext) -> int:
    """A hamlet was chosen (checked again by the service: a hamlet head only for their own)."""
    query = update.callback_query
    await query.answer()
    t = await context.translator(update)
    entry = _entry(context)
    if entry is None:
        return END
    try:
        hamlet = await context.services.casework.check_hamlet(await context.actor(update), query.data.split(":", 2)[2])
    except DomainError as refusal:
        await _refuse(update, t, refusal)
        return CW_ENTER_HAMLET
    await drop_buttons(update)
    entry["hamlet"] = hamlet.id
    await answer(update, t("Resident of %(hamlet)s. What is the resident's full name?", hamlet=hamlet.name(t.locale)))
    return CW_ENTER_NAME


async def enter_name(update: Update, context: BotContext) -> int:
    t = await context.translator(update)
    entry = _entry(context)
    if entry is None:
        return END
    try:
        entry["name"] = context.services.casework.check_name(update.effective_message.text)
    except DomainError as refusal:
        await _refuse(update, t, refusal)
        return CW_ENTER_NAME
    await answer(update, t("The resident's phone number, if they have one, so that the officer can call them. "
                           "Otherwise tap “Skip”."), reply_markup=inline([[(t("⏭ Skip"), "cw:ep:skip")]]))
    return CW_ENTER_PHONE


async def _ask_topic(update: Update, context: BotContext, t: Translator) -> int:
    actor = await context.actor(update)
    commune = context.services.casework.commune(actor)
    await answer(update, t("What is the concern about? Choose a topic."),
                 reply_markup=choices([(c.name(t.locale), f"cw:et:{c.key}") for c in commune.categories]))
    return CW_ENTER_TOPIC


async def enter_phone(update: Update, context: BotContext) -> int:
    t = await context.translator(update)
    entry = _entry(context)
    if entry is None:
        return END
    try:
        entry["phone"] = context.services.casework.check_phone(update.effective_message.text)
    except DomainError as refusal:
        await _refuse(update, t, refusal)
        return CW_ENTER_PHONE
    return await _ask_topic(update, context, t)


async def enter_no_phone(update: Update, context: BotContext) -> int:
    """“Skip”: no phone number."""
    await update.callback_query.answer()
    t = await context.translator(update)
    entry = _entry(context)
    if entry is None:
        return END
    await drop_buttons(update)
    entry["phone"] = None
    return await _ask_topic(update, context, t)


async def enter_topic(update: Update, context: BotContext) -> int:
    """A topic: a petition topic is refused with where the resident should bring it; another may be chosen."""
    query = update.callback_query
    await query.answer()
    t = await context.translator(update)
    entry = _entry(context)
    if entry is None:
        return END
    key = query.data.split(":", 2)[2]
    try:
        context.services.casework.check_topic(await context.actor(update), key)
    except DomainError as refusal:
        await _refuse(update, t, refusal)
        await answer(update, t("If the resident has another concern for the dialogue, choose its topic above; "
                               "otherwise send /cancel."))
        return CW_ENTER_TOPIC
    await drop_buttons(update)
    entry["category"] = key
    await answer(update, t("Write the concern in the resident's words, in a few sentences."))
    return CW_ENTER_TEXT


async def enter_text(update: Update, context: BotContext) -> int:
    """The text: shown back with everything else for confirmation."""
    t = await context.translator(update)
    entry = _entry(context)
    if entry is None or "category" not in entry:
        return END
    try:
        entry["body"] = context.services.casework.check_body(update.effective_message.text)
    except DomainError as refusal:
        await _refuse(update, t, refusal)
        return CW_ENTER_TEXT
    commune = context.services.casework.commune(await context.actor(update))
    hamlet = commune.hamlet(entry["hamlet"])
    summary = "\n".join([
        t("Please check before saving:"),
        "",
        t("Resident: %(name)s", name=entry["name"]),
        t("Phone: %(phone)s", phone=entry.get("phone") or t("not given")),
        t("Hamlet: %(hamlet)s", hamlet=hamlet.name(t.locale) if hamlet else entry["hamlet"]),
        t("Topic: %(topic)s", topic=category_name(commune, entry["category"], t)),
        t("Content: %(body)s", body=entry["body"]),
        "",
        t("You may type the text again to replace it."),
    ])
    await answer(update, summary, reply_markup=inline([[(t("✅ Save the concern"), f"cw:eok:{entry['id']}")],
                                                       [(t("❌ Do not save"), f"cw:eno:{entry['id']}")]]))
    return CW_ENTER_CONFIRM


async def enter_confirm(update: Update, context: BotContext) -> int:
    """Saved: the tracking code to read out to the resident."""
    query = update.callback_query
    await query.answer()
    t = await context.translator(update)
    entry = _entry(context)
    if entry is None or query.data != f"cw:eok:{entry['id']}" or "body" not in entry:
        await answer(update, t("This button is no longer active. Please use the menu below."),
                     reply_markup=await context.main_menu(update, t))
        return END
    try:
        concern = await context.services.casework.enter_for_resident(
            await context.actor(update), hamlet_id=entry["hamlet"], name=entry["name"], phone=entry.get("phone"),
            category=entry["category"], body=entry["body"], submission_key=entry["id"])
    except DomainError as refusal:
        await _refuse(update, t, refusal, reply_markup=await context.main_menu(update, t))
        context.user_data.pop("entry", None)
        return END
    context.user_data.pop("entry", None)
    await drop_buttons(update)
    await answer(update, t("✅ The concern is saved.\n\nTracking code: %(code)s\n\nPlease read the code out to the resident "
                           "and write it down for them: with it the commune can tell them where their concern stands.",
                           code=concern.code), reply_markup=await context.main_menu(update, t))
    return END


async def enter_discard(update: Update, context: BotContext) -> int:
    """“Do not save”: the draft is dropped."""
    await update.callback_query.answer()
    t = await context.translator(update)
    context.user_data.pop("entry", None)
    await drop_buttons(update)
    await answer(update, t("The concern was not saved. Nothing was stored."), reply_markup=await context.main_menu(update, t))
    return END


async def expect_button(update: Update, context: BotContext) -> None:
    """Typed text while a button choice is awaited."""
    t = await context.translator(update)
    await answer(update, t("Please choose one of the buttons above (or send /cancel to stop)."))


async def expect_text(update: Update, context: BotContext) -> None:
    """A sticker, photo or file where typed text is awaited."""
    t = await context.translator(update)
    await answer(update, t("Please type it as text (or send /cancel to stop)."))
