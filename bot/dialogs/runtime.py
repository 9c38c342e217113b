"""The dialog runtime: one place that owns what every conversation step needs, whatever the channel.

A flow is a set of named steps (bot/dialogs/flows.py), declared once. A step shows a neutral
`Screen` (text, choices as (label, action) pairs, what input it accepts) and reacts to a choice, a
text or an attachment by calling a service and returning the next step's name, `STAY` or `END`.

The runtime keeps each person's position (the step's stable name), draft and last choices in SQLite,
keyed by (channel, external id), so a restart or a redeployment lands them on the same step; it
resolves a typed number, or an option's words typed without diacritics, to the same action as a
press; it answers anything else with the choices again; it words every `DomainError` with
`bot.errors.describe`; /cancel (and "huỷ") ends any flow. A channel only renders `Reply`s.
"""

from __future__ import annotations

import logging
import unicodedata
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from bot.errors import DomainError, describe
from bot.i18n import I18n, N_, Translator
from bot.similarity import strip_marks
from storage import dialogs as positions
from storage.database import DatabaseBusy
from storage.dialogs import Position
from storage.records import Resident

log = logging.getLogger(__name__)

STAY = "stay"
END = "end"
PER_PAGE = 8  # choices shown at once; "9" shows the next ones
MORE = "9"
CANCEL_ACTION = "cancel"

UNSUPPORTED = N_("I cannot read voice messages, files or locations here. I can receive typed text and photos.")
# A photo (or, where the channel passes them on, a voice note, file or location) sent where none is asked for.
PHOTO_NOT_HERE = N_("A photo is taken while you write a concern, once its topic is chosen.")
ATTACHMENT_NOT_HERE = N_("Photos, voice notes, files and locations are taken while you write a concern, once its topic is chosen.")
# Said with the choices again: drawn as buttons under this text (Telegram), or numbered after it (Zalo).
CHOOSE_AGAIN = N_("Please choose one of the options below (or send /cancel to stop).")
CHOOSE_AGAIN_TYPED = N_("Please choose one of these options:")
TAKEN_UP = N_("Back to what you were doing:")
NOT_ANSWERED = N_("You have not answered this message yet:")
CANCELLED = N_("Stopped. Nothing was sent.")
MORE_LABEL = N_("More…")


@dataclass(frozen=True)
class Choice:
    label: str
    action: str


@dataclass
class Screen:
    text: str
    choices: list[Choice] = field(default_factory=list)
    accepts_text: bool = False
    accepts_attachments: bool = False  # whichever kinds the channel receives (Runtime.receives)
    accepts_contact: bool = False  # a contact card (a channel with a "share my number" button draws it)
    cancel: bool = True  # "0. Cancel" is offered with the choices
    final: bool = False  # shown, then the flow ends (a listing with nothing to pick)
    # A channel with buttons draws "Cancel" as a button carrying this action (the step's on_choice gets it);
    # a channel without buttons offers "0" (or /cancel) as for any step.
    cancel_action: str | None = None
    replaces: bool = False  # on a channel that can edit, it takes the place of the message whose choice was pressed


@dataclass(frozen=True)
class Attachment:
    """A photo, voice note, file or location received (and, for a file, kept: `file_ref` is what concerns
    store); a location has coordinates instead. A photo's caption comes with it."""

    kind: str  # "photo", "voice", "document", "location"
    file_ref: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    caption: str | None = None

    def stored(self) -> dict:
        """As a draft keeps it (storage.records.Attachment's fields)."""
        if self.kind == "location":
            return {"kind": self.kind, "latitude": self.latitude, "longitude": self.longitude}
        return {"kind": self.kind, "file_ref": self.file_ref}


@dataclass(frozen=True)
class Contact:
    """A contact card sent from a channel's own button: a phone number and whose it is (None: not said)."""

    phone_number: str
    owner_id: str | None = None


@dataclass(frozen=True)
class Inbound:
    """One message from a person, in no channel's words."""

    channel: str
    external_id: str
    display_name: str = ""
    text: str | None = None
    attachment: Attachment | None = None
    contact: Contact | None = None
    unsupported: bool = False  # a sticker, or a voice note or location the channel cannot pass on
    action: str | None = None  # a pressed button's action (a channel with buttons): the same as typing its number
    # Shown beside the flow in progress, which stays as it was (Telegram's /mine while a draft's buttons wait).
    aside: bool = False


@dataclass
class Reply:
    """One message to send: text, and the choices (numbered on a channel without buttons)."""

    text: str
    choices: list[Choice] = field(default_factory=list)
    cancel: bool = False
    more: bool = False  # more choices follow: "9" shows them
    locale: str = "vi"  # the reader's language, for what the channel adds ("Reply 1 or 2")
    step: str | None = None  # the person's step once the exchange is over (None: no flow open)
    forgotten: bool = False  # /forget erased the person: the channel drops what it keeps too
    cancel_action: str | None = None  # a channel with buttons adds "Cancel" carrying this action (Screen.cancel_action)
    replaces: bool = False  # a channel that can edit turns the pressed message into this one; others send it
    contact: bool = False  # the step awaits a contact card: a channel with a contact button offers it


class Conversation:
    """What a step sees: the person, their draft, the services, and a way to say something."""

    def __init__(self, runtime: Runtime, inbound: Inbound, where: Position, t: Translator) -> None:
        self.runtime = runtime
        self.services = runtime.services
        self.channel = inbound.channel
        self.external_id = inbound.external_id
        self.display_name = inbound.display_name
        self.where = where
        self.t = t
        self.replies: list[Reply] = []
        self._resident: Resident | None | bool = False
        self.forgotten = False  # /forget erased the person: nothing of this exchange is kept either

    @property
    def draft(self) -> dict:
        return self.where.draft

    def say(self, text: str, choices: list[Choice] | None = None, *, replaces: bool = False) -> None:
        self.replies.append(Reply(text, choices or [], replaces=replaces))

    @property
    def receives(self) -> frozenset[str]:
        """The attachment kinds this channel passes on (Zalo: photos only)."""
        return self.runtime.receives

    def stopped(self) -> str:
        """Where a flow the person stopped leads: the menu, unless the channel always shows it (Telegram's keyboard)."""
        return self.runtime.menu_step if self.runtime.menu_after_stop else END

    def refuse(self, refusal: DomainError) -> None:
        self.say(describe(refusal, self.t))

    def use_locale(self, locale: str) -> None:
        self.t = self.runtime.i18n.for_locale(locale)

    async def resident(self) -> Resident | None:
        if self._resident is False:
            self._resident = await self.services.residents.find(self.channel, self.external_id)
        return self._resident

    def forget_resident(self) -> None:
        self._resident = False

    async def actor(self):
        return await self.services.staff.actor(self.channel, self.external_id, self.display_name, writing=True)


class Step:
    """A named step: override `show` and whichever reactions it accepts."""

    name = ""

    async def show(self, c: Conversation) -> Screen:
        raise NotImplementedError

    async def on_choice(self, c: Conversation, action: str) -> str:
        return STAY

    async def on_text(self, c: Conversation, text: str) -> str:
        return STAY

    async def on_attachment(self, c: Conversation, attachment: Attachment) -> str:
        return STAY

    async def on_contact(self, c: Conversation, contact: Contact) -> str:
        return STAY

    def takes(self, draft: dict, action: str) -> bool:
        """An action this step answers though it is not among the choices shown (its own refusal says why)."""
        return False

    def dropped(self, draft: dict) -> str | None:
        """What is lost if another command (or help, or the menu) leaves this step: said then, never silently."""
        return None


STEPS: dict[str, Step] = {}
# A command (or its typed word) -> the step it opens; filled by the flows.
COMMANDS: dict[str, str] = {}
# A notice's action prefix ("vd:ok") -> what pressing it does: (conversation, argument) -> next step.
NOTICE_ACTIONS: dict[str, Callable[[Conversation, str], Awaitable[str]]] = {}
# A notice's action prefix -> whether that notice still awaits the person's answer (asked of the service before
# it is offered again: an invitation since cancelled, a result whose verdict was given from /mine, is not).
NOTICE_AWAITS: dict[str, Callable[[Conversation, str], Awaitable[bool]]] = {}


def step(cls: type[Step]) -> type[Step]:
    if cls.name in STEPS:
        raise RuntimeError(f"two steps named {cls.name!r}")
    STEPS[cls.name] = cls()
    return cls


def notice_action(prefix: str):
    def register(function):
        NOTICE_ACTIONS[prefix] = function
        return function
    return register


def notice_awaits(prefix: str):
    def register(function):
        NOTICE_AWAITS[prefix] = function
        return function
    return register


def _kept(draft: dict) -> dict:
    """A draft without what the runtime notes about the screen shown."""
    return {key: value for key, value in draft.items() if not key.startswith("_")}


def notice_handler(action: str, registry: dict | None = None):
    """The notice action an action belongs to, and its argument: the longest registered prefix
    ("vd:ok" of "vd:ok:123-456"; "rt" of "rt:123-456:5")."""
    registry = NOTICE_ACTIONS if registry is None else registry
    parts = action.split(":")
    for cut in range(len(parts) - 1, 0, -1):
        handler = registry.get(":".join(parts[:cut]))
        if handler is not None:
            return handler, ":".join(parts[cut:])
    return None, ""


def plain(text: str) -> str:
    """An option's words as typed without diacritics, emoji or punctuation."""
    return " ".join("".join(ch if ch.isalnum() else " " for ch in strip_marks(text)).split())


# Words that stop a flow or ask for help, typed without a slash (folded: "huỷ", "hủy" and "huy" alike).
CANCEL_WORDS = frozenset({"/cancel", "huy", "cancel", "thoat", "dung"})
# Where a step awaits typed text, only as written with their marks: "Huy", "Dung" and "Dũng" are names.
TYPED_CANCEL_WORDS = frozenset({"/cancel", "cancel", "huỷ", "hủy", "thoát", "dừng"})
HELP_WORDS = frozenset({"/help", "tro giup", "help", "huong dan"})
MENU_WORDS = frozenset({"menu", "/menu", "bat dau lai"})
NEGATIONS = frozenset({"khong", "chua", "not", "cannot"})  # folded, as `plain` gives them


class Runtime:
    def __init__(self, services, i18n: I18n, *, start_step: str = "start.language", menu_step: str = "menu",
                 help_step: str = "help", typed_choices: bool = True, per_page: int = PER_PAGE,
                 receives: frozenset[str] = frozenset({"photo"}), menu_after_stop: bool = True,
                 sends_files: bool = False) -> None:
        self.services = services
        self.i18n = i18n
        self.start_step = start_step
        self.menu_step = menu_step
        self.help_step = help_step
        # A channel without buttons takes a choice typed as its number or words; one with buttons takes
        # only presses (Telegram: "đồng ý" typed under /forget's question erases nothing).
        self.typed_choices = typed_choices
        self.per_page = per_page  # choices shown at once (Telegram shows them all as buttons)
        self.receives = receives  # attachment kinds the channel passes on; any other is "unsupported"
        # After /cancel, the menu is shown again, unless the channel always shows it (Telegram's keyboard).
        self.menu_after_stop = menu_after_stop
        self.sends_files = sends_files  # the channel can send a document (Telegram; Zalo sends text and photos)

    async def handle(self, inbound: Inbound, *,
                     on_saved: Callable[[object, list[Reply]], Awaitable[None]] | None = None) -> list[Reply]:
        """The replies to one message. `on_saved(db, replies)` runs in the transaction that keeps the person's
        new position (a channel records there that the message was handled, with its replies)."""
        async with self.services.database.read() as db:
            where = await positions.position(db, inbound.channel, inbound.external_id)
        locale = where.draft.get("locale") or await self.services.residents.locale_of(inbound.channel, inbound.external_id) or "vi"
        c = Conversation(self, inbound, where, self.i18n.for_locale(locale))
        idle_before, draft_before = where.step is None, _kept(where.draft)
        aside = inbound.aside and where.step is not None
        try:
            await self._react(c, where, inbound)
        except DomainError as refusal:  # a refusal the step did not expect: worded, nothing moves
            c.refuse(refusal)
        if aside:  # the flow in progress goes on as if nothing had been asked: nothing to write
            for reply in c.replies:
                reply.locale, reply.step = c.t.locale, None
            return c.replies
        said = [reply for reply in c.replies if reply.choices]
        if where.step is None and said:  # choices said as a flow ended (the rating after 👍): a notice's
            choices, title = [[choice.label, choice.action] for choice in said[-1].choices], _title(said[-1].text)
            if self.typed_choices:
                where.note_notice(choices, title)
            else:  # buttons stay on their messages: nothing waits to be offered again
                where.notice_choices, where.notice_title, where.notice_newest, where.notice_aside = choices, title, True, False
        elif said:
            self._passed_over(where)
        await self._after_flow(c, where)
        for reply in c.replies:
            reply.locale, reply.step, reply.forgotten = c.t.locale, where.step, c.forgotten
            reply.contact = where.step is not None and "contact" in where.draft.get("_accepts", [])
        if not c.forgotten:
            try:
                async with self.services.database.transaction() as db:
                    await positions.save_position(db, inbound.channel, inbound.external_id, where)
                    if on_saved is not None:
                        await on_saved(db, c.replies)
            except DatabaseBusy:
                # A listing opened from no flow (/mine while a backup holds the write lock) is still shown:
                # only its numbered choices are not kept. Anything else is refused as busy, to try again.
                if not (idle_before and _kept(where.draft) == draft_before):
                    raise
                log.warning("the dialog position was not kept: the database was busy")
        return c.replies

    # A number answers the list shown last: a notice's (an invitation, a result to rate) or the open flow's.
    # Answering a notice never drops the flow: it is set aside and taken up again, shown anew, once the
    # notice's own exchange is over. A notice passed over by the flow (a list of the flow came after it) is
    # offered again once the flow ended. So the person always answers the last list they were shown.

    @staticmethod
    def _passed_over(where: Position) -> None:
        """Another list was shown after the notice's: numbers answer that one now; the notice waits."""
        if where.notice_choices and where.notice_newest:
            where.notice_newest, where.notice_aside = False, True

    def _set_aside(self, where: Position) -> None:
        """A notice is answered: the open flow (not the bare menu, which holds nothing) waits meanwhile."""
        if where.step is not None and where.step != self.menu_step:
            where.aside = {"step": where.step, "draft": where.draft, "choices": where.choices, "aside": where.aside}
        self._end(where)

    async def _after_flow(self, c: Conversation, where: Position) -> None:
        """Once no flow is open: the flow a notice's answer set aside is taken up again, or else the notice a
        flow passed over is offered again (a channel without buttons: a button stays on screen by itself)."""
        if where.step is not None:
            return
        if where.aside is not None:
            aside, shown = where.aside, len(c.replies)
            where.aside = aside.get("aside")
            where.draft = aside.get("draft") or {}
            await self._enter(c, where, aside["step"])
            if len(c.replies) > shown:
                c.replies[shown].text = c.t(TAKEN_UP) + "\n\n" + c.replies[shown].text
                if any(reply.choices for reply in c.replies[shown:]):
                    self._passed_over(where)
            return
        if not self.typed_choices:  # a button stays on its message: nothing to offer again
            return
        if (where.notice_choices and where.notice_aside) or (not where.notice_choices and where.waiting):
            await self.offer_awaiting(c)

    async def awaiting(self, c: Conversation) -> int:
        """How many notices still await the person's answer (a channel without buttons); those that no longer
        do (an invitation cancelled, a verdict given from /mine) are dropped."""
        where = c.where
        if where.notice_choices and not await self._awaits(c, where.notice_choices):
            where.notice_choices, where.notice_title, where.notice_newest, where.notice_aside = [], "", False, False
        where.waiting = [item for item in where.waiting if await self._awaits(c, item.get("choices") or [])]
        return bool(where.notice_choices) + len(where.waiting)

    async def offer_awaiting(self, c: Conversation) -> bool:
        """The newest notice still awaiting an answer, offered again: its list is the newest now."""
        where = c.where
        if where.notice_choices and not await self._awaits(c, where.notice_choices):
            where.notice_choices, where.notice_title, where.notice_newest, where.notice_aside = [], "", False, False
        while not where.notice_choices and where.waiting:  # the newest older notice that still awaits an answer
            waiting = where.waiting.pop()
            if await self._awaits(c, waiting.get("choices") or []):
                where.notice_choices, where.notice_title = waiting["choices"], waiting.get("title", "")
        if not where.notice_choices:
            return False
        text = c.t(NOT_ANSWERED) + (f"\n{where.notice_title}" if where.notice_title else "")
        c.replies.append(Reply(text, [Choice(label, action) for label, action in where.notice_choices]))
        where.notice_newest, where.notice_aside = True, False
        return True

    @staticmethod
    async def _awaits(c: Conversation, choices: list[list[str]]) -> bool:
        """Whether a notice's list still awaits an answer: it answers something, and its service says so."""
        if not choices or notice_handler(choices[0][1])[0] is None:
            return False
        check, argument = notice_handler(choices[0][1], NOTICE_AWAITS)
        if check is None:
            return True
        try:
            return await check(c, argument)
        except DomainError:
            return False

    async def _react(self, c: Conversation, where: Position, inbound: Inbound) -> None:
        typed = (inbound.text or "").strip()
        word = plain(typed) if not typed.startswith("/") else typed.split()[0].split("@")[0].lower()
        current = STEPS.get(where.step) if where.step else None
        if current is not None and typed == "0" and where.choices and self.typed_choices and where.draft.get("_cancel_action"):
            # "0. Cancel" is the step's own cancel button, numbered: the step words what stopping means.
            await self._go(c, where, await current.on_choice(c, where.draft["_cancel_action"]))
            return
        awaits_text = current is not None and "text" in where.draft.get("_accepts", [])
        cancels = unicodedata.normalize("NFC", typed).lower() in TYPED_CANCEL_WORDS if awaits_text and not typed.startswith("/") \
            else word in CANCEL_WORDS
        if cancels or (where.step and typed == "0" and where.choices and self.typed_choices and where.draft.get("_cancel")):
            had_flow = where.step is not None
            self._end(where)
            if not had_flow:
                where.aside = None
            if had_flow and await c.resident() is None and await c.actor() is None:
                c.say(c.t("Stopped. Send /start when you are ready."))  # a stranger: how to come back
            else:
                c.say(c.t(CANCELLED) if had_flow else c.t("There is nothing to stop."))
            # What a notice's answer set aside (a concern being written) comes back; it is stopped on its own.
            if await c.resident() is not None and self.menu_after_stop and where.aside is None:
                await self._enter(c, where, self.menu_step)
            return
        if word in HELP_WORDS:
            self._leave(c, where, inbound)
            await self._enter(c, where, self.help_step)
            return
        if word in MENU_WORDS:
            self._leave(c, where, inbound)
            await self._enter(c, where, self.menu_step if await c.resident() is not None else self.start_step)
            return
        if typed.startswith("/"):
            target = COMMANDS.get(word)
            self._leave(c, where, inbound)
            if target is None:
                c.say(c.t("I do not know that command. Send /help to see what I can do."))
                return
            await self._enter(c, where, target)
            return
        if inbound.action is not None:
            await self._pressed(c, where, inbound.action)
            return
        if typed and where.notice_newest and self.typed_choices and await self._notice_action(c, where, typed):
            return
        current = STEPS.get(where.step) if where.step else None
        if where.step and current is None:  # a step renamed or removed since: start over, sensibly
            self._end(where)
        if current is None:
            await self._idle(c, where, inbound)
            return
        await self._in_step(c, where, current, inbound)

    def _leave(self, c: Conversation, where: Position, inbound: Inbound) -> None:
        """Another command leaves the open flow and any flow a notice's answer set aside: what they held is
        said to be lost ("the concern you were writing was not sent"), not dropped silently. A listing shown
        beside the flow (`aside`) leaves nothing."""
        if not inbound.aside:
            held, aside = [(where.step, where.draft)], where.aside
            while aside:
                held.append((aside.get("step"), aside.get("draft") or {}))
                aside = aside.get("aside")
            notes: list[str] = []
            for name, draft in held:
                note = STEPS[name].dropped(draft) if name in STEPS else None
                if note and note not in notes:
                    notes.append(note)
            for note in notes:
                c.say(c.t(note))
        self._end(where)
        where.aside = None

    def _choose_again(self, c: Conversation, where: Position) -> Reply:
        """The choices again, with words that fit where the channel puts them."""
        return self._page(c, where, c.t(CHOOSE_AGAIN_TYPED if self.typed_choices else CHOOSE_AGAIN))

    async def _in_step(self, c: Conversation, where: Position, current: Step, inbound: Inbound) -> None:
        typed = (inbound.text or "").strip()
        if where.choices and typed and self.typed_choices:
            if typed == MORE and (where.page + 1) * self.per_page < len(where.choices):
                where.page += 1
                c.replies.append(self._page(c, where, c.t("More options:")))
                return
            action = self._resolve(where, typed)
            if action is not None:
                await self._go(c, where, await current.on_choice(c, action))
                return
            if typed.isdigit() and len(typed) <= 2:  # a number not on the list is a wrong choice, never the text
                c.replies.append(self._choose_again(c, where))
                return
        screen_accepts = where.draft.get("_accepts", [])
        attachment = inbound.attachment
        if attachment is not None and attachment.kind in self.receives and "attachment" in screen_accepts:
            await self._go(c, where, await current.on_attachment(c, attachment))
            return
        if inbound.contact is not None and "contact" in screen_accepts:
            await self._go(c, where, await current.on_contact(c, inbound.contact))
            return
        if inbound.text is not None and attachment is None and "text" in screen_accepts:
            # Blank text too: the step's own check words the refusal ("Please write a few words").
            await self._go(c, where, await current.on_text(c, typed))
            return
        if attachment is not None and attachment.kind in self.receives:  # received, but not asked for here
            self._not_here(c)
        elif (inbound.unsupported or attachment is not None) and self.receives == {"photo"}:
            c.say(c.t(UNSUPPORTED))
        elif inbound.unsupported and "attachment" in screen_accepts:  # a sticker, on a channel that takes the rest
            c.say(c.t("I cannot use that here. Please type your concern, or send a photo, a voice note or a location."))
            return
        if where.choices:
            c.replies.append(self._choose_again(c, where))
        elif "text" in screen_accepts:
            c.say(c.t("Please type your answer as text (or send /cancel to stop)."))

    async def _idle(self, c: Conversation, where: Position, inbound: Inbound) -> None:
        typed = (inbound.text or "").strip()
        if typed and where.notice_choices and await self._notice_action(c, where, typed):
            return
        if await c.resident() is None:
            actor = await c.actor()
            if actor is None or not actor.is_official:
                await self._enter(c, where, self.start_step)
                return
        if inbound.attachment is not None and inbound.attachment.kind in self.receives:
            self._not_here(c)
        elif (inbound.unsupported or inbound.attachment is not None) and self.receives == {"photo"}:
            c.say(c.t(UNSUPPORTED))
        c.say(c.t("I did not understand. Here is what you can do:"))
        await self._enter(c, where, self.menu_step)

    def _not_here(self, c: Conversation) -> None:
        """A photo (a file...) the channel passes on, sent where no step asks for one: where it is taken."""
        where_taken = PHOTO_NOT_HERE if self.receives == {"photo"} else ATTACHMENT_NOT_HERE
        c.say(c.t(where_taken))

    async def _pressed(self, c: Conversation, where: Position, action: str) -> None:
        """A button pressed (a channel with buttons): the current step's choice, or a notice's action."""
        current = STEPS.get(where.step) if where.step else None
        if current is not None and self._answers(current, where, action):
            await self._go(c, where, await current.on_choice(c, action))
            return
        handler, argument = notice_handler(action)
        if handler is not None:
            self._set_aside(where)
            await self._go(c, where, await handler(c, argument))

    def pressable(self, where: Position, action: str) -> bool:
        """Whether a press means something now (the channel answers anything else as a stale button)."""
        current = STEPS.get(where.step) if where.step else None
        return (current is not None and self._answers(current, where, action)) or notice_handler(action)[0] is not None

    @staticmethod
    def _answers(current: Step, where: Position, action: str) -> bool:
        """The open step answers this press: one of its choices, its cancel button, or an action it takes."""
        return any(shown == action for _, shown in where.choices) or action == where.draft.get("_cancel_action") \
            or current.takes(where.draft, action)

    async def resume(self, inbound: Inbound, step_name: str, draft: dict) -> list[Reply]:
        """Place a person on a step with a draft begun elsewhere (a flow that moved to the runtime at a deploy,
        or a channel's own button that opens a step). The step's screen is returned: the channel shows it,
        or not, and then the person's message or press is handled next, as on that step."""
        async with self.services.database.read() as db:
            where = await positions.position(db, inbound.channel, inbound.external_id)
        self._end(where)
        where.draft.update(draft)
        locale = where.draft.get("locale") or await self.services.residents.locale_of(inbound.channel, inbound.external_id) or "vi"
        c = Conversation(self, inbound, where, self.i18n.for_locale(locale))
        await self._enter(c, where, step_name)
        async with self.services.database.transaction() as db:
            await positions.save_position(db, inbound.channel, inbound.external_id, where)
        for reply in c.replies:
            reply.locale, reply.step = c.t.locale, where.step
            reply.contact = where.step is not None and "contact" in where.draft.get("_accepts", [])
        return c.replies

    async def _notice_action(self, c: Conversation, where: Position, typed: str) -> bool:
        """A typed number or label answering the newest notice's list (a result to rate, an invitation...)."""
        action = _match(where.notice_choices, typed)
        if action is None:
            return False
        handler, argument = notice_handler(action)
        if handler is None:
            return False
        self._set_aside(where)
        where.notice_choices, where.notice_title, where.notice_newest, where.notice_aside = [], "", False, False
        await self._go(c, where, await handler(c, argument))
        return True

    def _resolve(self, where: Position, typed: str) -> str | None:
        if typed.isdigit():
            number = int(typed)
            start = where.page * self.per_page
            shown = where.choices[start:start + self.per_page]
            return shown[number - 1][1] if 1 <= number <= len(shown) else None
        return _match(where.choices, typed)

    async def _go(self, c: Conversation, where: Position, target: str) -> None:
        if target == STAY:
            return
        if target == END:
            self._end(where)
            return
        await self._enter(c, where, target)

    async def _enter(self, c: Conversation, where: Position, name: str) -> None:
        """Show a step; its choices become what a typed number means."""
        for _ in range(8):  # a step may hand over at once (show() returning another step's screen)
            where.step = name
            try:
                screen = await STEPS[name].show(c)
            except DomainError as refusal:
                c.refuse(refusal)
                self._end(where)
                return
            if isinstance(screen, str):  # the step sent the person on at once
                if screen == END:
                    self._end(where)
                    return
                name = screen
                continue
            break
        else:
            raise RuntimeError(f"steps hand over in a loop at {name!r}")
        where.choices = [[choice.label, choice.action] for choice in screen.choices]
        where.page = 0
        where.draft["_accepts"] = [kind for kind, on in (("text", screen.accepts_text), ("attachment", screen.accepts_attachments),
                                                         ("contact", screen.accepts_contact)) if on]
        where.draft["_cancel"] = screen.cancel and not screen.final
        where.draft["_cancel_action"] = screen.cancel_action
        if screen.final:
            c.say(screen.text, screen.choices)
            self._end(where)
            return
        c.replies.append(self._page(c, where, screen.text))
        c.replies[-1].replaces = screen.replaces

    def _page(self, c: Conversation, where: Position, text: str) -> Reply:
        start = where.page * self.per_page
        shown = [Choice(label, action) for label, action in where.choices[start:start + self.per_page]]
        return Reply(text, shown, cancel=bool(where.draft.get("_cancel")) and bool(shown),
                     more=start + self.per_page < len(where.choices), cancel_action=where.draft.get("_cancel_action"))

    @staticmethod
    def _end(where: Position) -> None:
        locale = where.draft.get("locale")
        where.step, where.choices, where.page = None, [], 0
        where.draft = {"locale": locale} if locale else {}


def _title(text: str) -> str:
    """A message's first line, to recall it by."""
    return text.strip().split("\n", 1)[0][:200]


def _match(choices: list[list[str]], typed: str) -> str | None:
    """The action whose label was typed (without diacritics or emoji); one match only."""
    if typed.isdigit():
        number = int(typed)
        return choices[number - 1][1] if 1 <= number <= len(choices) else None
    wanted = plain(typed)
    if not wanted:
        return None
    exact = [action for label, action in choices if plain(label) == wanted]
    if len(exact) == 1:
        return exact[0]
    # The typed words inside an option's words: the option with the fewest other words ("dong y" is
    # "Tôi đồng ý", not "Tôi không đồng ý"); a tie means nothing.
    padded = f" {wanted} "
    found = sorted((len(plain(label).split()), action, label) for label, action in choices if padded in f" {plain(label)} ")
    # A word in several options: not the one that says "not" unless it was typed ("gui" is “Gửi đến xã”, though
    # “Không gửi” has fewer words).
    affirmative = [one for one in found if not (NEGATIONS & set(plain(one[2]).split())) - set(wanted.split())]
    found = affirmative if len(found) > 1 and affirmative else found
    if len(found) == 1 or (len(found) > 1 and found[0][0] < found[1][0]):
        return found[0][1]
    return None
