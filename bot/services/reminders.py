"""Reminders before an assignment's due date and escalations after it (DOMAIN.md: a deadline is never
silently missed: "the bot reminds before and escalates after").

Every working day the scheduler sweeps each commune for the notices due that day:
- the officer is reminded 5 working days and 1 working day before the due date, and on the due day;
- on the first working day after it, and every 5 working days after that, the officer, the commune
  office, the chair and the MTTQ committee (which supervises the resolution) are told it is overdue;
  the overseers also hear what falls due that day.
Nothing is sent per item: each person gets ONE message that day listing their items (an officer with
a single item gets it with the task's buttons), paged when long. Each item is recorded per recipient
(reminders_sent) in the transaction that queues the message, so a sweep run twice on a day, or after
a restart, pings nobody twice; and the sweep remembers the day it ran, so running again only looks at
the assignments made since.

The working-day arithmetic stays in Python (the calendar): it computes the due dates that call for a
notice today, and SQLite reads only the assignments due on those days, through an index.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from bot.communes import Communes
from bot.deadlines import dialogue_deadlines
from bot.i18n import N_, N_plural, Translator
from bot.lifecycle import OPEN_ASSIGNMENT_STATUSES
from bot.notices import Rendered, renders
from bot.pages import Page, page_line
from bot.roles import CHAIR, MTTQ, OFFICE, OFFICER
from bot.services import paged
from bot.services.base import COMMUNE_TIMEZONE, CommuneService
from bot.services.tasks import DueDate, due_line
from storage import dialogues, invitations, outbox, reminders, staff
from storage.reminders import DueAssignment

# Declared here: Babel's extractor loses this plural call where it stands among the digest's lines.
LATE_ASSIGNED_LINE = N_plural("• %(code)s · %(topic)s · %(assigned)s · due %(date)s · %(days)d working day late",
                              "• %(code)s · %(topic)s · %(assigned)s · due %(date)s · %(days)d working days late")

# When the daily job runs: early in the commune's working day (REMINDER_TIME sets another hour).
DAILY_AT = time(7, 30, tzinfo=COMMUNE_TIMEZONE)
# Never at night: a sweep woken later than this (a restart in the evening) waits for the next morning.
QUIET_FROM = time(20, 0)
# How far back the sweep catches up on days it missed while the bot was down.
CATCH_UP_DAYS = 31
# The plan's dialogue deadlines: reminded these working days before, then every working day late.
DEADLINE_BEFORE = (3, 1)
INVITATIONS_DUE = "invitations_due"
CONCLUSIONS_DUE = "conclusions_due"
MEETING_TOMORROW = "meeting_tomorrow"
# Working days before the due date on which the officer is reminded (0: the due day itself).
REMIND_BEFORE = frozenset({5, 1, 0})
# Overdue: on the first working day late, then every this many working days.
ESCALATE_EVERY = 5
# Who oversees the resolution and gets the daily digest.
OVERSEERS = (OFFICE, CHAIR, MTTQ)

DUE_SOON = "task_due_soon"
OVERDUE = "task_overdue"
DUE_TODAY = "task_due_today"  # recorded for the overseers told that an item falls due today
DIGEST = "reminder_digest"


@dataclass(frozen=True)
class Planned:
    """A reminder /reminders lists: the day it goes out, its kind, and what it is about."""

    on_day: date
    kind: str
    subject: date  # the deadline (or the meeting day) it is about
    recipients: int


class ReminderService(CommuneService):
    daily_at: time = DAILY_AT  # the runner sets REMINDER_TIME here

    def in_hours(self, moment: datetime | None = None) -> bool:
        """Reminders go out on working days, from the configured hour until the evening, never at night."""
        local = (moment or self._now()).astimezone(self._timezone)
        at = self.daily_at.replace(tzinfo=None)
        return self._calendar.is_working_day(local.date()) and at <= local.time().replace(tzinfo=None) < QUIET_FROM

    async def sweep(self, moment: datetime | None = None) -> int:
        """What the job queue wakes: every reminder due by now (the database says which), if now is a
        time to send; one that fell due while the bot was down goes out now, once."""
        if not self.in_hours(moment):
            return 0
        today = (moment or self._now()).astimezone(self._timezone).date()
        return await self.queue_due_notices(today) + await self.queue_dialogue_reminders(today)

    async def queue_due_notices(self, today: date | None = None) -> int:
        """Queue today's reminders and escalations in every commune. Returns how many messages were queued."""
        today = today or self.today()
        if not self._calendar.is_working_day(today):
            return 0
        async with self._database.read() as db:
            earliest = await reminders.earliest_due(db)
            last_swept = await _last_swept_before(db, today)
        days = self._notice_days(today, date.fromisoformat(earliest[:10]) if earliest else today)
        days = self._with_missed_days(days, today, date.fromisoformat(earliest[:10]) if earliest else today, last_swept)
        queued = 0
        for commune in self._communes.items:
            queued += await self._sweep(commune.id, today, days)
        return queued

    def _with_missed_days(self, days: dict[str, tuple[int, int]], today: date, earliest: date,
                          last_swept: date | None) -> dict[str, tuple[int, int]]:
        """Catch-up: the due dates that called for a notice on a working day the sweep missed (the bot
        was down) get one today, said as of today; each was not sent on its day, so it goes out once."""
        if last_swept is None:
            return days
        day = max(last_swept, today - timedelta(days=CATCH_UP_DAYS)) + timedelta(days=1)
        days = dict(days)
        while day < today:
            if self._calendar.is_working_day(day):
                for due in self._notice_days(day, earliest):
                    if due not in days:
                        due_day = date.fromisoformat(due)
                        if due_day >= today:
                            days[due] = (self._calendar.working_days_between(today, due_day), 0)
                        else:
                            days[due] = (0, self._calendar.working_days_between(due_day, today))
            day += timedelta(days=1)
        return days

    def _notice_days(self, today: date, earliest: date) -> dict[str, tuple[int, int]]:
        """ISO due date -> (working days left, working days late) for every due date that calls for a
        notice today: 5, 1 and 0 working days left; 1, 6, 11, ... working days late."""
        days: dict[str, tuple[int, int]] = {}
        day, left = today, 0
        while left <= max(REMIND_BEFORE):
            if left in REMIND_BEFORE:
                days[day.isoformat()] = (left, 0)
            day += timedelta(days=1)
            left += self._calendar.is_working_day(day)
        # Walking back from today: the days late grow by one with each working day stepped over.
        day, late = today, 0
        while day > earliest:
            late += self._calendar.is_working_day(day)
            day -= timedelta(days=1)
            if late and (late - 1) % ESCALATE_EVERY == 0:
                days[day.isoformat()] = (0, late)
        return days

    async def _sweep(self, commune_id: str, today: date, days: dict[str, tuple[int, int]]) -> int:
        on_day = today.isoformat()
        async with self._database.transaction() as db:
            after = await reminders.swept(db, commune_id, on_day) or 0
            last = await reminders.last_assignment_id(db)
            if last <= after:
                return 0  # swept today already and nothing was assigned since: nothing new can be due
            due = await reminders.due_on(db, commune_id, days, OPEN_ASSIGNMENT_STATUSES, after_id=after)
            officers = {grant.person_id for grant in await staff.holders(db, commune_id, OFFICER)}
            overseers = sorted({grant.person_id for grant in await staff.holders(db, commune_id)
                                if grant.role in OVERSEERS})
            already = await reminders.sent_on(db, on_day, [a.assignment_id for a in due]) if due else set()
            items: dict[int, list[tuple[DueAssignment, str, dict]]] = {}
            # In the order the messages list them, so each person's list comes out sorted.
            listed_items = sorted(((assignment, _item(assignment, today, *days[assignment.due_date])) for assignment in due),
                                  key=lambda pair: _order(pair[1]))
            for assignment, item in listed_items:
                late = item["days_late"]
                # The officer's role was withdrawn: the office (told to reassign) hears about it, not them.
                to = [assignment.officer_person_id] if assignment.officer_person_id in officers else []
                if late or item["due_today"]:
                    # An officer who is also an overseer gets the one notice, as the officer.
                    to += [person_id for person_id in overseers if person_id != assignment.officer_person_id]
                for person_id in to:
                    kind = _kind(item, officer=person_id == assignment.officer_person_id)
                    if (assignment.assignment_id, person_id, kind) not in already:
                        items.setdefault(person_id, []).append((assignment, kind, item))
            # In the key's order: SQLite then walks its B-tree once instead of jumping about (half the time).
            await reminders.mark_sent_many(db, on_day, sorted(
                (a.assignment_id, person_id, kind) for person_id, listed in items.items() for a, kind, _ in listed))
            encoded: dict[tuple, str] = {}  # the overseers' digests are alike: encoded (and counted) once
            headers: dict[tuple, dict] = {}
            for person_id, listed in items.items():
                await self._queue(db, person_id, commune_id, today, listed, encoded, headers)
            await reminders.mark_swept(db, commune_id, on_day, last)
        return len(items)

    async def _queue(self, db, person_id: int, commune_id: str, today: date,
                     listed: list[tuple[DueAssignment, str, dict]], encoded: dict[tuple, str],
                     headers: dict[tuple, dict]) -> None:
        """One message for the person: a lone task of an officer with its buttons, else a digest."""
        assignment, kind, item = listed[0]
        if len(listed) == 1 and person_id == assignment.officer_person_id:
            payload = dict(code=assignment.code, commune_id=commune_id, category=assignment.category,
                           due_date=assignment.due_date, extended=assignment.extended, text=assignment.text)
            if kind == DUE_SOON:
                payload.update(days_left=item["days_left"], due_today=item["due_today"])
            else:
                payload.update(days_late=item["days_late"], body=assignment.body, officer=assignment.officer_name,
                               to_officer=True)
            await outbox.enqueue(db, person_id, kind, **payload)
            return
        entries = [item for _, _, item in listed]
        officer = all(a.officer_person_id == person_id for a, _, _ in listed)
        key = (officer, *(a.assignment_id for a, _, _ in listed))
        header = headers.get(key)
        if header is None:
            header = headers[key] = _header(entries, commune_id, today, officer=officer)
        payload = await paged.keep(db, person_id=person_id, kind=DIGEST, header=header, items=entries,
                                   encoded=encoded, key=key)
        await outbox.enqueue(db, person_id, DIGEST, **payload)


    # --- the plan's dialogue deadlines (issue 8) ---------------------------------------------------

    def _deadline_points(self, deadline: date, today: date) -> list[date]:
        """The days a deadline's reminder falls due up to today: 3 and 1 working days before it, then
        every working day after it while it is not met."""
        points = [self._calendar.working_days_before(deadline, n) for n in DEADLINE_BEFORE]
        day = deadline
        while True:
            day = self._calendar.working_days_after(day, 1)
            if day > today:
                break
            points.append(day)
        return sorted(p for p in points if p <= today)

    async def _dialogue_notices(self, db, dialogue, today: date) -> list[tuple[str, date, list[int], dict]]:
        """(kind, day it fell due, recipients, payload) of each dialogue reminder due by today: the latest
        point only, so a restart after several missed days sends one message, not a backlog."""
        meeting = datetime.fromisoformat(dialogue.meeting_at).astimezone(self._timezone).date()
        deadlines = dialogue_deadlines(meeting, calendar=self._calendar, rules=self._rules)
        issued, _, _ = await invitations.dialogue_marks(db, dialogue.id)
        holders = await staff.holders(db, dialogue.commune_id)
        office = [g.person_id for g in holders if g.role == OFFICE]
        mttq = [g.person_id for g in holders if g.role == MTTQ]
        base = dict(commune=dialogue.commune_id, meeting_at=dialogue.meeting_at, place=dialogue.place)
        found = []
        if dialogue.status == "scheduled" and not issued and today < meeting:
            points = self._deadline_points(deadlines.invitations_by, today)
            if points:
                late = max(0, self._calendar.working_days_between(deadlines.invitations_by, today))
                left = max(0, self._calendar.working_days_between(today, deadlines.invitations_by))
                found.append((INVITATIONS_DUE, points[-1], sorted(set(mttq + office)),
                              dict(base, deadline=deadlines.invitations_by.isoformat(), days_late=late, days_left=left)))
        tomorrow_point = self._calendar.working_days_before(meeting, 1)
        if dialogue.status == "scheduled" and issued and tomorrow_point <= today < meeting:
            listed = await invitations.of_dialogue(db, dialogue.id)
            coming = [i.person_id for i in listed if i.person_id and i.answer in ("yes", "delegate")]
            heads = [g.person_id for g in holders if g.role == "hamlet_head"
                     and any(i.hamlet_id == g.hamlet_id for i in listed)]
            found.append((MEETING_TOMORROW, tomorrow_point, sorted(set(coming + heads)), base))
        if dialogue.status != "cancelled" and not dialogue.announced_on and today > meeting:
            points = self._deadline_points(deadlines.conclusions_by, today)
            if points:
                late = max(0, self._calendar.working_days_between(deadlines.conclusions_by, today))
                left = max(0, self._calendar.working_days_between(today, deadlines.conclusions_by))
                chair = [dialogue.chair_person_id] if dialogue.chair_person_id else []
                to = office + chair + (mttq if late else [])
                found.append((CONCLUSIONS_DUE, points[-1], sorted(set(to)),
                              dict(base, deadline=deadlines.conclusions_by.isoformat(), days_late=late, days_left=left)))
        return found

    async def queue_dialogue_reminders(self, today: date | None = None) -> int:
        """The plan's dialogue deadlines, reminded once per due point and person (deadline_reminders_sent)."""
        today = today or self.today()
        if not self._calendar.is_working_day(today):
            return 0
        queued = 0
        for commune in self._communes.items:
            async with self._database.transaction() as db:
                for dialogue in await _open_dialogues(db, commune.id):
                    for kind, point, people, payload in await self._dialogue_notices(db, dialogue, today):
                        done = await invitations.reminded(db, dialogue.id, kind, point.isoformat())
                        fresh = [p for p in people if p not in done]
                        for person_id in fresh:
                            await outbox.enqueue(db, person_id, kind, **payload)
                        await invitations.mark_reminded(db, dialogue.id, kind, point.isoformat(), fresh)
                        queued += len(fresh)
        return queued

    async def planned(self, actor, working_days: int = 10) -> list[Planned]:
        """/reminders: the dialogue reminders due in the next `working_days` working days (as things stand)."""
        actor = await self._staff.require(actor, "view_reminders")
        today = self.today()
        days = [today] if self._calendar.is_working_day(today) else []
        while len(days) < working_days:
            days.append(self._calendar.working_days_after(days[-1] if days else today, 1))
        result: list[Planned] = []
        async with self._database.read() as db:
            for dialogue in await _open_dialogues(db, actor.commune_id):
                seen: set[tuple[str, date]] = set()
                for day in days:
                    for kind, point, people, payload in await self._dialogue_notices(db, dialogue, day):
                        if (kind, point) in seen or point < today:
                            continue
                        seen.add((kind, point))
                        subject = date.fromisoformat(payload["deadline"]) if "deadline" in payload else \
                            datetime.fromisoformat(dialogue.meeting_at).astimezone(self._timezone).date()
                        result.append(Planned(day, kind, subject, len(people)))
            rows = await (await db.execute(
                "SELECT COALESCE(a.extended_to, a.due_date) FROM assignments a JOIN concerns c ON c.id = a.concern_id"
                " WHERE a.ended_at IS NULL AND c.commune_id = ? AND COALESCE(a.extended_to, a.due_date) IS NOT NULL",
                (actor.commune_id,))).fetchall()
        for (due,) in rows:
            due_day = date.fromisoformat(due)
            for day in days:
                if due in self._notice_days(day, due_day):
                    result.append(Planned(day, "task", due_day, 1))
        return sorted(result, key=lambda p: (p.on_day, p.kind))


async def _open_dialogues(db, commune_id: str) -> list:
    """Dialogues whose deadlines may still call for a reminder: scheduled, or held and not announced."""
    return [d for d in await dialogues.not_cancelled(db, commune_id) if not d.announced_on]


async def _last_swept_before(db, today: date) -> date | None:
    row = await (await db.execute("SELECT MAX(on_day) FROM reminder_sweeps WHERE on_day < ?",
                                  (today.isoformat(),))).fetchone()
    return date.fromisoformat(row[0]) if row and row[0] else None


def _item(assignment: DueAssignment, today: date, left: int, late: int) -> dict:
    """What a digest line says about one assignment (kept in the digest: its pages are read later)."""
    return dict(code=assignment.code, category=assignment.category, officer=assignment.officer_name, body=assignment.body,
                due_date=assignment.due_date, days_left=left, days_late=late,
                due_today=not late and assignment.due_date == today.isoformat())


def _kind(item: dict, *, officer: bool) -> str:
    if item["days_late"]:
        return OVERDUE
    return DUE_SOON if officer else DUE_TODAY


def _order(item: dict) -> tuple:
    """Newly late first, then the longest late, then due today, then due soonest."""
    if item["days_late"] == 1:
        return (0, 0, item["code"])
    if item["days_late"]:
        return (1, -item["days_late"], item["code"])
    return (2, item["days_left"], item["code"])


def _header(entries: list[dict], commune_id: str, today: date, *, officer: bool) -> dict:
    # One pass: an overseer's digest lists every item of the commune due that day (ten thousand at a province's scale).
    new_late = late = due_today = 0
    for entry in entries:
        days_late = entry["days_late"]
        if days_late == 1:
            new_late += 1
        elif days_late:
            late += 1
        elif entry["due_today"]:
            due_today += 1
    return dict(commune_id=commune_id, on_day=today.isoformat(), to_officer=officer, total=len(entries),
                new_late=new_late, late=late, due_today=due_today, due_soon=len(entries) - new_late - late - due_today)


# --- What the notices say ---------------------------------------------------------------------------

def _topic(payload: dict, communes: Communes, t: Translator) -> str:
    commune = communes.get(payload.get("commune_id"))
    category = commune.category(payload.get("category")) if commune else None
    return category.name(t.locale) if category else str(payload.get("category", ""))


def _task_actions(payload: dict, t: Translator) -> list[tuple[str, str]]:
    """The buttons of the officer's task notices (the same as /tasks): no extension once extended."""
    code = payload["code"]
    actions = [(t("📝 Progress note"), f"tk:note:{code}")]
    if not payload.get("extended"):
        actions.append((t("⏳ Ask for an extension"), f"tk:ext:{code}"))
    actions.append((t("✅ Resolved: write the result"), f"tk:res:{code}"))
    return actions


def _due(payload: dict) -> DueDate:
    late = payload.get("days_late", 0)
    return DueDate(date.fromisoformat(payload["due_date"]), payload.get("days_left", 0), late, late > 0)


@renders(DUE_SOON)
def _task_due_soon(payload: dict, t: Translator, communes: Communes) -> Rendered:
    """To the officer, before the due date."""
    code = payload["code"]
    if payload.get("due_today"):
        title = t("⏰ Today is the due date of concern %(code)s.", code=code)
        due = t("Due date: %(date)s", date=t.date(date.fromisoformat(payload["due_date"])))
    else:
        title = t("⏰ Reminder: the due date of concern %(code)s is near.", code=code)
        due = due_line(t, _due(payload), 0)
    lines = [title, t("Topic: %(topic)s", topic=_topic(payload, communes, t)),
             t("Content: %(body)s", body=payload.get("text") or t("(in the voice note)")), "", due]
    if payload.get("extended"):
        lines += ["", t("This date is the extended one: the plan allows no further extension."),
                  t("Post your progress or report the result with the buttons below, or later with /tasks.")]
    else:
        lines += ["", t("Post your progress, ask for an extension or report the result with the buttons below, or later with /tasks.")]
    return Rendered("\n".join(lines), _task_actions(payload, t))


@renders(OVERDUE)
def _task_overdue(payload: dict, t: Translator, communes: Communes) -> Rendered:
    """Past the due date: to the officer (with the task buttons), and to the office and the MTTQ committee."""
    code = payload["code"]
    topic = t("Topic: %(topic)s", topic=_topic(payload, communes, t))
    due = due_line(t, _due(payload), 0)
    if payload.get("to_officer"):
        lines = [t("⚠️ Concern %(code)s assigned to you is past its due date.", code=code), topic,
                 t("Content: %(body)s", body=payload.get("text") or t("(in the voice note)")), "", due, "",
                 t("The commune office and the MTTQ committee have been told. "
                   "Please report the result, or your progress, with the buttons below.")]
        return Rendered("\n".join(lines), _task_actions(payload, t))
    if payload.get("officer"):
        assigned = t("Assigned to: %(officer)s (%(body)s)", officer=payload["officer"],
                     body=communes.body_name(payload["body"], t.locale, payload.get("commune_id")))
    else:
        assigned = t("Assigned to: %(body)s", body=communes.body_name(payload["body"], t.locale, payload.get("commune_id")))
    lines = [t("⚠️ Past due: concern %(code)s has not been resolved in time.", code=code), topic, assigned, "", due, "",
             t("Details: /concern %(code)s · everything past due: /overdue", code=code)]
    return Rendered("\n".join(lines))


# --- The daily digest ---------------------------------------------------------------------------------

def _section(item: dict) -> int:
    return _order(item)[0] if item["days_late"] or item["due_today"] else 3


def _assigned(item: dict, t: Translator) -> str:
    if item.get("officer"):
        return t("%(officer)s (%(body)s)", officer=item["officer"], body=item["body"])
    return item["body"]


@paged.page_text(DIGEST)
def digest_text(header: dict, page: Page[dict], t: Translator, communes: Communes) -> str:
    """A page of a person's reminders of one day: the counts, then the items by section."""
    day = t.date(date.fromisoformat(header["on_day"]))
    if header.get("to_officer"):
        lines = [t("⏰ Your tasks to act on, %(date)s: %(count)d (past due: %(late)d, due today: %(today)d, "
                   "due soon: %(soon)d).", date=day, count=header["total"], late=header["new_late"] + header["late"],
                   today=header["due_today"], soon=header["due_soon"])]
    else:
        lines = [t("📋 Deadlines of %(date)s: newly past due %(new)d, still past due %(late)d, due today %(today)d.",
                   date=day, new=header["new_late"], late=header["late"], today=header["due_today"])]
    if page_line(page, t):
        lines.append(page_line(page, t))
    titles = {0: t("🆕 Newly past due (first working day late):"), 1: t("⚠️ Still past due:"),
              2: t("📅 Due today:"), 3: t("⏳ Due soon:")}
    section = None
    for item in page.items:
        if _section(item) != section:
            section = _section(item)
            lines += ["", titles[section]]
        topic = _topic(dict(item, commune_id=header["commune_id"]), communes, t)
        due = t.short_date(date.fromisoformat(item["due_date"]))
        own = header.get("to_officer")
        if item["days_late"] and own:
            lines.append(t.n("• %(code)s · %(topic)s · due %(date)s · %(days)d working day late",
                             "• %(code)s · %(topic)s · due %(date)s · %(days)d working days late", item["days_late"],
                             code=item["code"], topic=topic, date=due, days=item["days_late"]))
        elif item["days_late"]:
            lines.append(t.n(*LATE_ASSIGNED_LINE, item["days_late"], code=item["code"], topic=topic, assigned=_assigned(item, t), date=due,
                             days=item["days_late"]))
        elif item["due_today"] and not own:
            lines.append(t("• %(code)s · %(topic)s · %(assigned)s", code=item["code"], topic=topic,
                           assigned=_assigned(item, t)))
        elif item["due_today"]:
            lines.append(t("• %(code)s · %(topic)s", code=item["code"], topic=topic))
        else:
            lines.append(t.n("• %(code)s · %(topic)s · due %(date)s · %(days)d working day left",
                             "• %(code)s · %(topic)s · due %(date)s · %(days)d working days left", item["days_left"],
                             code=item["code"], topic=topic, date=due, days=item["days_left"]))
    lines.append("")
    if header.get("to_officer"):
        lines.append(t("Post your progress, ask for an extension or report the result with /tasks."))
    else:
        lines.append(t("Details: /concern followed by the code · everything past due: /overdue"))
    return "\n".join(lines)


@renders(DIGEST)
def _digest(payload: dict, t: Translator, communes: Communes) -> Rendered:
    """A person's reminders of the day in one message: its first page (the others are read when asked)."""
    return paged.first_page(DIGEST, payload, t, communes)


# --- The dialogue deadlines' reminders -----------------------------------------------------------------

def _meeting_when(payload: dict, t: Translator) -> str:
    return t.date(t.local_date(payload["meeting_at"]))


@renders(INVITATIONS_DUE)
def _invitations_due(payload: dict, t: Translator, communes: Communes) -> Rendered:
    deadline, meeting = t.date(date.fromisoformat(payload["deadline"])), _meeting_when(payload, t)
    if payload.get("days_late"):
        return Rendered(t.n("⚠️ The invitations to the dialogue of %(meeting)s are late: they had to be issued by "
                            "%(date)s (%(n)d working day late). The MTTQ issues them with /invitations.",
                            "⚠️ The invitations to the dialogue of %(meeting)s are late: they had to be issued by "
                            "%(date)s (%(n)d working days late). The MTTQ issues them with /invitations.",
                            payload["days_late"], meeting=meeting, date=deadline))
    return Rendered(t.n("⏰ The invitations to the dialogue of %(meeting)s must be issued by %(date)s "
                        "(%(n)d working day left). The MTTQ issues them with /invitations.",
                        "⏰ The invitations to the dialogue of %(meeting)s must be issued by %(date)s "
                        "(%(n)d working days left). The MTTQ issues them with /invitations.",
                        payload["days_left"], meeting=meeting, date=deadline))


@renders(CONCLUSIONS_DUE)
def _conclusions_due(payload: dict, t: Translator, communes: Communes) -> Rendered:
    deadline, meeting = t.date(date.fromisoformat(payload["deadline"])), _meeting_when(payload, t)
    if payload.get("days_late"):
        return Rendered(t.n("⚠️ The conclusions of the dialogue of %(meeting)s are not announced: the deadline was "
                            "%(date)s (%(n)d working day late). The office announces them with /announce.",
                            "⚠️ The conclusions of the dialogue of %(meeting)s are not announced: the deadline was "
                            "%(date)s (%(n)d working days late). The office announces them with /announce.",
                            payload["days_late"], meeting=meeting, date=deadline))
    return Rendered(t.n("⏰ The conclusions of the dialogue of %(meeting)s must be announced by %(date)s "
                        "(%(n)d working day left): /conclude, then /announce.",
                        "⏰ The conclusions of the dialogue of %(meeting)s must be announced by %(date)s "
                        "(%(n)d working days left): /conclude, then /announce.",
                        payload["days_left"], meeting=meeting, date=deadline))


@renders(MEETING_TOMORROW)
def _meeting_tomorrow(payload: dict, t: Translator, communes: Communes) -> Rendered:
    from bot.services.dialogue_notices import place_name

    at = t.moment(payload["meeting_at"]).split(" ")[0]
    return Rendered(t("📅 Reminder: the commune's dialogue is on %(date)s at %(time)s, at %(place)s.",
                      date=_meeting_when(payload, t), time=at,
                      place=place_name(communes, payload.get("commune"), payload["place"], t.locale)))


PLANNED_LABELS = {
    INVITATIONS_DUE: N_("invitations to issue by %(date)s"),
    CONCLUSIONS_DUE: N_("conclusions to announce by %(date)s"),
    MEETING_TOMORROW: N_("the meeting of %(date)s, to those coming and the hamlet heads"),
    "task": N_("an assignment due %(date)s"),
}
