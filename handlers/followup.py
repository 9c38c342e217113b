"""After the meeting (issue 11): the chair's /confirm, /referred with the office recording a referred body's
answer, the MTTQ's /note and its acknowledgement. Update -> bot.services.followup -> reply."""

from __future__ import annotations

from telegram import Update
from telegram.ext import CallbackQueryHandler, CommandHandler, MessageHandler

from bot.errors import DomainError, TextEmpty, TextTooLong, describe
from bot.reports.figures import local_day
from bot.roles import OFFICE
from handlers.context import BotContext, answer, drop_buttons
from handlers.flows import NEW_MESSAGES, Flow, Menus
from handlers.keyboards import inline
from handlers.pages import PAGE, asked_page, page_line, page_of, page_row, show_page
from handlers.states import END

# Conversation states of this module (900-999).
REFERRAL_ANSWER, ANSWER_REASON = 900, 901
ANSWERING = "referral_answer_for"
DISPUTING = "disputing_for_resident"
MAX_SHOWN = 40
# /confirm and /referred grow with a commune's years: a page at a time, each item reachable.
PER_PAGE = 20


async def show_pending(update: Update, context: BotContext) -> None:
    """/confirm: the conclusions the office entered for the chair, and one button to confirm them."""
    await _pending(update, context, 1)


async def pending_page(update: Update, context: BotContext) -> None:
    """◀️ / ▶️ on /confirm: another page of what the chair confirms, read afresh."""
    await _pending(update, context, asked_page(update.callback_query.data))


async def _pending(update: Update, context: BotContext, asked: int) -> None:
    t = await context.translator(update)
    try:
        pending = await context.services.followup.pending_confirmation(await context.actor(update))
    except DomainError as error:
        if update.callback_query is not None:
            await update.callback_query.answer()
        await answer(update, describe(error, t))
        return
    page = page_of(pending.items, asked, PER_PAGE)
    lines = [t("🧾 Conclusions the office recorded for you, waiting for your confirmation: %(count)d.", count=len(pending.items))]
    if page_line(page, t):
        lines.append(page_line(page, t))
    for item in page.items:
        detail = item.referred_to or item.body or item.text or ""
        lines.append(f"• {item.code}: {t(_label(item.conclusion))}" + (f" ({detail})" if detail else ""))
    rows = [[(t("✅ Confirm these conclusions"), f"cf:ok:{pending.dialogue_id}")]]
    if page_row("cf", page, t):
        rows.insert(0, page_row("cf", page, t))
    await show_page(update, "\n".join(lines), inline(rows), page, t)


def _label(conclusion: str) -> str:
    from handlers.dialogue import CONCLUSION_LABELS

    return CONCLUSION_LABELS[conclusion]


async def confirm(update: Update, context: BotContext) -> None:
    """“Confirm”: the office may now announce them."""
    query = update.callback_query
    await query.answer()
    t = await context.translator(update)
    try:
        count = await context.services.followup.confirm(await context.actor(update), int(query.data.split(":")[2]))
    except DomainError as error:
        await answer(update, describe(error, t))
        return
    await drop_buttons(update)
    await answer(update, t.n("✅ You confirmed %(count)d conclusion. The office can announce it.",
                             "✅ You confirmed %(count)d conclusions. The office can announce them.", count, count=count))


async def show_referrals(update: Update, context: BotContext) -> None:
    """/referred: concerns referred to a higher level or another body, still waiting for its answer."""
    await _referrals(update, context, 1)


async def referrals_page(update: Update, context: BotContext) -> None:
    """◀️ / ▶️ on /referred: another page, read afresh."""
    await _referrals(update, context, asked_page(update.callback_query.data))


async def _referrals(update: Update, context: BotContext, asked: int) -> None:
    t = await context.translator(update)
    actor = await context.actor(update)
    try:
        waiting = await context.services.followup.referrals(actor)
    except DomainError as error:
        if update.callback_query is not None:
            await update.callback_query.answer()
        await answer(update, describe(error, t))
        return
    if not waiting:
        await show_page(update, t("No referred concern is waiting for an answer."), None, None, t)
        return
    page = page_of(waiting, asked, PER_PAGE)
    lines = [t("📤 Referred concerns waiting for the answer of the body: %(count)d.", count=len(waiting))]
    if page_line(page, t):
        lines.append(page_line(page, t))
    for item in page.items:
        lines.append(f"• {item.code}: {item.referred_to}")
    rows = []
    if OFFICE in actor.roles:
        lines.append(t("Tap a concern to record the answer received."))
        rows = [[(f"{item.code} · {item.referred_to[:40]}", f"rf:{item.id}")] for item in page.items]
    if page_row("rf", page, t):
        rows.append(page_row("rf", page, t))
    await show_page(update, "\n".join(lines), inline(rows) if rows else None, page, t)


async def ask_referral_answer(update: Update, context: BotContext) -> int:
    query = update.callback_query
    await query.answer()
    t = await context.translator(update)
    actor = await context.actor(update)
    try:
        await context.services.staff.require(actor, "record_referral_answer")
    except DomainError as error:
        await answer(update, describe(error, t))
        return END
    await drop_buttons(update)
    context.user_data[ANSWERING] = int(query.data.split(":")[1])
    await answer(update, t("Please type the answer the body gave (what it decided, and when)."))
    return REFERRAL_ANSWER


async def referral_answer_typed(update: Update, context: BotContext) -> int:
    t = await context.translator(update)
    concern_id = context.user_data.get(ANSWERING)
    if concern_id is None:
        return END
    try:
        concern = await context.services.followup.answer_referral(await context.actor(update), concern_id,
                                                                 update.effective_message.text)
    except DomainError as error:
        await answer(update, describe(error, t))
        return REFERRAL_ANSWER if isinstance(error, (TextEmpty, TextTooLong)) else END
    context.user_data.pop(ANSWERING, None)
    await answer(update, t("✅ The answer on concern %(code)s was recorded and sent to the resident.", code=concern.code),
                 reply_markup=await context.main_menu(update, t))
    return END


async def add_note(update: Update, context: BotContext) -> None:
    """/note [CODE] text: the MTTQ's supervision note on a concern, or on the dialogue without a code."""
    t = await context.translator(update)
    words = (update.effective_message.text or "").split(maxsplit=2)[1:]
    code = words[0] if words and any(ch.isdigit() for ch in words[0]) and len(words[0]) <= 8 else None
    text = " ".join(words[1:] if code else words)
    try:
        note = await context.services.followup.add_note(await context.actor(update), code, text)
    except TextEmpty:
        await answer(update, t("Write the note after the command: /note CODE text (on a concern) or /note text (on the "
                               "dialogue)."))
        return
    except DomainError as error:
        await answer(update, describe(error, t))
        return
    await answer(update, t("📝 Your supervision note was recorded and sent to the office and the chair, who must "
                           "acknowledge it (note %(number)d).", number=note.id))


async def acknowledge(update: Update, context: BotContext) -> None:
    query = update.callback_query
    await query.answer()
    t = await context.translator(update)
    try:
        await context.services.followup.acknowledge(await context.actor(update), int(query.data.split(":")[2]))
    except DomainError as error:
        await answer(update, describe(error, t))
        return
    await drop_buttons(update)
    await answer(update, t("✅ Acknowledged. The MTTQ can see it."))


async def ask_answer(update: Update, context: BotContext) -> None:
    """/answer CODE: a hamlet head records the reply of a resident without a phone to the answer they got."""
    t = await context.translator(update)
    words = (update.effective_message.text or "").split()
    try:
        concern, given = await context.services.followup.answer_target(await context.actor(update),
                                                                       words[1] if len(words) > 1 else None)
    except DomainError as error:
        await answer(update, describe(error, t))
        return
    await answer(update, t("Concern %(code)s was answered:\n\n%(answer)s\n\nWhat does the resident say? Their reply is "
                           "recorded as given through you.", code=concern.code, answer=given or "—"),
                 reply_markup=inline([[(t("👍 The resident agrees"), f"ab:ok:{concern.code}"),
                                       (t("👎 The resident disagrees"), f"ab:no:{concern.code}")]]))


async def answer_agreed(update: Update, context: BotContext) -> None:
    query = update.callback_query
    await query.answer()
    t = await context.translator(update)
    try:
        concern = await context.services.followup.answer_on_behalf(await context.actor(update), query.data.split(":")[2], True)
    except DomainError as error:
        await answer(update, describe(error, t))
        return
    await drop_buttons(update)
    await answer(update, t("✅ Recorded: the resident agrees with the answer on concern %(code)s. It is now closed.",
                           code=concern.code))


async def ask_disagreement(update: Update, context: BotContext) -> int:
    query = update.callback_query
    await query.answer()
    t = await context.translator(update)
    code = query.data.split(":")[2]
    try:
        await context.services.followup.answer_target(await context.actor(update), code)
    except DomainError as error:
        await answer(update, describe(error, t))
        return END
    await drop_buttons(update)
    context.user_data[DISPUTING] = code
    await answer(update, t("Please type briefly why the resident disagrees."))
    return ANSWER_REASON


async def disagreement_typed(update: Update, context: BotContext) -> int:
    t = await context.translator(update)
    code = context.user_data.get(DISPUTING)
    if code is None:
        return END
    try:
        concern = await context.services.followup.answer_on_behalf(await context.actor(update), code, False,
                                                                  update.effective_message.text)
    except DomainError as error:
        await answer(update, describe(error, t))
        return ANSWER_REASON if isinstance(error, (TextEmpty, TextTooLong)) else END
    context.user_data.pop(DISPUTING, None)
    await answer(update, t("✅ Recorded: the resident disagrees with the answer on concern %(code)s. The office and the "
                           "MTTQ were told why.", code=concern.code), reply_markup=await context.main_menu(update, t))
    return END


async def follow(update: Update, context: BotContext) -> None:
    """/follow: the chair starts or stops hearing of every result."""
    t = await context.translator(update)
    try:
        following = await context.services.followup.follow_results(await context.actor(update))
    except DomainError as error:
        await answer(update, describe(error, t))
        return
    await answer(update, t("You will now be told when an officer resolves or extends a concern, or a resident disputes "
                           "an answer. Send /follow again to stop.") if following
                 else t("You will no longer be told of each result. Send /follow to be told again."))


def note_lines(notes, t) -> list[str]:
    """Unacknowledged notes, as /overdue lists them."""
    if not notes:
        return []
    lines = ["", t("📝 Supervision notes of the MTTQ not acknowledged yet: %(count)d", count=len(notes))]
    for note in notes[:MAX_SHOWN]:
        about = note.concern_code or t("the dialogue")
        lines.append(t("• %(about)s (%(date)s): %(text)s", about=about, text=note.text[:120],
                       date=t.short_date(local_day(note.created_at, t.timezone))))
    return lines


def flow(menus: Menus) -> Flow:
    return Flow(
        entry_points=[CallbackQueryHandler(ask_referral_answer, pattern=r"^rf:\d{1,12}$"),
                      CallbackQueryHandler(ask_disagreement, pattern=r"^ab:no:\d{3}-\d{3}$")],
        states={REFERRAL_ANSWER: [MessageHandler(menus.free_text, referral_answer_typed)],
                ANSWER_REASON: [MessageHandler(menus.free_text, disagreement_typed)]},
        anywhere=[
            CommandHandler("confirm", show_pending, filters=NEW_MESSAGES),
            CallbackQueryHandler(confirm, pattern=r"^cf:ok:\d{1,12}$"),
            CommandHandler("referred", show_referrals, filters=NEW_MESSAGES),
            CallbackQueryHandler(referrals_page, pattern=rf"^rf:{PAGE}$"),
            CallbackQueryHandler(pending_page, pattern=rf"^cf:{PAGE}$"),
            CommandHandler("note", add_note, filters=NEW_MESSAGES),
            CallbackQueryHandler(acknowledge, pattern=r"^nt:ack:\d{1,12}$"),
            CommandHandler("answer", ask_answer, filters=NEW_MESSAGES),
            CommandHandler("follow", follow, filters=NEW_MESSAGES),
            CallbackQueryHandler(answer_agreed, pattern=r"^ab:ok:\d{3}-\d{3}$"),
        ],
    )
