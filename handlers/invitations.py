"""Telegram side of the invitations (issue 8): the MTTQ's and office's /invitations screen, the
invitees' answer buttons, the hamlet head's list, attendance, /reminders. Update -> service call -> reply;
the rules are in bot/services/invitations.py and bot/services/reminders.py."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import TelegramError
from telegram.ext import CallbackQueryHandler, CommandHandler, filters

from bot.errors import DomainError, describe
from bot.services.invitations import DELIVERY_LABELS, count_by_hamlet, forward_text, meeting_payload
from bot.services.reminders import PLANNED_LABELS
from handlers.context import BotContext, answer, replace_message
from handlers.flows import NEW_MESSAGES, Flow, Menus
from handlers.keyboards import inline
from handlers.pages import PAGE, asked_page, page_line, page_of, page_row, show_page
from handlers.states import END

log = logging.getLogger(__name__)

# A commune's list runs to hundreds per hamlet (agenda residents, followers, supporters are all invited):
# every screen of it is one message of pages, so nobody falls off the end of a cut.
PEOPLE_PER_PAGE = 20  # a button each: attendance, hand-over
HAMLETS_PER_PAGE = 8  # the dashboard's lines per hamlet
NAMES_PER_PAGE = 30  # who could not be reached in a hamlet
REMINDERS_PER_PAGE = 25
NO_HAMLET = "-"  # callback data of the invitees listed without a hamlet


async def _refuse_press(update: Update, t, refusal: DomainError) -> None:
    if update.callback_query is not None:
        await update.callback_query.answer()
    await answer(update, describe(refusal, t))


async def _person_id(update: Update, context: BotContext) -> int | None:
    actor = await context.actor(update)
    return actor.person_id if actor else None


async def invitations_screen(update: Update, context: BotContext) -> None:
    """/invitations: the dashboard per hamlet (MTTQ, office, chair) or the hamlet's list (hamlet head)."""
    t = await context.translator(update)
    actor = await context.actor(update)
    if actor is not None and actor.may("deliver_by_hand") and not actor.may("view_invitations"):
        await _hamlet_screen(update, context, t, actor)
        return
    await _dashboard(update, context, t, actor, 1)


async def dashboard_page(update: Update, context: BotContext) -> None:
    """◀️ / ▶️ on the dashboard: another page of hamlets, read afresh."""
    t = await context.translator(update)
    await _dashboard(update, context, t, await context.actor(update), asked_page(update.callback_query.data))


def _hamlet_name(commune, hamlet_id: str | None, t) -> str:
    hamlet = commune.hamlet(hamlet_id) if commune and hamlet_id else None
    return hamlet.name(t.locale) if hamlet else "—"


async def _dashboard(update: Update, context: BotContext, t, actor, asked: int) -> None:
    """The count per hamlet, a page of hamlets at a time; who could not be reached is one button per
    hamlet away (a hamlet's names would not fit in the message)."""
    services = context.services
    try:
        dialogue, listed, issued = await services.invitations.current(actor)
    except DomainError as refusal:
        await _refuse_press(update, t, refusal)
        return
    commune = services.communes.get(actor.commune_id)
    day = t.date(t.local_date(dialogue.meeting_at))
    page = page_of(count_by_hamlet(listed), asked, HAMLETS_PER_PAGE)
    lines = [t("✉️ Invitations to the dialogue of %(date)s: %(count)d invited.", date=day, count=len(listed))]
    lines.append(t("Issued.") if issued else t("Not issued yet."))
    if page_line(page, t):
        lines.append(page_line(page, t))
    buttons = []
    for row in page.items:
        hamlet = _hamlet_name(commune, row.hamlet_id, t)
        lines.append(t("• %(hamlet)s: invited %(invited)d, delivered %(chat)d by chat and %(hand)d by hand, "
                       "will come %(coming)d, cannot come %(not_coming)d, no answer %(none)d",
                       hamlet=hamlet, invited=row.invited, chat=row.delivered_chat,
                       hand=row.delivered_hand, coming=row.coming, not_coming=row.not_coming, none=row.no_answer))
        if row.unreachable:
            lines.append(t.n("  Not reached yet: %(count)d person", "  Not reached yet: %(count)d people",
                             len(row.unreachable), count=len(row.unreachable)))
            buttons.append([(t("📋 Not reached in %(hamlet)s (%(count)d)", hamlet=hamlet, count=len(row.unreachable)),
                             f"iv:nr:{row.hamlet_id or NO_HAMLET}")])
    navigation = page_row("iv:db", page, t)
    if navigation:
        buttons.append(navigation)
    buttons.append([(t("📋 Compile the list"), "iv:compile")])
    if actor.may("issue_invitations") and not issued:
        buttons.append([(t("📨 Approve and issue"), "iv:issue")])
    if actor.may("announce_meeting"):
        buttons.append([(t("📣 Public notice to every resident"), "iv:public"), (t("📻 Loudspeaker text"), "iv:radio")])
    await show_page(update, "\n".join(lines), inline(buttons), page, t)


async def not_reached(update: Update, context: BotContext) -> None:
    """📋 on the dashboard: everyone of one hamlet the invitation has not reached yet, a page at a time
    (the first tap opens a new message; its ◀️ / ▶️ turn that message's pages)."""
    t = await context.translator(update)
    actor = await context.actor(update)
    data = update.callback_query.data
    hamlet_id = data.split(":")[2]
    try:
        _, listed, _ = await context.services.invitations.current(actor)
    except DomainError as refusal:
        await _refuse_press(update, t, refusal)
        return
    wanted = None if hamlet_id == NO_HAMLET else hamlet_id
    missing = [i for i in listed if i.hamlet_id == wanted and i.delivery in ("unreachable", "offline")]
    page = page_of(missing, asked_page(data) or 1, NAMES_PER_PAGE)
    hamlet = _hamlet_name(context.services.communes.get(actor.commune_id), wanted, t)
    lines = [t.n("Not reached yet in %(hamlet)s: %(count)d person", "Not reached yet in %(hamlet)s: %(count)d people",
                 page.total, hamlet=hamlet, count=page.total)]
    if page_line(page, t):
        lines.append(page_line(page, t))
    lines += [t("• %(name)s: %(delivery)s", name=i.name, delivery=t(DELIVERY_LABELS[i.delivery])) for i in page.items]
    navigation = page_row(f"iv:nr:{hamlet_id}", page, t)
    markup = inline([navigation]) if navigation else None
    if asked_page(data):
        await show_page(update, "\n".join(lines), markup, page, t)
    else:
        await update.callback_query.answer()
        await answer(update, "\n".join(lines), reply_markup=markup)


async def _hamlet_screen(update: Update, context: BotContext, t, actor) -> None:
    """The text to forward (with the link that opens the bot), buttons for those still to be handed their
    invitation, and the whole list as one paged message."""
    try:
        dialogue, listed = await context.services.invitations.hamlet_list(actor)
    except DomainError as refusal:
        await answer(update, describe(refusal, t))
        return
    text, markup, _ = _hand_over(context, t, dialogue, listed, 1)
    await answer(update, text, reply_markup=markup)
    await context.services.invitations.send_hamlet_list(actor)


def _to_hand(listed) -> list:
    """Those the hamlet head carries the invitation to; the handed stay on it, ticked, so that a page
    keeps its people while the head works through it."""
    return [i for i in listed if i.delivery in ("offline", "unreachable", "hand")]


def _page_shown(update: Update, prefix: str, in_order: list) -> int:
    """The page of a list the pressed message shows (from its first person button); 0 when unknown."""
    message = update.callback_query.message
    markup = getattr(message, "reply_markup", None)
    first = next((b.callback_data for row in (markup.inline_keyboard if markup else ()) for b in row
                  if str(b.callback_data or "").startswith(prefix)), None)
    ids = [i.id for i in in_order]
    try:
        return ids.index(int(first.rsplit(":", 1)[1])) // PEOPLE_PER_PAGE + 1
    except (AttributeError, ValueError):
        return 0


async def _tick(update: Update, markup) -> None:
    """Show the pressed page's buttons as they are now (the ✅), leaving its text."""
    try:
        await update.callback_query.edit_message_reply_markup(markup)
    except TelegramError as refusal:
        log.debug("buttons not refreshed (%s)", refusal)


def _hand_over(context: BotContext, t, dialogue, listed, asked: int):
    """The text to forward, and a page of "handed over" buttons for those still to be handed theirs."""
    link = f"https://t.me/{context.bot.username}?start=dialogue"
    page = page_of(_to_hand(listed), asked, PEOPLE_PER_PAGE)
    buttons = [[("✅ " + i.name if i.delivery == "hand" else t("🤝 Handed over: %(name)s", name=i.name),
                 f"iv:hand:{i.id}")] for i in page.items]
    navigation = page_row("iv:hd", page, t)
    if navigation:
        buttons.append(navigation)
    text = forward_text(meeting_payload(dialogue), t, context.services.communes, link)
    return text, inline(buttons) if buttons else None, page


async def hand_over_page(update: Update, context: BotContext) -> None:
    """◀️ / ▶️ under the forwarding text: another page of those to hand over, read afresh."""
    t = await context.translator(update)
    actor = await context.actor(update)
    try:
        dialogue, listed = await context.services.invitations.hamlet_list(actor)
    except DomainError as refusal:
        await _refuse_press(update, t, refusal)
        return
    text, markup, page = _hand_over(context, t, dialogue, listed, asked_page(update.callback_query.data))
    await show_page(update, text, markup, page, t)


async def start_from_link(update: Update, context: BotContext) -> int:
    """/start dialogue (the link a hamlet head forwards): a registered resident gets the invitation to
    answer with one tap; someone new registers first, then opens the link again."""
    from handlers import onboarding

    resident = await context.resident(update)
    if resident is None:
        return await onboarding.start(update, context)
    t = await context.translator(update)
    try:
        await context.services.invitations.join_by_link(resident.person_id)
    except DomainError as refusal:
        await answer(update, describe(refusal, t))
    return END


async def _refused(update: Update, context: BotContext, call) -> object | None:
    t = await context.translator(update)
    await update.callback_query.answer()
    try:
        return await call(t)
    except DomainError as refusal:
        await answer(update, describe(refusal, t))
        return None


async def compile_list(update: Update, context: BotContext) -> None:
    t = await context.translator(update)
    actor = await context.actor(update)
    added = await _refused(update, context, lambda _: context.services.invitations.compile(actor))
    if added is not None:
        await answer(update, t("%(count)d added to the list. /invitations shows it.", count=added))


async def issue(update: Update, context: BotContext) -> None:
    t = await context.translator(update)
    actor = await context.actor(update)
    issued = await _refused(update, context, lambda _: context.services.invitations.issue(actor))
    if issued is not None:
        await replace_message(update, t("📨 Issued: %(chat)d invitations by chat, %(hand)d to hand over; %(heads)d hamlet "
                                         "heads have their lists.", chat=issued.invitations, hand=issued.by_hand,
                                         heads=issued.hamlet_heads))


async def public_notice(update: Update, context: BotContext) -> None:
    t = await context.translator(update)
    actor = await context.actor(update)
    told = await _refused(update, context, lambda _: context.services.invitations.public_notice(actor))
    if told is not None:
        await answer(update, t("📣 The notice goes to %(count)d registered residents.", count=told))


async def radio_text(update: Update, context: BotContext) -> None:
    actor = await context.actor(update)
    text = await _refused(update, context, lambda t: context.services.invitations.loudspeaker_text(actor, t))
    if text is not None:
        await answer(update, text)


async def handed(update: Update, context: BotContext) -> None:
    t = await context.translator(update)
    actor = await context.actor(update)
    number = int(update.callback_query.data.split(":")[2])
    done = await _refused(update, context, lambda _: context.services.invitations.handed(actor, number))
    if done is not None:
        dialogue, listed = await context.services.invitations.hamlet_list(actor)
        shown = _page_shown(update, "iv:hand:", _to_hand(listed))
        if shown:
            await _tick(update, _hand_over(context, t, dialogue, listed, shown)[1])
        await answer(update, t("🤝 %(name)s: invitation handed over.", name=done.name))


async def delegate_chair(update: Update, context: BotContext) -> None:
    t = await context.translator(update)
    actor = await context.actor(update)
    vice = int(update.callback_query.data.split(":")[2])
    done = await _refused(update, context, lambda _: context.services.invitations.delegate_chair(actor, vice))
    if done is not None:
        await replace_message(update, t("The chair of the dialogue is delegated; the Vice-chairman was told."))


async def attendance(update: Update, context: BotContext) -> None:
    """/attendance: the list with a tap per person (office, on the meeting day), a page at a time."""
    t = await context.translator(update)
    await _attendance(update, context, t, 1)


async def attendance_page(update: Update, context: BotContext) -> None:
    """◀️ / ▶️ on the attendance list: another page, with who is marked present now."""
    t = await context.translator(update)
    await _attendance(update, context, t, asked_page(update.callback_query.data))


async def _attendance(update: Update, context: BotContext, t, asked: int) -> None:
    actor = await context.actor(update)
    try:
        await context.services.staff.require(actor, "take_attendance")
        _, listed, _ = await context.services.invitations.current(actor)
    except DomainError as refusal:
        await _refuse_press(update, t, refusal)
        return
    text, markup, page = _attendance_view(context, t, actor, listed, asked)
    await show_page(update, text, markup, page, t)


def _attendance_view(context: BotContext, t, actor, listed, asked: int):
    page = page_of(listed, asked, PEOPLE_PER_PAGE)
    commune = context.services.communes.get(actor.commune_id)
    buttons = [[(("✅ " if i.attended_at else "") + i.name, f"iv:here:{i.id}")] for i in page.items]
    # "All of" a hamlet for each hamlet on this page: every hamlet is on some page.
    for hamlet_id in sorted({i.hamlet_id for i in page.items if i.hamlet_id}):
        hamlet = commune.hamlet(hamlet_id) if commune else None
        if hamlet is not None:
            buttons.append([(t("✅ All of %(hamlet)s", hamlet=hamlet.name(t.locale)), f"iv:ah:{hamlet_id}")])
    navigation = page_row("iv:at", page, t)
    if navigation:
        buttons.append(navigation)
    lines = [t("Tap each person present. A walk-in: /walkin name; hamlet; point raised (optional).")]
    if page.total:
        lines.append(t("Present: %(present)d of %(count)d.",
                       present=sum(1 for i in listed if i.attended_at), count=page.total))
    if page_line(page, t):
        lines.append(page_line(page, t))
    return "\n".join(lines), inline(buttons) if buttons else None, page


async def _tick_attendance(update: Update, context: BotContext, t, actor) -> None:
    """The pressed page of the attendance list shows the ✅ and the count as they are now."""
    try:
        _, listed, _ = await context.services.invitations.current(actor)
    except DomainError:
        return
    shown = _page_shown(update, "iv:here:", listed)
    if shown:
        text, markup, _ = _attendance_view(context, t, actor, listed, shown)
        try:
            await update.callback_query.edit_message_text(text, reply_markup=markup)
        except TelegramError as refusal:
            log.debug("attendance page not refreshed (%s)", refusal)


async def present(update: Update, context: BotContext) -> None:
    t = await context.translator(update)
    actor = await context.actor(update)
    number = int(update.callback_query.data.split(":")[2])
    done = await _refused(update, context, lambda _: context.services.invitations.attend(actor, number))
    if done is not None:
        await _tick_attendance(update, context, t, actor)
        await answer(update, t("Marked present."))


async def present_hamlet(update: Update, context: BotContext) -> None:
    """Everyone invited from one hamlet is present (one tap for a hamlet that came together)."""
    t = await context.translator(update)
    actor = await context.actor(update)
    hamlet_id = update.callback_query.data.split(":")[2]
    done = await _refused(update, context, lambda _: context.services.invitations.attend(actor, hamlet_id=hamlet_id))
    if done is not None:
        await _tick_attendance(update, context, t, actor)
        await answer(update, t("Marked present: %(count)d.", count=done))


def _hamlet_of(context: BotContext, actor, text: str):
    commune = context.services.communes.get(actor.commune_id) if actor else None
    if commune is None:
        return None
    return next((h for h in commune.hamlets if text in (h.id, h.name("vi"), h.name("en"))), None)


async def invite_by_name(update: Update, context: BotContext) -> None:
    """/invite name; hamlet: someone without Telegram on the list (their hamlet head carries it)."""
    t = await context.translator(update)
    actor = await context.actor(update)
    parts = [p.strip() for p in (update.message.text.partition(" ")[2]).split(";")]
    try:
        await context.services.staff.require(actor, "propose_representative")
        hamlet = _hamlet_of(context, actor, parts[1]) if len(parts) >= 2 else None
        if hamlet is None:
            await answer(update, t("Please write: /invite name; hamlet (someone without Telegram)."))
            return
        done = await context.services.invitations.add_by_name(actor, parts[0], hamlet.id)
    except DomainError as refusal:
        await answer(update, describe(refusal, t))
        return
    await answer(update, t("%(name)s is on the list; the hamlet head hands the invitation over.", name=done.name))


async def walk_in(update: Update, context: BotContext) -> None:
    """/walkin name; hamlet number or id; point raised from the floor (optional)."""
    t = await context.translator(update)
    actor = await context.actor(update)
    parts = [p.strip() for p in (update.message.text.partition(" ")[2]).split(";")]
    commune = context.services.communes.get(actor.commune_id) if actor else None
    hamlet = None
    if commune is not None and len(parts) >= 2:
        hamlet = next((h for h in commune.hamlets if parts[1] in (h.id, h.name("vi"), h.name("en"))), None)
    try:
        await context.services.staff.require(actor, "take_attendance")
        if hamlet is None:
            await answer(update, t("Please write: /walkin name; hamlet; point raised (optional)."))
            return
        done = await context.services.invitations.walk_in(actor, name=parts[0], hamlet_id=hamlet.id,
                                                          point=parts[2] if len(parts) > 2 else None)
    except DomainError as refusal:
        await answer(update, describe(refusal, t))
        return
    if len(parts) > 2 and parts[2]:
        await answer(update, t("%(name)s is present; the point raised joins this meeting's agenda.", name=done.name))
    else:
        await answer(update, t("%(name)s is present.", name=done.name))


async def reminders_ahead(update: Update, context: BotContext) -> None:
    """/reminders: what will go out in the next 10 working days, a page at a time."""
    t = await context.translator(update)
    await _reminders(update, context, t, 1)


async def reminders_page(update: Update, context: BotContext) -> None:
    """◀️ / ▶️ on /reminders: another page, read afresh."""
    t = await context.translator(update)
    await _reminders(update, context, t, asked_page(update.callback_query.data))


async def _reminders(update: Update, context: BotContext, t, asked: int) -> None:
    actor = await context.actor(update)
    try:
        planned = await context.services.reminders.planned(actor)
    except DomainError as refusal:
        await _refuse_press(update, t, refusal)
        return
    if not planned:
        await show_page(update, t("No reminder is due in the next 10 working days."), None, None, t)
        return
    page = page_of(planned, asked, REMINDERS_PER_PAGE)
    lines = [t("⏰ Reminders of the next 10 working days:")]
    if page_line(page, t):
        lines.append(page_line(page, t))
    for item in page.items:
        lines.append(t("• %(day)s: %(what)s", day=t.short_date(item.on_day),
                       what=t(PLANNED_LABELS[item.kind], date=t.short_date(item.subject))))
    navigation = page_row("iv:rm", page, t)
    await show_page(update, "\n".join(lines), inline([navigation]) if navigation else None, page, t)


def flow(menus: Menus) -> Flow:
    """/start dialogue enters the conversation; everything else works anywhere."""
    return Flow(
        # The answers to an invitation (iv:yes, iv:no, iv:sub) are notice actions of bot/dialogs/invitations.py.
        entry_points=[# Before admin's /start <token>: this link is not a role invitation.
                      CommandHandler("start", start_from_link, filters=NEW_MESSAGES & filters.Regex(r"^/start dialogue$"))],
        anywhere=[
            CommandHandler("invitations", invitations_screen, filters=NEW_MESSAGES),
            CommandHandler("attendance", attendance, filters=NEW_MESSAGES),
            CommandHandler("walkin", walk_in, filters=NEW_MESSAGES),
            CommandHandler("invite", invite_by_name, filters=NEW_MESSAGES),
            CommandHandler("reminders", reminders_ahead, filters=NEW_MESSAGES),
            CallbackQueryHandler(compile_list, pattern=r"^iv:compile$"),
            CallbackQueryHandler(issue, pattern=r"^iv:issue$"),
            CallbackQueryHandler(public_notice, pattern=r"^iv:public$"),
            CallbackQueryHandler(radio_text, pattern=r"^iv:radio$"),
            CallbackQueryHandler(handed, pattern=r"^iv:hand:\d{1,9}$"),
            CallbackQueryHandler(present, pattern=r"^iv:here:\d{1,9}$"),
            CallbackQueryHandler(present_hamlet, pattern=r"^iv:ah:[^:]{1,32}$"),
            CallbackQueryHandler(delegate_chair, pattern=r"^iv:chair:\d{1,9}$"),
            CallbackQueryHandler(dashboard_page, pattern=rf"^iv:db:{PAGE}$"),
            CallbackQueryHandler(not_reached, pattern=rf"^iv:nr:[^:]{{1,32}}(:{PAGE})?$"),
            CallbackQueryHandler(hand_over_page, pattern=rf"^iv:hd:{PAGE}$"),
            CallbackQueryHandler(attendance_page, pattern=rf"^iv:at:{PAGE}$"),
            CallbackQueryHandler(reminders_page, pattern=rf"^iv:rm:{PAGE}$"),
        ],
    )

