"""/profile: a resident sees and changes the name, hamlet and phone number the commune holds."""

from __future__ import annotations

from telegram import Update
from telegram.ext import CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot.errors import DomainError, describe
from bot.dialogs.profile import profile_lines
from handlers.context import CHANNEL, BotContext, answer, drop_buttons, replace_message
from handlers.flows import NEW_MESSAGES, Flow, Menus
from handlers.keyboards import PHONE_SHARE, PHONE_SKIP, choices, flow_menu, inline, phone_keyboard
from handlers.onboarding import resident_or_refuse
from handlers.states import END, PROFILE_NAME, PROFILE_PHONE


async def show_profile(update: Update, context: BotContext) -> None:
    """/profile (or “My details” under /help): what is held, with a button to change each."""
    if update.callback_query is not None:
        await update.callback_query.answer()
        await drop_buttons(update)
    resident = await resident_or_refuse(update, context)
    if resident is None:
        return
    t = context.i18n.for_locale(resident.locale)
    lines = profile_lines(resident, context.services.communes.get(resident.commune_id), t)  # as on every channel
    rows = [[(t("✏️ Change my name"), "pf:name")], [(t("🏘 Change my hamlet"), "pf:hamlet")],
            [(t("📱 Share my phone number"), "pf:phone")]]
    if resident.phone:
        rows.append([(t("🗑 Remove my phone number"), "pf:phonedel")])
    await answer(update, "\n".join(lines), reply_markup=inline(rows))


async def ask_name(update: Update, context: BotContext) -> int:
    """“Change my name”."""
    await update.callback_query.answer()
    resident = await resident_or_refuse(update, context)
    if resident is None:
        return END
    t = context.i18n.for_locale(resident.locale)
    await drop_buttons(update)
    await answer(update, t("Please type your full name."), reply_markup=flow_menu(t))
    return PROFILE_NAME


async def give_name(update: Update, context: BotContext) -> int:
    """The new name: stored, or asked again."""
    t = await context.translator(update)
    try:
        resident = await context.services.residents.update_profile(
            CHANNEL, str(update.effective_user.id), display_name=update.effective_message.text)
    except DomainError as refusal:
        await answer(update, describe(refusal, t))
        return PROFILE_NAME
    await answer(update, t("Saved. The commune will call you %(name)s.", name=resident.display_name),
                 reply_markup=await context.main_menu(update, t))
    return END


async def ask_hamlet(update: Update, context: BotContext) -> None:
    """“Change my hamlet”: the hamlets of the resident's commune."""
    await update.callback_query.answer()
    resident = await resident_or_refuse(update, context)
    if resident is None:
        return
    t = context.i18n.for_locale(resident.locale)
    commune = context.services.communes.get(resident.commune_id)
    hamlets = [(h.name.label(t.locale), f"pf:ham:{h.id}") for h in commune.hamlets]
    await replace_message(update, t("Which hamlet (thôn) of %(commune)s do you live in?", commune=commune.name(t.locale)),
                          reply_markup=choices(hamlets, per_row=2))


async def give_hamlet(update: Update, context: BotContext) -> None:
    """A hamlet was chosen: stored."""
    await update.callback_query.answer()
    t = await context.translator(update)
    try:
        resident = await context.services.residents.update_profile(
            CHANNEL, str(update.effective_user.id), hamlet_id=update.callback_query.data.split(":", 2)[2])
    except DomainError as refusal:
        await drop_buttons(update)
        await answer(update, describe(refusal, t))
        return
    commune = context.services.communes.get(resident.commune_id)
    await replace_message(update, t("Saved. You are now registered in %(hamlet)s, %(commune)s.",
                                    hamlet=commune.hamlet(resident.hamlet_id).name(t.locale), commune=commune.name(t.locale)))


async def ask_phone(update: Update, context: BotContext) -> int:
    """“Share my phone number”: Telegram's contact button."""
    await update.callback_query.answer()
    resident = await resident_or_refuse(update, context)
    if resident is None:
        return END
    t = context.i18n.for_locale(resident.locale)
    await drop_buttons(update)
    await answer(update, t("Tap “%(share)s” below to send the number of this Telegram account, or “%(skip)s”.",
                           share=t(PHONE_SHARE), skip=t(PHONE_SKIP)), reply_markup=phone_keyboard(t))
    return PROFILE_PHONE


async def give_phone(update: Update, context: BotContext) -> int:
    """A contact was shared: only the user's own is taken."""
    t = await context.translator(update)
    contact = update.effective_message.contact
    try:
        phone = context.services.residents.shared_phone(contact.phone_number, contact.user_id, update.effective_user.id)
        resident = await context.services.residents.update_profile(CHANNEL, str(update.effective_user.id), phone=phone)
    except DomainError as refusal:
        await answer(update, describe(refusal, t), reply_markup=phone_keyboard(t))
        return PROFILE_PHONE
    await answer(update, t("Saved. Your phone number is %(phone)s.", phone=resident.phone),
                 reply_markup=await context.main_menu(update, t))
    return END


async def skip_phone(update: Update, context: BotContext) -> int:
    """“Skip”: nothing changes."""
    t = await context.translator(update)
    await answer(update, t("Nothing was changed."), reply_markup=await context.main_menu(update, t))
    return END


async def phone_needs_button(update: Update, context: BotContext) -> None:
    t = await context.translator(update)
    await answer(update, t("Please tap “%(share)s” or “%(skip)s” below (or send /cancel to stop).",
                           share=t(PHONE_SHARE), skip=t(PHONE_SKIP)), reply_markup=phone_keyboard(t))


async def drop_phone(update: Update, context: BotContext) -> None:
    """“Remove my phone number”."""
    await update.callback_query.answer()
    t = await context.translator(update)
    try:
        await context.services.residents.update_profile(CHANNEL, str(update.effective_user.id), drop_phone=True)
    except DomainError as refusal:
        await drop_buttons(update)
        await answer(update, describe(refusal, t))
        return
    await replace_message(update, t("Your phone number was removed."))


def flow(menus: Menus) -> Flow:
    """/profile and its changes: name and phone in the conversation (they wait for an answer), the rest anywhere."""
    skip = menus.label(PHONE_SKIP)
    return Flow(
        entry_points=[CallbackQueryHandler(ask_name, pattern=r"^pf:name$"),
                      CallbackQueryHandler(ask_phone, pattern=r"^pf:phone$")],
        states={
            PROFILE_NAME: [MessageHandler(menus.free_text, give_name)],
            PROFILE_PHONE: [MessageHandler(NEW_MESSAGES & filters.CONTACT, give_phone),
                            MessageHandler(skip, skip_phone),
                            MessageHandler(menus.free_text, phone_needs_button)],
        },
        anywhere=[
            CommandHandler("profile", show_profile, filters=NEW_MESSAGES),
            CallbackQueryHandler(show_profile, pattern=r"^pf:show$"),
            CallbackQueryHandler(ask_hamlet, pattern=r"^pf:hamlet$"),
            CallbackQueryHandler(give_hamlet, pattern=r"^pf:ham:[^:]{1,32}$"),
            CallbackQueryHandler(drop_phone, pattern=r"^pf:phonedel$"),
        ],
    )
