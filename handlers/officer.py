"""Assigning a concern (/assign), the officer's tasks (/tasks: note, extension, result), and the
resident's answer to the written result (👍 / 👎 with a reason)."""

from __future__ import annotations

from datetime import date

from telegram import Update
from telegram.ext import CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot.domain import STATUS_LABELS
from bot.errors import DomainError, StaleAction, TextEmpty, TextTooLong, describe
from bot.i18n import Translator
from bot.notices import render
from bot.services.paged import PagedNotices
from bot.services.tasks import INPUT_REFUSALS, Task, TaskPage, due_line
from handlers.context import BotContext, answer, drop_buttons, replace_message
from handlers.flows import NEW_MESSAGES, Flow, Menus
from handlers.keyboards import choices, flow_menu, inline
from handlers.menus import OFFICIAL_COMMANDS
from handlers.pages import PAGE, answer_page_press, asked_page, page_line, page_row
from handlers.presenters import (
    attachment_lines, attachments_button, body_text, category_name, not_started_warning, official_name,
)
from handlers.states import END

TASK_NOTE, TASK_EXTEND_DATE, TASK_EXTEND_PLAN, TASK_RESULT, VERDICT_REASON, TASK_RESULT_CONFIRM = range(350, 356)

TASKS_BUTTON = next(command.label for command in OFFICIAL_COMMANDS if command.command == "tasks")
EXCERPT = 200
CODE = r"\d{3}-\d{3}"

# What typed input may simply be typed again after a refusal.
RETYPE = (TextEmpty, TextTooLong, *INPUT_REFUSALS)
DATE_REFUSALS = tuple(refusal for refusal in INPUT_REFUSALS if refusal.__name__.startswith("ExtensionDate"))


async def _refuse(update: Update, context: BotContext, t: Translator, refusal: DomainError, *, menu: bool = False) -> None:
    await answer(update, describe(refusal, t), reply_markup=(await context.main_menu(update, t)) if menu else None)


def _excerpt(text: str) -> str:
    return text if len(text) <= EXCERPT else text[: EXCERPT - 1] + "…"


# --- /assign CODE (office, chair) ---------------------------------------------------------------

async def assign_command(update: Update, context: BotContext) -> int:
    """/assign CODE: show the concern and the officers to choose from."""
    t = await context.translator(update)
    actor = await context.actor(update)
    code = " ".join(context.args or []).strip()
    try:
        if not code:
            await context.services.staff.require(actor, "assign")  # a resident is refused before any hint
            await answer(update, t("Please write the concern's code after the command, for example: /assign 482-913"))
            return END
        concern, officers = await context.services.tasks.assignable(actor, code)
    except DomainError as refusal:
        await _refuse(update, context, t, refusal)
        return END
    commune = context.services.communes.get(concern.commune_id)
    buttons = choices([(f"{official_name(t, officer.display_name, started=officer.started)} · {officer.body}",
                        f"tk:as:{concern.code}:{officer.id}") for officer in officers])
    await answer(update, t("Concern %(code)s · %(topic)s\n%(body)s\n\nWho should resolve it? Choose the officer.",
                           code=concern.code, topic=category_name(commune, concern.category, t),
                           body=_excerpt(body_text(concern.body, t))), reply_markup=buttons)
    return END


async def assign_chosen(update: Update, context: BotContext) -> None:
    """An officer was chosen: the concern is assigned; the officer and the resident are told."""
    query = update.callback_query
    await query.answer()
    t = await context.translator(update)
    actor = await context.actor(update)
    _, _, code, grant_id = query.data.split(":")
    try:
        outcome = await context.services.tasks.assign(actor, code, int(grant_id))
    except DomainError as refusal:
        if isinstance(refusal, StaleAction):
            await drop_buttons(update)
        await _refuse(update, context, t, refusal)
        return
    await drop_buttons(update)
    lines = [t("✅ Concern %(code)s is assigned to %(name)s (%(body)s). The officer and the resident were told.",
               code=outcome.concern.code, name=outcome.officer.display_name or "—", body=outcome.officer.body),
             due_line(t, outcome.due, context.services.rules.resolution_days)]
    if not outcome.officer.started:
        lines.append(not_started_warning(t, outcome.officer.display_name))
    await answer(update, "\n".join(lines))


# --- /tasks (officer) -----------------------------------------------------------------------------

def _task_text(context: BotContext, task: Task, t: Translator) -> str:
    concern = task.concern
    commune = context.services.communes.get(concern.commune_id)
    lines = [
        t("📌 Concern %(code)s · %(topic)s", code=concern.code, topic=category_name(commune, concern.category, t)),
        t("Status: %(status)s", status=t(STATUS_LABELS[concern.status])),
        t("Content: %(body)s", body=_excerpt(body_text(concern.body, t))),
        *attachment_lines(concern.attachments, t),
        due_line(t, task.due, context.services.rules.resolution_days),
    ]
    return "\n".join(lines)


def _task_buttons(task: Task, t: Translator, *, labelled: bool) -> list[list[tuple[str, str]]]:
    """The buttons of one task; on a page of several, each label names the concern it acts on."""
    code = task.concern.code

    def label(text: str) -> str:
        return f"{text} · {code}" if labelled else text

    first = [(label(t("📝 Progress note")), f"tk:note:{code}")]
    if task.assignment.extended_to is None and task.due is not None:  # the plan allows one extension, once due
        first.append((label(t("⏳ Ask for an extension")), f"tk:ext:{code}"))
    rows = [first, [(label(t("✅ Resolved: write the result")), f"tk:res:{code}")]]
    if task.concern.attachments:
        files_label, files_data = attachments_button(task.concern, t)
        rows.append([(label(files_label), files_data)])
    return rows


def _tasks_screen(context: BotContext, page: TaskPage, t: Translator):
    """/tasks as one message: the count, one page of tasks (overdue first) and their buttons."""
    lines = [t("Your open tasks: %(count)d, of which overdue: %(overdue)d. Overdue ones come first.",
               count=page.total, overdue=page.overdue)]
    if page_line(page, t):
        lines.append(page_line(page, t))
    rows = []
    for task in page.items:
        lines += ["", _task_text(context, task, t)]
        rows += _task_buttons(task, t, labelled=len(page.items) > 1)
    navigation = page_row("tk", page, t)
    if navigation:
        rows.append(navigation)
    return "\n".join(lines), inline(rows)


async def my_tasks(update: Update, context: BotContext) -> int:
    """/tasks: my open assignments in one message, overdue first, a page at a time with their buttons."""
    t = await context.translator(update)
    actor = await context.actor(update)
    try:
        page = await context.services.tasks.tasks(actor)
    except DomainError as refusal:
        await _refuse(update, context, t, refusal)
        return END
    if not page.total:
        await answer(update, t("You have no open tasks."), reply_markup=await context.main_menu(update, t))
        return END
    text, buttons = _tasks_screen(context, page, t)
    await answer(update, text, reply_markup=buttons)
    return END


async def tasks_page(update: Update, context: BotContext) -> None:
    """◀️ / ▶️ on /tasks: the same message shows another page (read afresh)."""
    t = await context.translator(update)
    actor = await context.actor(update)
    try:
        page = await context.services.tasks.tasks(actor, asked_page(update.callback_query.data))
    except DomainError as refusal:
        await update.callback_query.answer()
        await _refuse(update, context, t, refusal)
        return
    await answer_page_press(update, page, t)
    if not page.total:
        await replace_message(update, t("You have no open tasks."))
        return
    text, buttons = _tasks_screen(context, page, t)
    await replace_message(update, text, buttons)


async def paged_notice_page(update: Update, context: BotContext) -> None:
    """◀️ / ▶️ on a long notice (a day's reminders, a hamlet's conclusions): the same message shows another page."""
    t = await context.translator(update)
    query = update.callback_query
    list_id = int(query.data.split(":")[1])
    stored = await PagedNotices(context.services.database).page(await context.actor(update), list_id,
                                                                asked_page(query.data))
    if stored is None:
        await query.answer(t("This list is not available to you: it was sent to someone else, or it no longer exists."), show_alert=True)
        return
    await answer_page_press(update, stored.page, t)
    rendered = stored.render(t, context.services.communes)
    await replace_message(update, rendered.text, inline([rendered.actions]) if rendered.actions else None)


async def _start_task_input(update: Update, context: BotContext, action: str) -> tuple[Translator, str | None]:
    """A task button: check it may be done now, before asking for any text. Returns the code if it may."""
    query = update.callback_query
    await query.answer()
    t = await context.translator(update)
    actor = await context.actor(update)
    code = query.data.split(":", 2)[2]
    try:
        if action == "extend":
            window = await context.services.tasks.extension_window(actor, code)
        else:
            await context.services.tasks.task(actor, code, action)
    except DomainError as refusal:
        await _refuse(update, context, t, refusal)
        return t, None
    context.user_data["task"] = {"code": code, "action": action}
    if action == "note":
        text = t("Write your progress note on concern %(code)s. The resident will read it.", code=code)
    elif action == "resolve":
        text = t("Write the result for concern %(code)s: what was done and the answer to the resident. "
                 "The resident receives it in writing and says whether it satisfies them.", code=code)
    else:
        text = t.n("Concern %(code)s is due on %(due)s. Until which date do you need? Write it as day/month/year. "
                   "The latest allowed date is %(latest)s (%(days)d working day after the conclusions were announced).",
                   "Concern %(code)s is due on %(due)s. Until which date do you need? Write it as day/month/year. "
                   "The latest allowed date is %(latest)s (%(days)d working days after the conclusions were announced).",
                   window.limit_days, code=code, due=t.date(window.due), latest=t.date(window.latest), days=window.limit_days)
    await answer(update, text, reply_markup=flow_menu(t))
    return t, code


async def note_ask(update: Update, context: BotContext) -> int:
    """📝: ask for the progress note."""
    _, code = await _start_task_input(update, context, "note")
    return TASK_NOTE if code else END


async def extend_ask(update: Update, context: BotContext) -> int:
    """⏳: show the due date and the latest allowed, ask for the new date."""
    _, code = await _start_task_input(update, context, "extend")
    return TASK_EXTEND_DATE if code else END


async def resolve_ask(update: Update, context: BotContext) -> int:
    """✅: ask for the written result."""
    _, code = await _start_task_input(update, context, "resolve")
    return TASK_RESULT if code else END


async def _typed(update: Update, context: BotContext, action: str, retry_state: int, work) -> int:
    """Hand the typed text to the service; a refusal of the text asks again, any other ends the flow."""
    t = await context.translator(update)
    pending = context.user_data.get("task")
    if not pending or pending.get("action") != action:
        return END
    actor = await context.actor(update)
    try:
        reply = await work(t, actor, pending)
    except RETYPE as refusal:
        await _refuse(update, context, t, refusal)
        return retry_state
    except DomainError as refusal:
        context.user_data.pop("task", None)
        await _refuse(update, context, t, refusal, menu=True)
        return END
    if isinstance(reply, int):
        return reply
    context.user_data.pop("task", None)
    await answer(update, reply, reply_markup=await context.main_menu(update, t))
    return END


async def note_text(update: Update, context: BotContext) -> int:
    """The progress note: saved, and the resident reads it."""
    async def work(t, actor, pending):
        concern = await context.services.tasks.note(actor, pending["code"], update.effective_message.text)
        return t("✅ Your note on concern %(code)s was saved and sent to the resident.", code=concern.code)
    return await _typed(update, context, "note", TASK_NOTE, work)


async def extend_date(update: Update, context: BotContext) -> int:
    """The new date: checked against the due date and the 30-working-day limit, then the plan is asked."""
    async def work(t, actor, pending):
        day = await context.services.tasks.check_extension_date(actor, pending["code"], update.effective_message.text)
        pending["extended_to"] = day.isoformat()
        await answer(update, t("New date: %(date)s.\n\nNow write the reason and the plan. The resident receives it as the "
                               "commune's written reply, so please say what is being verified, how, by when, "
                               "and who is responsible.", date=t.date(day)))
        return TASK_EXTEND_PLAN
    return await _typed(update, context, "extend", TASK_EXTEND_DATE, work)


async def extend_plan(update: Update, context: BotContext) -> int:
    """The reason and plan: the extension is recorded and the resident receives the written reply."""
    async def work(t, actor, pending):
        if "extended_to" not in pending:
            return TASK_EXTEND_DATE
        day = date.fromisoformat(pending["extended_to"])
        try:
            concern = await context.services.tasks.extend(actor, pending["code"], day, update.effective_message.text)
        except DATE_REFUSALS as refusal:
            # The date became impossible meanwhile (e.g. it is past midnight): ask for a new date, not the plan again.
            pending.pop("extended_to", None)
            await _refuse(update, context, t, refusal)
            return TASK_EXTEND_DATE
        return t("✅ Concern %(code)s is extended to %(date)s. The resident received your written reply.",
                 code=concern.code, date=t.date(day))
    return await _typed(update, context, "extend", TASK_EXTEND_PLAN, work)


async def resolve_text(update: Update, context: BotContext) -> int:
    """The written result is the commune's official answer: shown as the resident will receive it, to
    send or write again (typing again replaces it)."""
    async def work(t, actor, pending):
        concern, notice = await context.services.tasks.check_result(actor, pending["code"], update.effective_message.text)
        pending["result"] = notice["text"]
        preview = render("concern_update", notice, t, context.services.communes)
        await answer(update, t("The resident will receive this:"))
        await answer(update, preview.text)
        await answer(update, t("Send it? Once sent it cannot be changed. You may also type the result again to replace it."),
                     reply_markup=inline([[(t("✅ Send the result"), f"tk:rok:{concern.code}")],
                                          [(t("✏️ Write it again"), f"tk:red:{concern.code}")]]))
        return TASK_RESULT_CONFIRM
    return await _typed(update, context, "resolve", TASK_RESULT, work)


async def resolve_send(update: Update, context: BotContext) -> int:
    """“Send the result”: the concern is resolved and the resident receives it with 👍 / 👎."""
    query = update.callback_query
    await query.answer()
    t = await context.translator(update)
    pending = context.user_data.get("task")
    code = query.data.split(":", 2)[2]
    if not pending or pending.get("action") != "resolve" or pending.get("code") != code or "result" not in pending:
        await answer(update, t("This button is no longer active. Please use the menu below."),
                     reply_markup=await context.main_menu(update, t))
        return END
    await drop_buttons(update)
    context.user_data.pop("task", None)
    try:
        concern = await context.services.tasks.resolve(await context.actor(update), code, pending["result"])
    except DomainError as refusal:
        await _refuse(update, context, t, refusal, menu=True)
        return END
    await answer(update, t("✅ Concern %(code)s is resolved. The resident received your written result.", code=concern.code),
                 reply_markup=await context.main_menu(update, t))
    return END


async def resolve_rewrite(update: Update, context: BotContext) -> int:
    """“Write it again”: nothing was sent; the result is asked again."""
    query = update.callback_query
    await query.answer()
    t = await context.translator(update)
    pending = context.user_data.get("task")
    if not pending or pending.get("action") != "resolve":
        await answer(update, t("This button is no longer active. Please use the menu below."),
                     reply_markup=await context.main_menu(update, t))
        return END
    await drop_buttons(update)
    pending.pop("result", None)
    await answer(update, t("Nothing was sent. Please write the result for concern %(code)s again.", code=pending["code"]))
    return TASK_RESULT


async def expect_typed(update: Update, context: BotContext) -> None:
    """A photo, sticker or the like where typed text is awaited."""
    t = await context.translator(update)
    await answer(update, t("Please type your answer as text (or send /cancel to stop)."))


# --- The resident's answer to the result -------------------------------------------------------------

def flow(menus: Menus) -> Flow:
    """/assign, /tasks and the task buttons start flows (leaving any other); 👍, the officer choice
    and the attachments work anywhere."""
    tasks_button = menus.label(TASKS_BUTTON)
    not_text = MessageHandler(NEW_MESSAGES & ~filters.TEXT & ~filters.COMMAND, expect_typed)
    return Flow(
        entry_points=[
            CommandHandler("assign", assign_command, filters=NEW_MESSAGES),
            CommandHandler("tasks", my_tasks, filters=NEW_MESSAGES),
            MessageHandler(tasks_button, my_tasks),
            CallbackQueryHandler(note_ask, pattern=rf"^tk:note:{CODE}$"),
            CallbackQueryHandler(extend_ask, pattern=rf"^tk:ext:{CODE}$"),
            CallbackQueryHandler(resolve_ask, pattern=rf"^tk:res:{CODE}$"),
        ],
        states={
            TASK_NOTE: [MessageHandler(menus.free_text, note_text), not_text],
            TASK_EXTEND_DATE: [MessageHandler(menus.free_text, extend_date), not_text],
            TASK_EXTEND_PLAN: [MessageHandler(menus.free_text, extend_plan), not_text],
            TASK_RESULT: [MessageHandler(menus.free_text, resolve_text), not_text],
            TASK_RESULT_CONFIRM: [CallbackQueryHandler(resolve_send, pattern=rf"^tk:rok:{CODE}$"),
                                  CallbackQueryHandler(resolve_rewrite, pattern=rf"^tk:red:{CODE}$"),
                                  MessageHandler(menus.free_text, resolve_text), not_text],
        },
        anywhere=[
            CallbackQueryHandler(assign_chosen, pattern=rf"^tk:as:{CODE}:\d{{1,12}}$"),
            CallbackQueryHandler(tasks_page, pattern=rf"^tk:{PAGE}$"),
            CallbackQueryHandler(paged_notice_page, pattern=rf"^pn:\d{{1,12}}:{PAGE}$"),
        ],
    )
