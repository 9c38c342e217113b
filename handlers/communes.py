"""/commune: an official of several communes (a province's admin) chooses the commune they work in."""

from __future__ import annotations

from telegram import Update
from telegram.ext import CallbackQueryHandler, CommandHandler

from bot.errors import DomainError, describe
from handlers.context import CHANNEL, BotContext, answer, replace_message
from handlers.flows import NEW_MESSAGES, Flow, Menus
from handlers.keyboards import choices


async def choose_commune(update: Update, context: BotContext) -> None:
    """/commune: the communes this official works in, the current one marked."""
    t = await context.translator(update)
    actor = await context.actor(update)
    user = update.effective_user
    if actor is None or not actor.is_official:
        await answer(update, t("Only officials choose a commune to work in."))
        return
    mine = await context.services.staff.communes_of(CHANNEL, str(user.id))
    current = context.services.communes.get(actor.commune_id)
    if len(mine) <= 1:
        await answer(update, t("You work in %(commune)s only.", commune=current.name(t.locale) if current else "?"))
        return
    buttons = []
    for commune_id in mine:
        commune = context.services.communes.get(commune_id)
        mark = "✅ " if commune_id == actor.commune_id else ""
        buttons.append((mark + commune.name.label(t.locale), f"cm:{commune_id}"))
    await answer(update, t("You are working in %(commune)s. Choose the commune to work in:",
                           commune=current.name(t.locale) if current else "?"), reply_markup=choices(buttons))


async def commune_chosen(update: Update, context: BotContext) -> None:
    """A commune tapped: from now on every command works in it, with the roles held there."""
    query = update.callback_query
    await query.answer()
    t = await context.translator(update)
    try:
        actor = await context.services.staff.switch_commune(await context.actor(update), CHANNEL,
                                                            str(update.effective_user.id), query.data[3:])
    except DomainError as refusal:
        await answer(update, describe(refusal, t))
        return
    commune = context.services.communes.get(actor.commune_id)
    await replace_message(update, t("You now work in %(commune)s.", commune=commune.name(t.locale)))
    await answer(update, t("Your menu for %(commune)s is below.", commune=commune.name(t.locale)),
                 reply_markup=await context.main_menu(update, t))


def flow(menus: Menus) -> Flow:
    return Flow(anywhere=[
        CommandHandler("commune", choose_commune, filters=NEW_MESSAGES),
        CallbackQueryHandler(commune_chosen, pattern=r"^cm:[a-z0-9][a-z0-9-]{0,31}$"),
    ])
