"""After the meeting (issue 11): the chair confirms conclusions the office entered for them, a concern referred
to a higher level or an outside body is followed until its answer is recorded, and the MTTQ's supervision notes
are acknowledged by the office and the chair. The functions at the top run inside the dialogue service's
transactions; FollowUpService is what the channels call."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date as date_type

from bot.communes import Communes
from bot.domain import normalize_code
from bot.errors import DomainError, UnknownChoice
from bot.i18n import N_, Translator
from bot.notices import Rendered, renders
from bot.roles import CHAIR, MTTQ, OFFICE, Actor
from bot.services import lifecycle
from bot.services.base import CommuneService
from bot.text import clean_text
from storage import audit, concerns, dialogues, followup, outbox, staff
from storage.followup import Note, PendingConclusion, Referral
from storage.records import Concern

MAX_BODY_NAME = 200
MAX_ANSWER = 2000
MAX_NOTE = 1000
REFERRAL_REMIND_EVERY = 10  # working days


class ConclusionsUnconfirmed(DomainError):
    message = N_("The chair has not yet confirmed these conclusions the office entered: %(codes)s. The chair "
                 "confirms them with /confirm. Nothing was announced.")


class NothingToConfirm(DomainError):
    message = N_("No conclusion is waiting for your confirmation.")


class NotReferred(DomainError):
    message = N_("Concern %(code)s is not waiting for the answer of a body it was referred to. Nothing was changed.")


class NoteConcernNotFound(DomainError):
    message = N_("There is no concern %(code)s in this commune. Nothing was recorded.")


class NotForAnswer(DomainError):
    message = N_("Concern %(code)s has no answer waiting for the resident's reply, or its resident uses the bot and "
                 "replies themselves. Nothing was changed.")


class NoteUnknown(DomainError):
    message = N_("This note is not available any more.")


def check_referred_to(text: str | None) -> str:
    return clean_text(text, MAX_BODY_NAME, single_line=True)


async def concluded(db, actor: Actor, dialogue, concern: Concern, referred_to: str | None) -> None:
    """After dialogues.conclude: who entered it; the chair's own conclusion needs no confirmation, the
    office's is sent to the chair of the dialogue to confirm."""
    by_chair = CHAIR in actor.roles
    await followup.set_conclusion_meta(db, concern.id, by=actor.person_id, confirmed=by_chair, referred_to=referred_to)
    if by_chair:
        return
    chairs = [dialogue.chair_person_id] if dialogue.chair_person_id else [
        g.person_id for g in await staff.holders(db, concern.commune_id, CHAIR)]
    for person_id in chairs:
        await outbox.enqueue(db, person_id, "conclusion_to_confirm", code=concern.code)


async def check_confirmed(db, dialogue_id: int) -> None:
    pending = await followup.unconfirmed(db, dialogue_id)
    if pending:
        raise ConclusionsUnconfirmed(codes=", ".join(p.code for p in pending))


async def referred_to(db, concern: Concern) -> str | None:
    return await followup.referred_to(db, concern.id) if concern.conclusion == "referred" else None


RATINGS = range(1, 6)


async def flag_legal_procedure(db, assignment_id: int) -> None:
    await db.execute("UPDATE assignments SET legal_procedure = 1 WHERE id = ?", (assignment_id,))


async def ask_rating(db, concern: Concern) -> None:
    """Whenever a concern is closed, its resident is asked how satisfied they are (1 to 5)."""
    await outbox.enqueue(db, concern.resident_id, "rating_request", code=concern.code)


async def tell_office(db, commune_id: str, action: str, **payload) -> None:
    """An officer resolved or extended: the office is told (the plan: bodies "report to the commune"), and the
    chairs who chose to follow the results."""
    told = {grant.person_id for grant in await staff.holders(db, commune_id, OFFICE)} | set(await followup.followers(db, commune_id))
    for person_id in sorted(told):
        await outbox.enqueue(db, person_id, "officer_reported", action=action, **payload)


async def tell_mttq_of_announcement(db, commune_id: str, meeting_at: str, count: int) -> None:
    """The MTTQ supervises: it hears of every announcement."""
    for grant in await staff.holders(db, commune_id, MTTQ):
        await outbox.enqueue(db, grant.person_id, "announced_for_mttq", meeting_at=meeting_at, count=count)


@dataclass(frozen=True)
class Pending:
    dialogue_id: int
    items: tuple[PendingConclusion, ...]


class FollowUpService(CommuneService):
    # --- the chair's confirmation --------------------------------------------------------------

    async def pending_confirmation(self, actor: Actor | None) -> Pending:
        actor = await self._staff.require(actor, "confirm_conclusion")
        async with self._database.read() as db:
            dialogue = await dialogues.current(db, actor.commune_id)
            items = await followup.unconfirmed(db, dialogue.id) if dialogue else []
        if not items:
            raise NothingToConfirm()
        return Pending(dialogue.id, tuple(items))

    async def confirm(self, actor: Actor | None, dialogue_id: int) -> int:
        """The chair confirms every conclusion the office entered on this dialogue; they may then be announced."""
        actor = await self._staff.require(actor, "confirm_conclusion")
        async with self._database.transaction() as db:
            dialogue = await dialogues.current(db, actor.commune_id)
            if dialogue is None or dialogue.id != dialogue_id:
                raise UnknownChoice()
            items = await followup.unconfirmed(db, dialogue.id)
            if not items:
                raise NothingToConfirm()
            await followup.confirm(db, [item.id for item in items])
            await audit.record(db, commune_id=actor.commune_id, actor_person_id=actor.person_id,
                               action="dialogue.conclusions_confirmed", subject_type="dialogue", subject_id=dialogue.id,
                               details={"codes": [item.code for item in items]})
            for grant in await staff.holders(db, actor.commune_id, OFFICE):
                await outbox.enqueue(db, grant.person_id, "conclusions_confirmed", count=len(items))
        return len(items)

    async def follow_results(self, actor: Actor | None) -> bool:
        """/follow: the chair chooses to be told of every result, extension and dispute (or stops)."""
        actor = await self._staff.require(actor, "confirm_conclusion")
        async with self._database.transaction() as db:
            return await followup.toggle_follower(db, actor.commune_id, actor.person_id)

    # --- referrals -----------------------------------------------------------------------------

    async def referrals(self, actor: Actor | None) -> list[Referral]:
        actor = await self._staff.require(actor, "list_concerns")
        async with self._database.read() as db:
            return await followup.waiting_referrals(db, actor.commune_id)

    async def answer_referral(self, actor: Actor | None, concern_id: int, text: str | None) -> Concern:
        """The office records the answer of the body a concern was referred to; the resident reads it and may
        say whether it satisfies them; the MTTQ is told."""
        actor = await self._staff.require(actor, "record_referral_answer")
        text = clean_text(text, MAX_ANSWER)
        async with self._database.transaction() as db:
            concern = await concerns.by_id(db, concern_id)
            if concern is None or concern.commune_id != actor.commune_id:
                raise UnknownChoice()
            if concern.status != "referred":
                raise NotReferred(code=concern.code)
            body = await followup.referred_to(db, concern.id)
            await lifecycle.change(db, concern, "referral_answered", actor_person_id=actor.person_id, text=text,
                                   details={"body": body})
            await followup.record_referral_answer(db, concern.id, text)
            for grant in await staff.holders(db, actor.commune_id, MTTQ):
                await outbox.enqueue(db, grant.person_id, "referral_answered", code=concern.code, body=body)
            return await lifecycle.reload(db, concern)

    async def rate(self, actor: Actor | None, code: str, stars: int) -> Concern:
        """The resident says how satisfied they are with a closed concern of theirs (once; a new tap replaces it)."""
        from bot.services.tasks import _residents_own

        if stars not in RATINGS:
            raise UnknownChoice()
        async with self._database.transaction() as db:
            concern = await _residents_own(db, actor, code)
            if concern.status != "closed":
                raise UnknownChoice()
            await followup.rate(db, concern.id, stars)
            await audit.record(db, commune_id=concern.commune_id, actor_person_id=concern.resident_id,
                               action="concern.rated", subject_type="concern", subject_id=concern.id,
                               details={"satisfaction": stars})
            return concern

    async def rating_awaited(self, actor: Actor | None, code: str) -> bool:
        """Whether the resident's closed concern still awaits their rating."""
        from bot.services.tasks import _residents_own

        async with self._database.read() as db:
            concern = await _residents_own(db, actor, code)
            return concern.status == "closed" and await followup.rating(db, concern.id) is None

    # --- a resident without a phone answers through their hamlet head ------------------------------

    async def answer_target(self, actor: Actor | None, code: str | None) -> tuple[Concern, str | None]:
        """The concern whose answer a resident without a phone replies to, with the answer they were given."""
        actor = await self._staff.require(actor, "enter_for_resident")
        async with self._database.read() as db:
            concern = await self._offline_answered(db, actor, code)
            answer = await followup.answer_given(db, concern.id)
        return concern, answer

    async def _offline_answered(self, db, actor: Actor, code: str | None) -> Concern:
        normalized = normalize_code(code or "")
        concern = await concerns.in_commune(db, actor.commune_id, normalized) if normalized else None
        if concern is None or not actor.reads_concern(hamlet_id=concern.hamlet_id, officer_ids=set()):
            raise NoteConcernNotFound(code=(code or "").strip()[:20])
        if concern.status not in ("resolved", "answered") or not await followup.is_offline(db, concern.resident_id):
            raise NotForAnswer(code=concern.code)
        return concern

    async def answer_on_behalf(self, actor: Actor | None, code: str, satisfied: bool, reason: str | None = None) -> Concern:
        """The hamlet head (or the office) records the reply of a resident without a phone: agreed, or disputed with
        the reason; audited as entered on the resident's behalf. A dispute goes to the office and the MTTQ."""
        actor = await self._staff.require(actor, "enter_for_resident")
        reason = None if satisfied else clean_text(reason, MAX_NOTE)
        async with self._database.transaction() as db:
            concern = await self._offline_answered(db, actor, code)
            details = {"on_behalf_of": concern.resident_id}
            await lifecycle.change(db, concern, "satisfied" if satisfied else "dispute", actor_person_id=actor.person_id,
                                   text=reason, details=details, notify_resident=False)
            officer = await followup.live_officer(db, concern.id)
            if officer is not None:
                await outbox.enqueue(db, officer, "task_answered", code=concern.code, satisfied=satisfied,
                                     **({} if satisfied else {"reason": reason}))
            if not satisfied:
                for role in (OFFICE, MTTQ):
                    for grant in await staff.holders(db, concern.commune_id, role):
                        await outbox.enqueue(db, grant.person_id, "concern_disputed", code=concern.code,
                                             commune_id=concern.commune_id, category=concern.category, reason=reason)
            return await lifecycle.reload(db, concern)

    async def queue_referral_reminders(self, today=None) -> int:
        """Every 10 working days after the announcement, the office and the MTTQ are reminded of each referred
        concern still waiting for its body's answer (once a day at most: recorded in the audit log)."""
        today = today or self.today()
        if not self._calendar.is_working_day(today):
            return 0
        queued = 0
        for commune in self._communes.items:
            async with self._database.transaction() as db:
                if await followup.reminded_on(db, commune.id, today.isoformat()):
                    continue
                waiting = [r for r in await followup.waiting_referrals(db, commune.id) if r.announced_on and
                           self._calendar.working_days_between(date_type.fromisoformat(r.announced_on), today) > 0 and
                           self._calendar.working_days_between(date_type.fromisoformat(r.announced_on), today)
                           % REFERRAL_REMIND_EVERY == 0]
                if not waiting:
                    continue
                await audit.record(db, commune_id=commune.id, actor_person_id=None, action="referral.reminded",
                                   subject_type="commune", subject_id=None,
                                   details={"on_day": today.isoformat(), "codes": [r.code for r in waiting]})
                items = [{"code": r.code, "body": r.referred_to, "announced_on": r.announced_on} for r in waiting]
                for role in (OFFICE, MTTQ):
                    for grant in await staff.holders(db, commune.id, role):
                        await outbox.enqueue(db, grant.person_id, "referrals_waiting", items=items)
                        queued += 1
        return queued

    # --- the MTTQ's supervision notes ----------------------------------------------------------

    async def add_note(self, actor: Actor | None, code: str | None, text: str | None) -> Note:
        """A supervision note on a concern (by its code) or, without a code, on the current or last dialogue.
        Every holder of the office and chair roles is asked to acknowledge it."""
        actor = await self._staff.require(actor, "supervise")
        text = clean_text(text, MAX_NOTE)
        async with self._database.transaction() as db:
            concern_id = dialogue_id = None
            if code is not None:
                normalized = normalize_code(code)
                concern = await concerns.in_commune(db, actor.commune_id, normalized) if normalized else None
                if concern is None:
                    raise NoteConcernNotFound(code=code.strip()[:20])
                concern_id = concern.id
            else:
                dialogue = await dialogues.current(db, actor.commune_id) or await dialogues.last_held(db, actor.commune_id)
                if dialogue is None:
                    raise UnknownChoice()
                dialogue_id = dialogue.id
            note_id = await followup.add_note(db, commune_id=actor.commune_id, concern_id=concern_id,
                                              dialogue_id=dialogue_id, author=actor.person_id, text=text)
            await audit.record(db, commune_id=actor.commune_id, actor_person_id=actor.person_id, action="note.added",
                               subject_type="supervision_note", subject_id=note_id, details={})
            for role in (OFFICE, CHAIR):
                for grant in await staff.holders(db, actor.commune_id, role):
                    await outbox.enqueue(db, grant.person_id, "supervision_note", note=note_id, commune=actor.commune_id,
                                         code=code and normalize_code(code), text=text)
            return (await followup.notes(db, actor.commune_id, note_id=note_id))[0]

    async def acknowledge(self, actor: Actor | None, note_id: int) -> Note:
        """The office (or the chair) acknowledges a note: once per role, the first holder's tap counts."""
        actor = await self._staff.require(actor, "acknowledge_note")
        async with self._database.transaction() as db:
            found = await followup.notes(db, actor.commune_id, note_id=note_id)
            if not found:
                raise NoteUnknown()
            for role in sorted(actor.roles & {OFFICE, CHAIR}):
                if await followup.acknowledge(db, note_id, role, actor.person_id):
                    await audit.record(db, commune_id=actor.commune_id, actor_person_id=actor.person_id,
                                       action="note.acknowledged", subject_type="supervision_note", subject_id=note_id,
                                       details={"role": role})
            return (await followup.notes(db, actor.commune_id, note_id=note_id))[0]

    async def open_notes(self, actor: Actor | None) -> list[Note]:
        """Notes the office or the chair has not acknowledged yet (shown in /overdue)."""
        actor = await self._staff.require(actor, "view_overdue")
        async with self._database.read() as db:
            return await followup.notes(db, actor.commune_id, unacknowledged_only=True)


@renders("conclusion_to_confirm")
def _conclusion_to_confirm(payload: dict, t: Translator, communes: Communes) -> Rendered:
    return Rendered(t("🧾 The office recorded your conclusion on concern %(code)s. Please confirm the conclusions with "
                      "/confirm before they are announced.", code=payload["code"]))


@renders("officer_reported")
def _officer_reported(payload: dict, t: Translator, communes: Communes) -> Rendered:
    body = communes.body_name(payload.get("body"), t.locale)
    if payload["action"] == "extend":
        from datetime import date

        return Rendered(t("⏳ %(body)s extended concern %(code)s to %(date)s, with a written reply to the resident.",
                          body=body, code=payload["code"], date=t.date(date.fromisoformat(payload["date"]))))
    return Rendered(t("📨 %(body)s resolved concern %(code)s and answered the resident in writing.",
                      body=body, code=payload["code"]))


@renders("announced_for_mttq")
def _announced_for_mttq(payload: dict, t: Translator, communes: Communes) -> Rendered:
    from bot.reports.figures import local_day

    return Rendered(t.n("📢 The conclusions of the dialogue held %(date)s were announced: %(count)d concern. The full list: "
                        "/report.",
                        "📢 The conclusions of the dialogue held %(date)s were announced: %(count)d concerns. The full list: "
                        "/report.", payload["count"],
                        date=t.date(local_day(payload["meeting_at"], t.timezone)), count=payload["count"]))


@renders("rating_request")
def _rating_request(payload: dict, t: Translator, communes: Communes) -> Rendered:
    return Rendered(t("Concern %(code)s is closed. How satisfied are you with how it was handled? "
                      "(1 = not at all, 5 = fully)", code=payload["code"]),
                    [(f"{n} ⭐", f"rt:{payload['code']}:{n}") for n in RATINGS])


@renders("referrals_waiting")
def _referrals_waiting(payload: dict, t: Translator, communes: Communes) -> Rendered:
    lines = [t("📤 Referred concerns still waiting for the answer of the body they were referred to:")]
    for item in payload["items"]:
        lines.append(t("• %(code)s: %(body)s (announced %(date)s)", code=item["code"], body=item["body"],
                       date=t.short_date(date_type.fromisoformat(item["announced_on"]))))
    lines.append(t("Please ask those bodies for their answer; the office records it with /referred."))
    return Rendered("\n".join(lines))


@renders("conclusions_confirmed")
def _conclusions_confirmed(payload: dict, t: Translator, communes: Communes) -> Rendered:
    return Rendered(t.n("✅ The chair confirmed %(count)d conclusion. It can be announced with /announce.",
                        "✅ The chair confirmed %(count)d conclusions. They can be announced with /announce.",
                        payload["count"], count=payload["count"]))


@renders("referral_answered")
def _referral_answered(payload: dict, t: Translator, communes: Communes) -> Rendered:
    return Rendered(t("📨 The answer of %(body)s on concern %(code)s was recorded and sent to the resident.",
                      body=payload.get("body") or "", code=payload["code"]))


@renders("supervision_note")
def _supervision_note(payload: dict, t: Translator, communes: Communes) -> Rendered:
    about = (t("on concern %(code)s", code=payload["code"]) if payload.get("code") else t("on the dialogue"))
    return Rendered(t("📝 Supervision note of the MTTQ %(about)s:", about=about) + "\n\n" + payload["text"],
                    [(t("✅ Acknowledge"), f"nt:ack:{payload['note']}")])
