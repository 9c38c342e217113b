"""Reminders before an assignment's due date and escalations after it (DOMAIN.md: a deadline is never
silently missed: "the bot reminds before and escalates after").

Every working day the scheduler asks for the notices due that day:
- the officer is reminded 5 working days and 1 working day before the due date, and on the due day;
- on the first working day after it, and every 5 working days after that, the officer, the commune
  office and the MTTQ committee (which supervises the resolution) are told it is overdue.
The due date in force is the extended one if there is one. Each notice is recorded in the
transaction that queues it, so running the job twice on a day, or after a restart, pings nobody twice.
"""

from __future__ import annotations

from datetime import date, time

from bot.communes import Communes
from bot.i18n import Translator
from bot.lifecycle import OPEN_ASSIGNMENT_STATUSES
from bot.notices import Rendered, renders
from bot.roles import MTTQ, OFFICE, OFFICER
from bot.services.base import COMMUNE_TIMEZONE, CommuneService
from bot.services.tasks import DueDate, due_line
from storage import outbox, reminders, staff
from storage.reminders import DueAssignment

# When the daily job runs: early in the commune's working day.
DAILY_AT = time(7, 30, tzinfo=COMMUNE_TIMEZONE)
# Working days before the due date on which the officer is reminded (0: the due day itself).
REMIND_BEFORE = frozenset({5, 1, 0})
# Overdue: on the first working day late, then every this many working days.
ESCALATE_EVERY = 5

DUE_SOON = "task_due_soon"
OVERDUE = "task_overdue"


class ReminderService(CommuneService):
    async def queue_due_notices(self, today: date | None = None) -> int:
        """Queue today's reminders and escalations in every commune. Returns how many notices were queued."""
        today = today or self.today()
        if not self._calendar.is_working_day(today):
            return 0
        queued = 0
        for commune in self._communes.items:
            async with self._database.read() as db:
                due = await reminders.open_with_due_date(db, commune.id, OPEN_ASSIGNMENT_STATUSES)
            for assignment in due:
                queued += await self._notify(assignment, today)
        return queued

    async def _notify(self, assignment: DueAssignment, today: date) -> int:
        due_day = date.fromisoformat(assignment.due_date)
        about = dict(code=assignment.code, commune_id=assignment.commune_id, category=assignment.category,
                     due_date=assignment.due_date, extended=assignment.extended)
        if today <= due_day:
            days_left = self._calendar.working_days_between(today, due_day)
            if days_left not in REMIND_BEFORE:
                return 0
            notices = [(assignment.officer_person_id, DUE_SOON,
                        dict(about, text=assignment.text, days_left=days_left, due_today=today == due_day))]
        else:
            days_late = self._calendar.working_days_between(due_day, today)
            if (days_late - 1) % ESCALATE_EVERY:
                return 0
            overdue = dict(about, days_late=days_late, body=assignment.body, officer=assignment.officer_name)
            notices = [(assignment.officer_person_id, OVERDUE, dict(overdue, text=assignment.text, to_officer=True))]
        queued = 0
        async with self._database.transaction() as db:
            officer_roles = {grant.role for grant in await staff.live_roles(db, assignment.officer_person_id)
                             if grant.commune_id == assignment.commune_id}
            if OFFICER not in officer_roles:
                # The officer's role was withdrawn: the office (told to reassign) hears about it, not them.
                notices = [n for n in notices if n[0] != assignment.officer_person_id]
            if today > due_day:
                overseers = {grant.person_id for role in (OFFICE, MTTQ)
                             for grant in await staff.holders(db, assignment.commune_id, role)}
                overseers.discard(assignment.officer_person_id)  # an officer also in the office gets one notice
                notices += [(person_id, OVERDUE, dict(overdue, to_officer=False)) for person_id in sorted(overseers)]
            for person_id, kind, payload in notices:
                if await reminders.mark_sent(db, assignment_id=assignment.assignment_id, recipient_person_id=person_id,
                                             kind=kind, on_day=today.isoformat()):
                    await outbox.enqueue(db, person_id, kind, **payload)
                    queued += 1
        return queued


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
