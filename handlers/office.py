"""The office's casework over Telegram: /inbox screening, /concern CODE, /close CODE (and reopening a disputed
answer), /overdue. /enter for a resident without a phone is in handlers/entering.py."""

from __future__ import annotations

from datetime import date

from telegram import Update
from telegram.error import BadRequest
from telegram.ext import CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot.domain import STATUS_LABELS
from bot.errors import DomainError, NotAllowed, StaleAction
from bot.i18n import N_, Translator
from bot.text import split_message
from bot.pages import Page
from handlers.followup import note_lines
from bot.services.casework import CaseFile, InboxCard, OverdueItem, TooEarlyToClose
from handlers.context import BotContext, answer, drop_buttons, replace_message
from handlers.flows import NEW_MESSAGES, Flow, Menus
from handlers.keyboards import choices, flow_menu, inline
from handlers.pages import PAGE, answer_page_press, asked_page, page_line, page_row
from handlers.presenters import attachments_button, body_text, category_name
from handlers.states import END
from handlers.casework_common import (
    CW_MERGE_CODE, CW_REJECT_REASON, CW_CLOSE_NOTE, CW_CONCERN_CODE, CW_CLOSE_CODE, CW_ENTER_HAMLET, CW_ENTER_NAME, CW_ENTER_PHONE, CW_ENTER_TOPIC, CW_ENTER_TEXT, CW_ENTER_CONFIRM, CODE, MAX_MESSAGE, MAX_HISTORY, ACTION_LABELS, ACTION_DATA, CONCLUSION_LABELS, OFFICIAL_HISTORY_LABELS, _menu_label, _refuse, _begin, _code_argument,
)
from handlers.entering import (
    enter, enter_hamlet, enter_name, enter_phone, enter_no_phone, enter_topic, enter_text, enter_confirm, enter_discard, expect_button, expect_text,
)


# --- /inbox: screening ------------------------------------------------------------------------

def _duplicate_lines(commune, found, t: Translator) -> list[str]:
    """The likely earlier duplicates of a concern being screened: code, topic, hamlet, status, short text."""
    if not found:
        return []
    lines = ["", t("Possibly the same as an earlier concern:")]
    for similar in found:
        hamlet = commune.hamlet(similar.hamlet_id)
        lines.append(t("• %(code)s · %(topic)s · %(hamlet)s · %(status)s: %(text)s", code=similar.code,
                       topic=category_name(commune, similar.topic, t),
                       hamlet=hamlet.name(t.locale) if hamlet else similar.hamlet_id,
                       status=t(STATUS_LABELS[similar.status]), text=similar.excerpt))
    return lines


async def _card(update: Update, context: BotContext, t: Translator, card: InboxCard):
    """The card's text and buttons, with the likely duplicates and a button to merge into each."""
    actor = await context.actor(update)
    casework = context.services.casework
    found = await casework.duplicates(actor, card.concern)
    commune = casework.commune(actor)
    text = "\n".join([_card_text(commune, card, t), *_duplicate_lines(commune, found, t)])
    return text[:MAX_MESSAGE], _card_buttons(card, t, found)


def _card_text(commune, card: InboxCard, t: Translator) -> str:
    concern = card.concern
    hamlet = commune.hamlet(concern.hamlet_id)
    lines = [
        t("📥 New concern %(position)d of %(total)d", position=card.position, total=card.total),
        t("Concern %(code)s · %(topic)s", code=concern.code, topic=category_name(commune, concern.category, t)),
        t("Sent on %(date)s · %(hamlet)s", date=t.short_date(t.local_date(concern.submitted_at)),
          hamlet=hamlet.name(t.locale) if hamlet else concern.hamlet_id),
        t("Times raised: %(count)d", count=concern.raised_count),
    ]
    if concern.attachments:
        lines.append(t("Attachments: %(count)d", count=len(concern.attachments)))
    lines += ["", body_text(concern.body, t)[:2000]]
    return "\n".join(lines)


def _card_buttons(card: InboxCard, t: Translator, duplicates=()):
    code = card.concern.code
    rows = [[(t("🔗 Merge into %(code)s", code=similar.code), f"cw:mi:{code}:{similar.code}")] for similar in duplicates]
    rows += [[(t(ACTION_LABELS[action]), f"cw:{ACTION_DATA[action]}:{code}")]
             for action in ("accept", "merge", "out_of_scope", "reject")]
    if card.concern.attachments:
        rows.append([attachments_button(card.concern, t)])
    if card.total > 1:
        rows.append([(t("⏭ Next"), f"cw:nx:{code}")])
    return inline(rows)


async def _show_card(update: Update, context: BotContext, t: Translator, after_code: str | None = None) -> None:
    """The oldest concern waiting (or the next one after `after_code`), or that none is left."""
    actor = await context.actor(update)
    casework = context.services.casework
    card = await casework.inbox(actor, after_code)
    if card is None and after_code is not None:
        card = await casework.inbox(actor)  # wrap round to the oldest still waiting
    if card is None:
        await answer(update, t("No new concerns are waiting for screening."), reply_markup=await context.main_menu(update, t))
        return
    text, buttons = await _card(update, context, t, card)
    await answer(update, text, reply_markup=buttons)


async def inbox(update: Update, context: BotContext) -> int:
    """/inbox: the oldest concern waiting for screening, with the screening buttons."""
    t = await _begin(update, context)
    try:
        await _show_card(update, context, t)
    except DomainError as refusal:
        await _refuse(update, t, refusal)
    return END


async def inbox_next(update: Update, context: BotContext) -> int:
    """“Next”: the following concern waiting, leaving this one for later."""
    t = await _begin(update, context)
    await drop_buttons(update)
    code = update.callback_query.data.split(":", 2)[2]
    try:
        await _show_card(update, context, t, after_code=code)
    except DomainError as refusal:
        await _refuse(update, t, refusal)
    return END


async def _and_next(update: Update, context: BotContext, t: Translator, code: str) -> None:
    """After screening one concern, the next one waiting (only for the office, who screens)."""
    actor = await context.actor(update)
    if actor is not None and actor.may("screen"):
        card = await context.services.casework.inbox(actor, code) or await context.services.casework.inbox(actor)
        if card is not None:
            text, buttons = await _card(update, context, t, card)
            await answer(update, text, reply_markup=buttons)


async def accept(update: Update, context: BotContext) -> int:
    """✅ Accept onto the agenda of the coming dialogue."""
    t = await _begin(update, context)
    code = update.callback_query.data.split(":", 2)[2]
    try:
        concern, dialogue = await context.services.casework.accept(await context.actor(update), code)
    except DomainError as refusal:
        await _refuse(update, t, refusal)
        return END
    await drop_buttons(update)
    if dialogue is not None:
        text = t("✅ Concern %(code)s is accepted onto the agenda of the dialogue on %(date)s. The resident was told.",
                 code=concern.code, date=t.date(t.local_date(dialogue.meeting_at)))
    else:
        text = t("✅ Concern %(code)s is accepted onto the agenda. No dialogue is scheduled yet: it waits for the next one. "
                 "The resident was told.", code=concern.code)
    await answer(update, text)
    await _and_next(update, context, t, concern.code)
    return END


MERGE_PROMPT = N_("Concern %(code)s: send the code of the earlier concern it repeats (6 digits, for example 482-913).")
REJECT_PROMPT = N_("Concern %(code)s: write the reason for not accepting it. The reason is sent to the resident.")


async def _ask_text_for(update: Update, context: BotContext, action: str, prompt: str, state: int) -> int:
    """A screening button that needs typed text next: check the action may be taken now, then ask."""
    t = await _begin(update, context)
    code = update.callback_query.data.split(":", 2)[2]
    try:
        concern = await context.services.casework.check_action(await context.actor(update), code, action)
    except DomainError as refusal:
        await _refuse(update, t, refusal)
        return END
    await drop_buttons(update)
    context.user_data["casework"] = {"code": concern.code}
    await answer(update, t(prompt, code=concern.code), reply_markup=flow_menu(t))
    return state


async def merge_ask(update: Update, context: BotContext) -> int:
    """🔗 Merge: ask for the earlier concern's code."""
    return await _ask_text_for(update, context, "merge", MERGE_PROMPT, CW_MERGE_CODE)


async def merge_into(update: Update, context: BotContext) -> int:
    """The earlier concern's code was typed: merge, or say why not and ask again."""
    t = await context.translator(update)
    pending = context.user_data.get("casework")
    if not pending:
        return END
    try:
        concern, earlier = await context.services.casework.merge(await context.actor(update), pending["code"],
                                                                 update.effective_message.text)
    except DomainError as refusal:
        await _refuse(update, t, refusal)
        return CW_MERGE_CODE if not _final(refusal) else END
    context.user_data.pop("casework", None)
    await answer(update, t("🔗 Concern %(code)s is merged into %(into)s, which has now been raised %(count)d times. "
                           "The resident was told to follow %(into)s.", code=concern.code, into=earlier.code,
                           count=earlier.raised_count), reply_markup=await context.main_menu(update, t))
    await _and_next(update, context, t, concern.code)
    return END


async def merge_chosen(update: Update, context: BotContext) -> int:
    """“Merge into …” on a likely duplicate shown at screening: merged at once (typing a code stays possible)."""
    t = await _begin(update, context)
    _, _, code, into = update.callback_query.data.split(":", 3)
    try:
        concern, earlier = await context.services.casework.merge(await context.actor(update), code, into)
    except DomainError as refusal:
        await _refuse(update, t, refusal)
        return END
    await drop_buttons(update)
    await answer(update, t("🔗 Concern %(code)s is merged into %(into)s, which has now been raised %(count)d times. "
                           "The resident was told to follow %(into)s.", code=concern.code, into=earlier.code,
                           count=earlier.raised_count))
    await _and_next(update, context, t, concern.code)
    return END


def _final(refusal: DomainError) -> bool:
    """Refusals that typing again cannot mend (the concern changed, the role is missing, it is too early)."""
    return isinstance(refusal, (StaleAction, NotAllowed, TooEarlyToClose))


async def out_of_scope_ask(update: Update, context: BotContext) -> int:
    """📮 Out of scope: one more tap, since the resident is sent elsewhere."""
    t = await _begin(update, context)
    code = update.callback_query.data.split(":", 2)[2]
    try:
        concern = await context.services.casework.check_action(await context.actor(update), code, "out_of_scope")
    except DomainError as refusal:
        await _refuse(update, t, refusal)
        return END
    await drop_buttons(update)
    await answer(update, t("Mark concern %(code)s as out of scope of the dialogue? The resident will be told it needs "
                           "a petition and where to bring it.", code=concern.code),
                 reply_markup=inline([[(t("📮 Yes, out of scope"), f"cw:oosy:{concern.code}")],
                                      [(t("↩️ No, keep it"), f"cw:keep:{concern.code}")]]))
    return END


async def out_of_scope(update: Update, context: BotContext) -> int:
    """Out of scope confirmed: the resident is told where the petition goes."""
    t = await _begin(update, context)
    code = update.callback_query.data.split(":", 2)[2]
    try:
        concern = await context.services.casework.out_of_scope(await context.actor(update), code)
    except DomainError as refusal:
        await _refuse(update, t, refusal)
        return END
    await drop_buttons(update)
    await answer(update, t("📮 Concern %(code)s is out of scope of the dialogue. The resident was told where to bring "
                           "the petition.", code=concern.code))
    await _and_next(update, context, t, concern.code)
    return END


async def keep(update: Update, context: BotContext) -> int:
    """“No, keep it”: nothing changes."""
    t = await _begin(update, context)
    await drop_buttons(update)
    await answer(update, t("Nothing was changed."), reply_markup=await context.main_menu(update, t))
    return END


async def reject_ask(update: Update, context: BotContext) -> int:
    """❌ Reject: ask for the reason the resident will read."""
    return await _ask_text_for(update, context, "reject", REJECT_PROMPT, CW_REJECT_REASON)


async def reject(update: Update, context: BotContext) -> int:
    """The reason was typed: the concern is not accepted and the resident receives the reason."""
    t = await context.translator(update)
    pending = context.user_data.get("casework")
    if not pending:
        return END
    try:
        concern = await context.services.casework.reject(await context.actor(update), pending["code"],
                                                          update.effective_message.text)
    except DomainError as refusal:
        await _refuse(update, t, refusal)
        return CW_REJECT_REASON if not _final(refusal) else END
    context.user_data.pop("casework", None)
    await answer(update, t("❌ Concern %(code)s is not accepted. The resident received the reason.", code=concern.code),
                 reply_markup=await context.main_menu(update, t))
    await _and_next(update, context, t, concern.code)
    return END


# --- /concern CODE ----------------------------------------------------------------------------

def _history_line(entry, t: Translator) -> str:
    label = OFFICIAL_HISTORY_LABELS.get(entry.action)
    line = t("• %(when)s: %(what)s", when=t.moment(entry.at), what=t(label) if label else entry.action)
    text = entry.details.get("text")
    return f"{line}\n   “{text[:300]}”" if text else line


def _case_text(commune, case: CaseFile, t: Translator) -> str:
    concern = case.concern
    hamlet = commune.hamlet(concern.hamlet_id)
    lines = [
        t("Concern %(code)s", code=concern.code),
        t("Topic: %(topic)s", topic=category_name(commune, concern.category, t)),
        t("Status: %(status)s", status=t(STATUS_LABELS[concern.status])),
        t("Sent on: %(date)s", date=t.date(t.local_date(concern.submitted_at))),
        t("Hamlet: %(hamlet)s", hamlet=hamlet.name(t.locale) if hamlet else concern.hamlet_id),
    ]
    if case.identity is None:
        lines.append(t("Resident: (hidden)"))
    elif case.identity.forgotten:
        lines.append(t("Resident: (identity erased at the resident's request)"))
    else:
        lines.append(t("Resident: %(name)s", name=case.identity.name or "—"))
        lines.append(t("Phone: %(phone)s", phone=case.identity.phone or t("not given")))
    if case.entered_by_name:
        lines.append(t("Entered by: %(name)s", name=case.entered_by_name))
    lines.append(t("Times raised: %(count)d", count=concern.raised_count))
    if case.duplicate_of_code:
        lines.append(t("Merged into: %(code)s", code=case.duplicate_of_code))
    if concern.attachments:
        lines.append(t("Attachments: %(count)d", count=len(concern.attachments)))
    if concern.conclusion in CONCLUSION_LABELS:
        lines.append(t("Conclusion: %(what)s", what=t(CONCLUSION_LABELS[concern.conclusion])))
        if concern.conclusion_text:
            lines.append(f"   “{concern.conclusion_text[:500]}”")
    if case.assignment is not None:
        lines.append(t("Assigned to: %(officer)s (%(body)s)", officer=case.officer_name or "—", body=case.assignment.body))
        if case.assignment.effective_due:
            due = t.date(date.fromisoformat(case.assignment.effective_due))
            lines.append(t("Due date (extended): %(date)s", date=due) if case.assignment.extended_to
                         else t("Due date: %(date)s", date=due))
    lines += ["", t("Content: %(body)s", body=body_text(concern.body, t)[:1500]), "", t("History:")]
    history = case.history[-MAX_HISTORY:]
    if len(case.history) > len(history):
        lines.append(t.n("… %(count)d earlier entry", "… %(count)d earlier entries", len(case.history) - len(history),
                         count=len(case.history) - len(history)))
    lines += [_history_line(entry, t) for entry in history]
    text = "\n".join(lines)
    return text if len(text) <= MAX_MESSAGE else text[:MAX_MESSAGE] + "…"


async def _show_case(update: Update, context: BotContext, t: Translator, code_text: str) -> bool:
    actor = await context.actor(update)
    try:
        case = await context.services.casework.case(actor, code_text)
    except DomainError as refusal:
        await _refuse(update, t, refusal)
        return False
    buttons = [(t(ACTION_LABELS[action]), f"cw:{ACTION_DATA[action]}:{case.concern.code}") for action in case.actions]
    if case.concern.attachments:
        buttons.append(attachments_button(case.concern, t))
    commune = context.services.casework.commune(actor)
    await answer(update, _case_text(commune, case, t), reply_markup=choices(buttons) if buttons else None)
    return True


async def concern_file(update: Update, context: BotContext) -> int:
    """/concern CODE: a concern's file and the actions the caller's role allows; without a code, ask for it."""
    t = await _begin(update, context)
    code_text = _code_argument(context)
    if code_text is None:
        try:
            await context.services.staff.require(await context.actor(update), "view_concern")
        except DomainError as refusal:
            await _refuse(update, t, refusal)
            return END
        await answer(update, t("Which concern? Send its code (6 digits, for example 482-913)."), reply_markup=flow_menu(t))
        return CW_CONCERN_CODE
    await _show_case(update, context, t, code_text)
    return END


async def concern_code(update: Update, context: BotContext) -> int:
    """The code typed after /concern."""
    t = await context.translator(update)
    if await _show_case(update, context, t, update.effective_message.text):
        await answer(update, t("Done."), reply_markup=await context.main_menu(update, t))
        return END
    return CW_CONCERN_CODE


async def open_attachments(update: Update, context: BotContext) -> None:
    """📎: the photos, voice notes, files and locations of a concern, sent into this chat, for anyone
    who may read the concern (the service decides, with the same rule as /concern)."""
    await update.callback_query.answer()
    t = await context.translator(update)
    code = update.callback_query.data.split(":", 2)[2]
    try:
        attachments = await context.services.casework.attachments(await context.actor(update), code)
    except DomainError as refusal:
        await _refuse(update, t, refusal)
        return
    if not attachments:
        await answer(update, t("Concern %(code)s has no attachments.", code=code))
        return
    bot, chat_id = update.get_bot(), update.effective_chat.id
    caption = t("Concern %(code)s", code=code)
    for attachment in attachments:
        try:
            if attachment.kind == "photo":
                # A photo that came from Zalo is stored as bytes (its URL expires); Telegram's is a file id.
                stored = await context.services.concerns.stored_file(attachment.file_ref)
                await bot.send_photo(chat_id, stored if stored is not None else attachment.file_ref, caption=caption)
            elif attachment.kind == "voice":
                await bot.send_voice(chat_id, attachment.file_ref, caption=caption)
            elif attachment.kind == "document":
                await bot.send_document(chat_id, attachment.file_ref, caption=caption)
            elif attachment.latitude is not None and attachment.longitude is not None:
                await bot.send_location(chat_id, attachment.latitude, attachment.longitude)
        except BadRequest:
            await answer(update, t("One attachment of concern %(code)s could not be sent (Telegram no longer has it).",
                                   code=code))


# --- /close CODE and reopening ----------------------------------------------------------------

async def _ask_close_note(update: Update, context: BotContext, t: Translator, code_text: str) -> int | None:
    """Checks the concern may be closed now, then asks for the note; None if it may not."""
    try:
        concern = await context.services.casework.check_action(await context.actor(update), code_text, "close")
    except DomainError as refusal:
        await _refuse(update, t, refusal)
        return None
    context.user_data["casework"] = {"code": concern.code}
    await answer(update, t("Concern %(code)s: write a short closing note. It is sent to the resident.", code=concern.code),
                 reply_markup=flow_menu(t))
    return CW_CLOSE_NOTE


async def close_command(update: Update, context: BotContext) -> int:
    """/close CODE: ask for the closing note; without a code, ask for the code first."""
    t = await _begin(update, context)
    code_text = _code_argument(context)
    if code_text is None:
        try:
            await context.services.staff.require(await context.actor(update), "close")
        except DomainError as refusal:
            await _refuse(update, t, refusal)
            return END
        await answer(update, t("Which concern do you want to close? Send its code (6 digits, for example 482-913)."),
                     reply_markup=flow_menu(t))
        return CW_CLOSE_CODE
    return await _ask_close_note(update, context, t, code_text) or END


async def close_code(update: Update, context: BotContext) -> int:
    """The code typed after /close."""
    t = await context.translator(update)
    state = await _ask_close_note(update, context, t, update.effective_message.text)
    if state is None:
        await answer(update, t("Nothing was changed."), reply_markup=await context.main_menu(update, t))
        return END
    return state


async def close_button(update: Update, context: BotContext) -> int:
    """🔒 Close, from a concern's file."""
    t = await _begin(update, context)
    state = await _ask_close_note(update, context, t, update.callback_query.data.split(":", 2)[2])
    if state is not None:
        await drop_buttons(update)
    return state or END


async def close_note(update: Update, context: BotContext) -> int:
    """The closing note was typed: the concern is closed and the resident receives the note."""
    t = await context.translator(update)
    pending = context.user_data.get("casework")
    if not pending:
        return END
    try:
        concern = await context.services.casework.close(await context.actor(update), pending["code"],
                                                        update.effective_message.text)
    except DomainError as refusal:
        await _refuse(update, t, refusal)
        return CW_CLOSE_NOTE if not _final(refusal) else END
    context.user_data.pop("casework", None)
    await answer(update, t("🔒 Concern %(code)s is closed. The resident received your note.", code=concern.code),
                 reply_markup=await context.main_menu(update, t))
    return END


async def reopen(update: Update, context: BotContext) -> int:
    """↩️ Reopen a disputed answer: back to the officer, who is told why."""
    t = await _begin(update, context)
    code = update.callback_query.data.split(":", 2)[2]
    try:
        concern, officer = await context.services.casework.reopen(await context.actor(update), code)
    except DomainError as refusal:
        await _refuse(update, t, refusal)
        return END
    await drop_buttons(update)
    if officer:
        text = t("↩️ Concern %(code)s is reopened and sent back to %(officer)s. The resident and the officer were told.",
                 code=concern.code, officer=officer)
    else:
        text = t("↩️ Concern %(code)s is reopened. The resident was told.", code=concern.code)
    await answer(update, text, reply_markup=await context.main_menu(update, t))
    return END


# --- /overdue ---------------------------------------------------------------------------------

def _overdue_screen(page: Page[OverdueItem], t: Translator):
    """/overdue as one message: the count, one page of lines by body, Previous/Next."""
    lines = [t("⏰ Assignments past their due date: %(count)d", count=page.total)]
    if page_line(page, t):
        lines.append(page_line(page, t))
    body = None
    for item in page.items:
        if item.body != body:
            body = item.body
            lines += ["", f"🏢 {body}"]
        lines.append(t.n("• %(code)s · %(officer)s · due %(date)s · %(days)d working day late",
                         "• %(code)s · %(officer)s · due %(date)s · %(days)d working days late", item.days_late,
                         code=item.code, officer=item.officer_name or "—", date=t.short_date(item.due), days=item.days_late))
    navigation = page_row("cw:ov", page, t)
    return "\n".join(lines)[:MAX_MESSAGE], inline([navigation]) if navigation else None


async def overdue(update: Update, context: BotContext) -> int:
    """/overdue: every open assignment past its due date, by body, with the working days late, in one message."""
    t = await _begin(update, context)
    try:
        page = await context.services.casework.overdue(await context.actor(update))
    except DomainError as refusal:
        await _refuse(update, t, refusal)
        return END
    # The MTTQ's supervision notes nobody acknowledged yet are owed too (issue 11); never counted as overdue work.
    notes = note_lines(await context.services.followup.open_notes(await context.actor(update)), t)
    if not page.total:
        await answer(update, t("Nothing is overdue: every open assignment is within its due date."))
    else:
        text, buttons = _overdue_screen(page, t)
        await answer(update, text, reply_markup=buttons)
    for message in split_message(notes[1:], MAX_MESSAGE):
        await answer(update, message)
    return END


async def overdue_page(update: Update, context: BotContext) -> None:
    """◀️ / ▶️ on /overdue: the same message shows another page, read afresh."""
    t = await context.translator(update)
    try:
        page = await context.services.casework.overdue(await context.actor(update), asked_page(update.callback_query.data))
    except DomainError as refusal:
        await update.callback_query.answer()
        await _refuse(update, t, refusal)
        return
    await answer_page_press(update, page, t)
    if not page.total:
        await replace_message(update, t("Nothing is overdue: every open assignment is within its due date."))
        return
    text, buttons = _overdue_screen(page, t)
    await replace_message(update, text, buttons)


def flow(menus: Menus) -> Flow:
    """Every casework command and card button starts (or restarts) a step of the one conversation."""
    typed = MessageHandler(menus.free_text, expect_button)
    not_text = MessageHandler(NEW_MESSAGES & ~filters.TEXT & ~filters.COMMAND, expect_text)

    def awaiting_text(callback) -> list:
        return [MessageHandler(menus.free_text, callback), not_text]

    return Flow(
        entry_points=[
            CommandHandler("inbox", inbox, filters=NEW_MESSAGES),
            MessageHandler(menus.label(_menu_label("inbox")), inbox),
            CommandHandler("enter", enter, filters=NEW_MESSAGES),
            MessageHandler(menus.label(_menu_label("enter")), enter),
            CommandHandler("overdue", overdue, filters=NEW_MESSAGES),
            MessageHandler(menus.label(_menu_label("overdue")), overdue),
            CommandHandler("concern", concern_file, filters=NEW_MESSAGES),
            CommandHandler("close", close_command, filters=NEW_MESSAGES),
            CallbackQueryHandler(inbox_next, pattern=rf"^cw:nx:{CODE}$"),
            CallbackQueryHandler(accept, pattern=rf"^cw:acc:{CODE}$"),
            CallbackQueryHandler(merge_ask, pattern=rf"^cw:mrg:{CODE}$"),
            CallbackQueryHandler(merge_chosen, pattern=rf"^cw:mi:{CODE}:{CODE}$"),
            CallbackQueryHandler(out_of_scope_ask, pattern=rf"^cw:oos:{CODE}$"),
            CallbackQueryHandler(out_of_scope, pattern=rf"^cw:oosy:{CODE}$"),
            CallbackQueryHandler(keep, pattern=rf"^cw:keep:{CODE}$"),
            CallbackQueryHandler(reject_ask, pattern=rf"^cw:rej:{CODE}$"),
            CallbackQueryHandler(close_button, pattern=rf"^cw:cls:{CODE}$"),
            CallbackQueryHandler(reopen, pattern=rf"^cw:reo:{CODE}$"),
        ],
        states={
            CW_MERGE_CODE: awaiting_text(merge_into),
            CW_REJECT_REASON: awaiting_text(reject),
            CW_CLOSE_NOTE: awaiting_text(close_note),
            CW_CONCERN_CODE: awaiting_text(concern_code),
            CW_CLOSE_CODE: awaiting_text(close_code),
            CW_ENTER_HAMLET: [CallbackQueryHandler(enter_hamlet, pattern=r"^cw:eh:[^:]{1,32}$"), typed],
            CW_ENTER_NAME: awaiting_text(enter_name),
            CW_ENTER_PHONE: [CallbackQueryHandler(enter_no_phone, pattern=r"^cw:ep:skip$"), *awaiting_text(enter_phone)],
            CW_ENTER_TOPIC: [CallbackQueryHandler(enter_topic, pattern=r"^cw:et:[^:]{1,32}$"), typed],
            CW_ENTER_TEXT: awaiting_text(enter_text),
            CW_ENTER_CONFIRM: [CallbackQueryHandler(enter_confirm, pattern=r"^cw:eok:[0-9a-f]{16}$"),
                               CallbackQueryHandler(enter_discard, pattern=r"^cw:eno:[0-9a-f]{16}$"),
                               *awaiting_text(enter_text)],
        },
        anywhere=[
            # Opening the attachments leaves whatever step the official is in as it was
            # (tk:files: is the officers' older button, kept working).
            CallbackQueryHandler(open_attachments, pattern=rf"^(cw|tk):files:{CODE}$"),
            CallbackQueryHandler(overdue_page, pattern=rf"^cw:ov:{PAGE}$"),
        ],
    )
