"""Before every dialogue, the review the plan asks for (II.3.1): "những vấn đề bức xúc, đã được nêu ra nhiều
lần nhưng chưa được giải quyết dứt điểm". Everything raised twice or more, and everything still open, overdue,
disputed or promised at a meeting and not done, across all dialogues, worst first; the office's proposed
direction for each; promises made when answering at a meeting, reminded until done; the previous dialogue's
unresolved items offered for the next agenda; a hamlet head's list of their hamlet; petition attempts counted."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from bot.communes import Communes
from bot.domain import normalize_code, parse_day
from bot.errors import DomainError, TextEmpty, UnknownChoice
from bot.i18n import N_, Translator
from bot.lifecycle import OPEN_ASSIGNMENT_STATUSES
from bot.notices import Rendered, renders
from bot.pages import Page, page_line, window
from bot.roles import CHAIR, MTTQ, OFFICE, Actor
from bot.services import paged
from bot.services.base import CommuneService
from bot.text import clean_text
from storage import audit, concerns, dialogues, outbox, repeated, staff
from storage.records import Concern
from storage.repeated import HamletRow, Promise, ReviewRow

REVIEW_PER_PAGE = 5
HAMLET_PER_PAGE = 10
MAX_DIRECTION_LENGTH = 1000
MAX_PROMISE_LENGTH = 300
# How far back /review counts the petition attempts.
PETITION_DAYS = 365
PROMISE_DIGEST = "promise_digest"


class ReviewCodeUnknown(DomainError):
    message = N_("There is no concern with the code %(code)s in your commune. Please check the code.")


class DirectionRequired(DomainError):
    message = N_("Please write the proposed direction and solution in a few words.")


class PromiseUnreadable(DomainError):
    message = N_("Please write the date first, then what was promised, for example: 31/12/2026 replace the street "
                 "lights. Nothing was changed.")


class PromiseNotAnswered(DomainError):
    message = N_("A promise goes with a concern answered at the dialogue; concern %(code)s is not. Nothing was changed.")


class NoPromise(DomainError):
    message = N_("Concern %(code)s has no promise waiting to be done. Nothing was changed.")


class NoHamlet(DomainError):
    message = N_("Your role has no hamlet. Please ask the administrator. Nothing was changed.")


@dataclass(frozen=True)
class ReviewItem:
    row: ReviewRow
    overdue: bool
    promise_late: bool


@dataclass(frozen=True)
class ReviewFilter:
    topic: str | None = None
    hamlet_id: str | None = None


@dataclass(frozen=True)
class CarryOver:
    dialogue_id: int
    codes: list[str]


class ReviewService(CommuneService):
    # --- /review --------------------------------------------------------------------------------

    def _check_filter(self, actor: Actor, chosen: ReviewFilter) -> ReviewFilter:
        commune = self._communes.get(actor.commune_id)
        if commune is None:
            raise UnknownChoice()
        if chosen.topic is not None and commune.category(chosen.topic) is None:
            raise UnknownChoice()
        if chosen.hamlet_id is not None and commune.hamlet(chosen.hamlet_id) is None:
            raise UnknownChoice()
        return chosen

    async def review(self, actor: Actor | None, page: int = 1, chosen: ReviewFilter = ReviewFilter()) -> Page[ReviewItem]:
        """One page of the review, worst first (times raised, residents, dialogues, then the oldest)."""
        actor = await self._staff.require(actor, "review")
        chosen = self._check_filter(actor, chosen)
        today = self.today().isoformat()
        async with self._database.read() as db:
            total = await repeated.count_review(db, actor.commune_id, topic=chosen.topic, hamlet_id=chosen.hamlet_id)
            number, pages, offset = window(total, page, REVIEW_PER_PAGE)
            rows = await repeated.review(db, actor.commune_id, topic=chosen.topic, hamlet_id=chosen.hamlet_id,
                                         limit=REVIEW_PER_PAGE, offset=offset)
        items = [ReviewItem(row, bool(row.due and row.due < today and row.status in OPEN_ASSIGNMENT_STATUSES),
                            bool(row.promise_due and row.promise_due < today)) for row in rows]
        return Page(items, total, number, pages, page)

    async def petition_counts(self, actor: Actor | None) -> list[tuple[str, str, int]]:
        """(topic, hamlet, attempts) of the last year: which themes residents bring as petitions (nothing personal)."""
        actor = await self._staff.require(actor, "review")
        since = (self.today() - timedelta(days=PETITION_DAYS)).isoformat()
        async with self._database.read() as db:
            return await repeated.petition_counts(db, actor.commune_id, since)

    async def _concern(self, db, actor: Actor, code_text: str | None) -> Concern:
        code = normalize_code(code_text or "")
        concern = await concerns.in_commune(db, actor.commune_id, code) if code else None
        if concern is None:
            raise ReviewCodeUnknown(code=(code_text or "").strip()[:20])
        return concern

    async def check_direction(self, actor: Actor | None, code_text: str) -> Concern:
        actor = await self._staff.require(actor, "propose_direction")
        async with self._database.read() as db:
            return await self._concern(db, actor, code_text)

    async def set_direction(self, actor: Actor | None, code_text: str, text: str | None) -> Concern:
        """The office's proposed direction and solution for an item (dự kiến phương hướng, giải pháp);
        the chair reads it when concluding."""
        actor = await self._staff.require(actor, "propose_direction")
        try:
            direction = clean_text(text, MAX_DIRECTION_LENGTH)
        except TextEmpty:
            raise DirectionRequired() from None
        async with self._database.transaction() as db:
            concern = await self._concern(db, actor, code_text)
            await repeated.set_direction(db, concern.id, direction)
            await audit.record(db, commune_id=concern.commune_id, actor_person_id=actor.person_id,
                               action="concern.direction", subject_type="concern", subject_id=concern.id,
                               details={"text": direction})
            return await concerns.by_id(db, concern.id)

    async def direction(self, actor: Actor | None, concern_id: int) -> str | None:
        """The proposed direction of a concern on the agenda, for the chair concluding it."""
        actor = await self._staff.require(actor, "conclude")
        async with self._database.read() as db:
            concern = await concerns.by_id(db, concern_id)
            if concern is None or concern.commune_id != actor.commune_id:
                return None
            return await repeated.direction_of(db, concern_id)

    # --- promises made when answering at the meeting --------------------------------------------

    async def check_promise(self, actor: Actor | None, code_text: str) -> Concern:
        """Before asking for the promise: may this official record one, on a concern answered at the meeting?"""
        actor = await self._staff.require(actor, "promise")
        async with self._database.read() as db:
            concern = await self._concern(db, actor, code_text)
        if concern.conclusion != "answered":
            raise PromiseNotAnswered(code=concern.code)
        return concern

    async def promise(self, actor: Actor | None, code_text: str, text: str | None) -> Promise:
        """“31/12/2026 replace the street lights”: a concern answered at the meeting carries a promise with its
        date; it is reminded like an assignment and stays in /review until done."""
        actor = await self._staff.require(actor, "promise")
        day_text, _, what = (text or "").strip().partition(" ")
        due = parse_day(day_text, self.today())
        try:
            what = clean_text(what, MAX_PROMISE_LENGTH)
        except TextEmpty:
            raise PromiseUnreadable() from None
        if due is None:
            raise PromiseUnreadable()
        async with self._database.transaction() as db:
            concern = await self._concern(db, actor, code_text)
            if concern.conclusion != "answered":
                raise PromiseNotAnswered(code=concern.code)
            promise_id = await repeated.add_promise(db, concern_id=concern.id, commune_id=concern.commune_id,
                                                    promise=what, due_date=due.isoformat(), made_by=actor.person_id)
            await audit.record(db, commune_id=concern.commune_id, actor_person_id=actor.person_id,
                               action="concern.promise", subject_type="concern", subject_id=concern.id,
                               details={"text": what, "due_date": due.isoformat()})
            return Promise(promise_id, concern.id, concern.code, what, due.isoformat(), actor.person_id)

    async def promise_kept(self, actor: Actor | None, code_text: str) -> list[Promise]:
        """The promises of a concern are done: no more reminders, out of /review."""
        actor = await self._staff.require(actor, "promise")
        async with self._database.transaction() as db:
            concern = await self._concern(db, actor, code_text)
            waiting = await repeated.open_promises_of(db, concern.id)
            if not waiting:
                raise NoPromise(code=concern.code)
            for promise in waiting:
                await repeated.promise_done(db, promise.id)
            await audit.record(db, commune_id=concern.commune_id, actor_person_id=actor.person_id,
                               action="concern.promise_kept", subject_type="concern", subject_id=concern.id)
            return waiting

    async def queue_promise_reminders(self, today: date | None = None) -> int:
        """Each working day, the office, chair and MTTQ get ONE message listing the promises due within
        5 working days or late (the digest machinery of the reminders, paged when long). Once a day."""
        today = today or self.today()
        if not self._calendar.is_working_day(today):
            return 0
        horizon = self._calendar.working_days_after(today, 5)
        queued = 0
        for commune in self._communes.items:
            async with self._database.transaction() as db:
                due = await repeated.promises_to_remind(db, commune.id, horizon.isoformat(), today.isoformat())
                if not due:
                    continue
                overseers = sorted({g.person_id for g in await staff.holders(db, commune.id)
                                    if g.role in (OFFICE, CHAIR, MTTQ)})
                items = [dict(code=p.code, promise=p.promise, due_date=p.due_date, late=p.due_date < today.isoformat())
                         for p in due]
                encoded: dict = {}
                for person_id in overseers:
                    payload = await paged.keep(db, person_id=person_id, kind=PROMISE_DIGEST,
                                               header=dict(commune_id=commune.id, on_day=today.isoformat()),
                                               items=items, encoded=encoded, key=("promises",))
                    await outbox.enqueue(db, person_id, PROMISE_DIGEST, **payload)
                    queued += 1
                await repeated.mark_reminded(db, [p.id for p in due], today.isoformat())
        return queued

    # --- carry-over at scheduling ----------------------------------------------------------------

    async def carry_over_offer(self, actor: Actor | None, dialogue_id: int) -> CarryOver | None:
        """The previous dialogue's unresolved items, offered for the agenda of the one just scheduled."""
        actor = await self._staff.require(actor, "carry_over")
        async with self._database.read() as db:
            dialogue = await dialogues.by_id(db, dialogue_id)
            if dialogue is None or dialogue.commune_id != actor.commune_id:
                raise UnknownChoice()
            previous = await repeated.previous_dialogue(db, actor.commune_id, dialogue.meeting_at)
            found = await repeated.unresolved_of(db, previous) if previous is not None else []
        return CarryOver(dialogue_id, [code for _, code in found]) if found else None

    async def carry_over(self, actor: Actor | None, dialogue_id: int) -> list[str]:
        """Put the previous dialogue's unresolved items on this one's agenda (what it was stays kept)."""
        actor = await self._staff.require(actor, "carry_over")
        async with self._database.transaction() as db:
            dialogue = await dialogues.by_id(db, dialogue_id)
            if dialogue is None or dialogue.commune_id != actor.commune_id or dialogue.status != "scheduled":
                raise UnknownChoice()
            previous = await repeated.previous_dialogue(db, actor.commune_id, dialogue.meeting_at)
            moved = []
            for concern_id, code in (await repeated.unresolved_of(db, previous) if previous is not None else []):
                concern = await concerns.by_id(db, concern_id)
                await repeated.keep_round(db, concern_id=concern_id, dialogue_id=previous, status=concern.status,
                                          conclusion=concern.conclusion, conclusion_text=concern.conclusion_text)
                await repeated.move_to_dialogue(db, concern_id, dialogue_id)
                await audit.record(db, commune_id=actor.commune_id, actor_person_id=actor.person_id,
                                   action="concern.carried_over", subject_type="concern", subject_id=concern_id,
                                   details={"from": previous, "to": dialogue_id})
                moved.append(code)
            return moved

    # --- a hamlet head's list -----------------------------------------------------------------------

    async def hamlet_list(self, actor: Actor | None, page: int = 1) -> Page[HamletRow]:
        """The concerns of the hamlet head's own hamlet, newest first (not only by code)."""
        actor = await self._staff.require(actor, "hamlet_list")
        if actor.hamlet_id is None:
            raise NoHamlet()
        async with self._database.read() as db:
            total = await repeated.count_hamlet(db, actor.commune_id, actor.hamlet_id)
            number, pages, offset = window(total, page, HAMLET_PER_PAGE)
            rows = await repeated.hamlet_page(db, actor.commune_id, actor.hamlet_id, limit=HAMLET_PER_PAGE, offset=offset)
        return Page(rows, total, number, pages, page)


# --- the promise digest ---------------------------------------------------------------------------

@paged.page_text(PROMISE_DIGEST)
def _promise_page(header: dict, page: Page, t: Translator, communes: Communes) -> str:
    lines = [t.n("🤝 %(count)d promise made at a dialogue is due soon or late:",
                 "🤝 %(count)d promises made at a dialogue are due soon or late:", page.total, count=page.total)]
    for item in page.items:
        day = t.date(date.fromisoformat(item["due_date"]))
        if item.get("late"):
            lines.append(t("• %(code)s: %(promise)s (promised by %(date)s, late)", code=item["code"],
                           promise=item["promise"], date=day))
        else:
            lines.append(t("• %(code)s: %(promise)s (promised by %(date)s)", code=item["code"],
                           promise=item["promise"], date=day))
    more = page_line(page, t)
    if more:
        lines.append(more)
    lines.append(t("When a promise is done: /promise CODE done"))
    return "\n".join(lines)


@renders(PROMISE_DIGEST)
def _promise_digest(payload: dict, t: Translator, communes: Communes) -> Rendered:
    return paged.first_page(PROMISE_DIGEST, payload, t, communes)
