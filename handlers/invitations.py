"""Telegram side of the invitations (issue 8): the MTTQ's and office's /invitations screen, the
invitees' answer buttons, the hamlet head's list, attendance, /reminders. Update -> service call -> reply;
the rules are in bot/services/invitations.py and bot/services/reminders.py."""

from __future__ import annotations

from telegram import Update
from telegram.ext import CallbackQueryHandler, CommandHandler, filters

from bot.errors import DomainError, describe
from bot.services.invitations import count_by_hamlet, forward_text, meeting_payload
from bot.services.reminders import PLANNED_LABELS
from handlers.context import BotContext, answer, replace_message
from handlers.flows import NEW_MESSAGES, Flow, Menus
from handlers.keyboards import inline
from handlers.states import END

# Hand-over buttons under the forwarding text (the rest: /invitations again once these are done).
MAX_HAND_BUTTONS = 20


async def _person_id(update: Update, context: BotContext) -> int | None:
    actor = await context.actor(update)
    return actor.person_id if actor else None


async def invitations_screen(update: Update, context: BotContext) -> None:
    """/invitations: the dashboard per hamlet (MTTQ, office, chair) or the hamlet's list (hamlet head)."""
    t = await context.translator(update)
    actor = await context.actor(update)
    services = context.services
    if actor is not None and actor.may("deliver_by_hand") and not actor.may("view_invitations"):
        await _hamlet_screen(update, context, t, actor)
        return
    try:
        dialogue, listed, issued = await services.invitations.current(actor)
    except DomainError as refusal:
        await answer(update, describe(refusal, t))
        return
    commune = services.communes.get(actor.commune_id)
    day = t.date(t.local_date(dialogue.meeting_at))
    lines = [t("✉️ Invitations to the dialogue of %(date)s: %(count)d invited.", date=day, count=len(listed))]
    lines.append(t("Issued.") if issued else t("Not issued yet."))
    for row in count_by_hamlet(listed):
        hamlet = commune.hamlet(row.hamlet_id) if commune and row.hamlet_id else None
        lines.append(t("• %(hamlet)s: invited %(invited)d, delivered %(chat)d by chat and %(hand)d by hand, "
                       "will come %(coming)d, cannot come %(not_coming)d, no answer %(none)d",
                       hamlet=hamlet.name(t.locale) if hamlet else "—", invited=row.invited, chat=row.delivered_chat,
                       hand=row.delivered_hand, coming=row.coming, not_coming=row.not_coming, none=row.no_answer))
        if row.unreachable:
            lines.append(t("  Not reached yet: %(names)s", names=", ".join(row.unreachable)))
    buttons = [[(t("📋 Compile the list"), "iv:compile")]]
    if actor.may("issue_invitations") and not issued:
        buttons.append([(t("📨 Approve and issue"), "iv:issue")])
    if actor.may("announce_meeting"):
        buttons.append([(t("📣 Public notice to every resident"), "iv:public"), (t("📻 Loudspeaker text"), "iv:radio")])
    await answer(update, "\n".join(lines)[:4000], reply_markup=inline(buttons))


async def _hamlet_screen(update: Update, context: BotContext, t, actor) -> None:
    """The text to forward (with the link that opens the bot), buttons for those still to be handed their
    invitation, and the whole list as one paged message."""
    try:
        dialogue, listed = await context.services.invitations.hamlet_list(actor)
    except DomainError as refusal:
        await answer(update, describe(refusal, t))
        return
    link = f"https://t.me/{context.bot.username}?start=dialogue"
    buttons = [[(t("🤝 Handed over: %(name)s", name=i.name), f"iv:hand:{i.id}")]
               for i in listed if i.delivery in ("offline", "unreachable")][:MAX_HAND_BUTTONS]
    await answer(update, forward_text(meeting_payload(dialogue), t, context.services.communes, link),
                 reply_markup=inline(buttons) if buttons else None)
    await context.services.invitations.send_hamlet_list(actor)


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
        await answer(update, t("🤝 %(name)s: invitation handed over.", name=done.name))


async def delegate_chair(update: Update, context: BotContext) -> None:
    t = await context.translator(update)
    actor = await context.actor(update)
    vice = int(update.callback_query.data.split(":")[2])
    done = await _refused(update, context, lambda _: context.services.invitations.delegate_chair(actor, vice))
    if done is not None:
        await replace_message(update, t("The chair of the dialogue is delegated; the Vice-chairman was told."))


async def attendance(update: Update, context: BotContext) -> None:
    """/attendance: the list with a tap per person (office, on the meeting day)."""
    t = await context.translator(update)
    actor = await context.actor(update)
    try:
        await context.services.staff.require(actor, "take_attendance")
        _, listed, _ = await context.services.invitations.current(actor)
    except DomainError as refusal:
        await answer(update, describe(refusal, t))
        return
    buttons = [[(("✅ " if i.attended_at else "") + i.name, f"iv:here:{i.id}")] for i in listed][:50]
    commune = context.services.communes.get(actor.commune_id)
    for hamlet_id in sorted({i.hamlet_id for i in listed if i.hamlet_id}):
        hamlet = commune.hamlet(hamlet_id) if commune else None
        if hamlet is not None:
            buttons.append([(t("✅ All of %(hamlet)s", hamlet=hamlet.name(t.locale)), f"iv:ah:{hamlet_id}")])
    await answer(update, t("Tap each person present. A walk-in: /walkin name; hamlet; point raised (optional)."),
                 reply_markup=inline(buttons) if buttons else None)


async def present(update: Update, context: BotContext) -> None:
    t = await context.translator(update)
    actor = await context.actor(update)
    number = int(update.callback_query.data.split(":")[2])
    done = await _refused(update, context, lambda _: context.services.invitations.attend(actor, number))
    if done is not None:
        await answer(update, t("Marked present."))


async def present_hamlet(update: Update, context: BotContext) -> None:
    """Everyone invited from one hamlet is present (one tap for a hamlet that came together)."""
    t = await context.translator(update)
    actor = await context.actor(update)
    hamlet_id = update.callback_query.data.split(":")[2]
    done = await _refused(update, context, lambda _: context.services.invitations.attend(actor, hamlet_id=hamlet_id))
    if done is not None:
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
    """/reminders: what will go out in the next 10 working days."""
    t = await context.translator(update)
    actor = await context.actor(update)
    try:
        planned = await context.services.reminders.planned(actor)
    except DomainError as refusal:
        await answer(update, describe(refusal, t))
        return
    if not planned:
        await answer(update, t("No reminder is due in the next 10 working days."))
        return
    lines = [t("⏰ Reminders of the next 10 working days:")]
    for item in planned[:60]:
        lines.append(t("• %(day)s: %(what)s", day=t.short_date(item.on_day),
                       what=t(PLANNED_LABELS[item.kind], date=t.short_date(item.subject))))
    await answer(update, "\n".join(lines)[:4000])


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
        ],
    )

