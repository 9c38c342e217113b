"""/report and /export: a dialogue's or a period's figures with charts and documents; the registers as files.
Update -> bot.services.reports -> message, photos, documents. The file makers (matplotlib, python-docx, openpyxl)
are imported when first used: they would add most of a second to every start-up."""

from __future__ import annotations

from telegram import InputFile, Update
from telegram.ext import CallbackQueryHandler, CommandHandler

from bot.errors import DomainError, describe
from bot.reports.periods import current_periods
from bot.reports.summary import summary
from bot.roles import READ_ALL_ROLES
from bot.text import split_message
from handlers.context import BotContext, answer, drop_buttons, replace_message
from handlers.flows import NEW_MESSAGES, Flow, Menus
from handlers.keyboards import choices, inline

DIALOGUES_OFFERED = 3
MESSAGE_LIMIT = 4000  # Telegram's 4096, with room


async def _offer(update: Update, context: BotContext, prefix: str, action: str) -> None:
    t = await context.translator(update)
    actor = await context.actor(update)
    try:
        await context.services.staff.require(actor, action)
    except DomainError as error:
        await answer(update, describe(error, t))
        return
    held = await context.services.reports.dialogues(actor.commune_id)
    buttons = [(t("Dialogue of %(date)s", date=t.short_date(day)), f"{prefix}:d:{d_id}")
               for d_id, day in held[:DIALOGUES_OFFERED]]
    buttons += [(period.title(t).capitalize(), f"{prefix}:p:{period.key}")
                for period in current_periods(context.services.reports.today())]
    await answer(update, t("Which dialogue or period?"), reply_markup=choices(buttons, per_row=1))


async def ask_report(update: Update, context: BotContext) -> None:
    """/report: choose a dialogue or a period."""
    await _offer(update, context, "rp", "report")


async def ask_export(update: Update, context: BotContext) -> None:
    """/export: choose a dialogue or a period for the registers."""
    await _offer(update, context, "ex", "export")


def _scope(data: str) -> dict:
    _, kind, value = data.split(":", 2)
    return {"dialogue": int(value)} if kind == "d" else {"period": value}


async def _send(update: Update, name: str, content: bytes, caption: str | None = None) -> None:
    await update.get_bot().send_document(update.effective_chat.id, InputFile(content, filename=name, attach=True),
                                         caption=caption)


async def send_report(update: Update, context: BotContext) -> None:
    """The chosen report: the figures, two charts, and for the commune-wide readers the documents."""
    query = update.callback_query
    await query.answer()
    await drop_buttons(update)
    t = await context.translator(update)
    actor = await context.actor(update)
    try:
        report = await context.services.reports.report(actor, **_scope(query.data))
    except DomainError as error:
        await answer(update, describe(error, t))
        return
    from bot.documents import charts, papers

    for part in split_message(summary(report, t).split("\n"), MESSAGE_LIMIT):
        await answer(update, part)
    bot, chat = update.get_bot(), update.effective_chat.id
    await bot.send_photo(chat, InputFile(charts.overview(report, t), filename="overview.png"))
    await bot.send_photo(chat, InputFile(charts.by_hamlet(report, t), filename="hamlets.png"))
    if actor.roles & READ_ALL_ROLES:
        # The commune's papers are written in Vietnamese whatever the reader's language.
        vi = context.i18n.for_locale("vi")
        await _send(update, f"bao-cao-ket-qua-{report.key}.docx", papers.result_report(report, vi),
                    t("The report to the higher level, to edit, number and sign."))
        if report.dialogue is not None:
            await _send(update, f"bien-ban-doi-thoai-{report.key}.docx", papers.minutes(report, vi),
                        t("The minutes of the meeting, to complete and sign."))


async def send_export(update: Update, context: BotContext) -> None:
    """The chosen registers, as XLSX files."""
    from bot.documents import registers

    query = update.callback_query
    await query.answer()
    await drop_buttons(update)
    t = await context.translator(update)
    try:
        report = await context.services.reports.export(await context.actor(update), **_scope(query.data))
    except DomainError as error:
        await answer(update, describe(error, t))
        return
    await _send(update, f"so-theo-doi-kien-nghi-{report.key}.xlsx", registers.concern_register(report, t),
                t.n("The concern register: %(count)d concern.", "The concern register: %(count)d concerns.",
                    len(report.rows), count=len(report.rows)))
    await _send(update, f"so-theo-doi-giao-viec-{report.key}.xlsx", registers.assignment_register(report, t),
                t.n("The assignment register: %(count)d assignment.", "The assignment register: %(count)d assignments.",
                    report.figures.assigned, count=report.figures.assigned))


async def send_announcement_papers(update: Update, context: BotContext, dialogue_id: int) -> None:
    """After /announce: the Thông báo kết luận as DOCX, and its short version for the loudspeaker."""
    from bot.documents import papers, spoken

    t = await context.translator(update)
    actor = await context.actor(update)
    try:
        report = await context.services.reports.build(actor.commune_id, dialogue=dialogue_id)
    except DomainError as error:
        await answer(update, describe(error, t))
        return
    vi = context.i18n.for_locale("vi")
    await _send(update, f"thong-bao-ket-luan-{report.key}.docx", papers.announcement(report, vi),
                t("The announcement of the conclusions, to number, sign and post."))
    await answer(update, t("For the loudspeaker:") + "\n\n" + spoken.loudspeaker(report, vi))


def _page_text(page, t) -> str:
    from datetime import date as day_type

    from bot.documents import labels

    f = page.filter
    lines = [t("📋 Concerns of %(commune)s: %(count)d (page %(page)d of %(pages)d)", commune=page.commune.name(t.locale),
               count=page.total, page=f.page + 1, pages=page.pages)]
    if not page.items:
        lines.append(t("No concern matches these filters."))
    for item in page.items:
        parts = [item.code, page.commune.hamlet(item.hamlet_id).name.label(t.locale) if page.commune.hamlet(item.hamlet_id)
                 else item.hamlet_id, labels.topic(page, t, item.category), labels.status(t, item.status)]
        if item.referred_to:
            parts.append(item.referred_to)
        elif item.body:
            parts.append(labels.body(page, t, item.body) + (t(", due %(date)s", date=t.short_date(day_type.fromisoformat(item.due)))
                                                          if item.due else ""))
        lines.append("• " + " · ".join(parts))
    return "\n".join(lines)


def _page_buttons(page, t):
    from bot.services.reports import STATUS_GROUPS

    f = page.filter
    topics = [c for c in page.commune.categories if not c.petition]

    def data(**changed) -> str:
        values = {"dialogue": f.dialogue, "status": f.status, "topic": f.topic, "hamlet": f.hamlet, "page": 0, **changed}
        return "ls:{dialogue}:{status}:{topic}:{hamlet}:{page}".format(**values)

    dialogue = t("every dialogue") if not f.dialogue else t("Dialogue of %(date)s", date=t.short_date(page.dialogues[f.dialogue - 1][1]))
    topic = t("every topic") if not f.topic else topics[f.topic - 1].name(t.locale)
    hamlet = t("every hamlet") if not f.hamlet else page.commune.hamlets[f.hamlet - 1].name.label(t.locale)
    rows = [[(f"🗓 {dialogue}", data(dialogue=f.dialogue + 1))],
            [(f"📌 {t(STATUS_GROUPS[f.status][0])}", data(status=f.status + 1))],
            [(f"🏷 {topic}", data(topic=f.topic + 1)), (f"🏘 {hamlet}", data(hamlet=f.hamlet + 1))]]
    moves = []
    if f.page > 0:
        moves.append((t("◀ Previous"), data(page=f.page - 1)))
    if f.page + 1 < page.pages:
        moves.append((t("Next ▶"), data(page=f.page + 1)))
    if moves:
        rows.append(moves)
    return inline(rows)


async def list_concerns(update: Update, context: BotContext) -> None:
    """/concerns: every concern of the commune, filtered by taps on the same message."""
    t = await context.translator(update)
    try:
        page = await context.services.reports.concern_list(await context.actor(update))
    except DomainError as error:
        await answer(update, describe(error, t))
        return
    await answer(update, _page_text(page, t), reply_markup=_page_buttons(page, t))


async def list_filtered(update: Update, context: BotContext) -> None:
    """A filter or a page tapped: the same message shows the new list."""
    from bot.services.reports import ListFilter

    query = update.callback_query
    await query.answer()
    t = await context.translator(update)
    try:
        page = await context.services.reports.concern_list(
            await context.actor(update), ListFilter(*(int(part) for part in query.data.split(":")[1:])))
    except DomainError as error:
        await answer(update, describe(error, t))
        return
    await replace_message(update, _page_text(page, t), reply_markup=_page_buttons(page, t))


def flow(menus: Menus) -> Flow:
    return Flow(anywhere=[
        CommandHandler("report", ask_report, filters=NEW_MESSAGES),
        CommandHandler("export", ask_export, filters=NEW_MESSAGES),
        CallbackQueryHandler(send_report, pattern=r"^rp:(d:\d+|p:[0-9A-Z-]+)$"),
        CallbackQueryHandler(send_export, pattern=r"^ex:(d:\d+|p:[0-9A-Z-]+)$"),
        CommandHandler("concerns", list_concerns, filters=NEW_MESSAGES),
        CallbackQueryHandler(list_filtered, pattern=r"^ls:\d{1,3}:\d{1,3}:\d{1,3}:\d{1,3}:\d{1,5}$"),
    ])
