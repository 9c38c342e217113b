"""/report and /export: a dialogue's or a period's figures with charts and documents; the registers as files.
Update -> bot.services.reports -> message, photos, documents."""

from __future__ import annotations

from telegram import InputFile, Update
from telegram.ext import CallbackQueryHandler, CommandHandler

from bot.documents import charts, papers, registers, spoken
from bot.errors import DomainError, describe
from bot.reports.periods import current_periods
from bot.reports.summary import summary
from bot.roles import READ_ALL_ROLES
from bot.text import split_message
from handlers.context import BotContext, answer, drop_buttons
from handlers.flows import NEW_MESSAGES, Flow, Menus
from handlers.keyboards import choices

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
                t("The concern register: %(count)d concerns.", count=len(report.rows)))
    await _send(update, f"so-theo-doi-giao-viec-{report.key}.xlsx", registers.assignment_register(report, t),
                t("The assignment register: %(count)d assignments.", count=report.figures.assigned))


async def send_announcement_papers(update: Update, context: BotContext, dialogue_id: int) -> None:
    """After /announce: the Thông báo kết luận as DOCX, and its short version for the loudspeaker."""
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


def flow(menus: Menus) -> Flow:
    return Flow(anywhere=[
        CommandHandler("report", ask_report, filters=NEW_MESSAGES),
        CommandHandler("export", ask_export, filters=NEW_MESSAGES),
        CallbackQueryHandler(send_report, pattern=r"^rp:(d:\d+|p:[0-9A-Z-]+)$"),
        CallbackQueryHandler(send_export, pattern=r"^ex:(d:\d+|p:[0-9A-Z-]+)$"),
    ])
