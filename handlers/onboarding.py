"""Telegram's side of first contact: /start. The steps themselves (language, consent, commune, hamlet,
name, phone) are declared once in bot/dialogs/onboarding.py and drawn by handlers/dialogs.py; what is
Telegram's own stays here: an official's greeting with their roles and command menu (officials use
Telegram only), and the people who were inside the old Telegram-only first contact or /profile when
this version was deployed, who are taken to the same step of the shared flow."""

from __future__ import annotations

from babel.lists import format_list
from telegram import Update
from telegram.ext import CallbackQueryHandler, CommandHandler, TypeHandler

from bot.notices import role_name
from bot.roles import ROLES, Actor
from handlers import dialogs
from handlers.context import CHANNEL, BotContext, answer, retire_buttons
from handlers.flows import NEW_MESSAGES, Flow, Menus
from handlers.menus import set_chat_commands
from handlers.states import (
    END, ONBOARD_COMMUNE, ONBOARD_CONSENT, ONBOARD_HAMLET, ONBOARD_LANGUAGE, ONBOARD_NAME, ONBOARD_NAME_CHECK, ONBOARD_PHONE,
    PROFILE_NAME, PROFILE_PHONE,
)

# What the old flows kept in user_data; dropped wherever a flow starts.
OLD_DRAFT = "onboarding"
# Positions persisted by the Telegram-only flows before they moved: the shared step each one became.
RETIRED_STATES = {
    ONBOARD_LANGUAGE: "start.language", ONBOARD_CONSENT: "start.consent", ONBOARD_COMMUNE: "start.commune",
    ONBOARD_HAMLET: "start.hamlet", ONBOARD_NAME: "start.name", ONBOARD_NAME_CHECK: "start.name_check",
    ONBOARD_PHONE: "start.phone", PROFILE_NAME: "profile.name", PROFILE_PHONE: "profile.phone",
}


async def start(update: Update, context: BotContext) -> int:
    """/start: a resident's menu or a newcomer's first contact (the shared steps), an official's own greeting."""
    context.user_data.pop(OLD_DRAFT, None)
    resident = await context.resident(update)
    actor = await context.actor(update)
    official = actor if actor is not None and actor.is_official else None
    if resident is None and official is not None:
        # An official need not live in the commune: their menu, with an offer to register as a resident too.
        await retire_buttons(context)
        await dialogs.leave(update, context)
        return await _greet_official(update, context, official)
    await dialogs.command(update, context)
    if resident is not None and official is not None:
        await set_chat_commands(context.bot, update.effective_chat.id, context.i18n.for_locale(resident.locale), official)
    return END


async def _greet_official(update: Update, context: BotContext, official: Actor) -> int:
    t = await context.translator(update)
    user = update.effective_user
    await context.services.staff.remember_name(CHANNEL, str(user.id), user.full_name)
    communes = context.services.communes
    roles = format_list([role_name({"role": role, "body": official.body, "hamlet": official.hamlet_id}, t, communes,
                                   official.commune_id) for role in ROLES if role in official.roles], locale=t.locale)
    await answer(update, t("Hello %(name)s! You are here as: %(roles)s. Choose a button below, or a command from the menu.",
                           name=official.display_name or user.full_name, roles=roles),
                 reply_markup=await context.main_menu(update, t))
    await set_chat_commands(context.bot, update.effective_chat.id, t, official)
    await dialogs.offer_resident_registration(update, context)
    return END


def _carried_over(context: BotContext) -> dict:
    """The old first contact's draft (and the language chosen) as the shared steps keep it."""
    old = context.user_data.pop(OLD_DRAFT, None) or {}
    draft = {key: old[key] for key in ("consented_at", "commune", "hamlet", "name") if key in old}
    if context.user_data.get("locale"):
        draft["locale"] = context.user_data["locale"]
    return draft


async def _place(update: Update, context: BotContext, step: str, *, shown: bool) -> None:
    draft = _carried_over(context) if step.startswith("start.") else {}
    await retire_buttons(context)
    await dialogs.open_step(update, context, step, draft, shown=shown)


def _resume_at(step: str):
    async def resume(update: Update, context: BotContext) -> int:
        """Someone inside an old Telegram-only flow at the deploy: placed on the same shared step with what
        they had given, and what they send now answers it (anything else: the step is asked again)."""
        if update.message is None:
            if update.callback_query is not None:
                await update.callback_query.answer()
            await _place(update, context, step, shown=True)
            return END
        await _place(update, context, step, shown=False)
        await dialogs.message(update, context)
        return END
    return resume


# The old first contact's buttons carry the same data as the shared steps' (their step, by the data's kind).
OLD_BUTTONS = {"lang": "start.language", "consent": "start.consent", "commune": "start.commune", "hamlet": "start.hamlet",
               "name": "start.name", "nameok": "start.name_check", "nameagain": "start.name_check"}


async def old_button(update: Update, context: BotContext) -> int:
    """A button of the old first contact pressed after the deploy (its conversation state gives way to this
    entry point; the old draft is still there): placed on that button's step, the press counts."""
    if OLD_DRAFT in context.user_data:
        await _place(update, context, OLD_BUTTONS[update.callback_query.data.split(":")[1]], shown=False)
    return await dialogs.press(update, context)


def flow(menus: Menus) -> Flow:
    """/start (after invitations' and admin's /start with an argument); the retired states of the old flows."""
    return Flow(
        entry_points=[CommandHandler("start", start, filters=NEW_MESSAGES),
                      CallbackQueryHandler(old_button, pattern=rf"^ob:({'|'.join(OLD_BUTTONS)})(:|$)")],
        states={state: [TypeHandler(Update, _resume_at(step))] for state, step in RETIRED_STATES.items()},
    )
