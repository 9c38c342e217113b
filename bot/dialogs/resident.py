"""The resident's flows, declared once: the menu, send a concern, my concerns (history, officials'
answers, rate or dispute the result), register to speak and withdraw, /mydata, /forget, /help."""

from __future__ import annotations

import uuid

from bot.domain import STATUS_LABELS
from bot.dialogs.labels import MENU_HELP, MENU_MINE, MENU_NEW, MENU_SPEAK
from bot.dialogs.runtime import Attachment as ReceivedAttachment
from bot.dialogs.runtime import (COMMANDS, END, STAY, Choice, Conversation, Screen, Step, notice_action, notice_awaits,
                                 step)
from bot.errors import DomainError, NotRegistered, PetitionNotInDialogue, UnknownChoice
from bot.i18n import N_, Translator
from bot.notices import render
from bot.services.privacy import FORGET_LIMITS
from bot.presenters import ADD_MORE, ADD_PHOTO, category_name, concern_details, concern_line, draft_lines, draft_summary
from storage.records import Attachment, Resident

MAX_LISTED = 10
MENU_MYDATA = N_("📄 My data")

HELP = N_(
    "This bot lets you take part in the commune's direct dialogue between its leaders and residents.\n\n"
    "%(new)s: write to the leaders about land, environment, compensation, social policies, officials' conduct, "
    "infrastructure or anything else (/new).\n"
    "%(mine)s: see each concern's tracking code, status and history (/mine).\n"
    "%(speak)s: ask to speak about your concern at the dialogue meeting, and see your place in the order "
    "of speaking (/speak).\n"
    "/profile: change your name, hamlet or phone number.\n"
    "/mydata: see everything stored about you.\n"
    "/forget: erase your identity (your concerns stay, without your name).\n\n"
    "Complaints and denunciations that need a petition go to the commune's citizen reception, not to the dialogue.\n"
    "Send /cancel at any time to stop what you are doing, and /language to change the language.")


async def registered(c: Conversation) -> Resident:
    resident = await c.resident()
    if resident is None:
        raise NotRegistered()
    return resident


@step
class Menu(Step):
    name = "menu"

    async def show(self, c: Conversation) -> Screen:
        resident = await registered(c)
        return Screen(c.t("Hello %(name)s! What would you like to do?", name=resident.display_name),
                      [Choice(c.t(MENU_NEW), "menu:new"), Choice(c.t(MENU_MINE), "menu:mine"),
                       Choice(c.t(MENU_SPEAK), "menu:speak"), Choice(c.t(MENU_MYDATA), "menu:mydata"),
                       Choice(c.t(MENU_HELP), "menu:help")] + await self._awaiting(c), cancel=False)

    @staticmethod
    async def _awaiting(c: Conversation) -> list[Choice]:
        """On a channel without buttons, notices still awaiting an answer (an invitation...) are one choice away."""
        count = await c.runtime.awaiting(c) if c.runtime.typed_choices else 0
        return [Choice(c.t("📬 Messages awaiting your answer: %(count)d", count=count), "menu:awaiting")] if count else []

    async def on_choice(self, c: Conversation, action: str) -> str:
        if action == "menu:awaiting":
            if not await c.runtime.offer_awaiting(c):
                c.say(c.t("No message awaits your answer now."))
            return END
        return {"menu:new": "concern.topic", "menu:mine": "mine.list", "menu:speak": "speak.menu",
                "menu:mydata": "privacy.mydata", "menu:help": "help"}.get(action, STAY)


@step
class Help(Step):
    name = "help"

    async def show(self, c: Conversation) -> Screen:
        text = c.t(HELP, new=c.t(MENU_NEW), mine=c.t(MENU_MINE), speak=c.t(MENU_SPEAK))
        if await c.resident() is None:
            text += "\n\n" + c.t("To begin, send /start.")
        else:
            text += "\n\n" + c.t("Type “menu” at any time to see what you can do.")
        return Screen(text, final=True)


# --- Send a concern: topic -> text and attachments -> similar concerns and the summary -> sent -------

MAX_ATTACHMENTS = 10
NOT_SENT = N_("The concern was not sent. Nothing was saved.")
# Another command, help or the menu left a concern begun (a topic chosen, a text or a photo given).
LEFT_UNSENT = N_("The concern you were writing was not sent.")


def _attachments(draft: dict) -> tuple[Attachment, ...]:
    return tuple(Attachment(**a) for a in draft.get("attachments", []))


def _rich(c: Conversation) -> bool:
    """The channel passes on voice notes, files and locations too (Telegram), not only photos (Zalo)."""
    return bool(c.receives - {"photo"})


def _not_sent(c: Conversation) -> str:
    """“Cancel” or “Do not send”: the draft goes, nothing is stored."""
    c.say(c.t(NOT_SENT), replaces=True)
    return c.stopped()


class Writing(Step):
    """A step of writing a concern: leaving it for another command says that the concern was not sent."""

    def dropped(self, draft: dict) -> str | None:
        return LEFT_UNSENT if draft.get("category") or draft.get("body") or draft.get("attachments") else None


@step
class Topic(Writing):
    name = "concern.topic"

    async def show(self, c: Conversation) -> Screen:
        resident = await registered(c)
        commune = c.services.concerns.commune_of(resident)
        c.draft.update({"id": uuid.uuid4().hex[:16], "category": None, "body": None, "attachments": []})
        return Screen(c.t("What is your concern about? Choose a topic."),
                      [Choice(category.name(c.t.locale), f"cc:cat:{category.key}") for category in commune.categories],
                      cancel_action="cc:cancel")

    async def on_choice(self, c: Conversation, action: str) -> str:
        if action == "cc:cancel":
            return _not_sent(c)
        resident = await registered(c)
        key = action.split(":", 2)[2]
        try:
            await c.services.concerns.choose_category(resident, key)  # a petition topic is counted, anonymously
        except PetitionNotInDialogue as refusal:  # redirected to the citizen reception: the flow ends
            c.refuse(refusal)
            return END
        c.draft["category"] = key
        return "concern.text"


@step
class Text(Writing):
    name = "concern.text"

    async def show(self, c: Conversation) -> Screen:
        resident = await registered(c)
        commune = c.services.concerns.commune_of(resident)
        may_send = (c.t("Please write your concern in a few sentences. You may also send a voice note, "
                        "a photo with a caption, or your location.") if _rich(c)
                    else c.t("Please write your concern in a few sentences. You may also send a photo with a caption."))
        return Screen(c.t("Topic: %(topic)s", topic=category_name(commune, c.draft["category"], c.t)) + "\n\n" + may_send,
                      accepts_text=True, accepts_attachments=True, cancel_action="cc:cancel", replaces=True)

    async def on_choice(self, c: Conversation, action: str) -> str:
        return _not_sent(c) if action == "cc:cancel" else STAY

    async def on_text(self, c: Conversation, text: str) -> str:
        try:
            c.draft["body"] = c.services.concerns.check_body(text)
        except DomainError as refusal:
            c.refuse(refusal)
            return STAY
        await _find_similar(c)
        return "concern.confirm"

    async def on_attachment(self, c: Conversation, attachment: ReceivedAttachment) -> str:
        """A photo, voice note, file or location joins the draft; a photo's caption is taken as the text."""
        if len(c.draft["attachments"]) >= MAX_ATTACHMENTS:
            c.say(c.t("This concern already has 10 attachments, the most it can have."))
            return STAY
        if attachment.caption:
            try:
                c.draft["body"] = c.services.concerns.check_body(attachment.caption)
            except DomainError as refusal:
                c.refuse(refusal)
                return STAY
        c.draft["attachments"].append(attachment.stored())
        if attachment.caption:
            await _find_similar(c)
        if c.draft.get("body") or _has_voice(c.draft):  # a voice note may stand for the text
            return "concern.confirm"
        c.say(c.t("Received. Now please write a few words describing the problem."))
        return STAY


def _has_voice(draft: dict) -> bool:
    return any(a["kind"] == "voice" for a in draft.get("attachments", []))


async def _find_similar(c: Conversation) -> None:
    """Issue 10: up to 3 similar concerns of the commune (topic, hamlet, short text, status; never a name),
    offered with the summary so the resident may join one instead of sending a new one."""
    found = await c.services.concerns.similar_for(await registered(c), c.draft["body"], category=c.draft["category"])
    c.draft["similar"] = [{"code": s.code, "topic": s.topic, "hamlet_id": s.hamlet_id, "status": s.status,
                           "excerpt": s.excerpt} for s in found]


def _similar_lines(c: Conversation, commune) -> list[str]:
    similar = c.draft.get("similar") or []
    if not similar:
        return []
    lines = [c.t("Other residents have raised something similar:")]
    for one in similar:
        hamlet, status = commune.hamlet(one["hamlet_id"]), STATUS_LABELS[one["status"]]
        lines.append(c.t("• %(code)s · %(topic)s · %(hamlet)s · %(status)s: %(text)s", code=one["code"],
                         topic=category_name(commune, one["topic"], c.t),
                         hamlet=hamlet.name(c.t.locale) if hamlet else one["hamlet_id"],
                         status=c.t(status), text=one["excerpt"]))
    lines += ["", c.t("If one of them is your concern, choose it: you will follow it and be counted in, and nothing "
                      "new is sent. Otherwise send yours as a new concern."), "", ""]
    return lines


def _board_note(c: Conversation) -> tuple[str, Choice]:
    """What the public board will show of this concern, and the choice that changes it."""
    toggle = f"cc:pub:{c.draft['id']}"
    if c.draft.get("public"):
        return (c.t("The commune's public board will show this concern's topic, hamlet and text, "
                    "never your name or phone."), Choice(c.t("🔒 Keep the text off the public board"), toggle))
    return (c.t("The commune's public board will show only this concern's topic and hamlet, never your name or phone."),
            Choice(c.t("🌐 Let the text be shown on the public board"), toggle))


@step
class Confirm(Text):
    name = "concern.confirm"

    async def show(self, c: Conversation) -> Screen:
        resident = await registered(c)
        commune = c.services.concerns.commune_of(resident)
        note, toggle = _board_note(c)
        similar = [Choice(c.t("🙋 This is my concern too: %(code)s", code=one["code"]), f"cc:sup:{c.draft['id']}:{one['code']}")
                   for one in c.draft.get("similar") or []]
        summary = draft_summary(commune, c.draft, _attachments(c.draft), c.t, ADD_MORE if _rich(c) else ADD_PHOTO)
        return Screen("\n".join(_similar_lines(c, commune)) + summary + "\n\n" + note,
                      [Choice(c.t("✅ Send to the commune"), f"cc:ok:{c.draft['id']}"),
                       Choice(c.t("❌ Do not send"), f"cc:no:{c.draft['id']}"), *similar, toggle],
                      accepts_text=True, accepts_attachments=True)

    def takes(self, draft: dict, action: str) -> bool:
        # A concern not offered (one's own, say, or a forged code) is refused in words, not as a stale press.
        return action.startswith(f"cc:sup:{draft.get('id')}:")

    async def on_choice(self, c: Conversation, action: str) -> str:
        draft_id = c.draft.get("id")
        if action.startswith(f"cc:sup:{draft_id}:"):
            # “This is my concern too”: the resident follows that concern; nothing new is created. Only one of
            # those offered with this summary: a forged press must not make any concern of the commune one's own.
            code = action.rsplit(":", 1)[1]
            if code not in {one["code"] for one in c.draft.get("similar") or []}:
                raise UnknownChoice()
            concern = await c.services.concerns.support(await registered(c), code)
            c.say(c.t("🙋 Thank you: you are counted in concern %(code)s, now raised %(count)d times. You follow it "
                      "like its sender: you will be told here at every step, and it is in “%(button)s”.",
                      code=concern.code, count=concern.raised_count, button=c.t(MENU_MINE)))
            return END
        if action == f"cc:pub:{draft_id}":
            c.draft["public"] = not c.draft.get("public", False)
            return self.name  # the summary again, with what the board will show now
        if action != f"cc:ok:{draft_id}":
            return _not_sent(c)
        resident = await registered(c)
        concern = await c.services.concerns.submit(
            resident, category=c.draft["category"], body=c.draft.get("body"), attachments=_attachments(c.draft),
            submission_key=draft_id, text_public=bool(c.draft.get("public")))
        commune = c.services.concerns.commune_of(resident)
        # The summary the resident confirmed becomes the receipt (where the channel can edit): code first.
        c.say("\n".join([
            c.t("✅ Your concern has been received and saved.\n\nTracking code: %(code)s\n\n"
                "The commune office will review it for the dialogue agenda. You will be told here at every step. "
                "Choose “%(button)s” in the menu to follow it.", code=concern.code, button=c.t(MENU_MINE)),
            "", *draft_lines(commune, c.draft, _attachments(c.draft), c.t)]), replaces=True)
        return END


# --- My concerns ----------------------------------------------------------------------------

@step
class Mine(Step):
    name = "mine.list"

    async def show(self, c: Conversation) -> Screen:
        resident = await registered(c)
        concerns = await c.services.concerns.mine(resident)
        if not concerns:
            return Screen(c.t("You have not sent any concern yet. Choose “%(button)s” in the menu to send one.",
                              button=c.t(MENU_NEW)), final=True)
        commune = c.services.concerns.commune_of(resident)
        lines = [c.t("Your concerns (newest first):"), *(concern_line(commune, concern, c.t) for concern in concerns[:MAX_LISTED])]
        if len(concerns) > MAX_LISTED:
            lines.append(c.t.n("… and %(count)d older one.", "… and %(count)d older ones.", len(concerns) - MAX_LISTED,
                               count=len(concerns) - MAX_LISTED))
        lines += ["", c.t("Choose a code to see its history.")]
        return Screen("\n".join(lines), [Choice(f"📄 {concern.code}", f"mine:show:{concern.code}") for concern in concerns])

    async def on_choice(self, c: Conversation, action: str) -> str:
        c.draft["code"] = action.split(":", 2)[2]
        return "mine.concern"


@step
class MyConcern(Step):
    name = "mine.concern"

    async def show(self, c: Conversation) -> Screen:
        resident = await registered(c)
        concern, history = await c.services.concerns.history(resident, c.draft.get("code", ""))
        commune = c.services.concerns.commune_of(resident)
        # A result waiting for the resident's answer can be answered here too, not only from its notice.
        choices = verdict_choices(c.t, concern.code) if concern.status in ("resolved", "answered") else []
        if concern.text_public:  # consent given at submission can be withdrawn at any time
            choices.append(Choice(c.t("🔒 Take my text off the public board"), f"mine:priv:{concern.code}"))
        return Screen(concern_details(commune, concern, history, c.t), choices, final=not choices)

    async def on_choice(self, c: Conversation, action: str) -> str:
        prefix, _, code = action.rpartition(":")
        if prefix == "mine:priv":
            concern = await c.services.concerns.keep_text_private(await registered(c), code)
            c.say(c.t("The text of concern %(code)s is no longer shown on the public board; "
                      "only its topic and hamlet are.", code=concern.code))
            return END
        return await (satisfied if prefix == "vd:ok" else not_satisfied)(c, code)


@notice_action("mine:show")
async def show_mine(c: Conversation, code: str) -> str:
    """A code pressed on an older /mine list (Telegram keeps it on screen): that concern's history."""
    c.draft["code"] = code
    return "mine.concern"


def verdict_choices(t: Translator, code: str) -> list[Choice]:
    return [Choice(t("👍 Satisfied"), f"vd:ok:{code}"), Choice(t("👎 Not satisfied"), f"vd:no:{code}")]


@notice_action("vd:ok")
async def satisfied(c: Conversation, code: str) -> str:
    concern = await c.services.tasks.satisfied(await c.actor(), code)
    c.say(c.t("Thank you. You are satisfied with the answer, so concern %(code)s is now closed.", code=concern.code))
    # Closed: how satisfied they are, asked in the same words as when the office closes a concern.
    rating = render("rating_request", {"code": concern.code}, c.t, c.services.communes)
    c.say(rating.text, [Choice(label, action) for label, action in rating.actions])
    return END


@notice_awaits("vd:ok")
async def verdict_awaits(c: Conversation, code: str) -> bool:
    """A result's 👍/👎 is offered again only while the concern awaits the verdict (not given from /mine)."""
    await c.services.tasks.answerable(await c.actor(), code)  # refused (not offered) once it no longer does
    return True


@notice_awaits("rt")
async def rating_awaits(c: Conversation, argument: str) -> bool:
    return await c.services.followup.rating_awaited(await c.actor(), argument.partition(":")[0])


@notice_action("rt")
async def rate(c: Conversation, argument: str) -> str:
    """⭐ (rt:<code>:<stars>): how satisfied the resident is with a closed concern."""
    code, _, stars = argument.partition(":")
    # A forged press ("rt:123-456:x") is refused by the service as any unknown rating, not a crash.
    concern = await c.services.followup.rate(await c.actor(), code, int(stars) if stars.isdigit() else 0)
    c.say(c.t("Thank you: %(stars)s ⭐ recorded for concern %(code)s.", stars=stars, code=concern.code))
    return END


@notice_action("vd:no")
async def not_satisfied(c: Conversation, code: str) -> str:
    concern = await c.services.tasks.answerable(await c.actor(), code)
    c.draft["code"] = concern.code
    return "verdict.reason"


@step
class VerdictReason(Step):
    name = "verdict.reason"

    async def show(self, c: Conversation) -> Screen:
        return Screen(c.t("Please tell us in a few words why the answer on concern %(code)s does not satisfy you. "
                          "The commune office will read it.", code=c.draft["code"]), accepts_text=True)

    async def on_text(self, c: Conversation, text: str) -> str:
        try:
            concern = await c.services.tasks.dispute(await c.actor(), c.draft["code"], text)
        except DomainError as refusal:
            c.refuse(refusal)
            return STAY if refusal.__class__.__name__ in ("TextEmpty", "TextTooLong") else END
        c.say(c.t("Thank you. Your answer was sent to the commune office. They will look at concern %(code)s "
                  "again and tell you here.", code=concern.code))
        return END


# --- Register to speak ----------------------------------------------------------------------

def review_line(t: Translator, review: str | None, place: tuple[int, int] | None) -> str:
    if review == "approved" and place is not None:
        return t("Approved. Your place in the order of speaking: %(place)d of %(total)d.", place=place[0], total=place[1])
    if review == "approved":
        return t("Approved by the commune office.")
    if review == "declined":
        return t("Declined by the commune office.")
    return t("Waiting for the commune office's approval.")


def speaking_overview(overview, t: Translator) -> tuple[list[str], list[Choice]]:
    """/speak's screen: the next dialogue, my registrations (each with its withdrawal), a way to register."""
    if overview.dialogue is not None:
        meeting = overview.dialogue.meeting_at
        lines = [t("The next dialogue: %(when)s, %(time)s, at %(place)s.", when=t.date(t.local_date(meeting)),
                   time=t.moment(meeting).split(" ")[0], place=overview.dialogue.place)]
    else:
        lines = [t("No dialogue is scheduled yet. You can still register: your wish is kept on file "
                   "and joins the next dialogue when the commune schedules it.")]
    choices: list[Choice] = []
    if overview.eligible:
        choices.append(Choice(t("🎤 Register to speak about a concern"), "sp:new"))
    if overview.registrations:
        lines += ["", t("You are registered to speak about:")]
        for registration in overview.registrations:
            lines.append(t("• %(code)s: %(point)s", code=registration.concern_code, point=registration.point))
            lines.append("  " + review_line(t, overview.reviews.get(registration.id), overview.places.get(registration.id)))
            choices.append(Choice(t("↩️ Withdraw %(code)s", code=registration.concern_code), f"sp:wd:{registration.id}"))
    elif not overview.eligible:
        lines += ["", t("To speak, first send a concern with “%(button)s”.", button=t(MENU_NEW))]
    return lines, choices


@step
class Speak(Step):
    name = "speak.menu"

    async def show(self, c: Conversation) -> Screen:
        overview = await c.services.speaking.overview(await registered(c))
        lines, choices = speaking_overview(overview, c.t)
        return Screen("\n".join(lines), choices, final=not choices)

    async def on_choice(self, c: Conversation, action: str) -> str:
        if action == "sp:new":
            return "speak.pick"
        c.draft["registration"] = int(action.split(":", 2)[2])
        return "speak.withdraw"


@step
class SpeakPick(Step):
    name = "speak.pick"

    async def show(self, c: Conversation) -> Screen:
        resident = await registered(c)
        overview = await c.services.speaking.overview(resident)
        if not overview.eligible:
            c.say(c.t("None of your concerns can be registered for speaking now."))
            return END
        commune = c.services.concerns.commune_of(resident)
        return Screen(c.t("Which concern do you want to speak about?"),
                      [Choice(f"{concern.code} · {category_name(commune, concern.category, c.t)}", f"sp:pick:{concern.code}")
                       for concern in overview.eligible])

    async def on_choice(self, c: Conversation, action: str) -> str:
        concern = await c.services.speaking.check_concern(await registered(c), action.split(":", 2)[2])
        c.draft["code"] = concern.code
        return "speak.point"


@step
class SpeakPoint(Step):
    name = "speak.point"

    async def show(self, c: Conversation) -> Screen:
        return Screen(c.t("What point do you want to raise about concern %(code)s? Please write it in one or two sentences.",
                          code=c.draft["code"]), accepts_text=True)

    async def on_text(self, c: Conversation, text: str) -> str:
        try:
            c.draft["point"] = c.services.speaking.check_point(text)
        except DomainError as refusal:
            c.refuse(refusal)
            return STAY
        return "speak.confirm"


@step
class SpeakConfirm(Step):
    name = "speak.confirm"

    async def show(self, c: Conversation) -> Screen:
        return Screen(c.t("You will ask to speak about concern %(code)s:\n“%(point)s”\n\nRegister?",
                          code=c.draft["code"], point=c.draft["point"]),
                      [Choice(c.t("✅ Register"), "sp:ok"), Choice(c.t("❌ Do not register"), "sp:no")])

    async def on_choice(self, c: Conversation, action: str) -> str:
        if action != "sp:ok":
            c.say(c.t("Nothing was registered."))
            return END
        registration, dialogue = await c.services.speaking.register(await registered(c), c.draft["code"], c.draft["point"])
        if dialogue is not None:
            c.say(c.t("✅ You are registered to speak about concern %(code)s at the dialogue on %(when)s. "
                      "The office will confirm the order of speakers.", code=registration.concern_code,
                      when=c.t.date(c.t.local_date(dialogue.meeting_at))))
        else:
            c.say(c.t("✅ Your wish to speak about concern %(code)s is kept on file. "
                      "You will be told when the dialogue is scheduled.", code=registration.concern_code))
        return END


@step
class SpeakWithdraw(Step):
    name = "speak.withdraw"

    async def show(self, c: Conversation) -> Screen:
        return Screen(c.t("Withdraw this registration to speak?"),
                      [Choice(c.t("Yes, withdraw"), f"sp:wdy:{c.draft['registration']}"), Choice(c.t("No, keep it"), "sp:wdn")])

    async def on_choice(self, c: Conversation, action: str) -> str:
        if action == "sp:wdn":
            c.say(c.t("Your registration is kept."))
            return END
        registration = await c.services.speaking.withdraw(await registered(c), int(action.split(":", 2)[2]))
        c.say(c.t("Your registration to speak about concern %(code)s was withdrawn.", code=registration.concern_code))
        return END


# --- My data, forget ------------------------------------------------------------------------

@step
class MyData(Step):
    name = "privacy.mydata"

    async def show(self, c: Conversation) -> Screen:
        data = await c.services.privacy.my_data(c.channel, c.external_id)
        return Screen("\n".join(c.services.privacy.summary(data, c.t, with_file=c.runtime.sends_files)), final=True)


@step
class Forget(Step):
    name = "privacy.forget"

    async def show(self, c: Conversation) -> Screen:
        summary = await c.services.privacy.forget_summary(c.channel, c.external_id)
        return Screen(c.t(
            "Erase your identity?\n\n"
            "Erased: your name, your phone number, the link to your chat account, the photos, voice notes, "
            "files and locations you sent (%(attachments)d), and every phone number written in your concerns. "
            "Any role you hold as an official is withdrawn.\n\n"
            "Kept, without your name or phone number: the text of your concerns (%(concerns)d), their topic, "
            "hamlet and status, and the officials' answers. The commune must keep them as the record of the "
            "dialogue: what residents raised and how it was answered is reported to the higher level and "
            "supervised by the Fatherland Front.\n\n"
            "Afterwards the bot no longer knows you and sends you no more news about your concerns. "
            "You may start again with /start as a new user. This cannot be undone. "
            "If you want a copy of your data first, send /mydata.",
            concerns=summary.concerns, attachments=summary.attachments) + "\n\n" + c.t(FORGET_LIMITS),
            [Choice(c.t("🗑 Yes, erase my identity"), "pv:forget:yes"), Choice(c.t("↩️ No, keep everything"), "pv:forget:no")])

    async def on_choice(self, c: Conversation, action: str) -> str:
        if action != "pv:forget:yes":
            c.say(c.t("Nothing was erased. Everything stays as it was."))
            return END
        await c.services.privacy.forget(c.channel, c.external_id)
        c.forget_resident()
        c.forgotten = True
        c.say(c.t("Your identity has been erased: the bot no longer knows who you are. Your name, phone number and the "
                  "photos, voice notes, files and locations you sent are gone; the commune keeps only the text of your "
                  "concerns, without your name or phone number, with their topic, hamlet, status and the officials' "
                  "answers, as the record of the dialogue.\n\n"
                  "Thank you for taking part in the commune's dialogue. To use the bot again, send /start."))
        return END


@step
class Language(Step):
    """/language: the language of every message from now on."""

    name = "language"

    async def show(self, c: Conversation) -> Screen:
        from bot.dialogs.labels import LANGUAGE_BUTTONS

        return Screen(c.t("Choose a language."), [Choice(label, f"lang:{locale}") for locale, label in LANGUAGE_BUTTONS])

    async def on_choice(self, c: Conversation, action: str) -> str:
        locale = action.split(":", 1)[1]
        await c.actor()  # an admin named in the settings is known from their first message
        known = await c.services.residents.set_locale(c.channel, c.external_id, locale)
        c.use_locale(locale)
        if not known:  # a newcomer: nothing is stored before consent; first contact goes on in that language
            c.draft["locale"] = locale
            return "start.consent"
        c.draft.pop("locale", None)
        if await c.resident() is not None:
            return "menu"
        c.say(c.t("The language is now English.") if locale == "en" else c.t("The language is now Vietnamese."))
        return END


COMMANDS.update({
    "/language": "language",
    "/start": "start.language", "/new": "concern.topic", "/mine": "mine.list", "/speak": "speak.menu",
    "/mydata": "privacy.mydata", "/forget": "privacy.forget", "/help": "help", "/menu": "menu",
})
