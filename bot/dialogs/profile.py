"""/profile, declared once: the resident's details, and changing the name, hamlet or phone (typed, or a
contact card where the channel has a button for it)."""

from __future__ import annotations

from bot.dialogs.labels import PHONE_SKIP
from bot.dialogs.onboarding import PhoneStep
from bot.dialogs.runtime import COMMANDS, END, STAY, Choice, Conversation, Screen, Step, step
from bot.errors import DomainError
from bot.i18n import N_, Translator
from storage.records import Resident


def profile_lines(resident: Resident, commune, t: Translator) -> list[str]:
    """The details as the commune holds them."""
    hamlet = commune.hamlet(resident.hamlet_id)
    lines = [
        t("Your details as the commune holds them:"),
        t("Name: %(name)s", name=resident.display_name),
        t("Hamlet: %(hamlet)s, %(commune)s", hamlet=hamlet.name(t.locale) if hamlet else resident.hamlet_id,
          commune=commune.name(t.locale)),
        t("Phone: %(phone)s", phone=resident.phone or t("not given")),
    ]
    if resident.consented_at:
        lines.append(t("You agreed to the privacy notice on %(moment)s.", moment=t.moment(resident.consented_at)))
    return lines


async def _resident(c: Conversation) -> Resident:
    from bot.dialogs.resident import registered

    return await registered(c)


@step
class Profile(Step):
    name = "profile"

    async def show(self, c: Conversation) -> Screen:
        resident = await _resident(c)
        commune = c.services.communes.get(resident.commune_id)
        choices = [Choice(c.t("✏️ Change my name"), "pf:name"), Choice(c.t("🏘 Change my hamlet"), "pf:hamlet"),
                   Choice(c.t("📱 Change my phone number"), "pf:phone")]
        if resident.phone:
            choices.append(Choice(c.t("🗑 Remove my phone number"), "pf:phonedel"))
        return Screen("\n".join(profile_lines(resident, commune, c.t)), choices)

    async def on_choice(self, c: Conversation, action: str) -> str:
        if action == "pf:phonedel":
            await c.services.residents.update_profile(c.channel, c.external_id, drop_phone=True)
            c.say(c.t("Your phone number was removed."))
            return END
        return {"pf:name": "profile.name", "pf:hamlet": "profile.hamlet", "pf:phone": "profile.phone"}.get(action, STAY)


@step
class ProfileName(Step):
    name = "profile.name"

    async def show(self, c: Conversation) -> Screen:
        return Screen(c.t("Please type your full name."), accepts_text=True)

    async def on_text(self, c: Conversation, text: str) -> str:
        try:
            resident = await c.services.residents.update_profile(c.channel, c.external_id, display_name=text)
        except DomainError as refusal:
            c.refuse(refusal)
            return STAY
        c.say(c.t("Saved. The commune will call you %(name)s.", name=resident.display_name))
        return END


@step
class ProfileHamlet(Step):
    name = "profile.hamlet"

    async def show(self, c: Conversation) -> Screen:
        commune = c.services.communes.get((await _resident(c)).commune_id)
        return Screen(c.t("Which hamlet (thôn) of %(commune)s do you live in?", commune=commune.name(c.t.locale)),
                      [Choice(h.name.label(c.t.locale), f"pf:ham:{h.id}") for h in commune.hamlets])

    async def on_choice(self, c: Conversation, action: str) -> str:
        resident = await c.services.residents.update_profile(c.channel, c.external_id, hamlet_id=action.split(":", 2)[2])
        commune = c.services.communes.get(resident.commune_id)
        c.say(c.t("Saved. You are now registered in %(hamlet)s, %(commune)s.",
                  hamlet=commune.hamlet(resident.hamlet_id).name(c.t.locale), commune=commune.name(c.t.locale)))
        return END


@step
class ProfilePhone(PhoneStep):
    name = "profile.phone"

    async def show(self, c: Conversation) -> Screen:
        return Screen(c.t("Please type your phone number."), [Choice(c.t(PHONE_SKIP), "pf:phone:skip")],
                      accepts_text=True, accepts_contact=True)

    async def on_choice(self, c: Conversation, action: str) -> str:
        c.say(c.t("Nothing was changed."))
        return END

    async def keep(self, c: Conversation, phone: str) -> str:
        resident = await c.services.residents.update_profile(c.channel, c.external_id, phone=phone)
        c.say(c.t("Saved. Your phone number is %(phone)s.", phone=resident.phone))
        return END

    def dropped(self, draft: dict) -> str | None:
        return N_("Your phone number was not changed.")


COMMANDS["/profile"] = "profile"
