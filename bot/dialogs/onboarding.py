"""First contact, declared once: language, consent, commune, hamlet, name (with the "is this a name?"
check), phone (typed; a contact card where the channel has a button for it, Telegram's), and the
registration itself. Nothing is stored before consent; a refusal keeps nothing at all."""

from __future__ import annotations

from bot.dialogs.labels import LANGUAGE_BUTTONS, PHONE_SKIP
from bot.dialogs.runtime import END, STAY, Choice, Contact, Conversation, Screen, Step, step
from bot.errors import DomainError
from bot.i18n import LOCALES, N_

GREETING = N_("Hello! This is the channel for the direct dialogue between the commune's leaders and its residents. Please choose a language.")
# The notice names no channel: the same words are read on Telegram and on Zalo.
PRIVACY_NOTICE = N_(
    "Before you register: the commune stores your name, your hamlet, your chat account, the phone number "
    "if you choose to give it, and the concerns you send. Only the commune's officials who handle your concern "
    "see your name and phone; the dialogue's record shows your concerns without them. You can see everything "
    "stored with /mydata, change it with /profile, and erase your identity at any time with /forget.\n\n"
    "Do you agree?")


@step
class Language(Step):
    name = "start.language"

    async def show(self, c: Conversation) -> Screen:
        if await c.resident() is not None:
            return "menu"
        greeting = "\n\n".join(c.runtime.i18n.for_locale(locale)(GREETING) for locale in LOCALES)
        return Screen(greeting, [Choice(label, f"ob:lang:{locale}") for locale, label in LANGUAGE_BUTTONS], cancel=False)

    async def on_choice(self, c: Conversation, action: str) -> str:
        locale = action.rsplit(":", 1)[1]
        if locale not in LOCALES:
            return STAY
        c.draft["locale"] = locale
        c.use_locale(locale)
        return "start.consent"


@step
class Consent(Step):
    name = "start.consent"

    async def show(self, c: Conversation) -> Screen:
        if await c.resident() is not None:  # an official's "Register as a resident" pressed once too often
            return "menu"
        return Screen(c.t(PRIVACY_NOTICE), [Choice(c.t("✅ I agree"), "ob:consent:yes"),
                                             Choice(c.t("❌ I do not agree"), "ob:consent:no")], cancel=False)

    async def on_choice(self, c: Conversation, action: str) -> str:
        if action != "ob:consent:yes":
            c.say(c.t("Understood: nothing about you was stored. If you change your mind, send /start at any time."))
            # Not even where they were, nor the language chosen; a known person (an official) keeps their own records.
            c.forgotten = await c.services.residents.decline(c.channel, c.external_id)
            return END
        c.draft["consented_at"] = c.services.residents.consent_time()
        single = c.services.communes.single
        if single is not None:
            c.draft["commune"] = single.id
            return "start.hamlet"
        return "start.commune"


@step
class Commune(Step):
    name = "start.commune"

    async def show(self, c: Conversation) -> Screen:
        return Screen(c.t("Which commune do you live in?"),
                      [Choice(commune.name.label(c.t.locale), f"ob:commune:{commune.id}") for commune in c.services.communes.items])

    async def on_choice(self, c: Conversation, action: str) -> str:
        commune_id = action.split(":", 2)[2]
        if c.services.communes.get(commune_id) is None:
            return STAY
        c.draft["commune"] = commune_id
        return "start.hamlet"


@step
class Hamlet(Step):
    name = "start.hamlet"

    async def show(self, c: Conversation) -> Screen:
        commune = c.services.communes.get(c.draft.get("commune"))
        return Screen(c.t("Which hamlet (thôn) of %(commune)s do you live in?", commune=commune.name(c.t.locale)),
                      [Choice(h.name.label(c.t.locale), f"ob:hamlet:{h.id}") for h in commune.hamlets])

    async def on_choice(self, c: Conversation, action: str) -> str:
        commune = c.services.communes.get(c.draft.get("commune"))
        hamlet_id = action.split(":", 2)[2]
        if commune is None or commune.hamlet(hamlet_id) is None:
            return STAY
        c.draft["hamlet"] = hamlet_id
        return "start.name"


@step
class Name(Step):
    name = "start.name"

    async def show(self, c: Conversation) -> Screen:
        question = c.t("What name may the commune call you by? Please type your full name.")
        # The name the chat account shows (Telegram's "ob:name:telegram").
        offered = [Choice(c.t("Use “%(name)s”", name=c.display_name[:40]), f"ob:name:{c.channel}")] if c.display_name else []
        return Screen(question, offered, accepts_text=True)

    async def on_choice(self, c: Conversation, action: str) -> str:
        return await self._keep(c, c.display_name, typed=False)

    async def on_text(self, c: Conversation, text: str) -> str:
        return await self._keep(c, text, typed=True)

    @staticmethod
    async def _keep(c: Conversation, name: str, *, typed: bool) -> str:
        residents = c.services.residents
        try:
            name = residents.clean_name(name)
        except DomainError as refusal:
            c.refuse(refusal)
            return STAY
        c.draft["name"] = name
        if typed and residents.name_needs_confirming(name):
            return "start.name_check"
        return "start.phone"


@step
class NameCheck(Step):
    name = "start.name_check"

    async def show(self, c: Conversation) -> Screen:
        return Screen(c.t("“%(name)s”: is this the name the commune should call you by? "
                          "It looks more like a message. You can send your concern right after registering.",
                          name=c.draft.get("name", "")),
                      [Choice(c.t("✅ Yes, that is my name"), "ob:nameok"), Choice(c.t("✏️ Type it again"), "ob:nameagain")],
                      accepts_text=True)

    async def on_choice(self, c: Conversation, action: str) -> str:
        return "start.phone" if action == "ob:nameok" and c.draft.get("name") else "start.name_again"

    async def on_text(self, c: Conversation, text: str) -> str:
        return await Name._keep(c, text, typed=True)


@step
class NameAgain(NameCheck):
    """“Type it again”: the plain question, without offering the chat account's name once more."""

    name = "start.name_again"

    async def show(self, c: Conversation) -> Screen:
        return Screen(c.t("Please type your full name."), accepts_text=True)


class PhoneStep(Step):
    """A phone number typed, or a contact card where the channel has a button for it (only the sender's own)."""

    async def on_text(self, c: Conversation, text: str) -> str:
        try:
            phone = c.services.residents.typed_phone(text)
        except DomainError as refusal:
            c.refuse(refusal)
            return STAY
        return await self.keep(c, phone)

    async def on_contact(self, c: Conversation, contact: Contact) -> str:
        try:
            phone = c.services.residents.shared_phone(contact.phone_number, contact.owner_id, c.external_id)
        except DomainError as refusal:
            c.refuse(refusal)
            return STAY
        return await self.keep(c, phone)

    async def keep(self, c: Conversation, phone: str) -> str:
        raise NotImplementedError


@step
class Phone(PhoneStep):
    name = "start.phone"

    async def show(self, c: Conversation) -> Screen:
        return Screen(c.t("Last step, optional: an official may need to call you back about your concern. "
                          "Type your phone number, or choose “%(skip)s”.", skip=c.t(PHONE_SKIP)),
                      [Choice(c.t(PHONE_SKIP), "ob:phone:skip")], accepts_text=True, accepts_contact=True)

    async def on_choice(self, c: Conversation, action: str) -> str:
        return await finish(c, None)

    async def keep(self, c: Conversation, phone: str) -> str:
        return await finish(c, phone)

    def dropped(self, draft: dict) -> str | None:
        return N_("Your registration was not finished.")


async def finish(c: Conversation, phone: str | None) -> str:
    """Everything was given: the resident is stored now, in one step."""
    draft = c.draft
    try:
        resident = await c.services.residents.register(
            c.channel, c.external_id, locale=c.t.locale, commune_id=draft.get("commune", ""),
            hamlet_id=draft.get("hamlet", ""), display_name=draft.get("name", ""), phone=phone,
            consented_at=draft.get("consented_at"))
    except DomainError as refusal:
        c.refuse(refusal)
        c.say(c.t("Send /start to begin again."))
        return END
    c.forget_resident()
    c.draft.pop("locale", None)  # stored with the person now: /language changes it from here on
    commune = c.services.communes.get(resident.commune_id)
    c.say(c.t("Thank you, %(name)s. You are registered in %(hamlet)s, %(commune)s.",
              name=resident.display_name, hamlet=commune.hamlet(resident.hamlet_id).name(c.t.locale),
              commune=commune.name(c.t.locale)))
    return "menu"
