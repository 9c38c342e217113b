"""The administrator's screens: grant a role by a one-time link, its acceptance, withdrawing roles, the staff list.

Every step asks the staff service, which checks the admin role itself: the buttons are a
convenience, never the permission. A refusal returns no state, so whatever flow the person
was in goes on untouched.
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import CallbackQueryHandler, CommandHandler, MessageHandler

from bot.errors import DomainError, UnknownChoice, describe
from bot.i18n import N_, Translator
from bot.notices import role_name
from bot.roles import ADMIN, CHAIR, HAMLET_HEAD, MTTQ, OFFICE, OFFICER, Actor, role_label
from bot.services.staff import INVITATION_LIFETIME
from handlers import common, onboarding
from handlers.context import CHANNEL, BotContext, answer, drop_buttons
from handlers.flows import NEW_MESSAGES, Flow, Menus
from handlers.keyboards import choices, inline
from handlers.menus import OFFICIAL_COMMANDS, set_chat_commands
from handlers.presenters import official_name, person_label
from handlers.states import END
from storage.records import RoleGrant

# The admin's states in the one conversation (range 100-199).
GRANT_ROLE, GRANT_BODY, GRANT_HAMLET = 100, 101, 102

ROLE_INTRODUCTIONS = {
    ADMIN: N_("You can grant roles (/grant), withdraw them (/revoke) and see who holds which role (/staff)."),
    CHAIR: N_("You chair the dialogue: you can schedule it, call the speakers, record the conclusions "
              "and assign concerns to officers."),
    OFFICE: N_("As the commune office you screen new concerns, prepare the dialogue and its speakers, "
               "record and announce the conclusions, assign concerns and close them."),
    MTTQ: N_("You can follow the speakers and every assignment past its due date, to supervise how concerns are resolved."),
    OFFICER: N_("Concerns assigned to you arrive here with their due date; you will find them under “%(tasks)s”."),
    HAMLET_HEAD: N_("You can enter concerns for residents of your hamlet who have no phone, "
                    "and you will receive the conclusions for your hamlet."),
}

_TOKEN = r"[A-Za-z0-9_-]{16,43}"


def _button(command: str) -> str:
    """The msgid of an official command's main-menu button (listed once, in handlers/menus.py)."""
    return next(c.label for c in OFFICIAL_COMMANDS if c.command == command)


async def _refuse(update: Update, t: Translator, refusal: DomainError, **kwargs) -> None:
    await answer(update, describe(refusal, t), **kwargs)


def _held_role(grant: RoleGrant, t: Translator, context: BotContext) -> str:
    payload = {"role": grant.role, "body": grant.body, "hamlet": grant.hamlet_id}
    return role_name(payload, t, context.services.communes, grant.commune_id)


def _invited_role(invitation: dict, commune_id: str, t: Translator, context: BotContext) -> str:
    payload = {"role": invitation["role"], "body": invitation["body"], "hamlet": invitation["hamlet_id"]}
    return role_name(payload, t, context.services.communes, commune_id)


def _holder_name(grant: RoleGrant, t: Translator) -> str:
    """Name, @username and Telegram id: an administrator must tell two people of the same name apart."""
    label = person_label(t, grant.display_name, grant.username, grant.external_id)
    return label if grant.started else official_name(t, label, started=False)


# --- Granting by a one-time link --------------------------------------------------------------

async def grant_start(update: Update, context: BotContext) -> int | None:
    """/grant, its menu button or the button under /staff: choose the role to grant."""
    query = update.callback_query
    if query is not None:
        await query.answer()
    t = await context.translator(update)
    try:
        roles, commune = await context.services.staff.grant_options(await context.actor(update))
    except DomainError as refusal:
        await _refuse(update, t, refusal)
        return None
    if query is not None:
        await drop_buttons(update)
    buttons = [(role_label(role, t, commune), f"ad:role:{role}") for role in roles]
    await answer(update, t("Which role do you want to grant? You will get a one-time link to send to the person."),
                 reply_markup=choices(buttons))
    return GRANT_ROLE


async def grant_role_chosen(update: Update, context: BotContext) -> int | None:
    """A role was chosen: ask for the officer's body or the hamlet, or make the link at once."""
    query = update.callback_query
    await query.answer()
    t = await context.translator(update)
    actor = await context.actor(update)
    try:
        _, commune = await context.services.staff.grant_options(actor)
    except DomainError as refusal:
        await _refuse(update, t, refusal)
        return END
    await drop_buttons(update)
    role = query.data.rsplit(":", 1)[1]
    if role == OFFICER:
        bodies = ", ".join(f"“{b.name(t.locale)}”" for b in commune.bodies)
        await answer(update, t("Please type the name of the body (cơ quan chuyên môn) the officer (công chức) works in: %(bodies)s.",
                               bodies=bodies) if bodies else
                     t("Please type the name of the officer's body (cơ quan chuyên môn), for example “Phòng Kinh tế”."))
        return GRANT_BODY
    if role == HAMLET_HEAD:
        hamlets = [(h.name.label(t.locale), f"ad:hamlet:{h.id}") for h in commune.hamlets]
        await answer(update, t("Head of which hamlet?"), reply_markup=choices(hamlets, per_row=2))
        return GRANT_HAMLET
    return await _invite(update, context, t, actor, role)


async def grant_body_typed(update: Update, context: BotContext) -> int:
    """The officer's body was typed: make the link, or ask again."""
    t = await context.translator(update)
    try:
        body = context.services.staff.body_name(update.effective_message.text)
    except DomainError as refusal:
        await _refuse(update, t, refusal)
        return GRANT_BODY
    return await _invite(update, context, t, await context.actor(update), OFFICER, body=body)


async def grant_hamlet_chosen(update: Update, context: BotContext) -> int:
    """The hamlet was chosen: make the link for its head."""
    await update.callback_query.answer()
    t = await context.translator(update)
    hamlet_id = update.callback_query.data.split(":", 2)[2]
    return await _invite(update, context, t, await context.actor(update), HAMLET_HEAD, hamlet_id=hamlet_id)


async def _invite(update: Update, context: BotContext, t: Translator, actor: Actor | None, role: str, *,
                  body: str | None = None, hamlet_id: str | None = None) -> int:
    try:
        token = await context.services.staff.invite(actor, role, body=body, hamlet_id=hamlet_id)
    except UnknownChoice as refusal:
        await _refuse(update, t, refusal)
        return GRANT_HAMLET if role == HAMLET_HEAD else GRANT_ROLE
    except DomainError as refusal:
        await _refuse(update, t, refusal)
        return END
    if update.callback_query is not None:
        await drop_buttons(update)
    role_text = role_name({"role": role, "body": body, "hamlet": hamlet_id}, t, context.services.communes, actor.commune_id)
    await answer(
        update,
        t("Invitation link for the role: %(role)s\n\n%(link)s\n\n"
          "Send this link to the person. When they open it and tap Start, the role is theirs. "
          "The link works only once, expires in %(hours)d hours, and you can withdraw it with /revoke.\n\n"
          "If the link does not open (for example in the test sandbox), the person can send this to the bot instead:\n"
          "/start %(token)s",
          role=role_text, link=f"https://t.me/{context.bot.username}?start={token}",
          hours=int(INVITATION_LIFETIME.total_seconds() // 3600), token=token),
        reply_markup=await context.main_menu(update, t),
    )
    return END


async def expect_button(update: Update, context: BotContext) -> None:
    """Typed text while a role or hamlet button is awaited."""
    t = await context.translator(update)
    await answer(update, t("Please choose one of the buttons above (or send /cancel to stop)."))


async def grant_button_outside_flow(update: Update, context: BotContext) -> None:
    """A role or hamlet button pressed outside the grant flow: refused to non-admins, stale for admins."""
    t = await context.translator(update)
    try:
        await context.services.staff.grant_options(await context.actor(update))
    except DomainError as refusal:
        await update.callback_query.answer()
        await _refuse(update, t, refusal)
        return
    await common.stale_button(update, context)


# --- Accepting the link -----------------------------------------------------------------------

async def accept_invitation(update: Update, context: BotContext) -> int | None:
    """/start <token> (the invitation's deep link): take the role, or say why not and start as usual."""
    user = update.effective_user
    t = await context.translator(update)
    resident = await context.resident(update)
    try:
        grant = await context.services.staff.accept(
            CHANNEL, str(user.id), context.args[0],
            display_name=resident.display_name if resident else user.full_name, locale=t.locale, username=user.username,
        )
    except DomainError as refusal:
        # A used, expired or unknown link: the person may still register as a resident.
        await _refuse(update, t, refusal)
        return await onboarding.start(update, context)
    context.user_data.pop("onboarding", None)
    actor = await context.actor(update)
    commune = context.services.communes.get(grant.commune_id)
    await answer(
        update,
        "\n\n".join([
            t("Welcome, %(name)s! You now hold the role: %(role)s, in %(commune)s.",
              name=grant.display_name or user.full_name, role=_held_role(grant, t, context), commune=commune.name(t.locale)),
            t(ROLE_INTRODUCTIONS[grant.role], tasks=t(_button("tasks"))),
            t("Your buttons are below, and your commands are in the menu (the “/” button beside the message box)."),
        ]),
        reply_markup=await context.main_menu(update, t),
    )
    await set_chat_commands(context.bot, update.effective_chat.id, t, actor)
    return END


# --- Who holds what ---------------------------------------------------------------------------

async def staff_list(update: Update, context: BotContext) -> int | None:
    """/staff: who holds which role, and the invitation links not used yet."""
    t = await context.translator(update)
    actor = await context.actor(update)
    try:
        holders, invitations = await context.services.staff.staff(actor)
    except DomainError as refusal:
        await _refuse(update, t, refusal)
        return None
    commune = context.services.communes.get(actor.commune_id)
    lines = [t("Roles in %(commune)s:", commune=commune.name(t.locale))]
    lines += [t("• %(name)s: %(role)s", name=_holder_name(g, t), role=_held_role(g, t, context)) for g in holders] \
        or [t("No one holds a role yet.")]
    lines += ["", t("Invitation links not used yet:")]
    lines += [t("• %(role)s, valid until %(moment)s", role=_invited_role(i, actor.commune_id, t, context),
                moment=t.moment(i["expires_at"])) for i in invitations] or [t("None.")]
    buttons = inline([[(t(_button("grant")), "ad:grant")], [(t("➖ Withdraw a role or a link"), "ad:revoke")]])
    await answer(update, "\n".join(lines), reply_markup=buttons)
    return END


# --- Withdrawing a role or a link -------------------------------------------------------------

async def revoke_list(update: Update, context: BotContext) -> int | None:
    """/revoke (or the button under /staff): the roles held and the open links, one button each."""
    query = update.callback_query
    if query is not None:
        await query.answer()
    t = await context.translator(update)
    actor = await context.actor(update)
    try:
        holders, invitations = await context.services.staff.revocable(actor)
    except DomainError as refusal:
        await _refuse(update, t, refusal)
        return None
    if query is not None:
        await drop_buttons(update)
    rows = [[(f"{_holder_name(g, t)} · {_held_role(g, t, context)}", f"ad:rv:{g.id}")] for g in holders]
    rows += [[(t("🔗 Link: %(role)s, until %(moment)s", role=_invited_role(i, actor.commune_id, t, context),
                 moment=t.moment(i["expires_at"])), f"ad:ri:{i['token']}")] for i in invitations]
    if not rows:
        await answer(update, t("No one holds a role, and there is no open invitation link."))
        return END
    await answer(update, t("Which role or invitation link do you want to withdraw?"), reply_markup=inline(rows))
    return END


async def revoke_ask(update: Update, context: BotContext) -> int | None:
    """A role or a link was chosen: ask to confirm."""
    query = update.callback_query
    await query.answer()
    t = await context.translator(update)
    actor = await context.actor(update)
    try:
        holders, invitations = await context.services.staff.revocable(actor)
    except DomainError as refusal:
        await _refuse(update, t, refusal)
        return None
    await drop_buttons(update)
    kind, key = query.data.split(":", 2)[1:]
    no = (t("↩️ Keep it"), "ad:rvn")
    if kind == "rv":
        grant = next((g for g in holders if str(g.id) == key), None)
        if grant is None:
            await _refuse(update, t, UnknownChoice())
            return END
        await answer(update, t("Withdraw the role “%(role)s” from %(name)s?", role=_held_role(grant, t, context),
                               name=_holder_name(grant, t)),
                     reply_markup=inline([[(t("✅ Withdraw"), f"ad:rvy:{grant.id}"), no]]))
        return END
    invitation = next((i for i in invitations if i["token"] == key), None)
    if invitation is None:
        await _refuse(update, t, UnknownChoice())
        return END
    await answer(update, t("Withdraw the invitation link for “%(role)s” (valid until %(moment)s)? It will stop working.",
                           role=_invited_role(invitation, actor.commune_id, t, context),
                           moment=t.moment(invitation["expires_at"])),
                 reply_markup=inline([[(t("✅ Withdraw"), f"ad:riy:{key}"), no]]))
    return END


async def revoke_role(update: Update, context: BotContext) -> int | None:
    """Confirmed: withdraw the role; the person is told and their command menu shrinks."""
    query = update.callback_query
    await query.answer()
    t = await context.translator(update)
    try:
        grant = await context.services.staff.revoke(await context.actor(update), int(query.data.rsplit(":", 1)[1]))
    except DomainError as refusal:
        await _refuse(update, t, refusal)
        return None
    await drop_buttons(update)
    await answer(update, t("The role “%(role)s” was withdrawn from %(name)s. They have been told.",
                           role=_held_role(grant, t, context), name=_holder_name(grant, t)))
    await _reset_commands(context, grant.person_id)
    return END


async def _reset_commands(context: BotContext, person_id: int) -> None:
    """The command menu and keyboard of someone whose roles changed, in their language, for what they still are."""
    person = await context.services.staff.person(person_id)
    if person is None or person.channel != CHANNEL:
        return
    # Their command menu now; their keyboard comes with the notice of the withdrawal (handlers/notifications).
    remaining = await context.services.staff.actor(CHANNEL, person.external_id)
    await set_chat_commands(context.bot, int(person.external_id), context.i18n.for_locale(person.locale),
                            remaining if remaining is not None and remaining.is_official else None)


async def revoke_link(update: Update, context: BotContext) -> int | None:
    """Confirmed: the invitation link stops working."""
    query = update.callback_query
    await query.answer()
    t = await context.translator(update)
    actor = await context.actor(update)
    token = query.data.split(":", 2)[2]
    try:
        _, invitations = await context.services.staff.revocable(actor)
        invitation = next((i for i in invitations if i["token"] == token), None)
        if invitation is None:  # used, expired, already withdrawn, or another commune's
            raise UnknownChoice()
        await context.services.staff.revoke_invitation(actor, token)
    except DomainError as refusal:
        await _refuse(update, t, refusal)
        return None
    await drop_buttons(update)
    await answer(update, t("The invitation link for “%(role)s” was withdrawn: it no longer works.",
                           role=_invited_role(invitation, actor.commune_id, t, context)))
    return END


async def revoke_keep(update: Update, context: BotContext) -> int | None:
    """“Keep it”: nothing is withdrawn."""
    await update.callback_query.answer()
    t = await context.translator(update)
    try:
        await context.services.staff.revocable(await context.actor(update))
    except DomainError as refusal:
        await _refuse(update, t, refusal)
        return None
    await drop_buttons(update)
    await answer(update, t("Nothing was withdrawn."))
    return END


def flow(menus: Menus) -> Flow:
    """/grant (in the conversation), the invitation's /start <token>, /staff and /revoke.

    All are entry points so that they leave any other flow; each refusal returns None,
    which leaves the person's current flow as it was."""
    expect_button_here = MessageHandler(menus.free_text, expect_button)
    return Flow(
        entry_points=[
            # Before onboarding's plain /start (admin comes first in FLOW_MODULES).
            CommandHandler("start", accept_invitation, filters=NEW_MESSAGES, has_args=True),
            CommandHandler("grant", grant_start, filters=NEW_MESSAGES),
            MessageHandler(menus.label(_button("grant")), grant_start),
            CallbackQueryHandler(grant_start, pattern=r"^ad:grant$"),
            CommandHandler("staff", staff_list, filters=NEW_MESSAGES),
            MessageHandler(menus.label(_button("staff")), staff_list),
            CommandHandler("revoke", revoke_list, filters=NEW_MESSAGES),
            CallbackQueryHandler(revoke_list, pattern=r"^ad:revoke$"),
            CallbackQueryHandler(revoke_ask, pattern=rf"^ad:(rv:\d{{1,12}}|ri:{_TOKEN})$"),
            CallbackQueryHandler(revoke_role, pattern=r"^ad:rvy:\d{1,12}$"),
            CallbackQueryHandler(revoke_link, pattern=rf"^ad:riy:{_TOKEN}$"),
            CallbackQueryHandler(revoke_keep, pattern=r"^ad:rvn$"),
        ],
        states={
            GRANT_ROLE: [CallbackQueryHandler(grant_role_chosen, pattern=r"^ad:role:(admin|chair|office|mttq|officer|hamlet_head)$"),
                         expect_button_here],
            GRANT_BODY: [MessageHandler(menus.free_text, grant_body_typed)],
            GRANT_HAMLET: [CallbackQueryHandler(grant_hamlet_chosen, pattern=r"^ad:hamlet:[^:]{1,32}$"), expect_button_here],
        },
        anywhere=[
            CallbackQueryHandler(grant_button_outside_flow, pattern=r"^ad:(role:[a-z_]{1,20}|hamlet:[^:]{1,32})$"),
        ],
    )
