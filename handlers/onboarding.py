"""First contact: language, consent to the privacy notice, commune, hamlet, the name the commune may
call the resident by, and (if they wish) their phone number. Nothing is stored before consent."""

from __future__ import annotations

from babel.lists import format_list
from telegram import Update
from telegram.ext import CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot.errors import DomainError, NotRegistered, describe
from bot.i18n import LOCALES, N_
from bot.notices import role_name
from bot.roles import ROLES, Actor
from handlers.context import CHANNEL, BotContext, answer, ask, drop_buttons, retire_buttons
from handlers.flows import NEW_MESSAGES, Flow, Menus
from handlers.keyboards import PHONE_SHARE, PHONE_SKIP, choices, inline, language_choice, phone_keyboard
from handlers.menus import set_chat_commands
from handlers.states import (
    END, ONBOARD_COMMUNE, ONBOARD_CONSENT, ONBOARD_HAMLET, ONBOARD_LANGUAGE, ONBOARD_NAME, ONBOARD_NAME_CHECK, ONBOARD_PHONE,
)
from storage.records import Resident

GREETING = N_("Hello! This is the channel for the direct dialogue between the commune's leaders and its residents. Please choose a language.")
PRIVACY_NOTICE = N_(
    "Before you register: the commune stores your name, your hamlet, your Telegram account, the phone number "
    "if you choose to share it, and the concerns you send. Only the commune's officials who handle your concern "
    "see your name and phone; the dialogue's record shows your concerns without them. You can see everything "
    "stored with /mydata, change it with /profile, and erase your identity at any time with /forget.\n\n"
    "Do you agree?")


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
        # An official need not live in the commune: their menu, with an offer to register as a resident too.
        return await _greet_official(update, context, official)
    context.user_data["onboarding"] = {}
    # Before a choice the greeting is shown in both languages, Vietnamese first.
    greeting = "\n\n".join(context.i18n.for_locale(locale)(GREETING) for locale in LOCALES)
    await ask(update, context, greeting, language_choice("ob:lang"))
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
    await offer_resident_registration(update, context)
    return END


async def offer_resident_registration(update: Update, context: BotContext) -> None:
    """An official who is not (yet) a resident: their own concerns need a resident's registration."""
    t = await context.translator(update)
    await ask(update, context, t("Do you also live in the commune? To send your own concerns or register to speak, "
                                 "register as a resident too."),
              inline([[(t("🏠 Register as a resident"), "ob:resident")]]))


async def resident_or_refuse(update: Update, context: BotContext) -> Resident | None:
    """The user as a resident; if not registered, told how to become one (an official, who would only get
    their own menu back from /start, is offered the registration itself) and None."""
    resident = await context.resident(update)
    if resident is None:
        actor = await context.actor(update)
        if actor is not None and actor.is_official:
            await offer_resident_registration(update, context)
        else:
            await answer(update, describe(NotRegistered(), await context.translator(update)))
    return resident


async def register_official_as_resident(update: Update, context: BotContext) -> int:
    """“Register as a resident”: the official's language is known; the registration starts at consent."""
    await update.callback_query.answer()
    await drop_buttons(update)
    context.user_data.pop("live_buttons", None)
    if await context.resident(update) is not None:
        t = await context.translator(update)
        await answer(update, t("You are already registered as a resident."), reply_markup=await context.main_menu(update, t))
        return END
    context.user_data["onboarding"] = {}
    return await _ask_consent(update, context)


async def choose_language(update: Update, context: BotContext) -> int:
    """A language was chosen (kept in the conversation only, nothing stored yet): show the privacy notice."""
    await update.callback_query.answer()
    locale = update.callback_query.data.rsplit(":", 1)[1]
    if locale not in LOCALES:
        return ONBOARD_LANGUAGE
    context.user_data["locale"] = locale
    await drop_buttons(update)
    return await _ask_consent(update, context)


async def _ask_consent(update: Update, context: BotContext) -> int:
    t = await context.translator(update)
    await ask(update, context, t(PRIVACY_NOTICE), inline([
        [(t("✅ I agree"), "ob:consent:yes")], [(t("❌ I do not agree"), "ob:consent:no")]]))
    return ONBOARD_CONSENT


async def give_consent(update: Update, context: BotContext) -> int:
    """Agreed: ask for the commune (or the hamlet); not agreed: nothing stored, and how to come back."""
    query = update.callback_query
    await query.answer()
    await drop_buttons(update)
    t = await context.translator(update)
    if query.data != "ob:consent:yes":
        await answer(update, t("Understood: nothing about you was stored. If you change your mind, tap /start at any time."))
        context.user_data.clear()  # not even the language or the draft: the bot's per-user row goes too
        return END
    onboarding = context.user_data.setdefault("onboarding", {})
    onboarding["consented_at"] = context.services.residents.consent_time()
    single = context.services.communes.single
    if single is not None:
        onboarding["commune"] = single.id
        return await _ask_hamlet(update, context)
    communes = [(c.name.label(t.locale), f"ob:commune:{c.id}") for c in context.services.communes.items]
    await ask(update, context, t("Which commune do you live in?"), choices(communes))
    return ONBOARD_COMMUNE


async def choose_commune(update: Update, context: BotContext) -> int:
    """A commune was chosen: ask for the hamlet."""
    await update.callback_query.answer()
    commune_id = update.callback_query.data.split(":", 2)[2]
    if context.services.communes.get(commune_id) is None:
        t = await context.translator(update)
        await answer(update, t("That choice is not available any more. Please choose again from the options."))
        return ONBOARD_COMMUNE
    context.user_data.setdefault("onboarding", {})["commune"] = commune_id
    await drop_buttons(update)
    return await _ask_hamlet(update, context)


async def _ask_hamlet(update: Update, context: BotContext) -> int:
    t = await context.translator(update)
    commune = context.services.communes.get(context.user_data["onboarding"].get("commune"))
    hamlets = [(h.name.label(t.locale), f"ob:hamlet:{h.id}") for h in commune.hamlets]
    await ask(update, context, t("Which hamlet (thôn) of %(commune)s do you live in?", commune=commune.name(t.locale)),
              choices(hamlets, per_row=2))
    return ONBOARD_HAMLET


async def choose_hamlet(update: Update, context: BotContext) -> int:
    """A hamlet was chosen: ask for the name to be called by."""
    await update.callback_query.answer()
    t = await context.translator(update)
    onboarding = context.user_data.get("onboarding") or {}
    commune = context.services.communes.get(onboarding.get("commune"))
    hamlet_id = update.callback_query.data.split(":", 2)[2]
    if commune is None or commune.hamlet(hamlet_id) is None:
        await answer(update, t("That choice is not available any more. Please choose again from the options."))
        return ONBOARD_HAMLET
    onboarding["hamlet"] = hamlet_id
    context.user_data["onboarding"] = onboarding
    await drop_buttons(update)
    return await _ask_name(update, context)


async def _ask_name(update: Update, context: BotContext) -> int:
    t = await context.translator(update)
    user = update.effective_user
    question = t("What name may the commune call you by? Please type your full name.")
    if user.full_name:
        await ask(update, context, question, inline([[(t("Use “%(name)s”", name=user.full_name[:40]), "ob:name:telegram")]]))
    else:
        await answer(update, question)
    return ONBOARD_NAME


async def give_name(update: Update, context: BotContext) -> int:
    """The name was typed (or the Telegram name taken); a sentence is asked about before it is kept."""
    t = await context.translator(update)
    residents = context.services.residents
    if update.callback_query is not None:
        await update.callback_query.answer()
        await drop_buttons(update)
        context.user_data.pop("live_buttons", None)
        typed, name = False, update.effective_user.full_name
    else:
        await retire_buttons(context)
        typed, name = True, update.effective_message.text
    try:
        name = residents.clean_name(name)
    except DomainError as refusal:
        await answer(update, describe(refusal, t))
        return ONBOARD_NAME
    onboarding = context.user_data.setdefault("onboarding", {})
    onboarding["name"] = name
    if typed and residents.name_needs_confirming(name):
        await ask(update, context, t("“%(name)s”: is this the name the commune should call you by? "
                                     "It looks more like a message. You can send your concern right after registering.",
                                     name=name),
                  inline([[(t("✅ Yes, that is my name"), "ob:nameok")], [(t("✏️ Type it again"), "ob:nameagain")]]))
        return ONBOARD_NAME_CHECK
    return await _ask_phone(update, context)


async def check_name(update: Update, context: BotContext) -> int:
    """“Yes, that is my name” or “Type it again”."""
    query = update.callback_query
    await query.answer()
    await drop_buttons(update)
    context.user_data.pop("live_buttons", None)
    t = await context.translator(update)
    if query.data != "ob:nameok" or not (context.user_data.get("onboarding") or {}).get("name"):
        await answer(update, t("Please type your full name."))
        return ONBOARD_NAME
    return await _ask_phone(update, context)


async def _ask_phone(update: Update, context: BotContext) -> int:
    t = await context.translator(update)
    await answer(update, t("Last step, optional: an official may need to call you back about your concern. "
                           "Tap “%(share)s” below to send the number of this Telegram account, or “%(skip)s”.",
                           share=t(PHONE_SHARE), skip=t(PHONE_SKIP)),
                 reply_markup=phone_keyboard(t))
    return ONBOARD_PHONE


async def give_phone(update: Update, context: BotContext) -> int:
    """A contact was shared: only the user's own is taken."""
    t = await context.translator(update)
    contact = update.effective_message.contact
    try:
        phone = context.services.residents.shared_phone(contact.phone_number, contact.user_id, update.effective_user.id)
    except DomainError as refusal:
        await answer(update, describe(refusal, t), reply_markup=phone_keyboard(t))
        return ONBOARD_PHONE
    return await _finish(update, context, phone)


async def skip_phone(update: Update, context: BotContext) -> int:
    """“Skip”: registered without a phone number."""
    return await _finish(update, context, None)


async def phone_needs_button(update: Update, context: BotContext) -> int | None:
    t = await context.translator(update)
    await answer(update, t("Please tap “%(share)s” or “%(skip)s” below (or send /cancel to stop).",
                           share=t(PHONE_SHARE), skip=t(PHONE_SKIP)), reply_markup=phone_keyboard(t))
    return None


async def _finish(update: Update, context: BotContext, phone: str | None) -> int:
    """Everything was given: the resident is stored now, in one step."""
    t = await context.translator(update)
    onboarding = context.user_data.get("onboarding") or {}
    try:
        resident = await context.services.residents.register(
            CHANNEL, str(update.effective_user.id), locale=t.locale,
            commune_id=onboarding.get("commune", ""), hamlet_id=onboarding.get("hamlet", ""),
            display_name=onboarding.get("name", ""), phone=phone, consented_at=onboarding.get("consented_at"),
        )
    except DomainError as refusal:
        context.user_data.pop("onboarding", None)
        await answer(update, describe(refusal, t) + "\n\n" + t("Tap /start to begin again."))
        return END
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
    """/start and the registration steps; an official's “Register as a resident”."""
    skip = menus.label(PHONE_SKIP)
    return Flow(
        entry_points=[CommandHandler("start", start, filters=NEW_MESSAGES),
                      CallbackQueryHandler(register_official_as_resident, pattern=r"^ob:resident$")],
        states={
            ONBOARD_LANGUAGE: [CallbackQueryHandler(choose_language, pattern=r"^ob:lang:(vi|en)$"),
                               MessageHandler(menus.free_text, onboarding_needs_button)],
            ONBOARD_CONSENT: [CallbackQueryHandler(give_consent, pattern=r"^ob:consent:(yes|no)$"),
                              MessageHandler(menus.free_text, onboarding_needs_button)],
            ONBOARD_COMMUNE: [CallbackQueryHandler(choose_commune, pattern=r"^ob:commune:[^:]{1,32}$"),
                              MessageHandler(menus.free_text, onboarding_needs_button)],
            ONBOARD_HAMLET: [CallbackQueryHandler(choose_hamlet, pattern=r"^ob:hamlet:[^:]{1,32}$"),
                             MessageHandler(menus.free_text, onboarding_needs_button)],
            ONBOARD_NAME: [MessageHandler(menus.free_text, give_name),
                           CallbackQueryHandler(give_name, pattern=r"^ob:name:telegram$")],
            ONBOARD_NAME_CHECK: [CallbackQueryHandler(check_name, pattern=r"^ob:name(ok|again)$"),
                                 MessageHandler(menus.free_text, give_name)],
            ONBOARD_PHONE: [MessageHandler(NEW_MESSAGES & filters.CONTACT, give_phone),
                            MessageHandler(skip, skip_phone),
                            MessageHandler(menus.free_text, phone_needs_button)],
        },
    )
