"""Before and at the meeting (issue 8): the MTTQ's invitation list, issuing it, the answers (by chat or
through the hamlet head), the public notice and the loudspeaker text, attendance and walk-ins, and
who chairs (the Chairman, or the Vice-chairman he delegates).

Channel-neutral: a Telegram handler and a Zalo adapter call the same methods; an invitation's answer
buttons are notice actions ("iv:yes:<id>", "iv:no:<id>", "iv:sub:<id>") that any channel routes to
`answer`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from bot.communes import Communes
from bot.domain import new_tracking_code
from bot.errors import DomainError, UnknownChoice
from bot.i18n import N_, Translator
from bot.notices import Rendered, renders
from bot.pages import Page, page_line
from bot.roles import CHAIR, CHAIRMAN, HAMLET_HEAD, VICE_CHAIRMAN, Actor
from bot.services import paged
from bot.services.base import CommuneService
from bot.services.dialogue_notices import _when, place_name
from bot.services.dialogues import NoDialogue
from bot.text import clean_text
from storage import audit, casework, concerns, dialogues, invitations, outbox, staff
from storage.dialogues import DialogueRecord
from storage.invitations import Invitation

ANSWERS = ("yes", "no", "delegate")
MAX_NAME = 100


class NotInvited(DomainError):
    message = N_("This invitation is not yours, or the dialogue it was for has changed. Nothing was recorded.")


class NotIssued(DomainError):
    message = N_("The invitations have not been issued yet: the MTTQ issues them from /invitations.")


class AlreadyIssued(DomainError):
    message = N_("The invitations were already issued. People added now are invited at once.")


class EmptyList(DomainError):
    message = N_("The invitation list is empty. Compile it first.")


class NotYourHamlet(DomainError):
    message = N_("This invitation is for another hamlet's invitee. Nothing was changed.")


class NotChairman(DomainError):
    message = N_("Only the Chairman of the People's Committee delegates the chair. The office may propose it to him.")


class NotViceChairman(DomainError):
    message = N_("The chair can be delegated only to a Vice-chairman of the People's Committee.")


class PublicNoticeSent(DomainError):
    message = N_("The public notice of this dialogue was already sent to every resident. Nothing was sent again.")


@dataclass(frozen=True)
class HamletCount:
    hamlet_id: str | None
    invited: int
    delivered_chat: int
    delivered_hand: int
    coming: int
    not_coming: int
    no_answer: int
    unreachable: list[str]


@dataclass(frozen=True)
class Issued:
    invitations: int  # sent by chat
    by_hand: int  # without Telegram: the hamlet heads carry them
    hamlet_heads: int


class InvitationService(CommuneService):

    async def _dialogue(self, db, actor: Actor) -> DialogueRecord:
        dialogue = await dialogues.current(db, actor.commune_id)
        if dialogue is None:
            raise NoDialogue()
        return dialogue

    async def current(self, actor: Actor | None) -> tuple[DialogueRecord, list[Invitation], str | None]:
        """The dialogue in progress, its list and when it was issued (the MTTQ's and office's screen)."""
        actor = await self._staff.require(actor, "view_invitations")
        async with self._database.read() as db:
            dialogue = await self._dialogue(db, actor)
            issued, _, _ = await invitations.dialogue_marks(db, dialogue.id)
            return dialogue, await invitations.of_dialogue(db, dialogue.id), issued

    # --- the list ---------------------------------------------------------------------------------

    async def compile(self, actor: Actor | None) -> int:
        """Start the list from those who must be there: residents with a concern on the agenda (merged
        followers too), registered speakers, the hamlet heads. Returns how many were added."""
        actor = await self._staff.require(actor, "compile_invitations")
        async with self._database.transaction() as db:
            dialogue = await self._dialogue(db, actor)
            issued, _, _ = await invitations.dialogue_marks(db, dialogue.id)
            people = list(await invitations.must_attend(db, dialogue.id))
            for head in await staff.holders(db, actor.commune_id, HAMLET_HEAD):
                people.append((head.person_id, head.display_name or "", head.hamlet_id, "hamlet_head"))
            added = 0
            for person_id, name, hamlet_id, reason in people:
                added += await self._add(db, actor, dialogue, person_id=person_id, name=name, hamlet_id=hamlet_id,
                                         reason=reason, send=bool(issued))
            await audit.record(db, commune_id=actor.commune_id, actor_person_id=actor.person_id,
                               action="invitations.compiled", subject_type="dialogue", subject_id=dialogue.id,
                               details={"added": added})
        return added

    async def add_resident(self, actor: Actor | None, person_id: int) -> Invitation:
        """A representative by hamlet: the MTTQ or office adds a registered resident, or a hamlet head
        proposes one of their hamlet's."""
        actor = await self._staff.require(actor, "propose_representative")
        async with self._database.transaction() as db:
            dialogue = await self._dialogue(db, actor)
            found = await invitations.resident(db, person_id, actor.commune_id)
            if found is None:
                raise UnknownChoice()
            name, hamlet_id = found
            if not actor.may("compile_invitations") and hamlet_id != actor.hamlet_id:
                raise NotYourHamlet()
            issued, _, _ = await invitations.dialogue_marks(db, dialogue.id)
            await self._add(db, actor, dialogue, person_id=person_id, name=name, hamlet_id=hamlet_id,
                            reason="representative", send=bool(issued))
            invitation = await invitations.of_person(db, dialogue.id, person_id)
        assert invitation is not None
        return invitation

    async def join_by_link(self, person_id: int) -> Invitation:
        """A neighbour opened the link their hamlet head forwarded: a registered resident of the commune joins
        the list as a representative of their hamlet and, the list being issued, gets the invitation at once
        (one tap to answer). Before the MTTQ issues the list there is nothing to answer yet."""
        async with self._database.transaction() as db:
            found = await db.execute("SELECT commune_id FROM residents WHERE person_id = ?", (person_id,))
            row = await found.fetchone()
            if row is None:
                raise NotInvited()
            dialogue = await dialogues.current(db, row[0])
            if dialogue is None:
                raise NoDialogue()
            issued, _, _ = await invitations.dialogue_marks(db, dialogue.id)
            if not issued:
                raise NotIssued()
            name, hamlet_id = await invitations.resident(db, person_id, row[0]) or ("", None)
            invitation_id = await invitations.add(db, dialogue_id=dialogue.id, commune_id=row[0], hamlet_id=hamlet_id,
                                                  person_id=person_id, name=name, reason="representative", added_by=None)
            if invitation_id is not None:
                await self._send(db, dialogue, invitation_id, person_id)
                await audit.record(db, commune_id=row[0], actor_person_id=person_id, action="invitation.joined_by_link",
                                   subject_type="invitation", subject_id=invitation_id, details={})
            else:  # already invited: the invitation again, to answer it
                invitation = await invitations.of_person(db, dialogue.id, person_id)
                assert invitation is not None
                await outbox.enqueue(db, person_id, "invitation", invitation=invitation.id, **_meeting(dialogue))
            joined = await invitations.of_person(db, dialogue.id, person_id)
        assert joined is not None
        return joined

    async def add_by_name(self, actor: Actor | None, name: str | None, hamlet_id: str) -> Invitation:
        """Someone without Telegram, by name and hamlet: their hamlet head carries the invitation."""
        actor = await self._staff.require(actor, "propose_representative")
        name = clean_text(name, MAX_NAME, single_line=True)
        commune = self._communes.get(actor.commune_id)
        if commune is None or commune.hamlet(hamlet_id) is None:
            raise UnknownChoice()
        if not actor.may("compile_invitations") and hamlet_id != actor.hamlet_id:
            raise NotYourHamlet()
        async with self._database.transaction() as db:
            dialogue = await self._dialogue(db, actor)
            issued, _, _ = await invitations.dialogue_marks(db, dialogue.id)
            invitation_id = await invitations.add(db, dialogue_id=dialogue.id, commune_id=actor.commune_id,
                                                  hamlet_id=hamlet_id, person_id=None, name=name, reason="by_name",
                                                  added_by=actor.person_id)
            assert invitation_id is not None
            if issued:
                await invitations.mark_issued(db, invitation_id, None)
                await self._tell_heads(db, dialogue, [hamlet_id])
            invitation = await invitations.by_id(db, invitation_id)
        assert invitation is not None
        return invitation

    async def _add(self, db, actor: Actor, dialogue: DialogueRecord, *, person_id: int, name: str,
                   hamlet_id: str | None, reason: str, send: bool) -> int:
        invitation_id = await invitations.add(db, dialogue_id=dialogue.id, commune_id=actor.commune_id,
                                              hamlet_id=hamlet_id, person_id=person_id, name=name, reason=reason,
                                              added_by=actor.person_id)
        if invitation_id is None:
            return 0
        if send:  # after issuing, an addition is invited at once
            await self._send(db, dialogue, invitation_id, person_id)
            if hamlet_id:
                await self._tell_heads(db, dialogue, [hamlet_id])
        return 1

    # --- issuing ------------------------------------------------------------------------------------

    async def issue(self, actor: Actor | None) -> Issued:
        """The MTTQ approves the list and issues it: each invitee on a chat gets the invitation, each
        hamlet head the list of their hamlet to carry and forward."""
        actor = await self._staff.require(actor, "issue_invitations")
        async with self._database.transaction() as db:
            dialogue = await self._dialogue(db, actor)
            listed = await invitations.of_dialogue(db, dialogue.id)
            if not listed:
                raise EmptyList()
            if not await invitations.mark_dialogue_issued(db, dialogue.id):
                raise AlreadyIssued()
            chat = hand = 0
            for invitation in listed:
                if invitation.person_id is None:
                    await invitations.mark_issued(db, invitation.id, None)
                    hand += 1
                else:
                    await self._send(db, dialogue, invitation.id, invitation.person_id)
                    chat += 1
            heads = await self._tell_heads(db, dialogue, sorted({i.hamlet_id for i in listed if i.hamlet_id}))
            await audit.record(db, commune_id=actor.commune_id, actor_person_id=actor.person_id,
                               action="invitations.issued", subject_type="dialogue", subject_id=dialogue.id,
                               details={"chat": chat, "by_hand": hand})
        return Issued(chat, hand, heads)

    async def _send(self, db, dialogue: DialogueRecord, invitation_id: int, person_id: int) -> None:
        notice_id = await outbox.enqueue(db, person_id, "invitation", invitation=invitation_id,
                                         **_meeting(dialogue))
        await invitations.mark_issued(db, invitation_id, notice_id)

    async def _tell_heads(self, db, dialogue: DialogueRecord, hamlet_ids: list[str]) -> int:
        """Each hamlet head: their hamlet's invitees with delivery and answer, one paged message."""
        told = 0
        for head in await staff.holders(db, dialogue.commune_id, HAMLET_HEAD):
            if head.hamlet_id not in hamlet_ids:
                continue
            listed = await invitations.of_dialogue(db, dialogue.id, head.hamlet_id)
            payload = await paged.keep(db, person_id=head.person_id, kind="hamlet_invitations",
                                       header=dict(_meeting(dialogue), hamlet=head.hamlet_id, dialogue=dialogue.id),
                                       items=[_listed(i) for i in listed])
            await outbox.enqueue(db, head.person_id, "hamlet_invitations", **payload)
            told += 1
        return told

    # --- answers ------------------------------------------------------------------------------------

    async def answer(self, person_id: int, invitation_id: int, answer: str, delegate_name: str | None = None) -> Invitation:
        """The invitee's answer (any channel): will come, cannot come, or sends someone in their place."""
        if answer not in ANSWERS:
            raise UnknownChoice()
        delegate = clean_text(delegate_name, MAX_NAME, single_line=True) if answer == "delegate" else None
        async with self._database.transaction() as db:
            invitation = await invitations.by_id(db, invitation_id)
            if invitation is None or invitation.person_id != person_id:
                raise NotInvited()
            dialogue = await dialogues.by_id(db, invitation.dialogue_id)
            if dialogue is None or dialogue.status != "scheduled":
                raise NotInvited()
            await invitations.set_answer(db, invitation_id, answer, delegate)
            fresh = await invitations.by_id(db, invitation_id)
        assert fresh is not None
        return fresh

    async def awaits_answer(self, person_id: int | None, invitation_id: int) -> bool:
        """Whether the invitee has still to answer (not answered on any path, the dialogue still scheduled)."""
        async with self._database.read() as db:
            invitation = await invitations.by_id(db, invitation_id)
            if invitation is None or person_id is None or invitation.person_id != person_id or invitation.answer is not None:
                return False
            dialogue = await dialogues.by_id(db, invitation.dialogue_id)
        return dialogue is not None and dialogue.status == "scheduled"

    async def hamlet_list(self, actor: Actor | None) -> tuple[DialogueRecord, list[Invitation]]:
        """A hamlet head's invitees with delivery and answer (to carry by hand and forward)."""
        actor = await self._staff.require(actor, "deliver_by_hand")
        async with self._database.read() as db:
            dialogue = await self._dialogue(db, actor)
            return dialogue, await invitations.of_dialogue(db, dialogue.id, actor.hamlet_id)

    async def send_hamlet_list(self, actor: Actor | None) -> int:
        """The hamlet head's list as it is now, as one paged message however long (◀️/▶️)."""
        actor = await self._staff.require(actor, "deliver_by_hand")
        async with self._database.transaction() as db:
            dialogue = await self._dialogue(db, actor)
            listed = await invitations.of_dialogue(db, dialogue.id, actor.hamlet_id)
            payload = await paged.keep(db, person_id=actor.person_id, kind="hamlet_invitations",
                                       header=dict(_meeting(dialogue), hamlet=actor.hamlet_id, dialogue=dialogue.id),
                                       items=[_listed(i) for i in listed])
            await outbox.enqueue(db, actor.person_id, "hamlet_invitations", **payload)
        return len(listed)

    async def handed(self, actor: Actor | None, invitation_id: int, answer: str | None = None) -> Invitation:
        """The hamlet head handed the invitation over ("đã trao giấy mời tận tay"), with the answer if given."""
        actor = await self._staff.require(actor, "deliver_by_hand")
        if answer is not None and answer not in ("yes", "no"):
            raise UnknownChoice()
        async with self._database.transaction() as db:
            dialogue = await self._dialogue(db, actor)
            invitation = await invitations.by_id(db, invitation_id)
            if invitation is None or invitation.dialogue_id != dialogue.id:
                raise UnknownChoice()
            if invitation.hamlet_id != actor.hamlet_id:
                raise NotYourHamlet()
            if invitation.issued_at is None:
                raise NotIssued()
            await invitations.mark_by_hand(db, invitation_id)
            if answer is not None:
                await invitations.set_answer(db, invitation_id, answer, None)
            await audit.record(db, commune_id=actor.commune_id, actor_person_id=actor.person_id,
                               action="invitation.handed", subject_type="invitation", subject_id=invitation_id,
                               details={"answer": answer} if answer else {})
            fresh = await invitations.by_id(db, invitation_id)
        assert fresh is not None
        return fresh

    # --- the dashboard ------------------------------------------------------------------------------

    async def dashboard(self, actor: Actor | None) -> tuple[DialogueRecord, list[HamletCount]]:
        """Per hamlet: invited, delivered (chat or by hand), will come, cannot come, no answer; who could
        not be reached."""
        dialogue, listed, _ = await self.current(actor)
        return dialogue, count_by_hamlet(listed)

    # --- the public notice ---------------------------------------------------------------------------

    async def public_notice(self, actor: Actor | None) -> int:
        """The meeting is public: every registered resident of the commune is told, once."""
        actor = await self._staff.require(actor, "announce_meeting")
        async with self._database.transaction() as db:
            dialogue = await self._dialogue(db, actor)
            if not await invitations.mark_public_notice(db, dialogue.id):
                raise PublicNoticeSent()
            residents = await invitations.registered_residents(db, actor.commune_id)
            for person_id in residents:
                await outbox.enqueue(db, person_id, "dialogue_public", **_meeting(dialogue))
            await audit.record(db, commune_id=actor.commune_id, actor_person_id=actor.person_id,
                               action="dialogue.public_notice", subject_type="dialogue", subject_id=dialogue.id,
                               details={"residents": len(residents)})
        return len(residents)

    async def loudspeaker_text(self, actor: Actor | None, t: Translator) -> str:
        """A short text for the commune loudspeaker (phát thanh), readable aloud, for the office to copy."""
        actor = await self._staff.require(actor, "announce_meeting")
        async with self._database.read() as db:
            dialogue = await self._dialogue(db, actor)
        return loudspeaker(_meeting(dialogue), t, self._communes)

    # --- at the meeting -------------------------------------------------------------------------------

    async def attend(self, actor: Actor | None, invitation_id: int | None = None, *, hamlet_id: str | None = None) -> int:
        """Attendance from the list: one person, or everyone invited from a hamlet."""
        actor = await self._staff.require(actor, "take_attendance")
        async with self._database.transaction() as db:
            dialogue = await self._dialogue(db, actor)
            if self.today() < self.local_date(dialogue.meeting_at):
                from bot.services.dialogues import MeetingNotYet
                raise MeetingNotYet(date=self.local_date(dialogue.meeting_at))
            listed = await invitations.of_dialogue(db, dialogue.id, hamlet_id)
            ids = [i.id for i in listed if invitation_id is None or i.id == invitation_id]
            if not ids:
                raise UnknownChoice()
            await invitations.mark_attended(db, ids)
        return len(ids)

    async def walk_in(self, actor: Actor | None, *, name: str | None, hamlet_id: str, point: str | None = None,
                      category: str = "other") -> Invitation:
        """Someone not on the list came: they are added as present; a point they raise from the floor
        joins this meeting's agenda (DOMAIN.md "In practice"), not the next dialogue's."""
        actor = await self._staff.require(actor, "take_attendance")
        name = clean_text(name, MAX_NAME, single_line=True)
        text = clean_text(point, 4000, required=False) if point else None
        commune = self._communes.get(actor.commune_id)
        if commune is None or commune.hamlet(hamlet_id) is None:
            raise UnknownChoice()
        if commune.category(category) is None:  # a commune without "other": its first topic that is not a petition
            category = next(c.key for c in commune.categories if not c.petition)
        async with self._database.transaction() as db:
            dialogue = await self._dialogue(db, actor)
            if self.today() < self.local_date(dialogue.meeting_at):
                from bot.services.dialogues import MeetingNotYet
                raise MeetingNotYet(date=self.local_date(dialogue.meeting_at))
            invitation_id = await invitations.add(db, dialogue_id=dialogue.id, commune_id=actor.commune_id,
                                                  hamlet_id=hamlet_id, person_id=None, name=name, reason="walk_in",
                                                  added_by=actor.person_id)
            assert invitation_id is not None
            await invitations.mark_attended(db, [invitation_id])
            if text:
                resident_id = await casework.insert_offline_resident(db, commune_id=actor.commune_id,
                                                                      hamlet_id=hamlet_id, name=name, phone=None)
                code = new_tracking_code()
                while await concerns.code_exists(db, code):
                    code = new_tracking_code()
                concern = await concerns.insert(db, commune_id=actor.commune_id, code=code, resident_id=resident_id,
                                                hamlet_id=hamlet_id, category=category, body=text, status="accepted",
                                                submission_key=f"floor:{dialogue.id}:{invitation_id}", attachments=())
                await db.execute("UPDATE concerns SET dialogue_id = ?, entered_by = ? WHERE id = ?",
                                 (dialogue.id, actor.person_id, concern.id))
                await audit.record(db, commune_id=actor.commune_id, actor_person_id=actor.person_id,
                                   action="concern.from_floor", subject_type="concern", subject_id=concern.id,
                                   details={"dialogue": dialogue.id, "code": code})
            invitation = await invitations.by_id(db, invitation_id)
        assert invitation is not None
        return invitation

    # --- who chairs -----------------------------------------------------------------------------------

    async def delegate_chair(self, actor: Actor | None, vice_person_id: int) -> DialogueRecord:
        """The Chairman delegates one Vice-chairman to chair (plan II.1): his act, not the office's.
        The chair is told the date, the place and the size of the agenda."""
        actor = await self._staff.require(actor, "delegate_chair")
        async with self._database.transaction() as db:
            chairs = await staff.holders(db, actor.commune_id, CHAIR)
            if not any(g.person_id == actor.person_id and g.body == CHAIRMAN for g in chairs):
                raise NotChairman()
            if not any(g.person_id == vice_person_id and g.body == VICE_CHAIRMAN for g in chairs):
                raise NotViceChairman()
            dialogue = await self._dialogue(db, actor)
            await invitations.set_chair(db, dialogue.id, vice_person_id, actor.person_id)
            agenda = await dialogues.agenda_ids(db, dialogue, concluded=False)
            await outbox.enqueue(db, vice_person_id, "chair_delegated", agenda=len(agenda),
                                 by=actor.display_name or "", **_meeting(dialogue))
            await audit.record(db, commune_id=actor.commune_id, actor_person_id=actor.person_id,
                               action="dialogue.chair_delegated", subject_type="dialogue", subject_id=dialogue.id,
                               details={"chair": vice_person_id})
            fresh = await dialogues.by_id(db, dialogue.id)
        assert fresh is not None
        return fresh

    async def propose_delegation(self, actor: Actor | None, vice_person_id: int) -> int:
        """The office proposes a Vice-chairman to the Chairman, who decides."""
        actor = await self._staff.require(actor, "propose_chair")
        async with self._database.transaction() as db:
            dialogue = await self._dialogue(db, actor)
            chairs = await staff.holders(db, actor.commune_id, CHAIR)
            vice = next((g for g in chairs if g.person_id == vice_person_id and g.body == VICE_CHAIRMAN), None)
            if vice is None:
                raise NotViceChairman()
            chairmen = [g.person_id for g in chairs if g.body == CHAIRMAN]
            for person_id in chairmen:
                await outbox.enqueue(db, person_id, "chair_proposed", vice=vice.display_name or "",
                                     vice_id=vice_person_id, **_meeting(dialogue))
        return len(chairmen)


async def tell_invitees(db, dialogue: DialogueRecord, *, cancelled: bool, previous_at: str | None = None) -> int:
    """A rescheduled or cancelled dialogue: every invitee on a chat and every hamlet head with invitees is
    told (called inside the dialogue service's transaction, so the change and the notices commit together)."""
    listed = await invitations.of_dialogue(db, dialogue.id)
    told = set()
    for invitation in listed:
        if invitation.person_id is not None and invitation.issued_at and invitation.person_id not in told:
            told.add(invitation.person_id)
            await outbox.enqueue(db, invitation.person_id, "invitation_changed", cancelled=cancelled,
                                 previous_at=previous_at, **_meeting(dialogue))
    hamlets = {i.hamlet_id for i in listed if i.hamlet_id and i.issued_at}
    for head in await staff.holders(db, dialogue.commune_id, HAMLET_HEAD):
        if head.hamlet_id in hamlets and head.person_id not in told:
            told.add(head.person_id)
            await outbox.enqueue(db, head.person_id, "invitation_changed", cancelled=cancelled, previous_at=previous_at,
                                 hamlet=head.hamlet_id, **_meeting(dialogue))
    return len(told)


def count_by_hamlet(listed: list[Invitation]) -> list[HamletCount]:
    hamlets: dict[str | None, list[Invitation]] = {}
    for invitation in listed:
        hamlets.setdefault(invitation.hamlet_id, []).append(invitation)
    return [HamletCount(
        hamlet_id=hamlet_id, invited=len(items),
        delivered_chat=sum(i.delivery == "chat" for i in items),
        delivered_hand=sum(i.delivery == "hand" for i in items),
        coming=sum(i.answer in ("yes", "delegate") for i in items),
        not_coming=sum(i.answer == "no" for i in items),
        no_answer=sum(i.answer is None for i in items),
        unreachable=[i.name for i in items if i.delivery in ("unreachable", "offline")],
    ) for hamlet_id, items in sorted(hamlets.items(), key=lambda pair: pair[0] or "")]


def _meeting(dialogue: DialogueRecord) -> dict:
    return dict(commune=dialogue.commune_id, meeting_at=dialogue.meeting_at, place=dialogue.place, theme=dialogue.theme)


def _listed(invitation: Invitation) -> dict:
    return dict(id=invitation.id, name=invitation.name, delivery=invitation.delivery, answer=invitation.answer,
                delegate=invitation.delegate_name)


# --- what the notices say ----------------------------------------------------------------------------

def _organisers(payload: dict, t: Translator, communes: Communes) -> str:
    commune = communes.get(payload.get("commune"))
    name = commune.name(t.locale) if commune else ""
    return t("The Fatherland Front Committee and the People's Committee of %(commune)s", commune=name)


@renders("invitation")
def _invitation(payload: dict, t: Translator, communes: Communes) -> Rendered:
    day, at = _when(t, payload["meeting_at"])
    place = place_name(communes, payload.get("commune"), payload["place"], t.locale)
    lines = [t("✉️ INVITATION", ), "",
             t("%(organisers)s respectfully invite you to the direct dialogue between the commune's leaders and its "
               "residents, on %(date)s at %(time)s, at %(place)s.",
               organisers=_organisers(payload, t, communes), date=day, time=at, place=place)]
    if payload.get("theme"):
        lines.append(t("Theme: %(theme)s", theme=payload["theme"]))
    lines += ["", t("To speak at the meeting, register with /speak (about a concern you sent with /new)."),
              t("The meeting's rules: speak in the registered order when the chair gives you the floor, briefly and "
                "on the matter; no complaints or denunciations that need a petition."),
              "", t("Please choose one of the answers below.")]
    number = payload["invitation"]
    return Rendered("\n".join(lines), [(t("✅ I will come"), f"iv:yes:{number}"),
                                       (t("❌ I cannot come"), f"iv:no:{number}"),
                                       (t("👤 I send someone in my place"), f"iv:sub:{number}")])


@renders("invitation_changed")
def _invitation_changed(payload: dict, t: Translator, communes: Communes) -> Rendered:
    day, at = _when(t, payload["meeting_at"])
    if payload.get("cancelled"):
        return Rendered(t("The dialogue of %(date)s to which you were invited has been cancelled.", date=day))
    previous, _ = _when(t, payload["previous_at"]) if payload.get("previous_at") else ("", "")
    return Rendered(t("📅 The dialogue to which you were invited has been moved from %(previous)s to %(date)s at "
                      "%(time)s, at %(place)s. Your invitation stays valid.", previous=previous, date=day, time=at,
                      place=place_name(communes, payload.get("commune"), payload["place"], t.locale)))


@renders("dialogue_public")
def _dialogue_public(payload: dict, t: Translator, communes: Communes) -> Rendered:
    day, at = _when(t, payload["meeting_at"])
    lines = [t("📣 The commune's direct dialogue with its residents is public: it will be held on %(date)s at %(time)s, "
               "at %(place)s. Everyone may come.", date=day, time=at,
               place=place_name(communes, payload.get("commune"), payload["place"], t.locale))]
    if payload.get("theme"):
        lines.append(t("Theme: %(theme)s", theme=payload["theme"]))
    lines.append(t("Send a concern with /new and register to speak with /speak."))
    return Rendered("\n".join(lines))


def loudspeaker(payload: dict, t: Translator, communes: Communes) -> str:
    """Short sentences, no abbreviations, no buttons: read aloud on the commune loudspeaker."""
    day, at = _when(t, payload["meeting_at"])
    commune = communes.get(payload.get("commune"))
    text = t("Notice. The People's Committee and the Fatherland Front Committee of %(commune)s will hold the direct "
             "dialogue with residents on %(date)s, at %(time)s, at %(place)s. The meeting is public. Residents with "
             "concerns, please send them to your hamlet head or through the commune's chatbot before the meeting.",
             commune=commune.name(t.locale) if commune else "", date=day, time=at,
             place=place_name(communes, payload.get("commune"), payload["place"], t.locale))
    if payload.get("theme"):
        text += " " + t("Theme: %(theme)s", theme=payload["theme"])
    return text


@renders("chair_delegated")
def _chair_delegated(payload: dict, t: Translator, communes: Communes) -> Rendered:
    day, at = _when(t, payload["meeting_at"])
    return Rendered(t("🎙 %(by)s has delegated you to chair the dialogue on %(date)s at %(time)s, at %(place)s. "
                      "Concerns on its agenda: %(count)d.", by=payload["by"], date=day, time=at,
                      place=place_name(communes, payload.get("commune"), payload["place"], t.locale),
                      count=payload["agenda"]))


@renders("chair_proposed")
def _chair_proposed(payload: dict, t: Translator, communes: Communes) -> Rendered:
    day, _ = _when(t, payload["meeting_at"])
    return Rendered(t("The commune office proposes that %(vice)s chair the dialogue on %(date)s in your place.",
                      vice=payload["vice"], date=day),
                    [(t("✅ Delegate"), f"iv:chair:{payload['vice_id']}")])


ANSWER_LABELS = {"yes": N_("will come"), "no": N_("cannot come"), "delegate": N_("sends %(name)s")}
DELIVERY_LABELS = {"none": N_("not issued"), "waiting": N_("being sent"), "chat": N_("received by chat"),
                   "hand": N_("handed over"), "unreachable": N_("not reachable: to hand over"),
                   "offline": N_("no Telegram: to hand over")}


def invitee_line(item: dict, t: Translator) -> str:
    answer = item.get("answer")
    said = t(ANSWER_LABELS[answer], name=item.get("delegate") or "") if answer else t("no answer")
    delivery = DELIVERY_LABELS[item["delivery"]]
    return t("• %(name)s: %(delivery)s, %(answer)s", name=item["name"], delivery=t(delivery), answer=said)


@paged.page_text("hamlet_invitations")
def _hamlet_invitations_page(payload: dict, page: Page, t: Translator, communes: Communes) -> str:
    commune = communes.get(payload.get("commune"))
    hamlet = commune.hamlet(payload["hamlet"]) if commune else None
    day, _ = _when(t, payload["meeting_at"])
    lines = [t("✉️ Invitations to the dialogue of %(date)s for %(hamlet)s. Please forward the invitation in your "
               "hamlet's group and hand it over to those without Telegram (/invitations).",
               date=day, hamlet=hamlet.name(t.locale) if hamlet else payload["hamlet"])]
    if page_line(page, t):
        lines.append(page_line(page, t))
    lines += [invitee_line(item, t) for item in page.items]
    return "\n".join(lines)


@renders("hamlet_invitations")
def _hamlet_invitations(payload: dict, t: Translator, communes: Communes) -> Rendered:
    return paged.first_page("hamlet_invitations", payload, t, communes)


def forward_text(payload: dict, t: Translator, communes: Communes, link: str) -> str:
    """The text a hamlet head forwards in a Zalo or Telegram group, with the link that opens the bot."""
    day, at = _when(t, payload["meeting_at"])
    return t("The commune's direct dialogue with its residents: %(date)s at %(time)s, at %(place)s. To register "
             "and answer the invitation, open %(link)s", date=day, time=at, link=link,
             place=place_name(communes, payload.get("commune"), payload["place"], t.locale))


def meeting_payload(dialogue: DialogueRecord) -> dict:
    return _meeting(dialogue)


def local_day(utc_iso: str, tz) -> date:
    return datetime.fromisoformat(utc_iso).astimezone(tz).date()
