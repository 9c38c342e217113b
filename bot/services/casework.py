"""The office's casework: screening new concerns, entering concerns for residents without a phone,
a concern's file as officials see it, closing, reopening a disputed answer, and what is overdue."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.calendar import WorkingCalendar
from bot.communes import Commune, Communes, Hamlet
from bot.deadlines import DeadlineRules
from bot.domain import MAX_CONCERN_LENGTH, STATUS_LABELS, new_tracking_code, normalize_code
from bot.text import clean, clean_text
from bot.errors import DomainError, PetitionForResident, PetitionNotInDialogue, TextEmpty, UnknownChoice
from bot.i18n import N_, N_plural, Translator
from bot.lifecycle import STILL_TRACKED_STATUSES, TRANSITIONS, next_status
from bot.similarity import SimilarConcern, SimilarityMatcher
from bot.notices import Rendered, renders
from bot.pages import Page, window
from bot.roles import OFFICE, READ_ALL_ROLES, Actor
from bot.services import followup, lifecycle
from bot.services.residents import ResidentService
from bot.services.base import COMMUNE_TIMEZONE, CommuneService
from bot.services.staff import StaffService
from storage import assignments, audit, casework, concerns, lookups, outbox, speakers
from storage.assignments import Assignment
from storage.casework import Identity
from storage.database import Database, utc_now
from storage.records import Attachment, Concern, Dialogue, HistoryEntry

MAX_NOTE_LENGTH = 1000
# A resolved concern the resident has not answered may be closed by the office this many working days
# after the result was sent (issue 3: "no answer from the resident in 10 working days").
ANSWER_WAIT_DAYS = 10
# Lines on one page of /overdue.
OVERDUE_PER_PAGE = 20
PHONE_DIGITS = range(9, 12)
# Trying codes one after another is slowed down: after this many codes that found nothing the official
# may read, within the window, /concern answers no more lookups until the oldest of them is older
# than the window. Counted in the database, so a restart does not reset it.
LOOKUP_FAILURE_LIMIT = 5
LOOKUP_WINDOW = timedelta(minutes=15)
_PHONE_SEPARATORS = str.maketrans("", "", " .-()")

# Which permission (bot/roles.py PERMISSIONS) each casework action of bot/lifecycle.py needs.
CASE_ACTIONS = {
    "accept": "screen",
    "merge": "screen",
    "out_of_scope": "screen",
    "reject": "screen",
    "reopen": "close",
    "close": "close",
}


class CaseNotFound(DomainError):
    message = N_("There is no concern with the code %(code)s in your commune. Please check the code.")


class NotYoursToRead(DomainError):
    # The same answer whether the code exists or not: a refusal must not tell which codes are in use.
    message = N_("There is no concern with the code %(code)s among those you may read: a hamlet head reads the "
                 "concerns of their own hamlet, an officer those assigned to them. Please check the code.")


class LookupsPaused(DomainError):
    message = N_("Too many codes were not found in a short time. To protect residents' concerns, looking up a "
                 "concern by its code is paused until %(time)s. Please check the codes meanwhile.")


class CodeUnreadable(DomainError):
    message = N_("“%(text)s” is not a tracking code. A code has 6 digits, for example 482-913.")


class MergeIntoItself(DomainError):
    message = N_("A concern cannot be merged into itself. Please send the code of the earlier concern it repeats.")


class MergeIntoLater(DomainError):
    message = N_("Concern %(code)s was sent after this one. Please send the code of an earlier concern.")


class MergeIntoMerged(DomainError):
    message = N_("Concern %(code)s was itself merged into %(into)s. Please send %(into)s instead.")


class ReasonRequired(DomainError):
    message = N_("Please write the reason in a few words: it is sent to the resident.")


class NoteRequired(DomainError):
    message = N_("Please write a short note in a few words: it is sent to the resident.")


class NotYourHamlet(DomainError):
    message = N_("A hamlet head can enter concerns only for residents of their own hamlet. Nothing was changed.")


class PhoneInvalid(DomainError):
    message = N_("Please send a phone number of 9 to 11 digits (spaces and dots are fine), or tap “Skip”.")


class TooEarlyToClose(DomainError):
    message = N_plural(
        "Concern %(code)s was resolved on %(resolved)s and the resident has not answered yet. "
        "The office may close it without an answer from %(earliest)s (%(days)d working day later). Nothing was changed.",
        "Concern %(code)s was resolved on %(resolved)s and the resident has not answered yet. "
        "The office may close it without an answer from %(earliest)s (%(days)d working days later). Nothing was changed.",
    )
    count = "days"


@dataclass(frozen=True)
class InboxCard:
    concern: Concern
    position: int  # 1 = the oldest waiting
    total: int


@dataclass(frozen=True)
class CaseFile:
    """A concern as an official sees it; `identity` is None when this official may not see who sent it."""

    concern: Concern
    history: list[HistoryEntry]
    identity: Identity | None
    assignment: Assignment | None
    officer_name: str | None
    duplicate_of_code: str | None
    entered_by_name: str | None
    actions: list[str]


@dataclass(frozen=True)
class OverdueItem:
    code: str
    body: str
    officer_name: str | None
    due: date
    days_late: int  # working days after the due date, up to today


class MergeIntoFinished(DomainError):
    message = N_("Concern %(code)s is already finished (“%(status)s”): merging into it would leave this resident "
                 "without an answer. Accept or reject this concern on its own instead.")


FINISHED_STATUSES = frozenset({"rejected", "out_of_scope", "closed", "answered"})
# What a later concern may be merged into: still followed, or raised again out of a finished status.
MERGEABLE_STATUSES = tuple(sorted(STILL_TRACKED_STATUSES | TRANSITIONS["raise_again"][0]))


class CaseworkService(CommuneService):
    def __init__(self, database: Database, communes: Communes, staff: StaffService, calendar: WorkingCalendar,
                 rules: DeadlineRules, *, timezone: ZoneInfo = COMMUNE_TIMEZONE,
                 clock: Callable[[], datetime] | None = None, matcher: SimilarityMatcher | None = None) -> None:
        super().__init__(database, communes, staff, calendar, rules, timezone=timezone, clock=clock)
        self._matcher = matcher or SimilarityMatcher(database)

    # --- shared -------------------------------------------------------------------------------

    def commune(self, actor: Actor) -> Commune:
        commune = self._communes.get(actor.commune_id)
        if commune is None:
            raise UnknownChoice()
        return commune

    @staticmethod
    def _code(code_text: str | None) -> str:
        code = normalize_code(code_text or "")
        if code is None:
            raise CodeUnreadable(text=(code_text or "").strip()[:20])
        return code

    async def _concern(self, db, actor: Actor, code: str) -> Concern:
        # A code of another commune answers exactly like an unknown one.
        concern = await concerns.in_commune(db, actor.commune_id, code)
        if concern is None:
            raise CaseNotFound(code=code)
        return concern

    @staticmethod
    def actions_for(actor: Actor, concern: Concern) -> list[str]:
        """The casework actions this official may take on the concern in its current status."""
        return [action for action, permission in CASE_ACTIONS.items()
                if actor.may(permission) and concern.status in TRANSITIONS[action][0]]

    async def check_action(self, actor: Actor | None, code_text: str, action: str) -> Concern:
        """Before asking for a reason or a code: may this official take `action` on the concern now?"""
        actor = await self._staff.require(actor, CASE_ACTIONS[action])
        code = self._code(code_text)
        async with self._database.read() as db:
            concern = await self._concern(db, actor, code)
            next_status(action, concern.status, concern.code)
            if action == "close":
                await self._check_answer_wait(db, concern)
        return concern

    # --- screening (plan II.3.1) --------------------------------------------------------------

    async def inbox(self, actor: Actor | None, after_code: str | None = None) -> InboxCard | None:
        """The oldest concern waiting for screening, or the next one after `after_code`; None when none is left."""
        actor = await self._staff.require(actor, "screen")
        async with self._database.read() as db:
            after = await concerns.in_commune(db, actor.commune_id, self._code(after_code)) if after_code else None
            found = await casework.next_submitted(db, actor.commune_id, after)
            total = await casework.count_submitted(db, actor.commune_id)
        return InboxCard(found[0], found[1], total) if found else None

    async def duplicates(self, actor: Actor | None, concern: Concern) -> list[SimilarConcern]:
        """The likely earlier duplicates of a concern being screened (issue 10), best first: any earlier concern
        of the commune, also one answered, closed or rejected in an earlier dialogue ("nêu lại")."""
        actor = await self._staff.require(actor, "screen")
        found = await self._matcher.similar(concern.body, commune_id=actor.commune_id, topic=concern.category,
                                            hamlet_id=concern.hamlet_id, exclude_codes=(concern.code,),
                                            statuses=MERGEABLE_STATUSES)
        async with self._database.read() as db:
            earlier = []
            for similar in found:
                other = await concerns.in_commune(db, actor.commune_id, similar.code)
                if other is not None and (other.submitted_at, other.id) < (concern.submitted_at, concern.id):
                    earlier.append(similar)
        return earlier

    async def accept(self, actor: Actor | None, code_text: str) -> tuple[Concern, Dialogue | None]:
        """Onto the agenda of the coming dialogue (or of the next one to be scheduled)."""
        actor = await self._staff.require(actor, "screen")
        code = self._code(code_text)
        async with self._database.transaction() as db:
            concern = await self._concern(db, actor, code)
            dialogue = await speakers.upcoming_dialogue(db, actor.commune_id, utc_now())
            details = {"dialogue_date": self.local_date(dialogue.meeting_at).isoformat()} if dialogue else {}
            await lifecycle.change(db, concern, "accept", actor_person_id=actor.person_id, details=details,
                                   dialogue_id=dialogue.id if dialogue else None)
            return await lifecycle.reload(db, concern), dialogue

    async def merge(self, actor: Actor | None, code_text: str, into_text: str) -> tuple[Concern, Concern]:
        """Merge into an earlier identical concern: the resident follows that one, which counts one more raising."""
        actor = await self._staff.require(actor, "screen")
        code = self._code(code_text)
        into = self._code(into_text)
        async with self._database.transaction() as db:
            concern = await self._concern(db, actor, code)
            next_status("merge", concern.status, concern.code)
            earlier = await self._concern(db, actor, into)
            if earlier.id == concern.id:
                raise MergeIntoItself()
            if (earlier.submitted_at, earlier.id) >= (concern.submitted_at, concern.id):
                raise MergeIntoLater(code=earlier.code)
            if earlier.status == "merged":
                raise MergeIntoMerged(code=earlier.code, into=await casework.code_of(db, earlier.duplicate_of) or "?")
            if earlier.status not in STILL_TRACKED_STATUSES and earlier.status not in TRANSITIONS["raise_again"][0]:
                # Following a concern sent to the citizen reception would leave this resident with no answer ever.
                raise MergeIntoFinished(code=earlier.code, status=earlier.status)
            await lifecycle.change(db, concern, "merge", actor_person_id=actor.person_id,
                                   details={"into_code": earlier.code}, duplicate_of=earlier.id)
            # Raised again ("nêu lại", issue 10): it counts up, and one already answered comes back into tracking.
            await lifecycle.raised_again(db, earlier, actor_person_id=actor.person_id, details={"code": concern.code})
            # Concerns merged into this one before now follow the earlier one too.
            await concerns.repoint_duplicates(db, concern.id, earlier.id)
            return await lifecycle.reload(db, concern), await lifecycle.reload(db, earlier)

    async def out_of_scope(self, actor: Actor | None, code_text: str) -> Concern:
        """A complaint or denunciation needing a petition (plan I.2): the resident is told where to bring it."""
        actor = await self._staff.require(actor, "screen")
        code = self._code(code_text)
        async with self._database.transaction() as db:
            concern = await self._concern(db, actor, code)
            # The resident's notice names the citizen reception in the resident's own language: our renderer.
            await lifecycle.change(db, concern, "out_of_scope", actor_person_id=actor.person_id, notify_resident=False)
            await outbox.enqueue(db, concern.resident_id, "concern_out_of_scope", code=concern.code,
                                 commune_id=concern.commune_id)
            return await lifecycle.reload(db, concern)

    async def reject(self, actor: Actor | None, code_text: str, reason: str | None) -> Concern:
        """Not accepted (e.g. unlawful or defamatory content, plan I.2), with the reason sent to the resident."""
        actor = await self._staff.require(actor, "screen")
        code = self._code(code_text)
        reason = _required(reason, ReasonRequired)
        async with self._database.transaction() as db:
            concern = await self._concern(db, actor, code)
            await lifecycle.change(db, concern, "reject", actor_person_id=actor.person_id, text=reason,
                                   screening_note=reason)
            return await lifecycle.reload(db, concern)

    # --- entering a concern for a resident without a phone ------------------------------------

    async def entry_hamlets(self, actor: Actor | None) -> list[Hamlet]:
        """The hamlets this official may enter concerns for: all for the office, their own for a hamlet head."""
        actor = await self._staff.require(actor, "enter_for_resident")
        commune = self.commune(actor)
        if OFFICE in actor.roles:
            return list(commune.hamlets)
        own = commune.hamlet(actor.hamlet_id)
        return [own] if own else []

    async def check_hamlet(self, actor: Actor | None, hamlet_id: str) -> Hamlet:
        actor = await self._staff.require(actor, "enter_for_resident")
        hamlet = self.commune(actor).hamlet(hamlet_id)
        if hamlet is None:
            raise UnknownChoice()
        if OFFICE not in actor.roles and actor.hamlet_id != hamlet_id:
            async with self._database.transaction() as db:
                await audit.record(db, commune_id=actor.commune_id, actor_person_id=actor.person_id, action="refused",
                                   subject_type="action", subject_id=None,
                                   details={"action": "enter_for_resident", "hamlet": hamlet_id, "own_hamlet": actor.hamlet_id})
            raise NotYourHamlet()
        return hamlet

    def check_topic(self, actor: Actor, key: str) -> None:
        """A topic of the commune; a petition topic is refused with where the resident should take it."""
        commune = self.commune(actor)
        category = commune.category(key)
        if category is None:
            raise UnknownChoice()
        if category.petition:
            raise PetitionForResident(reception=commune.citizen_reception(actor.locale))

    @staticmethod
    def check_name(name: str | None) -> str:
        return ResidentService.clean_name(name)

    @staticmethod
    def check_phone(text: str | None) -> str:
        """A Vietnamese phone number: 9 to 11 digits, optionally after '+', spaces, dots and dashes allowed."""
        cleaned = clean(text, single_line=True).translate(_PHONE_SEPARATORS)
        digits = cleaned[1:] if cleaned.startswith("+") else cleaned
        if not digits.isascii() or not digits.isdigit() or len(digits) not in PHONE_DIGITS:
            raise PhoneInvalid()
        return cleaned

    @staticmethod
    def check_body(body: str | None) -> str:
        return clean_text(body, MAX_CONCERN_LENGTH)

    async def enter_for_resident(self, actor: Actor | None, *, hamlet_id: str, name: str, phone: str | None,
                                 category: str, body: str, submission_key: str) -> Concern:
        """Store a concern for a resident without a phone; the official reads the tracking code out to them.
        The same draft confirmed twice is stored once."""
        actor = await self._staff.require(actor, "enter_for_resident")
        await self.check_hamlet(actor, hamlet_id)
        self.check_topic(actor, category)
        name = self.check_name(name)
        phone = self.check_phone(phone) if phone else None
        text = self.check_body(body)
        if not submission_key:
            raise UnknownChoice()
        async with self._database.transaction() as db:
            existing = await concerns.by_submission_key(db, submission_key)
            if existing is not None:
                if existing.entered_by != actor.person_id:
                    raise UnknownChoice()
                return existing
            resident_id = await casework.insert_offline_resident(db, commune_id=actor.commune_id, hamlet_id=hamlet_id,
                                                                  name=name, phone=phone)
            code = new_tracking_code()
            while await concerns.code_exists(db, code):
                code = new_tracking_code()
            concern = await concerns.insert(db, commune_id=actor.commune_id, code=code, resident_id=resident_id,
                                            hamlet_id=hamlet_id, category=category, body=text, status="submitted",
                                            submission_key=submission_key, attachments=())
            await casework.set_entered_by(db, concern.id, actor.person_id)
            await audit.record(db, commune_id=actor.commune_id, actor_person_id=actor.person_id, action="concern.entered",
                               subject_type="concern", subject_id=concern.id,
                               details={"code": code, "category": category, "hamlet": hamlet_id})
            return await lifecycle.reload(db, concern)

    # --- a concern's file ---------------------------------------------------------------------

    async def _readable(self, db, actor: Actor, code: str) -> Concern:
        """The concern, if this official needs to know it (bot/roles.py Actor.reads_concern); else refused."""
        try:
            concern = await self._concern(db, actor, code)
        except CaseNotFound:
            if actor.roles & READ_ALL_ROLES:
                raise
            raise NotYoursToRead(code=code) from None
        if not actor.reads_concern(hamlet_id=concern.hamlet_id, officer_ids=await assignments.officers_ever(db, concern.id)):
            raise NotYoursToRead(code=code)
        return concern

    async def _check_lookups_allowed(self, actor: Actor) -> None:
        """Refused while the official has had too many failed lookups in the window."""
        now = self._now()
        async with self._database.read() as db:
            failures = await lookups.failures_since(db, actor.person_id, (now - LOOKUP_WINDOW).isoformat())
        if len(failures) >= LOOKUP_FAILURE_LIMIT:
            # Open again once enough of the failures are older than the window.
            reopens = datetime.fromisoformat(failures[-LOOKUP_FAILURE_LIMIT]) + LOOKUP_WINDOW
            raise LookupsPaused(time=reopens.astimezone(self._timezone).strftime("%H:%M"))

    async def _record_failed_lookup(self, actor: Actor) -> None:
        now = self._now()
        async with self._database.transaction() as db:
            await lookups.forget_before(db, (now - LOOKUP_WINDOW).isoformat())
            await lookups.record_failure(db, actor.person_id, now.replace(microsecond=0).isoformat())

    async def case(self, actor: Actor | None, code_text: str) -> CaseFile:
        """Details, history and the actions the official may take; the resident's identity only for those allowed.

        Need to know: a hamlet head reads only their hamlet's concerns, an officer only those assigned to them;
        codes that find nothing readable are counted, and too many in a short time pause the lookups."""
        actor = await self._staff.require(actor, "view_concern")
        code = self._code(code_text)
        await self._check_lookups_allowed(actor)
        try:
            async with self._database.read() as db:
                concern = await self._readable(db, actor, code)
                history = await audit.history(db, "concern", concern.id)
                assignment = await assignments.live_for(db, concern.id)
                sees = actor.sees_identity_of(hamlet_id=concern.hamlet_id,
                                              assigned_officer_id=assignment.officer_person_id if assignment else None)
                identity = await casework.identity(db, concern.resident_id) if sees else None
                officer_name = await casework.person_name(db, assignment.officer_person_id) if assignment else None
                duplicate_of_code = await casework.code_of(db, concern.duplicate_of)
                entered_by_name = await casework.person_name(db, concern.entered_by)
        except (CaseNotFound, NotYoursToRead):
            await self._record_failed_lookup(actor)
            raise
        return CaseFile(concern, history, identity, assignment, officer_name, duplicate_of_code, entered_by_name,
                        self.actions_for(actor, concern))

    async def attachments(self, actor: Actor | None, code_text: str) -> tuple[Attachment, ...]:
        """The photos, voice notes, files and locations sent with a concern. Whoever may read the
        concern's file may open them: the same check as `case`, by going through it."""
        return (await self.case(actor, code_text)).concern.attachments

    # --- closing and reopening ----------------------------------------------------------------

    async def _check_answer_wait(self, db, concern: Concern) -> None:
        """A resolved concern waits for the resident's answer, or for ANSWER_WAIT_DAYS working days."""
        if concern.status != "resolved":
            return
        history = await audit.history(db, "concern", concern.id)
        resolves = [i for i, entry in enumerate(history) if entry.action == "concern.resolve"]
        since = history[resolves[-1] + 1:] if resolves else history
        if any(entry.action in ("concern.satisfied", "concern.dispute") for entry in since):
            return
        assignment = await assignments.live_for(db, concern.id)
        resolved_at = (assignment.resolved_at if assignment and assignment.resolved_at
                       else history[resolves[-1]].at if resolves else None)
        if resolved_at is None:
            return
        resolved = self.local_date(resolved_at)
        if self._calendar.working_days_between(resolved, self.today()) < ANSWER_WAIT_DAYS:
            raise TooEarlyToClose(code=concern.code, resolved=resolved, days=ANSWER_WAIT_DAYS,
                                  earliest=self._calendar.working_days_after(resolved, ANSWER_WAIT_DAYS))

    async def close(self, actor: Actor | None, code_text: str, note: str | None) -> Concern:
        """Close with a note to the resident: an answered, resolved (answered or waited for) or disputed concern."""
        actor = await self._staff.require(actor, "close")
        code = self._code(code_text)
        note = _required(note, NoteRequired)
        async with self._database.transaction() as db:
            concern = await self._concern(db, actor, code)
            next_status("close", concern.status, concern.code)
            await self._check_answer_wait(db, concern)
            await lifecycle.change(db, concern, "close", actor_person_id=actor.person_id, text=note)
            await followup.ask_rating(db, concern)
            return await lifecycle.reload(db, concern)

    async def reopen(self, actor: Actor | None, code_text: str) -> tuple[Concern, str | None]:
        """A disputed answer goes back to the officer, who is told why the resident was not satisfied."""
        actor = await self._staff.require(actor, "close")
        code = self._code(code_text)
        async with self._database.transaction() as db:
            concern = await self._concern(db, actor, code)
            await lifecycle.change(db, concern, "reopen", actor_person_id=actor.person_id)
            assignment = await assignments.live_for(db, concern.id)
            officer_name = None
            if assignment is not None:
                disputes = [e for e in await audit.history(db, "concern", concern.id) if e.action == "concern.dispute"]
                reason = disputes[-1].details.get("text") if disputes else None
                await outbox.enqueue(db, assignment.officer_person_id, "concern_reopened", code=concern.code,
                                     reason=reason, due_date=assignment.effective_due)
                officer_name = await casework.person_name(db, assignment.officer_person_id)
            return await lifecycle.reload(db, concern), officer_name

    # --- overdue (derived from the due dates, never stored) -----------------------------------

    async def overdue(self, actor: Actor | None, page: int = 1) -> Page[OverdueItem]:
        """One page of the open assignments past their due date, by body, with the working days late."""
        actor = await self._staff.require(actor, "view_overdue")
        today = self.today()
        async with self._database.read() as db:
            total = await casework.count_overdue(db, actor.commune_id, today.isoformat())
            number, pages, offset = window(total, page, OVERDUE_PER_PAGE)
            rows = await casework.overdue(db, actor.commune_id, today.isoformat(), limit=OVERDUE_PER_PAGE, offset=offset)
        items = []
        for row in rows:
            due = date.fromisoformat(row.effective_due)
            items.append(OverdueItem(row.code, row.body, row.officer_name, due,
                                     self._calendar.working_days_between(due, today)))
        return Page(items, total, number, pages, page)


def _required(text: str | None, refusal: type[DomainError]) -> str:
    try:
        return clean_text(text, MAX_NOTE_LENGTH)
    except TextEmpty:
        raise refusal() from None


# --- notices of this module (rendered in the reader's language) -------------------------------

@renders("concern_out_of_scope")
def _out_of_scope(payload: dict, t: Translator, communes: Communes) -> Rendered:
    """The resident is told kindly that a petition is needed, and where it goes (plan I.2)."""
    commune = communes.get(payload.get("commune_id"))
    lines = [t("Concern %(code)s is a complaint or denunciation that needs a petition, so it is not taken "
               "into the dialogue.", code=payload["code"])]
    if commune is not None:
        lines.append(t("Please bring your petition to: %(reception)s. They will receive it and answer you by law.",
                       reception=commune.citizen_reception(t.locale)))
    status = STATUS_LABELS["out_of_scope"]
    lines += ["", t("Status: %(status)s", status=t(status))]
    return Rendered("\n".join(lines))


@renders("concern_reopened")
def _reopened(payload: dict, t: Translator, communes: Communes) -> Rendered:
    """The assigned officer learns that the resident disputed the answer and the office sent it back."""
    lines = [t("↩️ Concern %(code)s was reopened by the commune office: the resident was not satisfied with the answer.",
               code=payload["code"])]
    if payload.get("reason"):
        lines.append(t("The resident's reason: %(reason)s", reason=payload["reason"]))
    if payload.get("due_date"):
        lines.append(t("Due date: %(date)s", date=t.date(date.fromisoformat(payload["due_date"]))))
    lines.append(t("Please resolve it again and send the written result (see /tasks)."))
    return Rendered("\n".join(lines))

