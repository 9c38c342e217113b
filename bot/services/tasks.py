"""Assigning a concern to an officer, the officer's work on it, and the resident's answer to the result.

Plan II.3.3: the assigned body resolves the concern at the latest 20 working days after the
conclusions are announced and answers the people concerned in writing; where it needs more
time to verify, it may take at most 30 working days, once, with a written reply saying what is
being verified, how, by when and who is responsible. The resident then says whether the
answer satisfies them; a dispute goes back to the commune office (DOMAIN.md).
"""

from __future__ import annotations

import re

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.calendar import WorkingCalendar
from bot.communes import Communes
from bot.deadlines import DeadlineRules, extension_limit, resolution_due
from bot.domain import normalize_code, parse_day
from bot.text import clean_text
from bot.errors import ConcernNotFound, DomainError, UnknownChoice
from bot.i18n import N_, N_plural, Translator
from bot.lifecycle import OPEN_ASSIGNMENT_STATUSES, next_status
from bot.notices import Rendered, renders
from bot.pages import Page, window
from bot.roles import MTTQ, OFFICE, OFFICER, Actor
from bot.services import followup
from storage import followup as followup_store
from bot.services.lifecycle import change
from bot.services.base import COMMUNE_TIMEZONE, CommuneService
from bot.services.staff import StaffService
from storage import assignments, concerns, outbox, staff, tasks, repeated
from storage.assignments import Assignment
from storage.database import Database
from storage.records import Concern, RoleGrant

MAX_NOTE_LENGTH = 1000
MAX_RESULT_LENGTH = 2000
MAX_REASON_LENGTH = 1000
# The written reply of an extension must say what, how, when and who: a few words cannot.
MIN_PLAN_LENGTH = 20
# Tasks shown on one page of /tasks (each with its buttons).
TASKS_PER_PAGE = 5
MAX_PLAN_LENGTH = 2000


# --- Refusals ----------------------------------------------------------------------------------

class TaskNotFound(DomainError):
    message = N_("There is no concern with the code %(code)s in this commune. Please check the code.")


class NotYourTask(DomainError):
    message = N_("Concern %(code)s is not assigned to you, so you cannot act on it. Nothing was changed.")


class NoOfficers(DomainError):
    message = N_("No one holds the officer role in this commune yet. Please ask the administrator to grant it first.")


class ConcludeFirst(DomainError):
    message = N_("Concern %(code)s is on the dialogue agenda: the chair's conclusion assigns it, so that its "
                 "20 working days start with the announcement. Please use /conclude.")


class AlreadyAssigned(DomainError):
    message = N_("Concern %(code)s is already assigned to %(name)s. Nothing was changed.")


class AlreadyExtended(DomainError):
    message = N_("The time for concern %(code)s was already extended once, to %(date)s. "
                 "The plan allows only one extension. Nothing was changed.")


class NotYetAnnounced(DomainError):
    message = N_("Concern %(code)s has no due date yet: it is set when the conclusions are announced. "
                 "An extension can be asked for after that.")


class ExtensionImpossible(DomainError):
    message = N_plural("No later date is possible for concern %(code)s: an extension may last at the latest until %(latest)s "
                       "(%(days)d working day after the conclusions were announced).",
                       "No later date is possible for concern %(code)s: an extension may last at the latest until %(latest)s "
                       "(%(days)d working days after the conclusions were announced).")
    count = "days"


class ExtensionDateUnreadable(DomainError):
    message = N_("Please write the new date as day/month/year, for example %(example)s. The latest allowed date is %(latest)s.")


class ExtensionDateInPast(DomainError):
    message = N_("That date is in the past. Please give a later date; the latest allowed date is %(latest)s.")


class ExtensionDateNotLater(DomainError):
    message = N_("The new date must come after the current due date, %(due)s. The latest allowed date is %(latest)s.")


class ExtensionDateTooLate(DomainError):
    message = N_plural("That date is too late: an extension may last at most %(days)d working day after the conclusions "
                       "were announced. The latest allowed date is %(latest)s.",
                       "That date is too late: an extension may last at most %(days)d working days after the conclusions "
                       "were announced. The latest allowed date is %(latest)s.")
    count = "days"


class ExtensionDateTooLateLegal(DomainError):
    message = N_("That date is later than the plan's limit, %(latest)s. This concern's topic may be bound by a legal "
                 "procedure (land, compensation): if the procedure needs longer, write the date followed by the word "
                 "“thủ tục”, e.g. %(example)s thủ tục, and say why in the written reply. A legal procedure date may "
                 "be at most a year away.")


# A matter bound by a legal procedure may get a later, stated date, at most this far (DOMAIN.md, issue 11).
LEGAL_PROCEDURE_MAX = timedelta(days=365)
LEGAL_PROCEDURE_WORDS = ("thủ tục", "thu tuc", "procedure")


class ExtensionDateNotWorkingDay(DomainError):
    message = N_("%(date)s is not a working day: a due date falls on a working day. The latest allowed date is %(latest)s.")


class WrittenReplyTooShort(DomainError):
    message = N_("Please write the reason and the plan in full, at least %(minimum)d characters: "
                 "what is being verified, how, by when, and who is responsible.")


# Refusals of what was typed: the person may simply type it again.
INPUT_REFUSALS = (ExtensionDateNotWorkingDay, ExtensionDateUnreadable, ExtensionDateInPast, ExtensionDateNotLater,
                  ExtensionDateTooLate, ExtensionDateTooLateLegal, WrittenReplyTooShort)


# --- What the service hands back ----------------------------------------------------------------

@dataclass(frozen=True)
class DueDate:
    day: date
    working_days_left: int  # 0 on the due day itself and once it has passed
    working_days_late: int  # 0 until it has passed
    overdue: bool

    def as_payload(self) -> dict:
        return {"due_date": self.day.isoformat(), "days_left": self.working_days_left,
                "days_late": self.working_days_late, "overdue": self.overdue}


@dataclass(frozen=True)
class Task:
    """One of an officer's open assignments, with the due date in force (the extended one if extended)."""

    concern: Concern
    assignment: Assignment
    due: DueDate | None  # None until the conclusions are announced


@dataclass(frozen=True)
class TaskPage(Page[Task]):
    overdue: int = 0  # of all the open tasks, not only this page's


@dataclass(frozen=True)
class Assigned:
    concern: Concern
    officer: RoleGrant
    due: DueDate | None


@dataclass(frozen=True)
class ExtensionWindow:
    due: date
    latest: date
    limit_days: int
    legal_procedure: bool = False  # the topic may be bound by a legal procedure: a later, stated date is possible


class TaskService(CommuneService):
    def __init__(self, database: Database, communes: Communes, staff: StaffService, calendar: WorkingCalendar,
                 rules: DeadlineRules, *, timezone: ZoneInfo = COMMUNE_TIMEZONE,
                 clock: Callable[[], datetime] | None = None) -> None:
        super().__init__(database, communes, staff, calendar, rules, timezone=timezone, clock=clock)

    def _due(self, day: date | None, today: date) -> DueDate | None:
        if day is None:
            return None
        if today > day:
            return DueDate(day, 0, self._calendar.working_days_between(day, today), True)
        return DueDate(day, self._calendar.working_days_between(today, day), 0, False)

    # --- Assigning (office, chair) --------------------------------------------------------------

    async def assignable(self, actor: Actor | None, code: str) -> tuple[Concern, list[RoleGrant]]:
        """The concern to assign and the officers it may go to (refused if it cannot be assigned now)."""
        actor = await self._staff.require(actor, "assign")
        async with self._database.read() as db:
            concern = await _in_commune(db, actor, code)
            if concern.status == "accepted":
                raise ConcludeFirst(code=concern.code)
            next_status("assign", concern.status, concern.code)
            officers = await staff.holders(db, actor.commune_id, OFFICER)
        if not officers:
            raise NoOfficers()
        return concern, officers

    async def assign(self, actor: Actor | None, code: str, grant_id: int) -> Assigned:
        """Give the concern to an officer. Re-assigning ends the live assignment and keeps its due date;
        the due date is the 20th working day after the announcement, once there is one."""
        actor = await self._staff.require(actor, "assign")
        today = self.today()
        async with self._database.transaction() as db:
            concern = await _in_commune(db, actor, code)
            officer = await staff.grant_by_id(db, grant_id)
            if officer is None or officer.role != OFFICER or officer.commune_id != actor.commune_id:
                raise UnknownChoice()
            previous = await assignments.live_for(db, concern.id)
            if (previous is not None and previous.officer_person_id == officer.person_id
                    and concern.status in OPEN_ASSIGNMENT_STATUSES):
                raise AlreadyAssigned(code=concern.code, name=officer.display_name or officer.body)
            due_before = previous.effective_due if previous is not None else None
            due_iso = previous.due_date if previous is not None else None
            if due_iso is None:
                announced = await tasks.announced_on(db, concern.dialogue_id)
                if announced is not None:
                    due_iso = resolution_due(announced, calendar=self._calendar, rules=self._rules).isoformat()
            details = {"body": officer.body, "officer_person_id": officer.person_id}
            if due_iso:
                details["due_date"] = due_iso
            if previous is not None and previous.extended_to:
                details["extended_to"] = previous.extended_to  # the one extension stays with the concern
            if due_before is not None:
                # A reassignment keeps the date in force: the resident is told it stays, not that it is new.
                details["due_unchanged"] = True
            await change(db, concern, "assign", actor_person_id=actor.person_id, details=details)
            await assignments.assign(db, concern_id=concern.id, officer_person_id=officer.person_id, body=officer.body or "",
                                     assigned_by=actor.person_id, due_date=due_iso)
            live = await assignments.live_for(db, concern.id)
            assert live is not None
            in_force = live.effective_due
            due = self._due(date.fromisoformat(in_force) if in_force else None, today)
            if previous is not None and previous.officer_person_id != officer.person_id:
                await outbox.enqueue(db, previous.officer_person_id, "task_withdrawn", code=concern.code)
            await outbox.enqueue(
                db, officer.person_id, "task_assigned", code=concern.code, commune_id=concern.commune_id,
                category=concern.category, text=concern.body, attachments=len(concern.attachments),
                conclusion=concern.conclusion_text, resolution_days=self._rules.resolution_days,
                extended=live.extended_to is not None, **(due.as_payload() if due else {}),
            )
        return Assigned(concern, officer, due)

    # --- The officer's tasks ----------------------------------------------------------------------

    async def tasks(self, actor: Actor | None, page: int = 1) -> Page[Task]:
        """One page of my open assignments: overdue first, then by due date, then those still waiting
        for a due date. Three queries whatever the number of tasks (counts, the page, its attachments)."""
        actor = await self._staff.require(actor, "work_on_task")
        today = self.today()
        async with self._database.read() as db:
            total, overdue = await tasks.officer_task_counts(db, actor.person_id, actor.commune_id, today.isoformat())
            number, pages, offset = window(total, page, TASKS_PER_PAGE)
            found = await tasks.officer_task_page(db, actor.person_id, actor.commune_id,
                                                  limit=TASKS_PER_PAGE, offset=offset)
        return TaskPage([self._task(concern, assignment, today) for assignment, concern in found],
                        total, number, pages, page, overdue=overdue)

    def _task(self, concern: Concern, assignment: Assignment, today: date) -> Task:
        in_force = assignment.effective_due
        return Task(concern, assignment, self._due(date.fromisoformat(in_force) if in_force else None, today))

    async def _own(self, db, actor: Actor, code: str) -> tuple[Concern, Assignment]:
        """The concern and its live assignment, only for the officer it is assigned to."""
        # A code that exists but is someone else's reads the same as one that does not: an officer
        # cannot probe which codes are in use (need to know).
        normalized = normalize_code(code)
        if normalized is None:
            raise TaskNotFound(code=(code or "").strip()[:20])
        concern = await concerns.in_commune(db, actor.commune_id, normalized)
        assignment = await assignments.live_for(db, concern.id) if concern is not None else None
        if concern is None or assignment is None or assignment.officer_person_id != actor.person_id:
            raise NotYourTask(code=normalized)
        return concern, assignment

    async def task(self, actor: Actor | None, code: str, action: str) -> Task:
        """One of my tasks, checked before asking for the text of `action` (note or resolve)."""
        actor = await self._staff.require(actor, "work_on_task")
        async with self._database.read() as db:
            concern, assignment = await self._own(db, actor, code)
        next_status(action, concern.status, concern.code)
        return self._task(concern, assignment, self.today())

    async def note(self, actor: Actor | None, code: str, text: str | None) -> Concern:
        """A progress note: the concern is in progress (an extended one stays extended); the resident reads it."""
        actor = await self._staff.require(actor, "work_on_task")
        text = clean_text(text, MAX_NOTE_LENGTH)
        async with self._database.transaction() as db:
            concern, assignment = await self._own(db, actor, code)
            await change(db, concern, "note", actor_person_id=actor.person_id, text=text, details={"body": assignment.body})
        return concern

    async def _window(self, db, concern: Concern, assignment: Assignment, today: date) -> ExtensionWindow:
        used = await tasks.extended_to(db, concern.id)
        if used is not None:
            raise AlreadyExtended(code=concern.code, date=used)
        next_status("extend", concern.status, concern.code)
        announced = await tasks.announced_on(db, concern.dialogue_id)
        if announced is None or assignment.due_date is None:
            raise NotYetAnnounced(code=concern.code)
        due = date.fromisoformat(assignment.due_date)
        days = self._rules.extension_days
        latest = extension_limit(announced, calendar=self._calendar, rules=self._rules)
        if latest <= due or latest < today:
            raise ExtensionImpossible(code=concern.code, latest=latest, days=days)
        commune = self._communes.get(concern.commune_id)
        category = commune.category(concern.category) if commune else None
        return ExtensionWindow(due, latest, days, bool(category and category.legal_procedure))

    def _check_new_date(self, window: ExtensionWindow, day: date, today: date, legal: bool = False) -> None:
        if not self._calendar.is_working_day(day):
            raise ExtensionDateNotWorkingDay(date=day, latest=window.latest)
        if day < today:
            raise ExtensionDateInPast(latest=window.latest)
        if day <= window.due:
            raise ExtensionDateNotLater(due=window.due, latest=window.latest)
        if day > window.latest:
            if window.legal_procedure and legal and day <= today + LEGAL_PROCEDURE_MAX:
                return
            if window.legal_procedure:
                raise ExtensionDateTooLateLegal(latest=window.latest, example=day.strftime("%d/%m/%Y"))
            raise ExtensionDateTooLate(days=window.limit_days, latest=window.latest)

    async def extension_window(self, actor: Actor | None, code: str) -> ExtensionWindow:
        """The current due date and the latest an extension may reach; refused if no extension is possible."""
        actor = await self._staff.require(actor, "work_on_task")
        async with self._database.read() as db:
            concern, assignment = await self._own(db, actor, code)
            return await self._window(db, concern, assignment, self.today())

    async def check_extension_date(self, actor: Actor | None, code: str, text: str | None) -> date:
        """The new date typed by the officer, or a refusal naming the latest allowed date."""
        window = await self.extension_window(actor, code)
        text = text or ""
        legal = any(word in text.casefold() for word in LEGAL_PROCEDURE_WORDS)
        for word in LEGAL_PROCEDURE_WORDS:
            text = re.sub(re.escape(word), "", text, flags=re.IGNORECASE)
        day = parse_day(text, self.today())
        if day is None:
            raise ExtensionDateUnreadable(example=window.latest.strftime("%d/%m/%Y"), latest=window.latest)
        self._check_new_date(window, day, self.today(), legal=legal)
        return day

    async def extend(self, actor: Actor | None, code: str, new_date: date, plan: str | None) -> Concern:
        """The one extension, with the written reply the resident receives (what, how, when, who)."""
        actor = await self._staff.require(actor, "work_on_task")
        plan = clean_text(plan, MAX_PLAN_LENGTH)
        if len(plan) < MIN_PLAN_LENGTH:
            raise WrittenReplyTooShort(minimum=MIN_PLAN_LENGTH)
        today = self.today()
        async with self._database.transaction() as db:
            concern, assignment = await self._own(db, actor, code)
            window = await self._window(db, concern, assignment, today)
            # A date past the plan's limit reached here was asked for as a legal procedure's (check_extension_date).
            legal = new_date > window.latest
            self._check_new_date(window, new_date, today, legal=legal)
            await change(db, concern, "extend", actor_person_id=actor.person_id, text=plan,
                         details={"extended_to": new_date.isoformat(), "due_date": window.due.isoformat(),
                                  "body": assignment.body, **({"legal_procedure": True} if legal else {})})
            await assignments.extend(db, assignment.id, new_date.isoformat(), plan)
            if legal:
                await followup.flag_legal_procedure(db, assignment.id)
            await followup.tell_office(db, concern.commune_id, "extend", code=concern.code, body=assignment.body,
                                       date=new_date.isoformat())
        return concern

    async def check_result(self, actor: Actor | None, code: str, result: str | None) -> tuple[Concern, dict]:
        """Before the officer confirms: the resident's notice exactly as `resolve` will send it, the
        body's answer included (nothing is written). The cleaned result is its "text"."""
        actor = await self._staff.require(actor, "work_on_task")
        result = clean_text(result, MAX_RESULT_LENGTH)
        async with self._database.read() as db:
            concern, assignment = await self._own(db, actor, code)
        status = next_status("resolve", concern.status, concern.code)
        return concern, {"code": concern.code, "action": "resolve", "status": status, "text": result, "body": assignment.body}

    async def resolve(self, actor: Actor | None, code: str, result: str | None) -> Concern:
        """The written result: the resident receives it and answers whether it satisfies them."""
        actor = await self._staff.require(actor, "work_on_task")
        result = clean_text(result, MAX_RESULT_LENGTH)
        async with self._database.transaction() as db:
            concern, assignment = await self._own(db, actor, code)
            await change(db, concern, "resolve", actor_person_id=actor.person_id, text=result,
                         details={"body": assignment.body})
            await assignments.resolve(db, assignment.id, result)
            await followup.tell_office(db, concern.commune_id, "resolve", code=concern.code, body=assignment.body)
        return concern

    # --- The resident's answer to the result --------------------------------------------------------

    async def answerable(self, actor: Actor | None, code: str) -> Concern:
        """The resident's own resolved concern, before asking why they are not satisfied."""
        async with self._database.read() as db:
            concern = await _residents_own(db, actor, code)
        next_status("dispute", concern.status, concern.code)
        return concern

    async def satisfied(self, actor: Actor | None, code: str) -> Concern:
        """The resident accepts the result: the concern is closed; the officer is told."""
        async with self._database.transaction() as db:
            concern = await _residents_own(db, actor, code)
            # The resident is the one acting: their own chat answers them, and asks for the rating right
            # after the thanks (handlers), so no notice is needed (one queued would race the thanks).
            await change(db, concern, "satisfied", actor_person_id=actor.person_id, notify_resident=False)
            assignment = await assignments.live_for(db, concern.id)
            if assignment is not None:
                await outbox.enqueue(db, assignment.officer_person_id, "task_answered", code=concern.code, satisfied=True)
        return concern

    async def dispute(self, actor: Actor | None, code: str, reason: str | None) -> Concern:
        """The resident is not satisfied: the reason goes to every holder of the office role, and the officer."""
        reason = clean_text(reason, MAX_REASON_LENGTH)
        async with self._database.transaction() as db:
            concern = await _residents_own(db, actor, code)
            await change(db, concern, "dispute", actor_person_id=actor.person_id, text=reason, notify_resident=False)
            # The office deals with it; the MTTQ supervises every dispute (issue 11).
            office = {grant.person_id for role in (OFFICE, MTTQ) for grant in await staff.holders(db, concern.commune_id, role)}
            office |= set(await followup_store.followers(db, concern.commune_id))  # chairs who chose to be told
            for person_id in sorted(office):
                await outbox.enqueue(db, person_id, "concern_disputed", code=concern.code, commune_id=concern.commune_id,
                                     category=concern.category, reason=reason)
            assignment = await assignments.live_for(db, concern.id)
            if assignment is not None:
                await outbox.enqueue(db, assignment.officer_person_id, "task_answered", code=concern.code,
                                     satisfied=False, reason=reason)
        return concern


async def _in_commune(db, actor: Actor, code: str) -> Concern:
    normalized = normalize_code(code)
    concern = await concerns.in_commune(db, actor.commune_id, normalized) if normalized else None
    if concern is None:
        raise TaskNotFound(code=(code or "").strip()[:20])
    return concern


async def _residents_own(db, actor: Actor | None, code: str) -> Concern:
    normalized = normalize_code(code)
    concern = await concerns.by_code(db, normalized) if normalized and actor is not None else None
    # A resident who supported it or whose concern was merged into it answers like its sender (issue 10).
    if concern is None or (concern.resident_id != actor.person_id
                           and not await repeated.follows(db, concern.id, actor.person_id)):
        raise ConcernNotFound(code=(code or "").strip()[:20])
    return concern


# --- What the notices say ---------------------------------------------------------------------------

def _topic(payload: dict, t: Translator, communes: Communes) -> str:
    commune = communes.get(payload.get("commune_id"))
    category = commune.category(payload.get("category")) if commune else None
    return category.name(t.locale) if category else str(payload.get("category", ""))


def due_line(t: Translator, due: DueDate | None, resolution_days: int) -> str:
    """The due date as an officer reads it: working days left, or how late."""
    if due is None:
        return t.n("The due date will be set when the conclusions are announced: %(days)d working day after the announcement.",
                   "The due date will be set when the conclusions are announced: %(days)d working days after the announcement.",
                   resolution_days, days=resolution_days)
    if due.overdue:
        return t.n("Due date: %(date)s. It has passed: %(days)d working day late.",
                   "Due date: %(date)s. It has passed: %(days)d working days late.",
                   due.working_days_late, date=t.date(due.day), days=due.working_days_late)
    return t("Due date: %(date)s (working days left: %(days)d).", date=t.date(due.day), days=due.working_days_left)


@renders("task_assigned")
def _task_assigned(payload: dict, t: Translator, communes: Communes) -> Rendered:
    """The officer's new task: what the resident wrote, the chair's conclusion, the due date."""
    code = payload["code"]
    lines = [
        t("🗂 Concern %(code)s is assigned to you.", code=code),
        t("Topic: %(topic)s", topic=_topic(payload, t, communes)),
        t("Content: %(body)s", body=payload.get("text") or t("(in the voice note)")),
    ]
    if payload.get("attachments"):
        lines.append(t("Attachments: %(count)d", count=payload["attachments"]))
    if payload.get("conclusion"):
        lines.append(t("The chair's conclusion: %(text)s", text=payload["conclusion"]))
    due = None
    if payload.get("due_date"):
        due = DueDate(date.fromisoformat(payload["due_date"]), payload["days_left"], payload["days_late"], payload["overdue"])
    lines += ["", due_line(t, due, payload.get("resolution_days", 20)), "",
              t("Post your progress, ask for an extension or report the result with the buttons below, or later with /tasks.")]
    if payload.get("extended"):
        lines.insert(-2, t("The time was already extended once (the plan allows one extension per concern)."))
    actions = [(t("📝 Progress note"), f"tk:note:{code}")]
    if due is not None and not payload.get("extended"):
        actions.append((t("⏳ Ask for an extension"), f"tk:ext:{code}"))
    actions.append((t("✅ Resolved: write the result"), f"tk:res:{code}"))
    if payload.get("attachments"):
        actions.append((t("📎 Open the attachments (%(count)d)", count=payload["attachments"]), f"cw:files:{code}"))
    return Rendered("\n".join(lines), actions)


@renders("task_withdrawn")
def _task_withdrawn(payload: dict, t: Translator, communes: Communes) -> Rendered:
    return Rendered(t("Concern %(code)s was given to another officer. You no longer need to act on it.", code=payload["code"]))


@renders("task_answered")
def _task_answered(payload: dict, t: Translator, communes: Communes) -> Rendered:
    """The resident's answer to the officer's result."""
    if payload.get("satisfied"):
        return Rendered(t("👍 The resident is satisfied with your result on concern %(code)s. It is now closed.",
                          code=payload["code"]))
    return Rendered(t("👎 The resident is not satisfied with your result on concern %(code)s. "
                      "The commune office will decide whether to reopen it.\n\nThe resident's reason: %(reason)s",
                      code=payload["code"], reason=payload.get("reason") or ""))


@renders("concern_disputed")
def _concern_disputed(payload: dict, t: Translator, communes: Communes) -> Rendered:
    """To the office: a resident disputes the written result."""
    return Rendered(t("👎 The resident is not satisfied with the result on concern %(code)s (%(topic)s).\n\n"
                      "Their reason: %(reason)s\n\nPlease reopen it or close it with a note: /concern %(code)s",
                      code=payload["code"], topic=_topic(payload, t, communes), reason=payload["reason"]))
