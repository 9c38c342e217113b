"""Answering an invitation to the dialogue meeting, declared once: its notice's actions ("iv:yes:<id>",
"iv:no:<id>", "iv:sub:<id>", bot/services/invitations.py) are notice actions of the runtime, so a
Telegram press and a Zalo numbered reply run the same code."""

from __future__ import annotations

from bot.dialogs.runtime import END, STAY, Conversation, Screen, Step, notice_action, notice_awaits, step
from bot.errors import DomainError, TextEmpty, TextTooLong


async def _person_id(c: Conversation) -> int | None:
    actor = await c.actor()
    return actor.person_id if actor else None


@notice_action("iv:yes")
async def will_come(c: Conversation, number: str) -> str:
    await c.services.invitations.answer(await _person_id(c), int(number), "yes")
    c.say(c.t("Thank you: we noted that you will come."))
    return END


@notice_awaits("iv:yes")
async def invitation_awaits(c: Conversation, number: str) -> bool:
    """Offered again only while unanswered (a hamlet head may have noted the answer) and not cancelled."""
    return number.isdigit() and await c.services.invitations.awaits_answer(await _person_id(c), int(number))


@notice_action("iv:no")
async def cannot_come(c: Conversation, number: str) -> str:
    await c.services.invitations.answer(await _person_id(c), int(number), "no")
    c.say(c.t("Thank you: we noted that you cannot come."))
    return END


@notice_action("iv:sub")
async def someone_else(c: Conversation, number: str) -> str:
    c.draft["invitation"] = int(number)
    return "invitation.delegate"


@step
class Delegate(Step):
    """👤: the name of who comes in the invitee's place."""

    name = "invitation.delegate"

    async def show(self, c: Conversation) -> Screen:
        return Screen(c.t("Please type the full name of the person who will come in your place."), accepts_text=True)

    async def on_text(self, c: Conversation, text: str) -> str:
        try:
            done = await c.services.invitations.answer(await _person_id(c), int(c.draft.get("invitation") or 0), "delegate", text)
        except (TextEmpty, TextTooLong) as refusal:
            c.refuse(refusal)
            return STAY
        except DomainError as refusal:
            c.refuse(refusal)
            return END
        c.say(c.t("Thank you: we noted that %(name)s will come in your place.", name=done.delegate_name))
        return END
