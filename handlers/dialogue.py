"""The dialogue for the office and the chair: schedule it, order the speakers, call them at the
meeting, record the chair's conclusions and announce them. Every check is in the service.
The speakers' screens are in handlers/speakers.py; what both share in handlers/dialogue_common.py."""

from __future__ import annotations

import uuid
from datetime import date, time
from telegram import Update
from telegram.ext import CallbackQueryHandler, CommandHandler, MessageHandler

from bot.errors import DomainError, TextEmpty, TextTooLong, describe
from bot.i18n import N_, Translator
from bot.notices import render
from bot.roles import CHAIR
from bot.services.dialogues import MEETING_TIMES, DayOffNeedsConfirmation, DialoguePlan, DialogueView
from handlers.context import BotContext, answer, drop_buttons
from handlers.flows import NEW_MESSAGES, Flow, Menus
from handlers.keyboards import choices, flow_menu, inline
from handlers.menus import GROUP_LABELS, group_commands
from handlers.reports import send_announcement_papers
from handlers.presenters import attachments_button, body_text, category_name, not_started_warning, official_name
from handlers.pages import PAGE, asked_page, page_line, page_of, page_row, show_page
from handlers import review
from handlers.entering import expect_button
from handlers.states import END
from handlers.dialogue_common import (
    DIALOGUE_DATE, DIALOGUE_TIME, DIALOGUE_PLACE, DIALOGUE_THEME, DIALOGUE_CHAIR, DIALOGUE_CONFIRM, SPEAKER_DECLINE_REASON, CONCLUDE_ANSWER, CONCLUDE_REASON, CONCLUDE_ASSIGN_TEXT, CONCLUDE_REFERRED, PLAN, CONCLUDING, MAX_BUTTON_ROWS, CONCLUSION_LABELS, _menu_label, _refuse, _pressed, _send, _meeting,
)
from handlers.speakers import (
    speakers_page, show_speakers, approve_speaker, decline_ask, decline_reason, move_speaker, next_speaker, meeting_button,
)


# --- scheduling ---------------------------------------------------------------------------------

def _plan_lines(context: BotContext, t: Translator, *, commune_id: str, day: date, at: str, place: str,
                theme: str | None, chair: str) -> list[str]:
    deadlines = context.services.dialogues.deadlines(day)
    rules = context.services.rules
    return [
        t("Date: %(date)s at %(time)s", date=t.date(day), time=at),
        t("Place: %(place)s", place=context.services.dialogues.place_name(commune_id, place, t.locale)),
        t("Theme: %(theme)s", theme=theme) if theme else t("Theme: none"),
        t("Chair: %(name)s", name=chair),
        "",
        t.n("Invitations must go out by: %(date)s (%(days)d working day before the meeting).",
            "Invitations must go out by: %(date)s (%(days)d working days before the meeting).", rules.invitation_days,
            date=t.date(deadlines.invitations_by), days=rules.invitation_days),
        t.n("Conclusions must be announced by: %(date)s (%(days)d working day after the meeting).",
            "Conclusions must be announced by: %(date)s (%(days)d working days after the meeting).", rules.conclusion_days,
            date=t.date(deadlines.conclusions_by), days=rules.conclusion_days),
    ]


def _view_lines(context: BotContext, t: Translator, view: DialogueView) -> list[str]:
    dialogue = view.dialogue
    return _plan_lines(context, t, commune_id=dialogue.commune_id, day=view.deadlines.meeting,
                       at=_meeting(t, dialogue.meeting_at)[1], place=dialogue.place, theme=dialogue.theme,
                       chair=view.chair_name or "—")


async def show_dialogue(update: Update, context: BotContext) -> int:
    """/dialogue: the dialogue in progress with its deadlines, or the questions to schedule one."""
    t = await context.translator(update)
    actor = await context.actor(update)
    try:
        view = await context.services.dialogues.overview(actor)
    except DomainError as refusal:
        await _refuse(update, context, t, refusal)
        return END
    if view is None:
        return await _start_plan(update, context, t, None)
    lines = [t("🗓 The dialogue is scheduled:"), "", *_view_lines(context, t, view), "",
             t("Speakers registered: %(count)d (approved: %(approved)d). Concerns on the agenda waiting for a conclusion: %(agenda)d.",
               count=view.speakers, approved=view.approved, agenda=view.agenda)]
    markup = None
    if view.begun:
        lines += ["", t("The meeting has begun: record the chair's conclusions with /conclude, then announce them with /announce.")]
    else:
        markup = inline([[(t("🔁 Reschedule"), f"dl:re:{view.dialogue.id}")],
                         [(t("🗑 Cancel the dialogue"), f"dl:cx:{view.dialogue.id}")]])
    await _send(update, lines, markup)
    return END


async def reschedule(update: Update, context: BotContext) -> int:
    """“Reschedule”: the same questions again for the dialogue in progress."""
    t, parts = await _pressed(update, context)
    return await _start_plan(update, context, t, int(parts[2]))


async def _start_plan(update: Update, context: BotContext, t: Translator, dialogue_id: int | None) -> int:
    actor = await context.actor(update)
    try:
        await context.services.dialogues.start_planning(actor, dialogue_id)
    except DomainError as refusal:
        await _refuse(update, context, t, refusal)
        return END
    if update.callback_query is not None:
        await drop_buttons(update)
    context.user_data[PLAN] = {"id": uuid.uuid4().hex[:16], "dialogue": dialogue_id}
    intro = t("Let us schedule the dialogue.") if dialogue_id is None else t("Let us move the dialogue to a new date.")
    await answer(update, intro, reply_markup=flow_menu(t))
    return await _ask_date(update, context, t)


async def _ask_date(update: Update, context: BotContext, t: Translator) -> int:
    earliest = context.services.dialogues.earliest_date()
    await answer(update, t.n("On which day will it be held? Please type the date as day/month/year, for example %(example)s.\n"
                             "Invitations need %(days)d working day: the earliest possible day is %(earliest)s.",
                             "On which day will it be held? Please type the date as day/month/year, for example %(example)s.\n"
                             "Invitations need %(days)d working days: the earliest possible day is %(earliest)s.",
                             context.services.rules.invitation_days, example=earliest.strftime("%d/%m/%Y"), days=context.services.rules.invitation_days,
                           earliest=t.date(earliest)))
    return DIALOGUE_DATE


def _plan(context: BotContext) -> dict | None:
    return context.user_data.get(PLAN)


async def plan_date(update: Update, context: BotContext) -> int:
    """The day, typed: checked at once (past, too close, unreadable, one a year)."""
    t = await context.translator(update)
    plan = _plan(context)
    if plan is None:
        return END
    try:
        day = await context.services.dialogues.check_date(await context.actor(update), update.effective_message.text,
                                                          plan["dialogue"])
    except DayOffNeedsConfirmation as question:
        return await _ask_day_off(update, context, t, question)
    except DomainError as refusal:
        await _refuse(update, context, t, refusal)
        return DIALOGUE_DATE
    return await _date_chosen(update, context, t, plan, day, day_off=False)


async def _ask_day_off(update: Update, context: BotContext, t: Translator, question: DayOffNeedsConfirmation) -> int:
    """A holiday or a Sunday is possible, but only on purpose: ask (issue 8)."""
    _plan(context)["day_off_pending"] = question.params["date"].isoformat()
    await answer(update, describe(question, t), reply_markup=inline([
        [(t("✅ Yes, hold it that day"), "dl:dayoff:yes")], [(t("📅 Choose another day"), "dl:dayoff:no")]]))
    return DIALOGUE_DATE


async def plan_day_off(update: Update, context: BotContext) -> int:
    """The answer to "that day is a day off, hold it anyway?"."""
    t, parts = await _pressed(update, context)
    plan = _plan(context)
    pending = plan.pop("day_off_pending", None) if plan else None
    await drop_buttons(update)
    if pending is None:
        return END
    if parts[2] == "no":
        return await _ask_date(update, context, t)
    try:
        day = await context.services.dialogues.check_date(await context.actor(update), date.fromisoformat(pending).strftime("%d/%m/%Y"),
                                                          plan["dialogue"], day_off_confirmed=True)
    except DomainError as refusal:
        await _refuse(update, context, t, refusal)
        return DIALOGUE_DATE
    return await _date_chosen(update, context, t, plan, day, day_off=True)


async def _date_chosen(update: Update, context: BotContext, t: Translator, plan: dict, day: date, *, day_off: bool) -> int:
    plan["day"] = day.isoformat()
    plan["day_off"] = day_off
    if plan.get("review"):
        return await _review(update, context, t)
    return await _ask_time(update, t)


async def _ask_time(update: Update, t: Translator) -> int:
    buttons = choices([(at, "dl:time:" + at.replace(":", "")) for at in MEETING_TIMES], per_row=3)
    await answer(update, t("At what time does it start? Tap a time, or type another one, for example 09:30 or 7h30."),
                 reply_markup=buttons)
    return DIALOGUE_TIME


async def _ask_place(update: Update, context: BotContext, t: Translator) -> int:
    actor = await context.actor(update)
    hall = context.services.dialogues.default_place(actor, t.locale)
    await answer(update, t("Where will it be held? Tap the hall below, or type another place."),
                 reply_markup=inline([[(f"🏛 {hall}", "dl:place:hall")]]))
    return DIALOGUE_PLACE


async def plan_time_button(update: Update, context: BotContext) -> int:
    """A usual start time was tapped."""
    t, parts = await _pressed(update, context)
    plan = _plan(context)
    if plan is None:
        return END
    await drop_buttons(update)
    plan["at"] = f"{parts[2][:2]}:{parts[2][2:]}"
    if plan.get("review"):
        return await _review(update, context, t)
    return await _ask_place(update, context, t)


async def plan_time_typed(update: Update, context: BotContext) -> int:
    """Another start time, typed."""
    t = await context.translator(update)
    plan = _plan(context)
    if plan is None:
        return END
    try:
        at = context.services.dialogues.check_time(update.effective_message.text)
    except DomainError as refusal:
        await _refuse(update, context, t, refusal)
        return DIALOGUE_TIME
    plan["at"] = at.strftime("%H:%M")
    if plan.get("review"):
        return await _review(update, context, t)
    return await _ask_place(update, context, t)


async def _ask_theme(update: Update, t: Translator) -> int:
    await answer(update, t("Is there a theme (chuyên đề) for this dialogue? Type it, or tap “No theme”."),
                 reply_markup=inline([[(t("No theme"), "dl:theme:skip")]]))
    return DIALOGUE_THEME


async def plan_place_button(update: Update, context: BotContext) -> int:
    """The commune's hall was tapped."""
    t, _ = await _pressed(update, context)
    plan = _plan(context)
    if plan is None:
        return END
    await drop_buttons(update)
    plan["place"] = context.services.dialogues.default_place(await context.actor(update), "vi")
    if plan.get("review"):
        return await _review(update, context, t)
    return await _ask_theme(update, t)


async def plan_place_typed(update: Update, context: BotContext) -> int:
    """Another place, typed."""
    t = await context.translator(update)
    plan = _plan(context)
    if plan is None:
        return END
    try:
        plan["place"] = context.services.dialogues.check_place(update.effective_message.text)
    except DomainError as refusal:
        await _refuse(update, context, t, refusal)
        return DIALOGUE_PLACE
    if plan.get("review"):
        return await _review(update, context, t)
    return await _ask_theme(update, t)


async def _ask_chair(update: Update, context: BotContext, t: Translator) -> int:
    try:
        chairs = await context.services.dialogues.chair_choices(await context.actor(update))
    except DomainError as refusal:
        context.user_data.pop(PLAN, None)
        await _refuse(update, context, t, refusal, menu=True)
        return END
    await answer(update, t("Who chairs the dialogue?"),
                 reply_markup=choices([(official_name(t, c.name, started=c.started), f"dl:chair:{c.person_id}")
                                       for c in chairs]))
    return DIALOGUE_CHAIR


async def plan_theme_skip(update: Update, context: BotContext) -> int:
    """No theme."""
    t, _ = await _pressed(update, context)
    plan = _plan(context)
    if plan is None:
        return END
    await drop_buttons(update)
    plan["theme"] = None
    if plan.get("review"):
        return await _review(update, context, t)
    return await _ask_chair(update, context, t)


async def plan_theme_typed(update: Update, context: BotContext) -> int:
    """The theme, typed."""
    t = await context.translator(update)
    plan = _plan(context)
    if plan is None:
        return END
    try:
        plan["theme"] = context.services.dialogues.check_theme(update.effective_message.text)
    except DomainError as refusal:
        await _refuse(update, context, t, refusal)
        return DIALOGUE_THEME
    if plan.get("review"):
        return await _review(update, context, t)
    return await _ask_chair(update, context, t)


async def plan_chair(update: Update, context: BotContext) -> int:
    """The chair was chosen: the summary with the plan's deadlines, to confirm."""
    t, parts = await _pressed(update, context)
    plan = _plan(context)
    if plan is None:
        return END
    actor = await context.actor(update)
    try:
        chair = await context.services.dialogues.check_chair(actor, int(parts[2]))
    except DomainError as refusal:
        await _refuse(update, context, t, refusal)
        return DIALOGUE_CHAIR
    await drop_buttons(update)
    plan["chair"], plan["chair_name"] = chair.person_id, official_name(t, chair.name, started=chair.started)
    return await _review(update, context, t)


EDIT_LABELS = {
    "date": N_("✏️ Date"),
    "time": N_("✏️ Time"),
    "place": N_("✏️ Place"),
    "theme": N_("✏️ Theme"),
    "chair": N_("✏️ Chair"),
}


async def _review(update: Update, context: BotContext, t: Translator) -> int:
    """Everything answered, with its deadlines: save, drop, or change any one answer and come back here."""
    plan = _plan(context)
    plan["review"] = True
    actor = await context.actor(update)
    lines = [t("Please check the dialogue before saving it:"), "",
             *_plan_lines(context, t, commune_id=actor.commune_id, day=date.fromisoformat(plan["day"]), at=plan["at"],
                          place=plan["place"], theme=plan["theme"], chair=plan["chair_name"]),
             "", t("To change one answer, tap it below.")]
    edits = [(t(label), f"dl:ed:{field}:{plan['id']}") for field, label in EDIT_LABELS.items()]
    buttons = inline([[(t("✅ Save"), f"dl:ok:{plan['id']}"), (t("❌ Do not save"), f"dl:no:{plan['id']}")],
                      edits[:3], edits[3:]])
    await answer(update, "\n".join(lines), reply_markup=buttons)
    return DIALOGUE_CONFIRM


async def plan_edit(update: Update, context: BotContext) -> int:
    """✏️ on the summary: ask that one question again; the answer leads back to the summary."""
    t, parts = await _pressed(update, context)
    plan = _plan(context)
    if plan is None or parts[3] != plan["id"]:
        await answer(update, t("This button is no longer active. Please use the menu below."),
                     reply_markup=await context.main_menu(update, t))
        return END
    await drop_buttons(update)
    field = parts[2]
    if field == "date":
        return await _ask_date(update, context, t)
    if field == "time":
        return await _ask_time(update, t)
    if field == "place":
        return await _ask_place(update, context, t)
    if field == "theme":
        return await _ask_theme(update, t)
    return await _ask_chair(update, context, t)


async def plan_confirm(update: Update, context: BotContext) -> int:
    """Saved: scheduled (or moved), and the residents concerned are told."""
    t, parts = await _pressed(update, context)
    plan = _plan(context)
    if plan is None or parts[2] != plan["id"]:
        await answer(update, t("This button is no longer active. Please use the menu below."),
                     reply_markup=await context.main_menu(update, t))
        return END
    await drop_buttons(update)
    if parts[1] == "no":
        context.user_data.pop(PLAN, None)
        await answer(update, t("Nothing was saved."), reply_markup=await context.main_menu(update, t))
        return END
    actor = await context.actor(update)
    hours, minutes = (int(x) for x in plan["at"].split(":"))
    answers = DialoguePlan(date.fromisoformat(plan["day"]), time(hours, minutes), plan["place"], plan["theme"], plan["chair"],
                           plan.get("day_off", False))
    try:
        if plan["dialogue"] is None:
            done = await context.services.dialogues.schedule(actor, answers)
            head = " ".join([
                t("✅ The dialogue is scheduled."),
                t.n("%(count)d wish to speak joined it.", "%(count)d wishes to speak joined it.", done.speakers, count=done.speakers),
                t.n("%(count)d accepted concern joined it.", "%(count)d accepted concerns joined it.", done.concerns,
                    count=done.concerns),
                t.n("%(count)d resident was told.", "%(count)d residents were told.", done.notified, count=done.notified)])
        else:
            done = await context.services.dialogues.reschedule(actor, plan["dialogue"], answers)
            head = t.n("✅ The dialogue was moved. %(residents)d resident registered for it was told the new date.",
                       "✅ The dialogue was moved. %(residents)d residents registered for it were told the new date.",
                       done.notified, residents=done.notified)
    except DomainError as refusal:
        context.user_data.pop(PLAN, None)
        await _refuse(update, context, t, refusal, menu=True)
        return END
    context.user_data.pop(PLAN, None)
    await answer(update, "\n".join([head, "", *_view_lines(context, t, done.view)]), reply_markup=await context.main_menu(update, t))
    if plan["dialogue"] is None:
        await review.offer_carry_over(update, context, t, done.view.dialogue.id)
    return END


async def cancel_ask(update: Update, context: BotContext) -> None:
    """“Cancel the dialogue”: ask once more, it tells everyone registered."""
    t, parts = await _pressed(update, context)
    try:
        dialogue = await context.services.dialogues.check_cancel(await context.actor(update), int(parts[2]))
    except DomainError as refusal:
        await _refuse(update, context, t, refusal)
        return
    await drop_buttons(update)
    day, at = _meeting(t, dialogue.meeting_at)
    await answer(update, t("Cancel the dialogue of %(date)s at %(time)s? Everyone registered for it will be told.", date=day, time=at),
                 reply_markup=inline([[(t("Yes, cancel it"), f"dl:cxy:{dialogue.id}")], [(t("No, keep it"), "dl:cxn")]]))


async def cancel_confirm(update: Update, context: BotContext) -> None:
    """Cancel confirmed (or not)."""
    t, parts = await _pressed(update, context)
    await drop_buttons(update)
    if parts[1] == "cxn":
        await answer(update, t("The dialogue is kept as it is."))
        return
    try:
        done = await context.services.dialogues.cancel(await context.actor(update), int(parts[2]))
    except DomainError as refusal:
        await _refuse(update, context, t, refusal)
        return
    await answer(update, t.n("The dialogue was cancelled. %(residents)d resident was told; their registrations and concerns "
                             "are kept on file for the next dialogue.",
                             "The dialogue was cancelled. %(residents)d residents were told; their registrations and concerns "
                             "are kept on file for the next dialogue.", done.notified, residents=done.notified))


# --- conclusions --------------------------------------------------------------------------------

AGENDA_PER_PAGE = 20  # a dialogue's agenda can run to thousands at a province's scale: pages, never a cut

async def _show_agenda(update: Update, context: BotContext, t: Translator, asked: int | None = None) -> None:
    """The agenda items waiting for a conclusion, a page at a time (a new message, or the pressed page
    turned when `asked` comes from ◀️ / ▶️)."""
    actor = await context.actor(update)
    try:
        dialogue, items = await context.services.dialogues.agenda(actor)
    except DomainError as refusal:
        if asked is not None:
            await update.callback_query.answer()
        await _refuse(update, context, t, refusal)
        return
    if not items:
        done = t("Every concern on the agenda has a conclusion. The office can announce them with /announce.")
        await (show_page(update, done, None, None, t) if asked is not None else answer(update, done))
        return
    commune = context.services.communes.get(dialogue.commune_id)
    page = page_of(items, asked or 1, AGENDA_PER_PAGE)
    lines = [t("🧾 Concerns on the agenda waiting for the chair's conclusion: %(count)d. Choose one.", count=len(items))]
    if page_line(page, t):
        lines.append(page_line(page, t))
    rows = [[(f"{c.code} · {category_name(commune, c.category, t)}", f"cl:pick:{c.id}")] for c in page.items]
    if page_row("cl", page, t):
        rows.append(page_row("cl", page, t))
    if asked is not None:
        await show_page(update, "\n".join(lines), inline(rows), page, t)
    else:
        await answer(update, "\n".join(lines), reply_markup=inline(rows))


async def agenda_page(update: Update, context: BotContext) -> None:
    """◀️ / ▶️ on /conclude: another page of the items still waiting, read afresh."""
    await _show_agenda(update, context, await context.translator(update), asked_page(update.callback_query.data))


async def show_agenda(update: Update, context: BotContext) -> int:
    """/conclude: the agenda items still waiting for a conclusion."""
    await _show_agenda(update, context, await context.translator(update))
    return END


async def pick_item(update: Update, context: BotContext) -> None:
    """An agenda item was chosen: what it is about, and the three kinds of conclusion."""
    t, parts = await _pressed(update, context)
    try:
        item = await context.services.dialogues.agenda_item(await context.actor(update), int(parts[2]))
    except DomainError as refusal:
        await _refuse(update, context, t, refusal)
        return
    await drop_buttons(update)
    concern = item.concern
    commune = context.services.communes.get(concern.commune_id)
    lines = [t("Concern %(code)s · %(topic)s", code=concern.code, topic=category_name(commune, concern.category, t)),
             t("Content: %(body)s", body=body_text(concern.body, t))]
    if concern.raised_count > 1:
        lines.append(t("Raised %(count)d times.", count=concern.raised_count))
    if item.speaker is not None:
        lines.append(t("Speaker: %(name)s: “%(point)s”", name=item.speaker.resident_name or "—", point=item.speaker.point))
    lines += review.direction_lines(await context.services.review.direction(await context.actor(update), concern.id), t)
    lines += ["", t("What did the chair conclude?")]
    rows = [
        [(t("💬 Answered at the meeting"), f"cl:ans:{concern.id}")],
        [(t("🗂 Assigned to an officer"), f"cl:asg:{concern.id}")],
        [(t("📤 Referred to a higher level or another body"), f"cl:ref:{concern.id}")],
        [(t("🚫 Not accepted"), f"cl:rej:{concern.id}")],
    ]
    if concern.attachments:
        lines.insert(2, t("Attachments: %(count)d", count=len(concern.attachments)))
        rows.append([attachments_button(concern, t)])
    await answer(update, "\n".join(lines), reply_markup=inline(rows))


async def ask_conclusion_text(update: Update, context: BotContext) -> int:
    """“Answered” or “Not accepted”: ask for the answer or the reason."""
    t, parts = await _pressed(update, context)
    try:
        item = await context.services.dialogues.agenda_item(await context.actor(update), int(parts[2]))
    except DomainError as refusal:
        await _refuse(update, context, t, refusal)
        return END
    await drop_buttons(update)
    kind = {"ans": "answered", "ref": "referred"}.get(parts[1], "not_accepted")
    context.user_data[CONCLUDING] = {"concern": item.concern.id, "kind": kind}
    if kind == "referred":
        await answer(update, t("Which body is concern %(code)s referred to? Type its name (e.g. the provincial People's "
                               "Committee, the electricity company).", code=item.concern.code), reply_markup=flow_menu(t))
        return CONCLUDE_REFERRED
    if kind == "answered":
        await answer(update, t("Please type the answer given at the meeting on concern %(code)s.", code=item.concern.code),
                     reply_markup=flow_menu(t))
        return CONCLUDE_ANSWER
    await answer(update, t("Please type the reason why concern %(code)s is not accepted.", code=item.concern.code),
                 reply_markup=flow_menu(t))
    return CONCLUDE_REASON


async def ask_officer(update: Update, context: BotContext) -> None:
    """“Assigned”: choose the officer who will resolve it."""
    t, parts = await _pressed(update, context)
    actor = await context.actor(update)
    try:
        item = await context.services.dialogues.agenda_item(actor, int(parts[2]))
        officers = await context.services.dialogues.officers(actor)
    except DomainError as refusal:
        await _refuse(update, context, t, refusal)
        return
    await drop_buttons(update)
    buttons = choices([(f"{official_name(t, o.display_name, started=o.started)} · {o.body}",
                        f"cl:off:{item.concern.id}:{o.person_id}") for o in officers[:MAX_BUTTON_ROWS * 2]])
    await answer(update, t("Which officer will resolve concern %(code)s?", code=item.concern.code), reply_markup=buttons)


async def officer_chosen(update: Update, context: BotContext) -> int:
    """The officer was chosen: the chair's conclusion in a few words, or skip."""
    t, parts = await _pressed(update, context)
    actor = await context.actor(update)
    try:
        item = await context.services.dialogues.agenda_item(actor, int(parts[2]))
        officers = await context.services.dialogues.officers(actor)
    except DomainError as refusal:
        await _refuse(update, context, t, refusal)
        return END
    officer = next((o for o in officers if o.person_id == int(parts[3])), None)
    if officer is None:
        await answer(update, t("That choice is not available any more. Please choose again from the options."))
        return END
    await drop_buttons(update)
    context.user_data[CONCLUDING] = {"concern": item.concern.id, "kind": "assigned", "officer": officer.person_id}
    if not officer.started:
        await answer(update, not_started_warning(t, officer.display_name))
    await answer(update, t("What did the chair conclude %(name)s must do? Type it, or tap “Skip”.",
                           name=official_name(t, officer.display_name)),
                 reply_markup=inline([[(t("⏭ Skip"), f"cl:skip:{item.concern.id}")]]))
    return CONCLUDE_ASSIGN_TEXT


async def _record(update: Update, context: BotContext, t: Translator, text: str | None, retry_state: int) -> int:
    pending = context.user_data.get(CONCLUDING)
    if pending is None:
        return END
    try:
        referred_to = text if pending["kind"] == "referred" else None
        concern = await context.services.dialogues.conclude(await context.actor(update), pending["concern"], pending["kind"],
                                                            None if referred_to else text, pending.get("officer"),
                                                            referred_to=referred_to)
    except DomainError as refusal:
        retry = isinstance(refusal, (TextEmpty, TextTooLong))
        await _refuse(update, context, t, refusal, menu=not retry)
        if retry:
            return retry_state
        context.user_data.pop(CONCLUDING, None)
        return END
    context.user_data.pop(CONCLUDING, None)
    recorded = t("✅ Conclusion recorded on concern %(code)s: %(conclusion)s. The resident will read it when "
                 "the conclusions are announced.", code=concern.code, conclusion=t(CONCLUSION_LABELS[concern.conclusion]))
    if CHAIR not in (await context.actor(update)).roles:
        recorded += "\n" + t("The chair is asked to confirm it before it can be announced.")
    await answer(update, recorded,
                 reply_markup=await context.main_menu(update, t))
    await _show_agenda(update, context, t)
    if concern.conclusion == "answered":  # issue 10: an answer may carry a promise with a date
        await review.offer_promise(update, context, t, concern.code)
    return END


async def conclusion_typed(update: Update, context: BotContext) -> int:
    """The answer, the reason, or the chair's words for the officer, typed."""
    t = await context.translator(update)
    state = {"answered": CONCLUDE_ANSWER, "not_accepted": CONCLUDE_REASON, "referred": CONCLUDE_REFERRED}.get(
        (context.user_data.get(CONCLUDING) or {}).get("kind"), CONCLUDE_ASSIGN_TEXT)
    return await _record(update, context, t, update.effective_message.text, state)


async def conclusion_skip(update: Update, context: BotContext) -> int:
    """“Skip”: assigned without further words."""
    t, parts = await _pressed(update, context)
    pending = context.user_data.get(CONCLUDING)
    if pending is None or str(pending["concern"]) != parts[2]:
        await answer(update, t("This button is no longer active. Please use the menu below."),
                     reply_markup=await context.main_menu(update, t))
        return END
    await drop_buttons(update)
    return await _record(update, context, t, None, CONCLUDE_ASSIGN_TEXT)


# --- the announcement ---------------------------------------------------------------------------

async def announce_ask(update: Update, context: BotContext) -> int:
    """/announce: what will be published, and the lateness if any; then confirm."""
    t = await context.translator(update)
    try:
        preview = await context.services.dialogues.announcement_preview(await context.actor(update))
    except DomainError as refusal:
        await _refuse(update, context, t, refusal)
        return END
    day, _ = _meeting(t, preview.dialogue.meeting_at)
    lines = [" ".join([
        t.n("📢 Announce the conclusions of the dialogue of %(date)s: %(count)d concern,",
            "📢 Announce the conclusions of the dialogue of %(date)s: %(count)d concerns,", preview.concerns,
            date=day, count=preview.concerns),
        t.n("%(assigned)d of them assigned (due by %(due)s)?", "%(assigned)d of them assigned (due by %(due)s)?",
            preview.assignments, assigned=preview.assignments, due=t.date(preview.resolution_by)),
        t("Each resident concerned and their hamlet head will be told.")])]
    if preview.late_days:
        lines += ["", t.n("⚠️ This is late by %(days)d working day: the plan required it by %(date)s.",
                          "⚠️ This is late by %(days)d working days: the plan required it by %(date)s.", preview.late_days,
                          days=preview.late_days, date=t.date(preview.conclusions_by))]
    # What each resident concerned will read, word for word, before anything goes out.
    lines += ["", t("What the residents concerned will receive:")]
    for item in preview.items:
        lines += ["", "———", render("conclusion_announced", item, t, context.services.communes).text]
    lines += ["", "———", t("Nothing is sent until you tap “Announce now”.")]
    await _send(update, lines, inline([[(t("📢 Announce now"), f"an:ok:{preview.dialogue.id}")], [(t("Not now"), "an:no")]]))
    return END


async def announce_confirm(update: Update, context: BotContext) -> None:
    """Announce confirmed (or not)."""
    t, parts = await _pressed(update, context)
    await drop_buttons(update)
    if parts[1] == "no":
        await answer(update, t("Nothing was announced."))
        return
    try:
        done = await context.services.dialogues.announce(await context.actor(update), int(parts[2]))
    except DomainError as refusal:
        await _refuse(update, context, t, refusal)
        return
    day, _ = _meeting(t, done.dialogue.meeting_at)
    lines = [" ".join([
        t.n("📢 The conclusions of the dialogue of %(date)s were announced today, %(today)s: %(count)d concern.",
            "📢 The conclusions of the dialogue of %(date)s were announced today, %(today)s: %(count)d concerns.",
            done.concerns, date=day, today=t.date(done.announced_on), count=done.concerns),
        t.n("The residents concerned and %(heads)d hamlet head were told.",
            "The residents concerned and %(heads)d hamlet heads were told.", done.hamlet_heads, heads=done.hamlet_heads)])]
    if done.assignments:
        lines.append(" ".join([
            t.n("%(count)d assignment is due by %(date)s; its officer was told.",
                "%(count)d assignments are due by %(date)s; their officers were told.", done.assignments,
                count=done.assignments, date=t.date(done.resolution_by)),
            t.n("That is %(days)d working day after today.", "That is %(days)d working days after today.",
                context.services.rules.resolution_days, days=context.services.rules.resolution_days)]))
    if done.late_days:
        lines.append(t.n("⚠️ The announcement is late by %(days)d working day: the plan required it by %(date)s.",
                         "⚠️ The announcement is late by %(days)d working days: the plan required it by %(date)s.", done.late_days,
                         days=done.late_days, date=t.date(done.conclusions_by)))
    await answer(update, "\n".join(lines))
    await send_announcement_papers(update, context, done.dialogue.id)


# --- the meeting's menu ---------------------------------------------------------------------------

async def meeting_menu(update: Update, context: BotContext) -> int:
    """“The meeting…”: speakers, next speaker, conclusions, announce, as inline buttons (what the roles allow)."""
    t = await context.translator(update)
    commands = group_commands("meeting", await context.actor(update))
    if not commands:
        await answer(update, t("I did not understand. Please choose a button below."),
                     reply_markup=await context.main_menu(update, t))
        return END
    await answer(update, t("The meeting: what would you like to do?"),
                 reply_markup=choices([(t(c.label), f"mn:{c.command}") for c in commands], per_row=2))
    return END


MEETING_COMMANDS = {"speakers": show_speakers, "next": next_speaker, "conclude": show_agenda, "announce": announce_ask}


async def meeting_menu_choice(update: Update, context: BotContext) -> int:
    """A button of the meeting's menu: the same as its command (each checks the roles in the service)."""
    await update.callback_query.answer()
    await drop_buttons(update)
    return await MEETING_COMMANDS[update.callback_query.data.split(":", 1)[1]](update, context)


def flow(menus: Menus) -> Flow:
    """Scheduling, declining a speaker and recording a conclusion run in the conversation; the
    one-tap actions (approve, move, call the next speaker, cancel, announce) work anywhere."""
    expect_button_here = MessageHandler(menus.free_text, expect_button)

    def command(name: str, callback) -> list:
        return [CommandHandler(name, callback, filters=NEW_MESSAGES), MessageHandler(menus.label(_menu_label(name)), callback)]

    return Flow(
        entry_points=[
            *command("dialogue", show_dialogue),
            *command("speakers", show_speakers),
            *command("next", next_speaker),
            *command("conclude", show_agenda),
            *command("announce", announce_ask),
            MessageHandler(menus.label(GROUP_LABELS["meeting"]), meeting_menu),
            CallbackQueryHandler(meeting_menu_choice, pattern=r"^mn:(speakers|next|conclude|announce)$"),
            CallbackQueryHandler(reschedule, pattern=r"^dl:re:\d{1,12}$"),
            CallbackQueryHandler(decline_ask, pattern=r"^sk:no:\d{1,12}$"),
            CallbackQueryHandler(ask_conclusion_text, pattern=r"^cl:(ans|rej|ref):\d{1,12}$"),
            CallbackQueryHandler(officer_chosen, pattern=r"^cl:off:\d{1,12}:\d{1,12}$"),
        ],
        states={
            DIALOGUE_DATE: [MessageHandler(menus.free_text, plan_date),
                            CallbackQueryHandler(plan_day_off, pattern=r"^dl:dayoff:(yes|no)$")],
            DIALOGUE_TIME: [CallbackQueryHandler(plan_time_button, pattern=r"^dl:time:(0730|0800|1400)$"),
                            MessageHandler(menus.free_text, plan_time_typed)],
            DIALOGUE_PLACE: [CallbackQueryHandler(plan_place_button, pattern=r"^dl:place:hall$"),
                             MessageHandler(menus.free_text, plan_place_typed)],
            DIALOGUE_THEME: [CallbackQueryHandler(plan_theme_skip, pattern=r"^dl:theme:skip$"),
                             MessageHandler(menus.free_text, plan_theme_typed)],
            DIALOGUE_CHAIR: [CallbackQueryHandler(plan_chair, pattern=r"^dl:chair:\d{1,12}$"), expect_button_here],
            DIALOGUE_CONFIRM: [CallbackQueryHandler(plan_confirm, pattern=r"^dl:(ok|no):[0-9a-f]{16}$"),
                               CallbackQueryHandler(plan_edit, pattern=r"^dl:ed:(date|time|place|theme|chair):[0-9a-f]{16}$"),
                               expect_button_here],
            SPEAKER_DECLINE_REASON: [MessageHandler(menus.free_text, decline_reason)],
            CONCLUDE_ANSWER: [MessageHandler(menus.free_text, conclusion_typed)],
            CONCLUDE_REASON: [MessageHandler(menus.free_text, conclusion_typed)],
            CONCLUDE_REFERRED: [MessageHandler(menus.free_text, conclusion_typed)],
            CONCLUDE_ASSIGN_TEXT: [CallbackQueryHandler(conclusion_skip, pattern=r"^cl:skip:\d{1,12}$"),
                                   MessageHandler(menus.free_text, conclusion_typed)],
        },
        anywhere=[
            CallbackQueryHandler(cancel_ask, pattern=r"^dl:cx:\d{1,12}$"),
            CallbackQueryHandler(cancel_confirm, pattern=r"^dl:(cxy:\d{1,12}|cxn)$"),
            CallbackQueryHandler(approve_speaker, pattern=r"^sk:ok:\d{1,12}$"),
            CallbackQueryHandler(speakers_page, pattern=rf"^sk:{PAGE}$"),
            CallbackQueryHandler(move_speaker, pattern=r"^sk:(up|dn):\d{1,12}:\d{1,4}$"),
            CallbackQueryHandler(meeting_button, pattern=r"^mt:(nx|sk|bk):\d{1,12}:\d{1,4}$"),
            CallbackQueryHandler(pick_item, pattern=r"^cl:pick:\d{1,12}$"),
            CallbackQueryHandler(agenda_page, pattern=rf"^cl:{PAGE}$"),
            CallbackQueryHandler(ask_officer, pattern=r"^cl:asg:\d{1,12}$"),
            CallbackQueryHandler(announce_confirm, pattern=r"^an:(ok:\d{1,12}|no)$"),
        ],
    )
