"""The dialogue itself (plan II.3): scheduling it, its speakers in order, the meeting, the chair's
conclusions and their announcement, which starts the assignments' working-day clocks."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from bot.calendar import WorkingCalendar
from bot.communes import Commune, Communes
from bot.deadlines import DeadlineRules, DialogueDeadlines, dialogue_deadlines, earliest_meeting_date, resolution_due
from bot.domain import MAX_CONCERN_LENGTH, MAX_POINT_LENGTH, parse_day
from bot.text import clean_text
from bot.errors import (
    DateInPast, DateUnreadable, DomainError, RegistrationNotFound, StaleAction, TooLate, UnknownChoice,
)
from bot.i18n import N_
from bot.roles import CHAIR, HAMLET_HEAD, OFFICER, Actor
from bot.services import followup, lifecycle, paged
from bot.services.base import COMMUNE_TIMEZONE, CommuneService
# What the service hands back to a channel.
from bot.services.dialogue_views import (
    DialoguePlan, ChairChoice, DialogueView, Scheduled, SpeakerList, SpeakerCall, AgendaItem, Announcement,
)
# The notices' wording lives apart (bot/services/dialogue_notices.py); importing it registers its renderers.
from bot.services.dialogue_notices import place_name
from bot.services.staff import StaffService
from storage import assignments, audit, concerns, dialogues, outbox, speakers, staff
from storage.database import Database
from storage.dialogues import DialogueRecord
from storage.records import Concern, RoleGrant
from storage.speakers import SpeakerSlot

timezone_utc = timezone.utc
LOCAL_TIMEZONE = ZoneInfo("Asia/Ho_Chi_Minh")
MEETING_TIMES = ("07:30", "08:00", "14:00")  # the usual starts, offered as buttons
MAX_DAYS_AHEAD = 730
MAX_PLACE_LENGTH = 200
MAX_THEME_LENGTH = 200
CONCLUSIONS = ("answered", "assigned", "not_accepted", "referred")
_CONCLUDE_ACTION = {"answered": "conclude_answered", "assigned": "conclude_assigned", "not_accepted": "conclude_not_accepted",
                    "referred": "conclude_referred"}

# 08:00, 8:00, 7h30, 7g30, 14h, 14 giờ, 7 giờ 30 (phút)
_TIME = re.compile(r"^\s*(\d{1,2})\s*(?:(?:[:hHgG.]|giờ)\s*(?:(\d{2})\s*(?:phút|p)?)?)?\s*$", re.IGNORECASE)


# --- refusals ---------------------------------------------------------------------------------

class DateTooFar(DomainError):
    message = N_("That date is too far ahead. Please choose a date within the next two years.")


class DayOffNeedsConfirmation(DomainError):
    message = N_("%(date)s is not a working day (a weekend, a public holiday or a day off given in exchange). "
                 "Hold the dialogue on that day anyway?")


class TimeUnreadable(DomainError):
    message = N_("Please write the time as hours:minutes, for example 08:00 (7h30 and 14h are fine too).")


class PlaceLooksLikeTime(DomainError):
    message = N_("“%(text)s” reads as a time, not a place. Please type the place, for example “Nhà văn hóa thôn 2”. "
                 "The time can be changed on the summary before saving.")


class NoChair(DomainError):
    message = N_("Nobody holds the chair role in this commune yet. Please ask the administrator to grant it "
                 "(the Chairman, or a Vice-chairman he delegates).")


class NoOfficer(DomainError):
    message = N_("Nobody holds the officer role in this commune yet. Please ask the administrator to grant it.")


class DialoguesPerYear(DomainError):
    message = N_("This commune already has its dialogue for %(year)d, on %(existing)s "
                 "(the setting allows %(allowed)d a year). Nothing was scheduled.")


class DialogueExists(DomainError):
    message = N_("A dialogue is already scheduled, on %(existing)s. Open /dialogue to change it.")


class NoDialogue(DomainError):
    message = N_("No dialogue is scheduled. The office or the chair can schedule one with /dialogue.")


class DialogueChanged(DomainError):
    message = N_("This dialogue was changed meanwhile (rescheduled, cancelled or held). Nothing was changed. "
                 "Please open /dialogue again.")


class MeetingBegun(DomainError):
    message = N_("The meeting of %(date)s has already begun: it can no longer be rescheduled or cancelled.")


class MeetingNotYet(DomainError):
    message = N_("The meeting is on %(date)s. This can only be done from that day on.")


class AnnouncementTooEarly(DomainError):
    message = N_("The meeting is on %(date)s: its conclusions can only be announced after it has been held.")


class ConclusionsMissing(DomainError):
    message = N_("These concerns on the agenda have no conclusion yet: %(codes)s. "
                 "Please record them with /conclude first. Nothing was announced.")


class AlreadyAnnounced(DomainError):
    message = N_("The conclusions of this dialogue were already announced on %(date)s. Nothing was changed.")


class AlreadyApproved(DomainError):
    message = N_("The registration about concern %(code)s is already approved. Nothing was changed.")


class AlreadyDeclined(DomainError):
    message = N_("The registration about concern %(code)s is already declined. Nothing was changed.")


class OrderChanged(DomainError):
    message = N_("The order changed meanwhile, or that speaker cannot move further. Nothing was moved.")


class MeetingMovedOn(DomainError):
    message = N_("The list of speakers has moved on meanwhile. Nothing was changed: send /next to see where it is.")


class NoSpeakers(DomainError):
    message = N_("No speaker is approved yet. The office approves speakers in /speakers.")


class NoPreviousSpeaker(DomainError):
    message = N_("This is the first speaker: there is nobody before.")



def assignment_due_date(announced_on: date, calendar: WorkingCalendar, rules: DeadlineRules) -> date:
    return resolution_due(announced_on, calendar=calendar, rules=rules)


class DialogueService(CommuneService):
    def __init__(self, database: Database, communes: Communes, staff: StaffService, calendar: WorkingCalendar,
                 rules: DeadlineRules, *, per_year: int = 1, timezone: ZoneInfo = COMMUNE_TIMEZONE,
                 clock: Callable[[], datetime] | None = None) -> None:
        super().__init__(database, communes, staff, calendar, rules, timezone=timezone, clock=clock)
        self._per_year = per_year

    # --- time -----------------------------------------------------------------------------------

    def meeting_day(self, dialogue: DialogueRecord) -> date:
        return datetime.fromisoformat(dialogue.meeting_at).astimezone(self._timezone).date()

    def _meeting_utc(self, day: date, at: time) -> str:
        return datetime.combine(day, at, tzinfo=self._timezone).astimezone(timezone_utc).isoformat()

    def _begun(self, dialogue: DialogueRecord) -> bool:
        return datetime.fromisoformat(dialogue.meeting_at) <= self._now()

    def earliest_date(self) -> date:
        """The earliest meeting day that still leaves the invitations their working days."""
        return earliest_meeting_date(self.today(), calendar=self._calendar, rules=self._rules)

    def deadlines(self, day: date, announced: date | None = None) -> DialogueDeadlines:
        return dialogue_deadlines(day, announced=announced, calendar=self._calendar, rules=self._rules)

    def commune(self, actor: Actor) -> Commune:
        commune = self._communes.get(actor.commune_id)
        if commune is None:
            raise UnknownChoice()
        return commune

    # --- for other slices -----------------------------------------------------------------------

    async def upcoming(self, commune_id: str) -> DialogueRecord | None:
        """The commune's next dialogue, not begun yet (None if none is scheduled)."""
        async with self._database.read() as db:
            dialogue = await dialogues.current(db, commune_id)
        return dialogue if dialogue is not None and not self._begun(dialogue) else None

    async def current(self, commune_id: str) -> DialogueRecord | None:
        """The dialogue whose conclusions are not announced yet, whether its meeting has come or not."""
        async with self._database.read() as db:
            return await dialogues.current(db, commune_id)

    async def current_or_last(self, commune_id: str) -> DialogueRecord | None:
        """The dialogue in progress, else the last one held."""
        async with self._database.read() as db:
            return await dialogues.current(db, commune_id) or await dialogues.last_held(db, commune_id)

    async def announced_on(self, dialogue_id: int) -> date | None:
        async with self._database.read() as db:
            dialogue = await dialogues.by_id(db, dialogue_id)
        return date.fromisoformat(dialogue.announced_on) if dialogue and dialogue.announced_on else None

    # --- scheduling -----------------------------------------------------------------------------

    async def overview(self, actor: Actor | None) -> DialogueView | None:
        """/dialogue: the dialogue in progress with its deadlines, or None when one may be scheduled."""
        actor = await self._staff.require(actor, "schedule_dialogue")
        async with self._database.read() as db:
            dialogue = await dialogues.current(db, actor.commune_id)
            return await self._view(db, dialogue) if dialogue else None

    async def _view(self, db, dialogue: DialogueRecord) -> DialogueView:
        slots = await speakers.speaking_order(db, dialogue.id)
        agenda = await dialogues.agenda_ids(db, dialogue, concluded=False)
        chair = await dialogues.person_name(db, dialogue.chair_person_id) if dialogue.chair_person_id else None
        return DialogueView(
            dialogue=dialogue, deadlines=self.deadlines(self.meeting_day(dialogue)), chair_name=chair,
            speakers=sum(1 for s in slots if s.review != "declined"),
            approved=sum(1 for s in slots if s.review == "approved"),
            agenda=len(agenda), begun=self._begun(dialogue),
        )

    async def start_planning(self, actor: Actor | None, dialogue_id: int | None = None) -> list[ChairChoice]:
        """Before the questions: may the actor plan (or replan) now, and is there a chair to choose?"""
        actor = await self._staff.require(actor, "schedule_dialogue")
        async with self._database.read() as db:
            current = await dialogues.current(db, actor.commune_id)
        if dialogue_id is None and current is not None:
            raise DialogueExists(existing=self.meeting_day(current))
        if dialogue_id is not None:
            self._check_changeable(current, dialogue_id)
        return await self.chair_choices(actor)

    def _check_changeable(self, current: DialogueRecord | None, dialogue_id: int) -> DialogueRecord:
        if current is None or current.id != dialogue_id:
            raise DialogueChanged()
        if self._begun(current):
            raise MeetingBegun(date=self.meeting_day(current))
        return current

    async def chair_choices(self, actor: Actor) -> list[ChairChoice]:
        """The chair: whoever holds the chair role (the Chairman or a delegated Vice-chairman)."""
        holders = await self._staff.holders(actor.commune_id, CHAIR)
        if holders:
            return [ChairChoice(g.person_id, g.display_name, g.started) for g in holders]
        if CHAIR in actor.roles:
            return [ChairChoice(actor.person_id, actor.display_name)]
        raise NoChair()

    def default_place(self, actor: Actor, locale: str) -> str:
        return self.commune(actor).meeting_place(locale)

    def place_name(self, commune_id: str, place: str, locale: str) -> str:
        return place_name(self._communes, commune_id, place, locale)

    async def check_date(self, actor: Actor | None, text: str | None, dialogue_id: int | None = None, *,
                         day_off_confirmed: bool = False) -> date:
        """A meeting day typed as dd/mm/yyyy: not past, leaving the invitations their working days,
        within the dialogues a year allows, and a day off only when confirmed."""
        actor = await self._staff.require(actor, "schedule_dialogue")
        day = self._parse_date(text)
        await self._check_day(actor, day, dialogue_id, day_off_confirmed)
        return day

    def _parse_date(self, text: str | None) -> date:
        day = parse_day(text, self.today())
        if day is None:
            raise DateUnreadable()
        return day

    async def _check_day(self, actor: Actor, day: date, dialogue_id: int | None, day_off_confirmed: bool = False) -> None:
        today = self.today()
        if day < today:
            raise DateInPast()
        if day > today + timedelta(days=MAX_DAYS_AHEAD):
            raise DateTooFar()
        earliest = self.earliest_date()
        if day < earliest:
            raise TooLate(days=self._rules.invitation_days, earliest=earliest)
        async with self._database.read() as db:
            others = [d for d in await dialogues.not_cancelled(db, actor.commune_id) if d.id != dialogue_id]
        same_year = [d for d in others if self.meeting_day(d).year == day.year]
        if len(same_year) >= self._per_year:
            raise DialoguesPerYear(year=day.year, existing=self.meeting_day(same_year[-1]), allowed=self._per_year)
        if not day_off_confirmed and not self._calendar.is_working_day(day):
            raise DayOffNeedsConfirmation(date=day)

    @staticmethod
    def check_time(text: str | None) -> time:
        match = _TIME.match(text or "")
        if match is None:
            raise TimeUnreadable()
        hour, minute = int(match.group(1)), int(match.group(2) or 0)
        if hour > 23 or minute > 59:
            raise TimeUnreadable()
        return time(hour, minute)

    @staticmethod
    def check_place(text: str | None) -> str:
        place = clean_text(text, MAX_PLACE_LENGTH, single_line=True)
        if _TIME.match(place):
            # A time typed one step late (the office correcting the time) must not become the place.
            raise PlaceLooksLikeTime(text=place)
        return place

    @staticmethod
    def check_theme(text: str | None) -> str | None:
        return clean_text(text, MAX_THEME_LENGTH, required=False, single_line=True) or None

    async def check_chair(self, actor: Actor | None, person_id: int) -> ChairChoice:
        actor = await self._staff.require(actor, "schedule_dialogue")
        choice = next((c for c in await self.chair_choices(actor) if c.person_id == person_id), None)
        if choice is None:
            raise UnknownChoice()
        return choice

    async def _check_plan(self, actor: Actor, plan: DialoguePlan, dialogue_id: int | None) -> DialoguePlan:
        await self._check_day(actor, plan.day, dialogue_id, plan.day_off_confirmed)
        await self.check_chair(actor, plan.chair_person_id)
        return DialoguePlan(plan.day, plan.at, self.check_place(plan.place), self.check_theme(plan.theme), plan.chair_person_id,
                            plan.day_off_confirmed)

    async def schedule(self, actor: Actor | None, plan: DialoguePlan) -> Scheduled:
        """Save the dialogue; the wishes to speak kept on file and the accepted concerns join it, and
        their residents are told."""
        actor = await self._staff.require(actor, "schedule_dialogue")
        plan = await self._check_plan(actor, plan, None)
        async with self._database.transaction() as db:
            existing = await dialogues.current(db, actor.commune_id)
            if existing is not None:
                raise DialogueExists(existing=self.meeting_day(existing))
            dialogue_id = await dialogues.insert(
                db, commune_id=actor.commune_id, meeting_at=self._meeting_utc(plan.day, plan.at), place=plan.place,
                theme=plan.theme, chair_person_id=plan.chair_person_id)
            joined = await dialogues.attach_waiting(db, actor.commune_id, dialogue_id)
            dialogue = await dialogues.by_id(db, dialogue_id)
            assert dialogue is not None
            await audit.record(db, commune_id=actor.commune_id, actor_person_id=actor.person_id, action="dialogue.scheduled",
                               subject_type="dialogue", subject_id=dialogue_id,
                               details={"meeting_at": dialogue.meeting_at, "place": plan.place, "theme": plan.theme,
                                        "chair": plan.chair_person_id, "joined": len(joined)})
            for resident_id, (speaking, agenda) in _by_resident(joined).items():
                await outbox.enqueue(db, resident_id, "dialogue_scheduled", commune=actor.commune_id,
                                     meeting_at=dialogue.meeting_at, place=dialogue.place, theme=dialogue.theme,
                                     speaking=speaking, agenda=agenda)
            view = await self._view(db, dialogue)
        return Scheduled(view, sum(1 for j in joined if j.speaking), sum(1 for j in joined if not j.speaking),
                         len(_by_resident(joined)))

    async def reschedule(self, actor: Actor | None, dialogue_id: int, plan: DialoguePlan) -> Scheduled:
        """Move the dialogue; everyone registered or on its agenda is told the new date."""
        actor = await self._staff.require(actor, "schedule_dialogue")
        plan = await self._check_plan(actor, plan, dialogue_id)
        async with self._database.transaction() as db:
            before = self._check_changeable(await dialogues.current(db, actor.commune_id), dialogue_id)
            await dialogues.update_plan(db, dialogue_id, meeting_at=self._meeting_utc(plan.day, plan.at), place=plan.place,
                                        theme=plan.theme, chair_person_id=plan.chair_person_id)
            dialogue = await dialogues.by_id(db, dialogue_id)
            assert dialogue is not None
            concerned = await dialogues.concerned(db, dialogue_id)
            await audit.record(db, commune_id=actor.commune_id, actor_person_id=actor.person_id, action="dialogue.rescheduled",
                               subject_type="dialogue", subject_id=dialogue_id,
                               details={"from": before.meeting_at, "meeting_at": dialogue.meeting_at, "place": plan.place,
                                        "theme": plan.theme, "chair": plan.chair_person_id})
            for resident_id in _by_resident(concerned):
                await outbox.enqueue(db, resident_id, "dialogue_rescheduled", commune=actor.commune_id,
                                     meeting_at=dialogue.meeting_at, previous_at=before.meeting_at, place=dialogue.place)
            await _tell_invitees(db, dialogue, cancelled=False, previous_at=before.meeting_at)
            view = await self._view(db, dialogue)
        return Scheduled(view, sum(1 for j in concerned if j.speaking), sum(1 for j in concerned if not j.speaking),
                         len(_by_resident(concerned)))

    async def check_cancel(self, actor: Actor | None, dialogue_id: int) -> DialogueRecord:
        actor = await self._staff.require(actor, "schedule_dialogue")
        async with self._database.read() as db:
            return self._check_changeable(await dialogues.current(db, actor.commune_id), dialogue_id)

    async def cancel(self, actor: Actor | None, dialogue_id: int) -> Scheduled:
        """Cancel the dialogue: its speakers and agenda go back on file for the next one, and are told."""
        actor = await self._staff.require(actor, "schedule_dialogue")
        async with self._database.transaction() as db:
            dialogue = self._check_changeable(await dialogues.current(db, actor.commune_id), dialogue_id)
            concerned = await dialogues.concerned(db, dialogue_id)
            await dialogues.cancel(db, dialogue_id)
            await dialogues.detach(db, dialogue_id)
            await audit.record(db, commune_id=actor.commune_id, actor_person_id=actor.person_id, action="dialogue.cancelled",
                               subject_type="dialogue", subject_id=dialogue_id, details={"meeting_at": dialogue.meeting_at})
            for resident_id in _by_resident(concerned):
                await outbox.enqueue(db, resident_id, "dialogue_cancelled", meeting_at=dialogue.meeting_at)
            await _tell_invitees(db, dialogue, cancelled=True)
            view = await self._view(db, dialogue)
        return Scheduled(view, sum(1 for j in concerned if j.speaking), sum(1 for j in concerned if not j.speaking),
                         len(_by_resident(concerned)))

    # --- speakers -------------------------------------------------------------------------------

    async def speakers(self, actor: Actor | None) -> SpeakerList:
        """/speakers: the registrations of the dialogue in progress, in the order of speaking."""
        actor = await self._staff.require(actor, "view_speakers")
        async with self._database.read() as db:
            dialogue = await dialogues.current(db, actor.commune_id)
            slots = await speakers.speaking_order(db, dialogue.id) if dialogue else []
            on_file = await speakers.on_file(db, actor.commune_id)
        return SpeakerList(dialogue, [s for s in slots if s.review != "declined"],
                           [s for s in slots if s.review == "declined"], on_file)

    async def _slot_of_current(self, db, actor: Actor, registration_id: int) -> tuple[DialogueRecord, SpeakerSlot]:
        dialogue = await dialogues.current(db, actor.commune_id)
        slot = await speakers.slot(db, registration_id)
        if dialogue is None or slot is None or slot.dialogue_id != dialogue.id:
            raise RegistrationNotFound()
        return dialogue, slot

    async def check_declinable(self, actor: Actor | None, registration_id: int) -> SpeakerSlot:
        actor = await self._staff.require(actor, "review_speakers")
        async with self._database.read() as db:
            _, slot = await self._slot_of_current(db, actor, registration_id)
        if slot.review == "declined":
            raise AlreadyDeclined(code=slot.concern_code)
        return slot

    @staticmethod
    def check_reason(text: str | None) -> str:
        return clean_text(text, MAX_POINT_LENGTH)

    async def approve(self, actor: Actor | None, registration_id: int) -> SpeakerSlot:
        """The office approves a speaker; the resident is told."""
        return await self._review(actor, registration_id, "approved", None)

    async def decline(self, actor: Actor | None, registration_id: int, reason: str | None) -> SpeakerSlot:
        """The office declines a speaker with a reason, which the resident reads."""
        return await self._review(actor, registration_id, "declined", self.check_reason(reason))

    async def _review(self, actor: Actor | None, registration_id: int, review: str, reason: str | None) -> SpeakerSlot:
        actor = await self._staff.require(actor, "review_speakers")
        async with self._database.transaction() as db:
            dialogue, slot = await self._slot_of_current(db, actor, registration_id)
            if slot.review == review:
                raise (AlreadyApproved if review == "approved" else AlreadyDeclined)(code=slot.concern_code)
            await speakers.set_review(db, registration_id, review, reason)
            if review == "declined":
                # Out of the order; approved again later, it speaks after the others.
                await db.execute("UPDATE speaker_registrations SET position = NULL WHERE id = ?", (registration_id,))
            await audit.record(db, commune_id=actor.commune_id, actor_person_id=actor.person_id, action=f"speaker.{review}",
                               subject_type="concern", subject_id=slot.concern_id,
                               details={"registration": registration_id, "dialogue": dialogue.id,
                                        **({"text": reason} if reason else {})})
            # An approved speaker learns their place in the order of speaking (it may still move).
            place, total = (await speakers.places_in_order(db, dialogue.id)).get(registration_id, (None, None))
            await outbox.enqueue(db, slot.resident_id, "speaker_reviewed", code=slot.concern_code,
                                 approved=review == "approved", reason=reason, meeting_at=dialogue.meeting_at,
                                 place=place, total=total)
            fresh = await speakers.slot(db, registration_id)
        assert fresh is not None
        return fresh

    async def move(self, actor: Actor | None, registration_id: int, step: int, expected: int) -> SpeakerSlot:
        """Move a speaker one place up (-1) or down (+1) in the order of speaking. `expected` is the
        place (1-based) the office saw, so a button from an older list moves nothing."""
        actor = await self._staff.require(actor, "review_speakers")
        if step not in (-1, 1):
            raise UnknownChoice()
        async with self._database.transaction() as db:
            dialogue, slot = await self._slot_of_current(db, actor, registration_id)
            order = [s.id for s in await speakers.speaking_order(db, dialogue.id) if s.review != "declined"]
            if registration_id not in order or order.index(registration_id) + 1 != expected:
                raise OrderChanged()
            place = expected - 1
            target = place + step
            if not 0 <= target < len(order):
                raise OrderChanged()
            order[place], order[target] = order[target], order[place]
            await speakers.set_positions(db, order)
            await audit.record(db, commune_id=actor.commune_id, actor_person_id=actor.person_id, action="speaker.moved",
                               subject_type="dialogue", subject_id=dialogue.id,
                               details={"registration": registration_id, "from": expected, "to": target + 1})
            fresh = await speakers.slot(db, registration_id)
        assert fresh is not None
        return fresh

    # --- the meeting ----------------------------------------------------------------------------

    def _check_meeting_day(self, dialogue: DialogueRecord) -> None:
        if self.today() < self.meeting_day(dialogue):
            raise MeetingNotYet(date=self.meeting_day(dialogue))

    async def call(self, actor: Actor | None, move: str = "next", *, dialogue_id: int | None = None,
                   expected: int | None = None) -> SpeakerCall:
        """/next and its buttons: call the next approved speaker (or skip the one called, or go back).

        The speaker called is told "you are next". With `expected` (from a button), nothing moves
        if the meeting moved on meanwhile."""
        actor = await self._staff.require(actor, "run_meeting")
        if move not in ("next", "skip", "back"):
            raise UnknownChoice()
        async with self._database.transaction() as db:
            dialogue = await dialogues.current(db, actor.commune_id)
            if dialogue is None:
                raise NoDialogue()
            if dialogue_id is not None and dialogue.id != dialogue_id:
                raise DialogueChanged()
            self._check_meeting_day(dialogue)
            approved = [s for s in await speakers.speaking_order(db, dialogue.id) if s.review == "approved"]
            if not approved:
                raise NoSpeakers()
            stored = dialogue.current_position or 0
            if expected is not None and expected != stored:
                raise MeetingMovedOn()
            total = len(approved)
            now_at = min(stored, total + 1)  # the list may have shrunk since
            if move == "back":
                if now_at <= 1:
                    raise NoPreviousSpeaker()
                position = now_at - 1
            else:
                position = min(now_at + 1, total + 1)
            if position != stored and not await dialogues.move_position(db, dialogue.id, dialogue.current_position, position):
                raise MeetingMovedOn()
            if move == "skip" and 1 <= now_at <= total:
                skipped = approved[now_at - 1]
                await audit.record(db, commune_id=actor.commune_id, actor_person_id=actor.person_id, action="meeting.skipped",
                                   subject_type="dialogue", subject_id=dialogue.id,
                                   details={"registration": skipped.id, "position": now_at})
            slot = approved[position - 1] if position <= total else None
            if slot is not None:
                await speakers.mark_called(db, slot.id)
                await audit.record(db, commune_id=actor.commune_id, actor_person_id=actor.person_id, action="meeting.called",
                                   subject_type="dialogue", subject_id=dialogue.id,
                                   details={"registration": slot.id, "position": position})
                await outbox.enqueue(db, slot.resident_id, "speaker_called", code=slot.concern_code, point=slot.point)
            dialogue = await dialogues.by_id(db, dialogue.id)
        assert dialogue is not None
        return SpeakerCall(dialogue, position, total, slot)

    # --- conclusions ----------------------------------------------------------------------------

    async def _meeting_in_progress(self, db, actor: Actor) -> DialogueRecord:
        dialogue = await dialogues.current(db, actor.commune_id)
        if dialogue is None:
            await self._check_not_announced(db, actor)
            raise NoDialogue()
        self._check_meeting_day(dialogue)
        return dialogue

    async def agenda(self, actor: Actor | None) -> tuple[DialogueRecord, list[Concern]]:
        """/conclude: the concerns of the dialogue still waiting for the chair's conclusion."""
        actor = await self._staff.require(actor, "conclude")
        async with self._database.read() as db:
            dialogue = await self._meeting_in_progress(db, actor)
            ids = await dialogues.agenda_ids(db, dialogue, concluded=False)
            items = [await concerns.by_id(db, concern_id) for concern_id in ids]
        return dialogue, [c for c in items if c is not None]

    async def _open_item(self, db, actor: Actor, concern_id: int) -> tuple[DialogueRecord, Concern]:
        dialogue = await self._meeting_in_progress(db, actor)
        concern = await concerns.by_id(db, concern_id)
        if concern is None or concern.commune_id != actor.commune_id:
            raise UnknownChoice()
        if concern_id not in await dialogues.agenda_ids(db, dialogue, concluded=False):
            raise StaleAction(code=concern.code, status=concern.status)
        return dialogue, concern

    async def agenda_item(self, actor: Actor | None, concern_id: int) -> AgendaItem:
        actor = await self._staff.require(actor, "conclude")
        async with self._database.read() as db:
            dialogue, concern = await self._open_item(db, actor, concern_id)
            registration = await speakers.live_registration_for(db, concern.id)
            slot = await speakers.slot(db, registration.id) if registration else None
        return AgendaItem(dialogue, concern, slot)

    async def officers(self, actor: Actor | None) -> list[RoleGrant]:
        actor = await self._staff.require(actor, "conclude")
        holders = await self._staff.holders(actor.commune_id, OFFICER)
        if not holders:
            raise NoOfficer()
        return holders

    @staticmethod
    def check_conclusion_text(text: str | None, *, required: bool = True) -> str | None:
        return clean_text(text, MAX_CONCERN_LENGTH, required=required) or None

    async def conclude(self, actor: Actor | None, concern_id: int, conclusion: str, text: str | None = None,
                       officer_person_id: int | None = None, referred_to: str | None = None) -> Concern:
        """Record the chair's conclusion on one agenda item. The resident learns it at the announcement.
        Entered by the office, it waits for the chair's confirmation (bot/services/followup.py)."""
        actor = await self._staff.require(actor, "conclude")
        if conclusion not in CONCLUSIONS:
            raise UnknownChoice()
        if conclusion == "referred":
            referred_to = followup.check_referred_to(referred_to)
        text = self.check_conclusion_text(text, required=conclusion not in ("assigned", "referred"))
        officer = None
        if conclusion == "assigned":
            officer = next((g for g in await self.officers(actor) if g.person_id == officer_person_id), None)
            if officer is None:
                raise UnknownChoice()
        async with self._database.transaction() as db:
            dialogue, concern = await self._open_item(db, actor, concern_id)
            details: dict = {"dialogue": dialogue.id}
            if officer is not None:
                details.update(officer=officer.person_id, body=officer.body)
            await lifecycle.change(db, concern, _CONCLUDE_ACTION[conclusion], actor_person_id=actor.person_id, text=text,
                                   details=details, notify_resident=False,
                                   conclusion=conclusion, conclusion_text=text, dialogue_id=dialogue.id)
            if officer is not None:
                # The clock starts at the announcement: no due date yet.
                await assignments.assign(db, concern_id=concern.id, officer_person_id=officer.person_id,
                                         body=officer.body or "", assigned_by=actor.person_id, due_date=None)
            await followup.concluded(db, actor, dialogue, concern, referred_to)
            return await lifecycle.reload(db, concern)

    # --- the announcement -----------------------------------------------------------------------

    def due_date(self, announced_on: date) -> date:
        return assignment_due_date(announced_on, self._calendar, self._rules)

    async def _announceable(self, db, actor: Actor) -> tuple[DialogueRecord, list[Concern]]:
        """The dialogue whose conclusions may be announced now, and its concluded concerns."""
        dialogue = await dialogues.current(db, actor.commune_id)
        if dialogue is None:
            await self._check_not_announced(db, actor)
            raise NoDialogue()
        if not self._begun(dialogue):
            raise AnnouncementTooEarly(date=self.meeting_day(dialogue))
        missing = await dialogues.agenda_ids(db, dialogue, concluded=False)
        if missing:
            codes = [c.code for c in [await concerns.by_id(db, i) for i in missing] if c is not None]
            raise ConclusionsMissing(codes=", ".join(codes))
        await followup.check_confirmed(db, dialogue.id)
        ids = await dialogues.agenda_ids(db, dialogue, concluded=True)
        return dialogue, [c for c in [await concerns.by_id(db, i) for i in ids] if c is not None]

    @staticmethod
    async def _check_not_announced(db, actor: Actor) -> None:
        """With no dialogue in progress: if the last one's conclusions were announced, say so (an old
        /conclude or /announce button is not about a dialogue that was never scheduled)."""
        last = await dialogues.last_held(db, actor.commune_id)
        if last is not None and last.announced_on:
            raise AlreadyAnnounced(date=date.fromisoformat(last.announced_on))

    def _late_days(self, dialogue: DialogueRecord, today: date) -> tuple[date, int]:
        limit = self.deadlines(self.meeting_day(dialogue)).conclusions_by
        return limit, max(0, self._calendar.working_days_between(limit, today))

    async def announcement_preview(self, actor: Actor | None) -> Announcement:
        """What /announce would publish today, before the office confirms (nothing is written)."""
        actor = await self._staff.require(actor, "announce")
        today = self.today()
        due = self.due_date(today)
        async with self._database.read() as db:
            dialogue, concluded = await self._announceable(db, actor)
            items = [await self._announced_item(db, concern, due) for concern in concluded]
        limit, late = self._late_days(dialogue, today)
        return Announcement(dialogue, today, len(concluded), sum(1 for c in concluded if c.conclusion == "assigned"),
                            due, limit, late, 0, tuple(item for item, _ in items))

    @staticmethod
    async def _announced_item(db, concern: Concern, due: date) -> tuple[dict, assignments.Assignment | None]:
        """One concern's public conclusion, as its resident (and followers) read it, and its assignment."""
        assignment = await assignments.live_for(db, concern.id) if concern.conclusion == "assigned" else None
        item = {"code": concern.code, "conclusion": concern.conclusion, "text": concern.conclusion_text,
                "body": assignment.body if assignment else await followup.referred_to(db, concern),
                "due_date": (assignment.due_date or due.isoformat()) if assignment else None}
        return item, assignment

    async def announce(self, actor: Actor | None, dialogue_id: int | None = None) -> Announcement:
        """Publish the conclusions to the residents concerned and their hamlet heads, and start every
        assignment's clock (due the 20th working day after today)."""
        actor = await self._staff.require(actor, "announce")
        today = self.today()
        due = self.due_date(today)
        async with self._database.transaction() as db:
            dialogue, concluded = await self._announceable(db, actor)
            if dialogue_id is not None and dialogue.id != dialogue_id:
                raise DialogueChanged()
            if not await dialogues.mark_announced(db, dialogue.id, today.isoformat()):
                raise AlreadyAnnounced(date=today)
            by_hamlet: dict[str, list[dict]] = {}
            assigned = 0
            for concern in concluded:
                item, assignment = await self._announced_item(db, concern, due)
                if assignment is not None:
                    if assignment.due_date is None:
                        await assignments.set_due_date(db, assignment.id, due.isoformat())
                    assigned += 1
                    await outbox.enqueue(db, assignment.officer_person_id, "announced_assignment", commune=concern.commune_id,
                                         code=concern.code, category=concern.category, text=concern.body,
                                         conclusion=concern.conclusion_text, due_date=item["due_date"],
                                         days_left=self._calendar.working_days_between(today, date.fromisoformat(item["due_date"])))
                await audit.record(db, commune_id=concern.commune_id, actor_person_id=actor.person_id, action="concern.announced",
                                   subject_type="concern", subject_id=concern.id,
                                   details={"dialogue": dialogue.id, "conclusion": concern.conclusion,
                                            **({"due_date": item["due_date"]} if item["due_date"] else {})})
                await outbox.enqueue(db, concern.resident_id, "conclusion_announced", **item)
                # Residents whose identical concern was merged into this one read the same public conclusion.
                for follower in await concerns.followers(db, concern.id):
                    await outbox.enqueue(db, follower, "conclusion_announced", **item)
                by_hamlet.setdefault(concern.hamlet_id, []).append(item)
            heads = 0
            for head in await staff.holders(db, actor.commune_id, HAMLET_HEAD):
                items = by_hamlet.get(head.hamlet_id or "")
                if items:
                    heads += 1
                    # One message however many concerns the hamlet sent: a page of them, the rest on request.
                    payload = await paged.keep(db, person_id=head.person_id, kind="hamlet_conclusions", items=items,
                                               header=dict(commune=actor.commune_id, hamlet=head.hamlet_id,
                                                           meeting_at=dialogue.meeting_at))
                    await outbox.enqueue(db, head.person_id, "hamlet_conclusions", **payload)
            await followup.tell_mttq_of_announcement(db, actor.commune_id, dialogue.meeting_at, len(concluded))
            limit, late = self._late_days(dialogue, today)
            await audit.record(db, commune_id=actor.commune_id, actor_person_id=actor.person_id, action="dialogue.announced",
                               subject_type="dialogue", subject_id=dialogue.id,
                               details={"announced_on": today.isoformat(), "concerns": len(concluded),
                                        "assignments": assigned, "late_days": late})
            dialogue = await dialogues.by_id(db, dialogue.id)
        assert dialogue is not None
        return Announcement(dialogue, today, len(concluded), assigned, due, limit, late, heads)


async def _tell_invitees(db, dialogue: DialogueRecord, *, cancelled: bool, previous_at: str | None = None) -> int:
    """Every invitee and hamlet head of a moved or cancelled dialogue is told (issue 8)."""
    from bot.services.invitations import tell_invitees

    return await tell_invitees(db, dialogue, cancelled=cancelled, previous_at=previous_at)


def _by_resident(joined: list[dialogues.Joined]) -> dict[int, tuple[list[str], list[str]]]:
    """Per resident: codes they registered to speak about, and codes of theirs on the agenda."""
    result: dict[int, tuple[list[str], list[str]]] = {}
    for item in joined:
        speaking, agenda = result.setdefault(item.resident_id, ([], []))
        target = speaking if item.speaking else agenda
        if item.code not in target:
            target.append(item.code)
    return result
