"""First contact: language, commune, hamlet and the name the commune may call the resident by."""

from __future__ import annotations

from babel.lists import format_list
from telegram import Update
from telegram.ext import CallbackQueryHandler, CommandHandler, MessageHandler

from bot.errors import DomainError, describe
from bot.i18n import LOCALES, N_
from bot.notices import role_name
from bot.roles import ROLES, Actor
from handlers.context import CHANNEL, BotContext, answer, drop_buttons
from handlers.flows import NEW_MESSAGES, Flow, Menus
from handlers.keyboards import choices, inline, language_choice
from handlers.menus import set_chat_commands
from handlers.states import END, ONBOARD_COMMUNE, ONBOARD_HAMLET, ONBOARD_LANGUAGE, ONBOARD_NAME

GREETING = N_("Hello! This is the channel for the direct dialogue between the commune's leaders and its residents. Please choose a language.")


async def start(update: Update, context: BotContext) -> int:
    """/start: greet a registered resident or an official with the menu, or begin registration."""
    context.user_data.pop("draft", None)
    resident = await context.resident(update)
    actor = await context.actor(update)
    official = actor if actor is not None and actor.is_official else None
    if resident is not None:
        t = context.i18n.for_locale(resident.locale)
        context.user_data["locale"] = resident.locale
        await answer(update, t("Hello %(name)s! What would you like to do?", name=resident.display_name), reply_markup=await context.main_menu(update, t))
        if official is not None:
            await set_chat_commands(context.bot, update.effective_chat.id, t, official)
        return END
    if official is not None:
        # An official need not live in the commune: their menu, not a resident's registration.
        return await _greet_official(update, context, official)
    context.user_data["onboarding"] = {}
    # Before a choice the greeting is shown in both languages, Vietnamese first.
    greeting = "\n\n".join(context.i18n.for_locale(locale)(GREETING) for locale in LOCALES)
    await answer(update, greeting, reply_markup=language_choice("ob:lang"))
    return ONBOARD_LANGUAGE


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
    return END


async def choose_language(update: Update, context: BotContext) -> int:
    """A language was chosen: ask for the commune, or the hamlet if there is only one commune."""
    await update.callback_query.answer()
    locale = update.callback_query.data.rsplit(":", 1)[1]
    if locale not in LOCALES:
        return ONBOARD_LANGUAGE
    context.user_data["locale"] = locale
    await context.services.residents.set_locale(CHANNEL, str(update.effective_user.id), locale)
    t = context.i18n.for_locale(locale)
    await drop_buttons(update)
    single = context.services.communes.single
    if single is not None:
        context.user_data.setdefault("onboarding", {})["commune"] = single.id
        return await _ask_hamlet(update, context)
    communes = [(c.name.label(locale), f"ob:commune:{c.id}") for c in context.services.communes.items]
    await answer(update, t("Which commune do you live in?"), reply_markup=choices(communes))
    return ONBOARD_COMMUNE


async def choose_commune(update: Update, context: BotContext) -> int:
    """A commune was chosen: ask for the hamlet."""
    await update.callback_query.answer()
    commune_id = update.callback_query.data.split(":", 2)[2]
    if context.services.communes.get(commune_id) is None:
        t = await context.translator(update)
        await answer(update, t("That choice is not available any more. Please choose again from the buttons."))
        return ONBOARD_COMMUNE
    context.user_data.setdefault("onboarding", {})["commune"] = commune_id
    await drop_buttons(update)
    return await _ask_hamlet(update, context)


async def _ask_hamlet(update: Update, context: BotContext) -> int:
    t = await context.translator(update)
    commune = context.services.communes.get(context.user_data["onboarding"].get("commune"))
    hamlets = [(h.name.label(t.locale), f"ob:hamlet:{h.id}") for h in commune.hamlets]
    await answer(update, t("Which hamlet (thôn) of %(commune)s do you live in?", commune=commune.name(t.locale)),
                 reply_markup=choices(hamlets, per_row=2))
    return ONBOARD_HAMLET


async def choose_hamlet(update: Update, context: BotContext) -> int:
    """A hamlet was chosen: ask for the name to be called by."""
    await update.callback_query.answer()
    t = await context.translator(update)
    onboarding = context.user_data.get("onboarding") or {}
    commune = context.services.communes.get(onboarding.get("commune"))
    hamlet_id = update.callback_query.data.split(":", 2)[2]
    if commune is None or commune.hamlet(hamlet_id) is None:
        await answer(update, t("That choice is not available any more. Please choose again from the buttons."))
        return ONBOARD_HAMLET
    onboarding["hamlet"] = hamlet_id
    context.user_data["onboarding"] = onboarding
    await drop_buttons(update)
    user = update.effective_user
    buttons = inline([[(t("Use “%(name)s”", name=user.full_name[:40]), "ob:name:telegram")]]) if user.full_name else None
    await answer(update, t("What name may the commune call you by? Please type your full name."), reply_markup=buttons)
    return ONBOARD_NAME


async def give_name(update: Update, context: BotContext) -> int:
    """The name was typed (or the Telegram name taken): register the resident."""
    if update.callback_query is not None:
        await update.callback_query.answer()
        await drop_buttons(update)
        name = update.effective_user.full_name
    else:
        name = update.effective_message.text
    t = await context.translator(update)
    onboarding = context.user_data.get("onboarding") or {}
    try:
        resident = await context.services.residents.register(
            CHANNEL, str(update.effective_user.id), locale=t.locale,
            commune_id=onboarding.get("commune", ""), hamlet_id=onboarding.get("hamlet", ""), display_name=name,
        )
    except DomainError as refusal:
        await answer(update, describe(refusal, t))
        return ONBOARD_NAME
    context.user_data.pop("onboarding", None)
    commune = context.services.communes.get(resident.commune_id)
    await answer(
        update,
        t(
            "Thank you, %(name)s. You are registered in %(hamlet)s, %(commune)s.\n\n"
            "Use the buttons below to send a concern to the commune's leaders, follow your concerns, "
            "or register to speak at the dialogue.",
            name=resident.display_name, hamlet=commune.hamlet(resident.hamlet_id).name(t.locale),
            commune=commune.name(t.locale),
        ),
        reply_markup=await context.main_menu(update, t),
    )
    return END


async def onboarding_needs_button(update: Update, context: BotContext) -> int | None:
    """Anything but a button while a choice is awaited: say what is expected."""
    t = await context.translator(update)
    await answer(update, t("Please choose one of the buttons above (or send /cancel to stop)."))
    return None


def flow(menus: Menus) -> Flow:
    """/start and the four registration steps."""
    return Flow(
        entry_points=[CommandHandler("start", start, filters=NEW_MESSAGES)],
        states={
            ONBOARD_LANGUAGE: [CallbackQueryHandler(choose_language, pattern=r"^ob:lang:(vi|en)$"),
                               MessageHandler(menus.free_text, onboarding_needs_button)],
            ONBOARD_COMMUNE: [CallbackQueryHandler(choose_commune, pattern=r"^ob:commune:[^:]{1,32}$"),
                              MessageHandler(menus.free_text, onboarding_needs_button)],
            ONBOARD_HAMLET: [CallbackQueryHandler(choose_hamlet, pattern=r"^ob:hamlet:[^:]{1,32}$"),
                             MessageHandler(menus.free_text, onboarding_needs_button)],
            ONBOARD_NAME: [MessageHandler(menus.free_text, give_name),
                           CallbackQueryHandler(give_name, pattern=r"^ob:name:telegram$")],
        },
    )
