"""The review before a dialogue over Telegram (issue 10): /review (“Rà soát”) as one paged message with topic
and hamlet filters and the office's proposed direction per item; /promise CODE for a promise made when
answering at the meeting; the carry-over offered at scheduling; /hamlet, a hamlet head's list."""

from __future__ import annotations

from datetime import date

from telegram import Update
from telegram.ext import CallbackQueryHandler, CommandHandler, MessageHandler

from bot.domain import STATUS_LABELS
from bot.errors import DomainError, describe
from bot.i18n import Translator
from bot.services.review import ReviewFilter, ReviewItem
from bot.pages import Page
from handlers.context import BotContext, answer, drop_buttons, replace_message
from handlers.flows import NEW_MESSAGES, Flow, Menus
from handlers.keyboards import flow_menu, inline
from handlers.menus import OFFICIAL_COMMANDS
from handlers.pages import PAGE, answer_page_press, asked_page, page_line, page_row
from handlers.presenters import body_text, category_name
from handlers.states import END

# This module's states of the one conversation (range 460-469).
REVIEW_DIRECTION, REVIEW_PROMISE = 460, 461

MAX_MESSAGE = 3900
CODE = r"\d{3}-\d{3}"
# A filter in callback data: topic and hamlet keys, "-" for all.
FILTER = r"[^:]{1,32}:[^:]{1,32}"


def _menu_label(command: str) -> str:
    return next(c.label for c in OFFICIAL_COMMANDS if c.command == command)


def direction_lines(direction: str | None, t: Translator) -> list[str]:
    """The office's proposed direction, as the chair reads it when concluding."""
    return [t("Proposed direction and solution (commune office): %(text)s", text=direction)] if direction else []


def _filter_data(chosen: ReviewFilter) -> str:
    return f"{chosen.topic or '-'}:{chosen.hamlet_id or '-'}"


def _parse_filter(topic: str, hamlet: str) -> ReviewFilter:
    return ReviewFilter(None if topic == "-" else topic, None if hamlet == "-" else hamlet)


def _item_lines(commune, item: ReviewItem, t: Translator) -> list[str]:
    row = item.row
    hamlet = commune.hamlet(row.hamlet_id)
    lines = [
        "",
        t("%(code)s · %(topic)s · %(hamlet)s", code=row.code, topic=category_name(commune, row.category, t),
          hamlet=hamlet.name(t.locale) if hamlet else row.hamlet_id),
        t("Raised %(times)d times · residents: %(residents)d · dialogues: %(dialogues)d · since %(date)s",
          times=row.raised_count, residents=row.residents, dialogues=row.dialogues,
          date=t.short_date(t.local_date(row.submitted_at))),
        t("Status: %(status)s", status=t(STATUS_LABELS[row.status])),
    ]
    if item.overdue:
        lines.append(t("⏰ Overdue since %(date)s", date=t.short_date(date.fromisoformat(row.due))))
    if row.promise_due:
        if item.promise_late:
            lines.append(t("🤝 Promised by %(date)s, not done (late)", date=t.short_date(date.fromisoformat(row.promise_due))))
        else:
            lines.append(t("🤝 Promised by %(date)s, not done", date=t.short_date(date.fromisoformat(row.promise_due))))
    lines.append(body_text(row.body, t)[:300])
    lines += direction_lines(row.proposed_direction, t)
    return lines


def _screen(context: BotContext, actor, page: Page[ReviewItem], chosen: ReviewFilter, petitions, t: Translator):
    """/review as one message: counts, one page of items worst first, filters, Previous/Next."""
    commune = context.services.communes.get(actor.commune_id)
    lines = [t("🔍 Review before the dialogue: raised more than once, or still open, overdue, disputed or promised: %(count)d",
               count=page.total)]
    if chosen.topic:
        lines.append(t("Topic: %(topic)s", topic=category_name(commune, chosen.topic, t)))
    if chosen.hamlet_id:
        hamlet = commune.hamlet(chosen.hamlet_id)
        lines.append(t("Hamlet: %(hamlet)s", hamlet=hamlet.name(t.locale) if hamlet else chosen.hamlet_id))
    if page_line(page, t):
        lines.append(page_line(page, t))
    for item in page.items:
        lines += _item_lines(commune, item, t)
    if petitions:
        lines += ["", t("Petition themes residents brought this year (counted, nothing personal kept):")]
        for topic, hamlet_id, count in petitions[:5]:
            hamlet = commune.hamlet(hamlet_id)
            lines.append(t("• %(topic)s · %(hamlet)s: %(count)d", topic=category_name(commune, topic, t),
                           hamlet=hamlet.name(t.locale) if hamlet else hamlet_id, count=count))
    rows = []
    if actor.may("propose_direction"):
        rows += [[(t("✍️ Direction for %(code)s", code=item.row.code), f"rv:dir:{item.row.code}")] for item in page.items]
    here = _filter_data(chosen)
    rows.append([(t("🏷 By topic"), f"rv:ft:{here}"), (t("🏘 By hamlet"), f"rv:fh:{here}")])
    if chosen.topic or chosen.hamlet_id:
        rows.append([(t("✖️ All topics and hamlets"), "rv:-:-:pg:1")])
    navigation = page_row(f"rv:{here}", page, t)
    if navigation:
        rows.append(navigation)
    return "\n".join(lines)[:MAX_MESSAGE], inline(rows)


async def review(update: Update, context: BotContext) -> int:
    """/review: everything raised again and again or still unresolved, across all dialogues, worst first."""
    if update.callback_query is not None:
        await update.callback_query.answer()
    context.user_data.pop("review", None)
    t = await context.translator(update)
    actor = await context.actor(update)
    try:
        page = await context.services.review.review(actor)
        petitions = await context.services.review.petition_counts(actor)
    except DomainError as refusal:
        await answer(update, describe(refusal, t))
        return END
    text, buttons = _screen(context, actor, page, ReviewFilter(), petitions, t)
    await answer(update, text, reply_markup=buttons)
    return END


async def review_page(update: Update, context: BotContext) -> None:
    """A page or a filter of /review: the same message shows it, read afresh."""
    t = await context.translator(update)
    _, topic, hamlet, _ = update.callback_query.data.split(":", 3)
    chosen = _parse_filter(topic, hamlet)
    actor = await context.actor(update)
    try:
        page = await context.services.review.review(actor, asked_page(update.callback_query.data), chosen)
        petitions = await context.services.review.petition_counts(actor)
    except DomainError as refusal:
        await update.callback_query.answer()
        await answer(update, describe(refusal, t))
        return
    await answer_page_press(update, page, t)
    text, buttons = _screen(context, actor, page, chosen, petitions, t)
    await replace_message(update, text, buttons)


async def review_filter(update: Update, context: BotContext) -> None:
    """“By topic” / “By hamlet”: the choices, each showing the review filtered (the other filter kept)."""
    await update.callback_query.answer()
    t = await context.translator(update)
    _, kind, topic, hamlet = update.callback_query.data.split(":", 3)
    actor = await context.actor(update)
    if actor is None or not actor.may("review"):
        try:
            await context.services.review.review(actor)
        except DomainError as refusal:
            await answer(update, describe(refusal, t))
        return
    commune = context.services.communes.get(actor.commune_id)
    if kind == "ft":
        rows = [[(c.name(t.locale), f"rv:{c.key}:{hamlet}:pg:1")] for c in commune.categories]
    else:
        rows = [[(h.name(t.locale), f"rv:{topic}:{h.id}:pg:1")] for h in commune.hamlets]
    await replace_message(update, t("Show the review for:"), inline(rows))


async def direction_ask(update: Update, context: BotContext) -> int:
    """“Direction for …”: ask the office for the proposed direction and solution."""
    await update.callback_query.answer()
    t = await context.translator(update)
    code = update.callback_query.data.split(":", 2)[2]
    try:
        concern = await context.services.review.check_direction(await context.actor(update), code)
    except DomainError as refusal:
        await answer(update, describe(refusal, t))
        return END
    context.user_data["review"] = {"code": concern.code}
    await answer(update, t("Concern %(code)s: write the proposed direction and solution (dự kiến phương hướng, giải pháp). "
                           "The chair reads it when concluding.", code=concern.code), reply_markup=flow_menu(t))
    return REVIEW_DIRECTION


async def direction_text(update: Update, context: BotContext) -> int:
    """The direction was typed: kept with the concern."""
    t = await context.translator(update)
    pending = context.user_data.get("review")
    if not pending:
        return END
    try:
        concern = await context.services.review.set_direction(await context.actor(update), pending["code"],
                                                              update.effective_message.text)
    except DomainError as refusal:
        await answer(update, describe(refusal, t))
        return REVIEW_DIRECTION
    context.user_data.pop("review", None)
    await answer(update, t("✍️ The proposed direction for concern %(code)s is kept. The chair will see it in /conclude.",
                           code=concern.code), reply_markup=await context.main_menu(update, t))
    return END


# --- /promise CODE DATE TEXT -------------------------------------------------------------------

async def promise(update: Update, context: BotContext) -> None:
    """/promise CODE 31/12/2026 what was promised (or /promise CODE done): a promise made when answering."""
    t = await context.translator(update)
    args = context.args or []
    if len(args) < 2:
        await answer(update, t("Write /promise CODE DATE what was promised, for example: /promise 482-913 31/12/2026 "
                               "replace the street lights. When it is done: /promise CODE done"))
        return
    code, rest = args[0], " ".join(args[1:])
    actor = await context.actor(update)
    try:
        if rest.strip().lower() in ("done", "xong"):
            kept = await context.services.review.promise_kept(actor, code)
            await answer(update, t("✅ The promise of concern %(code)s is marked done.", code=kept[0].code))
            return
        made = await context.services.review.promise(actor, code, rest)
    except DomainError as refusal:
        await answer(update, describe(refusal, t))
        return
    await answer(update, t("🤝 Promise kept for concern %(code)s: %(promise)s, by %(date)s. It is reminded and shown in "
                           "/review until it is done.", code=made.code, promise=made.promise,
                           date=t.date(date.fromisoformat(made.due_date))))


async def offer_promise(update: Update, context: BotContext, t: Translator, code: str) -> None:
    """After an answer at the meeting is recorded: a promise with a date may go with it."""
    actor = await context.actor(update)
    if actor is None or not actor.may("promise"):
        return
    await answer(update, t("Did the answer on concern %(code)s promise something by a date (for example, replace the "
                           "street lights in December)?", code=code),
                 reply_markup=inline([[(t("🤝 Add the promise and its date"), f"rv:pr:{code}")]]))


async def promise_ask(update: Update, context: BotContext) -> int:
    """“Add the promise”: ask for the date and what was promised."""
    await update.callback_query.answer()
    t = await context.translator(update)
    code = update.callback_query.data.split(":", 2)[2]
    actor = await context.actor(update)
    try:
        await context.services.review.check_promise(actor, code)
    except DomainError as refusal:
        await answer(update, describe(refusal, t))
        return END
    await drop_buttons(update)
    context.user_data["review"] = {"code": code}
    await answer(update, t("Concern %(code)s: type the date, then what was promised, for example: 31/12/2026 replace the "
                           "street lights.", code=code), reply_markup=flow_menu(t))
    return REVIEW_PROMISE


async def promise_text(update: Update, context: BotContext) -> int:
    """The date and the promise, typed: kept, reminded and reviewed until done."""
    t = await context.translator(update)
    pending = context.user_data.get("review")
    if not pending:
        return END
    try:
        made = await context.services.review.promise(await context.actor(update), pending["code"],
                                                     update.effective_message.text)
    except DomainError as refusal:
        await answer(update, describe(refusal, t))
        return REVIEW_PROMISE
    context.user_data.pop("review", None)
    await answer(update, t("🤝 Promise kept for concern %(code)s: %(promise)s, by %(date)s. It is reminded and shown in "
                           "/review until it is done.", code=made.code, promise=made.promise,
                           date=t.date(date.fromisoformat(made.due_date))), reply_markup=await context.main_menu(update, t))
    return END


# --- carry-over at scheduling -----------------------------------------------------------------

async def offer_carry_over(update: Update, context: BotContext, t: Translator, dialogue_id: int) -> None:
    """After scheduling: the previous dialogue's unresolved items, offered for this one's agenda."""
    try:
        offer = await context.services.review.carry_over_offer(await context.actor(update), dialogue_id)
    except DomainError:
        return  # scheduling is allowed to more roles than carrying over: nothing to offer them
    if offer is None:
        return
    await answer(update, t.n("%(count)d item of the previous dialogue is not resolved yet: %(codes)s. Put it on this "
                             "dialogue's agenda?",
                             "%(count)d items of the previous dialogue are not resolved yet: %(codes)s. Put them on this "
                             "dialogue's agenda?", len(offer.codes), count=len(offer.codes), codes=", ".join(offer.codes)),
                 reply_markup=inline([[(t("➕ Put them on the agenda"), f"rv:co:{dialogue_id}")],
                                      [(t("Not now"), "rv:con")]]))


async def carry_over(update: Update, context: BotContext) -> None:
    """“Put them on the agenda”."""
    await update.callback_query.answer()
    t = await context.translator(update)
    try:
        moved = await context.services.review.carry_over(await context.actor(update), int(update.callback_query.data.split(":")[2]))
    except DomainError as refusal:
        await answer(update, describe(refusal, t))
        return
    await drop_buttons(update)
    await answer(update, t.n("➕ %(count)d item is on the agenda: %(codes)s.", "➕ %(count)d items are on the agenda: %(codes)s.",
                             len(moved), count=len(moved), codes=", ".join(moved) or "—"))


async def carry_over_no(update: Update, context: BotContext) -> None:
    await update.callback_query.answer()
    t = await context.translator(update)
    await drop_buttons(update)
    await answer(update, t("Nothing was changed."))


# --- /hamlet: a hamlet head's list ------------------------------------------------------------------

def _hamlet_screen(context: BotContext, actor, page, t: Translator):
    commune = context.services.communes.get(actor.commune_id)
    hamlet = commune.hamlet(actor.hamlet_id)
    lines = [t("🏘 Concerns of %(hamlet)s: %(count)d", hamlet=hamlet.name(t.locale) if hamlet else actor.hamlet_id,
               count=page.total)]
    if page_line(page, t):
        lines.append(page_line(page, t))
    for row in page.items:
        lines.append(t("• %(code)s · %(topic)s · %(date)s · %(status)s: %(text)s", code=row.code,
                       topic=category_name(commune, row.category, t), date=t.short_date(t.local_date(row.submitted_at)),
                       status=t(STATUS_LABELS[row.status]), text=body_text(row.body, t)[:80]))
    lines += ["", t("Details: /concern CODE")]
    navigation = page_row("hl", page, t)
    return "\n".join(lines)[:MAX_MESSAGE], inline([navigation]) if navigation else None


async def hamlet(update: Update, context: BotContext) -> int:
    """/hamlet: the concerns of the hamlet head's own hamlet, newest first, a page at a time."""
    t = await context.translator(update)
    actor = await context.actor(update)
    try:
        page = await context.services.review.hamlet_list(actor)
    except DomainError as refusal:
        await answer(update, describe(refusal, t))
        return END
    text, buttons = _hamlet_screen(context, actor, page, t)
    await answer(update, text, reply_markup=buttons)
    return END


async def hamlet_page(update: Update, context: BotContext) -> None:
    t = await context.translator(update)
    actor = await context.actor(update)
    try:
        page = await context.services.review.hamlet_list(actor, asked_page(update.callback_query.data))
    except DomainError as refusal:
        await update.callback_query.answer()
        await answer(update, describe(refusal, t))
        return
    await answer_page_press(update, page, t)
    text, buttons = _hamlet_screen(context, actor, page, t)
    await replace_message(update, text, buttons)


def flow(menus: Menus) -> Flow:
    return Flow(
        entry_points=[
            CommandHandler("review", review, filters=NEW_MESSAGES),
            MessageHandler(menus.label(_menu_label("review")), review),
            CommandHandler("hamlet", hamlet, filters=NEW_MESSAGES),
            MessageHandler(menus.label(_menu_label("hamlet")), hamlet),
            CallbackQueryHandler(direction_ask, pattern=rf"^rv:dir:{CODE}$"),
            CallbackQueryHandler(promise_ask, pattern=rf"^rv:pr:{CODE}$"),
        ],
        states={REVIEW_DIRECTION: [MessageHandler(menus.free_text, direction_text)],
                REVIEW_PROMISE: [MessageHandler(menus.free_text, promise_text)]},
        anywhere=[
            CommandHandler("promise", promise, filters=NEW_MESSAGES),
            CallbackQueryHandler(review_page, pattern=rf"^rv:{FILTER}:{PAGE}$"),
            CallbackQueryHandler(review_filter, pattern=rf"^rv:(ft|fh):{FILTER}$"),
            CallbackQueryHandler(carry_over, pattern=r"^rv:co:\d{1,12}$"),
            CallbackQueryHandler(carry_over_no, pattern=r"^rv:con$"),
            CallbackQueryHandler(hamlet_page, pattern=rf"^hl:{PAGE}$"),
        ],
    )
