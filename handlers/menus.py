"""What each role sees: its main-menu buttons and its command menu, in the user's language.

Every official command is listed here once, with the roles whose menus show it. The menu is
only a convenience: each action is checked again in the service layer (bot/roles.py).
"""

from __future__ import annotations

from dataclasses import dataclass

from telegram import BotCommand, BotCommandScopeChat, ReplyKeyboardMarkup
from telegram.error import TelegramError

from bot.i18n import N_, Translator
from bot.roles import ADMIN, CHAIR, HAMLET_HEAD, MTTQ, OFFICE, OFFICER, Actor
from handlers.keyboards import MENU_HELP, MENU_LANGUAGE, MENU_MINE, MENU_NEW, MENU_SPEAK


@dataclass(frozen=True)
class OfficialCommand:
    command: str
    description: str  # msgid
    label: str  # msgid of the main-menu button
    roles: frozenset[str]
    group: str | None = None  # shown inside a group's inline menu rather than as its own main-menu button


OFFICIAL_COMMANDS = (
    OfficialCommand("inbox", N_("New concerns to screen"), N_("📥 Inbox"), frozenset({OFFICE})),
    OfficialCommand("dialogue", N_("Schedule or change the dialogue"), N_("🗓 Dialogue"), frozenset({OFFICE, CHAIR})),
    OfficialCommand("speakers", N_("Speakers and their order"), N_("🎙 Speakers"), frozenset({OFFICE, MTTQ, CHAIR}), "meeting"),
    OfficialCommand("next", N_("Call the next speaker"), N_("⏭ Next speaker"), frozenset({OFFICE, CHAIR}), "meeting"),
    OfficialCommand("conclude", N_("Record the chair's conclusions"), N_("🧾 Conclusions"), frozenset({OFFICE, CHAIR}), "meeting"),
    OfficialCommand("announce", N_("Announce the conclusions"), N_("📢 Announce"), frozenset({OFFICE}), "meeting"),
    OfficialCommand("overdue", N_("Assignments past their due date"), N_("⏰ Overdue"), frozenset({OFFICE, CHAIR, MTTQ})),
    OfficialCommand("tasks", N_("My assignments"), N_("🗂 My tasks"), frozenset({OFFICER})),
    OfficialCommand("enter", N_("Enter a concern for a resident without a phone"), N_("✍️ Enter for a resident"),
                    frozenset({OFFICE, HAMLET_HEAD})),
    OfficialCommand("hamlet", N_("Concerns of my hamlet"), N_("🏘 My hamlet"), frozenset({HAMLET_HEAD})),
    OfficialCommand("review", N_("Review: raised again and again, still unresolved"), N_("🔍 Review"),
                    frozenset({OFFICE, CHAIR, MTTQ})),
    OfficialCommand("staff", N_("Who holds which role"), N_("👥 Staff"), frozenset({ADMIN})),
    OfficialCommand("grant", N_("Grant a role by invitation link"), N_("➕ Grant a role"), frozenset({ADMIN})),
)
# Typed-only commands, not worth a button: /concern CODE, /assign CODE, /close CODE, /revoke.
TYPED_OFFICIAL_COMMANDS = (
    OfficialCommand("concern", N_("A concern's details: /concern CODE"), "", frozenset({ADMIN, CHAIR, OFFICE, MTTQ, OFFICER, HAMLET_HEAD})),
    OfficialCommand("assign", N_("Assign a concern: /assign CODE"), "", frozenset({OFFICE, CHAIR})),
    OfficialCommand("close", N_("Close a concern: /close CODE"), "", frozenset({OFFICE})),
    OfficialCommand("promise", N_("A promise made at the dialogue: /promise CODE DATE TEXT"), "", frozenset({CHAIR, OFFICE})),
    OfficialCommand("revoke", N_("Withdraw a role"), "", frozenset({ADMIN})),
    OfficialCommand("report", N_("Report on a dialogue or a period"), "", frozenset({OFFICE, CHAIR, MTTQ, HAMLET_HEAD})),
    OfficialCommand("export", N_("The registers as spreadsheets"), "", frozenset({OFFICE, MTTQ})),
    OfficialCommand("concerns", N_("Every concern of the commune, by dialogue, status, topic and hamlet"), "",
                    frozenset({OFFICE, CHAIR, MTTQ})),
    OfficialCommand("confirm", N_("Confirm the conclusions the office recorded"), "", frozenset({CHAIR})),
    OfficialCommand("follow", N_("Be told of every result, extension and dispute (or stop)"), "", frozenset({CHAIR})),
    OfficialCommand("referred", N_("Concerns referred to a higher level, waiting for an answer"), "",
                    frozenset({OFFICE, CHAIR, MTTQ})),
    OfficialCommand("note", N_("A supervision note: /note CODE text"), "", frozenset({MTTQ})),
    OfficialCommand("answer", N_("A resident without a phone replies to an answer: /answer CODE"), "",
                    frozenset({OFFICE, HAMLET_HEAD})),
)
RESIDENT_COMMANDS = (
    ("start", N_("Start, or show the menu")),
    ("new", N_("Send a concern to the commune")),
    ("mine", N_("My concerns and their status")),
    ("speak", N_("Register to speak at the dialogue")),
    ("profile", N_("My name, hamlet and phone number")),
    ("help", N_("How to use this bot")),
    ("language", N_("Change the language")),
    ("cancel", N_("Stop what you are doing")),
)
PRIVACY_COMMANDS = (
    ("mydata", N_("Everything stored about me")),
    ("forget", N_("Erase my identity")),
)


# A group's main-menu button opens an inline menu of its commands (the office's 13 buttons took 40% of a
# phone screen); a group with one command for this person shows that command itself.
GROUP_LABELS = {"meeting": N_("🎙 The meeting…")}
OFFICIAL_ROW = 3


def group_commands(group: str, actor: Actor | None) -> list[OfficialCommand]:
    """The commands of a group this person's roles allow, in menu order."""
    if actor is None:
        return []
    return [c for c in OFFICIAL_COMMANDS if c.group == group and c.roles & actor.roles]


def official_buttons(t: Translator, actor: Actor | None) -> list[str]:
    if actor is None:
        return []
    labels: list[str] = []
    for command in OFFICIAL_COMMANDS:
        if not command.roles & actor.roles:
            continue
        members = group_commands(command.group, actor) if command.group else [command]
        label = t(command.label) if len(members) == 1 else t(GROUP_LABELS[command.group])
        if label not in labels:
            labels.append(label)
    return labels


def main_menu(t: Translator, actor: Actor | None = None, *, resident: bool = True) -> ReplyKeyboardMarkup:
    """The resident's buttons (for a registered resident, or anyone not an official), then the
    official ones the actor's roles allow, three per row. An official who is not a resident does not
    get resident buttons that could only answer "register first"."""
    official = official_buttons(t, actor)
    rows = [[t(MENU_NEW)], [t(MENU_MINE), t(MENU_SPEAK)]] if resident or not official else []
    rows += [official[i : i + OFFICIAL_ROW] for i in range(0, len(official), OFFICIAL_ROW)]
    rows.append([t(MENU_HELP), t(MENU_LANGUAGE)])
    return ReplyKeyboardMarkup(rows, resize_keyboard=True, is_persistent=True,
                               input_field_placeholder=t("Choose a button below"))


def commands_for(t: Translator, actor: Actor | None) -> list[BotCommand]:
    commands = [BotCommand(name, t(description)) for name, description in RESIDENT_COMMANDS]
    commands += [BotCommand(name, t(description)) for name, description in PRIVACY_COMMANDS]
    if actor is not None:
        commands += [BotCommand(c.command, t(c.description))
                     for c in OFFICIAL_COMMANDS + TYPED_OFFICIAL_COMMANDS if c.roles & actor.roles]
    return commands


async def set_chat_commands(bot, chat_id: int, t: Translator, actor: Actor | None) -> None:
    """The command menu of one chat, for the person's roles and language (after a grant, a revoke, /start)."""
    try:
        await bot.set_my_commands(commands_for(t, actor), scope=BotCommandScopeChat(chat_id))
    except TelegramError:
        # A command menu is a convenience; the buttons and the service checks still work.
        pass


