"""Telegram's renderer of the channel-neutral flows (bot/dialogs/): a command, a typed text or a button
press becomes one runtime call; each reply is drawn as Telegram expects: choices as inline buttons
carrying the action as callback data (taken off once the step is over), the main-menu keyboard when a
flow ends, 4,096-character parts. The steps, their wording and what is asked next live in bot/dialogs
only; Zalo renders the same steps as numbered lists (handlers/zalo/render.py).

Flows moved here: /new (send a concern: topic, text and attachments, similar concerns, the summary with
its public-board choice; the summary becomes the receipt in place), /mydata and /forget (privacy), /speak
(register to speak, withdraw), the answers to an invitation (notice actions iv:yes, iv:no, iv:sub), /mine
with a concern's history, the verdict on a result (vd:ok, vd:no and the reason) and its rating (rt:), first
contact (ob:, entered by /start in handlers/onboarding.py) and /profile (pf:). A step that accepts a contact
card gets Telegram's "share my phone number" key, its choices as keys beside it."""

from __future__ import annotations

import json
import re

from telegram import InputFile, ReplyKeyboardRemove, Update
from telegram.error import BadRequest
from telegram.ext import CallbackQueryHandler, CommandHandler, MessageHandler

from bot.dialogs.flows import Runtime
from bot.dialogs.runtime import Attachment, Contact, Inbound, Reply
from bot.errors import DomainError
from bot.text import split_message
from handlers import common
from handlers.context import CHANNEL, BotContext, answer, ask, drop_buttons, replace_message, retire_buttons
from handlers.flows import NEW_MESSAGES
from handlers.keyboards import MENU_CANCEL, MENU_MINE, MENU_NEW, MENU_SPEAK, flow_menu, inline, phone_keyboard
from handlers.menus import set_chat_commands
from handlers.states import END
from storage import dialogs as positions

MAX_MESSAGE = 4096  # Telegram's limit for one message
MAX_BUTTONS = 100  # Telegram's limit of inline buttons under one message
DATA_FILE_NAME = "doithoai-my-data.json"

# The commands whose flows the runtime draws on Telegram, and the button actions of their steps.
# Those that open a flow of several steps enter the one conversation (leaving any Telegram-only flow);
# those that only show something, or answer a notice at once, work anywhere (a draft in progress stays).
COMMANDS = ("forget", "speak", "new")
ACTIONS = r"^(pv|sp|cc):|^vd:no:|^iv:sub:\d{1,9}$"
# First contact (ob:, opened by /start in handlers/onboarding.py) and /profile (pf:).
COMMANDS += ("profile",)
ACTIONS += r"|^(ob|pf):"
# Telegram's own buttons that open a step (under /help; offered to an official who is no resident).
STEP_BUTTONS = {"pf:show": "profile", "ob:resident": "start.consent"}
ANYWHERE_COMMANDS = ("mydata", "mine")
ANYWHERE_ACTIONS = r"^(mine|rt):|^vd:ok:|^iv:(yes|no):\d{1,9}$"
# Main-menu buttons that open a runtime flow: the button's label -> the command it stands for.
MENU_BUTTONS = {MENU_SPEAK: "/speak", MENU_NEW: "/new"}
ANYWHERE_MENU_BUTTONS = {MENU_MINE: "/mine"}
# A list whose items are opened one after another: its buttons stay.
KEEP_BUTTONS = ("mine:show:",)
# A notice's answer that needs no step of its own: handled beside an open flow, whose buttons stay on screen
# (it is not set aside and posted again, as on a channel without buttons); its own buttons stay until pressed.
INSTANT_ACTIONS = r"^rt:|^vd:ok:|^iv:(yes|no):\d{1,9}$"
# Resident flows: an official who is no resident is offered the registration (an offer of Telegram's own:
# officials use Telegram only; the registration's steps are the shared ones).
RESIDENT_COMMANDS = ("/speak", "/mine", "/new")
RESIDENT_COMMANDS += ("/profile",)
# What a concern may carry on Telegram (Zalo passes photos only).
RECEIVES = frozenset({"photo", "voice", "document", "location"})


def runtime(context: BotContext) -> Runtime:
    found = context.application.bot_data.get("dialogs")
    if found is None:
        found = context.application.bot_data["dialogs"] = Runtime(
            context.services, context.i18n, typed_choices=False, per_page=MAX_BUTTONS, receives=RECEIVES,
            menu_after_stop=False, sends_files=True)  # the menu is always there as the keyboard; /mydata adds a file
    return found


async def _position(context: BotContext, user_id: int) -> positions.Position:
    async with context.services.database.read() as db:
        return await positions.position(db, CHANNEL, str(user_id))


async def _retire_own_buttons(context: BotContext, pressed: tuple | None = None) -> None:
    """The runtime step asked last is over: its buttons go (a Telegram-only flow's are `live_buttons`).
    Those of the message just pressed are dealt with once the press is handled (see `press`)."""
    live = context.user_data.get("dialog_buttons")
    if live and tuple(live) == pressed:
        return
    context.user_data.pop("dialog_buttons", None)
    if live:
        try:
            await context.bot.edit_message_reply_markup(chat_id=live[0], message_id=live[1], reply_markup=None)
        except BadRequest:
            pass  # cosmetic: the runtime refuses a press that no longer means anything anyway


async def _run(update: Update, context: BotContext, inbound: Inbound, pressed: tuple | None = None) -> list[Reply]:
    if not inbound.aside:
        await _retire_own_buttons(context, pressed)
    before = None if inbound.aside else await _position(context, update.effective_user.id)
    replies = await runtime(context).handle(inbound)
    # The phone step's keys ("Share my number", "Skip") go with the first message that can carry a keyboard,
    # once that step is left by any way (another command, /cancel, an answer), not through the next flow.
    phone_keys = before is not None and before.step is not None and "contact" in before.draft.get("_accepts", []) \
        and not any(reply.contact for reply in replies)
    for number, reply in enumerate(replies):
        phone_keys = await _render(update, context, reply, last=number == len(replies) - 1, aside=inbound.aside,
                                   phone_keys=phone_keys)
    return replies


async def _render(update: Update, context: BotContext, reply: Reply, *, last: bool, aside: bool = False,
                  phone_keys: bool = False) -> bool:
    """Draw one reply; `phone_keys`: the phone step's keys are still to be replaced (returned: still so)."""
    t = context.i18n.for_locale(reply.locale)
    markup = None
    if reply.forgotten:
        context.application.drop_user_data(update.effective_user.id)
        await set_chat_commands(update.get_bot(), update.effective_chat.id, t, None)
        markup = ReplyKeyboardRemove() if last else None
    elif reply.contact:
        # Telegram's contact key, and the step's choices as keys (their text comes back typed: see `message`).
        labels = [choice.label for choice in reply.choices] or [label for label, _ in (await _position(context, update.effective_user.id)).choices]
        markup = phone_keyboard(t, labels) if last else None
    elif (reply.choices or reply.cancel_action) and not (reply.choices and reply.choices[0].action.startswith("menu:")):
        # A step's choices, or those said as a flow ends (the rating after 👍); the runtime's own menu
        # is Telegram's keyboard instead (below).
        rows = [[(choice.label, choice.action)] for choice in reply.choices]
        markup = inline(rows + ([[(t(MENU_CANCEL), reply.cancel_action)]] if reply.cancel_action else []))
    elif reply.replaces and update.callback_query is not None:
        pass  # the pressed message becomes the answer: an edit carries no keyboard, and the menu's is still there
    elif last and reply.step not in (None, "menu"):
        markup = flow_menu(t)  # a step awaiting typed text: only the way out
    elif last and reply.step in (None, "menu"):
        # A flow is over (or the menu was asked for): Telegram shows the menu as its keyboard.
        if reply.step == "menu":
            async with context.services.database.transaction() as db:
                await positions.save_position(db, CHANNEL, str(update.effective_user.id), positions.Position())
        actor = await context.actor(update)
        if await context.resident(update) is not None or (actor is not None and actor.is_official):
            markup = await context.main_menu(update, t)
    pressed = update.callback_query.message if update.callback_query is not None else None
    if reply.replaces and pressed is not None and len(reply.text) <= MAX_MESSAGE:
        await replace_message(update, reply.text, reply_markup=markup)
        if markup is not None:
            context.user_data["dialog_buttons"] = (pressed.chat_id, pressed.message_id)
        elif tuple(context.user_data.get("dialog_buttons") or ()) == (pressed.chat_id, pressed.message_id):
            context.user_data.pop("dialog_buttons")
        return phone_keys
    if phone_keys and markup is None:  # the main menu's keyboard (or none, for a stranger) instead
        actor = await context.actor(update)
        known = await context.resident(update) is not None or (actor is not None and actor.is_official)
        markup = await context.main_menu(update, t) if known else ReplyKeyboardRemove()
    parts = split_message(reply.text.split("\n"), MAX_MESSAGE)
    for number, part in enumerate(parts):
        message = await answer(update, part, reply_markup=markup if number == len(parts) - 1 else None)
        if message is not None and number == len(parts) - 1 and reply.choices and hasattr(markup, "inline_keyboard") \
                and not aside and not all(choice.action.startswith(KEEP_BUTTONS) for choice in reply.choices):
            context.user_data["dialog_buttons"] = (message.chat_id, message.message_id)
    return phone_keys and hasattr(markup, "inline_keyboard")


def _inbound(update: Update, **what) -> Inbound:
    user = update.effective_user
    return Inbound(CHANNEL, str(user.id), user.full_name, **what)


async def command(update: Update, context: BotContext) -> int:
    """A command whose flow the runtime owns: any Telegram-only flow in progress is left."""
    await retire_buttons(context)
    for key in [key for key in context.user_data if key not in ("locale", "dialog_buttons")]:
        del context.user_data[key]
    return await _open(update, context, aside=False)


async def listing(update: Update, context: BotContext) -> int:
    """/mine, /mydata: shown wherever the person is; a flow in progress (a concern's draft) stays as it was."""
    return await _open(update, context, aside=True)


async def _open(update: Update, context: BotContext, *, aside: bool) -> int:
    text = update.message.text
    for label, command_text in {**MENU_BUTTONS, **ANYWHERE_MENU_BUTTONS}.items():
        if text in {context.i18n.for_locale(locale)(label) for locale in ("vi", "en")}:
            text = command_text
    name = text.split()[0].split("@")[0]
    if name in RESIDENT_COMMANDS and await context.resident(update) is None:
        actor = await context.actor(update)
        if actor is not None and actor.is_official:
            await offer_resident_registration(update, context)
            return END
    await _run(update, context, _inbound(update, text=text, aside=aside))
    if name == "/mydata":
        await _send_data_file(update, context)
    return END


async def press(update: Update, context: BotContext) -> int:
    """A button of a runtime step; one from an older message (or forged) does nothing."""
    query = update.callback_query
    await carry_over_draft(update, context)
    before = await _position(context, update.effective_user.id)
    if not runtime(context).pressable(before, query.data):
        await common.stale_button(update, context)
        return END
    await query.answer()
    pressed = (query.message.chat_id, query.message.message_id) if query.message is not None else None
    # Nothing of user_data changes before the press is handled: a write refused (the database busy) leaves
    # the same buttons to press again, and no other user's save waits behind this one's.
    aside = before.step is not None and re.match(INSTANT_ACTIONS, query.data) is not None \
        and all(action != query.data for _, action in before.choices)
    replies = await _run(update, context, _inbound(update, action=query.data, aside=aside), pressed)
    if query.data.startswith(KEEP_BUTTONS) or any(reply.replaces for reply in replies):
        return END  # a list opened item by item keeps its buttons; a message turned into the answer has its own
    if pressed is not None and tuple(context.user_data.get("dialog_buttons") or ()) == pressed:
        after = await _position(context, update.effective_user.id)
        if after.step is not None and (after.step, after.choices) == (before.step, before.choices):
            return END  # refused in words, nothing moved: the step's buttons stay to press again
        context.user_data.pop("dialog_buttons")
    await drop_buttons(update)
    return END


async def message(update: Update, context: BotContext) -> None:
    """Anything typed or sent outside Telegram's own flows: a runtime step's answer, or not understood."""
    await carry_over_draft(update, context)
    where = await _position(context, update.effective_user.id)
    if where.step is None:
        await common.unknown_message(update, context)
        return
    await _run(update, context, _message_inbound(update, where))


def _message_inbound(update: Update, where: positions.Position) -> Inbound:
    msg = update.message
    if msg.contact is not None:
        owner = msg.contact.user_id
        return _inbound(update, contact=Contact(msg.contact.phone_number, str(owner) if owner is not None else None))
    if "contact" in where.draft.get("_accepts", []):  # a choice drawn as a key beside the contact key
        pressed = next((action for label, action in where.choices if label == msg.text), None)
        if pressed is not None:
            return _inbound(update, action=pressed)
    attachment = _attachment(msg)
    return _inbound(update, text=msg.text, attachment=attachment, unsupported=msg.text is None and attachment is None)


def _attachment(msg) -> Attachment | None:
    """A photo (its largest size), voice note, file or location, in no channel's words."""
    if msg.photo:
        return Attachment("photo", msg.photo[-1].file_id, caption=msg.caption)
    if msg.voice:
        return Attachment("voice", msg.voice.file_id, caption=msg.caption)
    if msg.document:
        return Attachment("document", msg.document.file_id, caption=msg.caption)
    if msg.location:
        return Attachment("location", latitude=msg.location.latitude, longitude=msg.location.longitude)
    return None


async def carry_over_draft(update: Update, context: BotContext) -> None:
    """A concern draft begun in the Telegram-only flow before the deploy that moved /new here (kept in
    user_data, the PTB conversation at CONCERN_TOPIC/TEXT/CONFIRM) goes on in the runtime, on the step it had
    reached, with the same draft id: the old summary's “Send” still sends it, once."""
    draft = context.user_data.pop("draft", None) if context.user_data is not None else None
    if not isinstance(draft, dict) or not draft.get("id") or "attachments" not in draft:
        return
    await retire_buttons(context)
    if not draft.get("category"):
        step = "concern.topic"
    elif draft.get("body") or any(kind.get("kind") == "voice" for kind in draft["attachments"]):
        step = "concern.confirm"
    else:
        step = "concern.text"
    try:
        await runtime(context).resume(_inbound(update), step, draft)
    except DomainError:
        pass  # no longer a resident (erased meanwhile): the draft has nowhere to go


async def open_step(update: Update, context: BotContext, step: str, draft: dict | None = None, *, shown: bool = True) -> None:
    """Open a step of bot/dialogs at once (a Telegram-only button, or a position carried over from a flow
    that was Telegram's own): shown, or only placed so that the message at hand answers it."""
    await _retire_own_buttons(context)
    replies = await runtime(context).resume(_inbound(update), step, draft or {})
    for number, reply in enumerate(replies if shown else []):
        await _render(update, context, reply, last=number == len(replies) - 1)


async def leave(update: Update, context: BotContext) -> None:
    """Whatever shared step was open is over (an official's /start shows their own menu instead)."""
    await _retire_own_buttons(context)
    async with context.services.database.transaction() as db:
        await positions.save_position(db, CHANNEL, str(update.effective_user.id), positions.Position())


async def step_button(update: Update, context: BotContext) -> int:
    """📄 My details (under /help), 🏠 Register as a resident (an official's offer): the step they open."""
    await update.callback_query.answer()
    await drop_buttons(update)
    await retire_buttons(context)
    await open_step(update, context, STEP_BUTTONS[update.callback_query.data])
    return END


async def offer_resident_registration(update: Update, context: BotContext) -> None:
    """An official who is not (yet) a resident: their own concerns need a resident's registration."""
    t = await context.translator(update)
    await ask(update, context, t("Do you also live in the commune? To send your own concerns or register to speak, "
                                 "register as a resident too."),
              inline([[(t("🏠 Register as a resident"), "ob:resident")]]))


async def cancel(update: Update, context: BotContext) -> None:
    """/cancel (or the menu's Cancel) outside Telegram's own flows: stops a runtime flow, if one is open."""
    if (await _position(context, update.effective_user.id)).step is None:
        await common.nothing_to_cancel(update, context)
        return
    await _run(update, context, _inbound(update, text="/cancel"))


async def _send_data_file(update: Update, context: BotContext) -> None:
    """Telegram can carry a file: /mydata's summary is followed by everything stored, as JSON."""
    t = await context.translator(update)
    try:
        data = await context.services.privacy.my_data(CHANNEL, str(update.effective_user.id))
    except DomainError:
        return  # the runtime already said why there is nothing
    document = context.services.privacy.document(data, t)
    content = json.dumps(document, ensure_ascii=False, indent=2).encode("utf-8")
    await update.get_bot().send_document(
        update.effective_chat.id, InputFile(content, filename=DATA_FILE_NAME, attach=True),
        caption=t("The same with every detail, in one file (it opens on a computer). Please keep it private."),
    )


def entry_points(menus) -> list:
    """Joined to the one conversation's entry points, so entering a runtime flow leaves any PTB flow."""
    return [CommandHandler(list(COMMANDS), command, filters=NEW_MESSAGES),
            *(MessageHandler(menus.label(label), command) for label in MENU_BUTTONS),
            CallbackQueryHandler(step_button, pattern="^(" + "|".join(STEP_BUTTONS) + ")$"),
            CallbackQueryHandler(press, pattern=ACTIONS)]


def anywhere(menus) -> list:
    """Handlers beside the conversation: a listing or a notice's answer leaves a Telegram-only flow as it was."""
    return [CommandHandler(list(ANYWHERE_COMMANDS), listing, filters=NEW_MESSAGES),
            *(MessageHandler(menus.label(label), listing) for label in ANYWHERE_MENU_BUTTONS),
            CallbackQueryHandler(press, pattern=ANYWHERE_ACTIONS)]
