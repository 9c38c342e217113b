"""Reports for the office, the chair and the MTTQ (issue 11): a dialogue's or a period's figures, the
registers behind them, and what the documents print. Permissions and scope live here; the files are
written by bot/documents, the messages by the channel."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timezone as utc_zone

from bot.communes import Commune, DOCUMENT_SETTINGS
from bot.errors import DomainError, UnknownChoice
from bot.i18n import N_
from bot.reports.figures import Figures, add_up
from bot.reports.periods import Period, parse_period
from bot.roles import HAMLET_HEAD, READ_ALL_ROLES, Actor
from bot.services.base import CommuneService
from storage import dialogues, reports
from storage.dialogues import DialogueRecord
from storage.reports import RegisterRow, ScopeFilter, SpeakerRow


class DocumentSettingsMissing(DomainError):
    message = N_("Reports and documents need the commune's settings, still missing: %(missing)s. "
                 "Please ask the administrator to add them to the communes file.")


class NoDialogueToReport(DomainError):
    message = N_("There is no dialogue to report on yet. Choose a period instead.")


@dataclass(frozen=True)
class Report:
    """What one report covers and says; every document and chart of it is drawn from this."""

    commune: Commune
    figures: Figures
    rows: tuple[RegisterRow, ...]
    made_on: date
    period: Period | None = None
    dialogue: DialogueRecord | None = None
    speakers: tuple[SpeakerRow, ...] = ()
    hamlet_id: str | None = None  # a hamlet head's report covers their hamlet only

    @property
    def key(self) -> str:
        """A short tag for file names: 'dialogue-3', '2026-Q4'."""
        return f"dialogue-{self.dialogue.id}" if self.dialogue else self.period.key


# /concerns: what the status filter offers, in the order a tap cycles through them.
STATUS_GROUPS = (
    (N_("every status"), None),
    (N_("waiting for screening or the dialogue"), ("submitted", "accepted")),
    (N_("being resolved"), ("assigned", "in_progress", "extended")),
    (N_("referred, waiting for an answer"), ("referred",)),
    (N_("answered or resolved"), ("answered", "resolved")),
    (N_("disputed"), ("disputed",)),
    (N_("closed"), ("closed",)),
    (N_("merged, out of scope or rejected"), ("merged", "out_of_scope", "rejected")),
)
PAGE_SIZE = 15
DIALOGUES_LISTED = 5


@dataclass(frozen=True)
class ListFilter:
    """Indexes of the chosen dialogue (0: all, then newest first), status group, topic and hamlet (0: all), and page."""

    dialogue: int = 0
    status: int = 0
    topic: int = 0
    hamlet: int = 0
    page: int = 0


@dataclass(frozen=True)
class ConcernPage:
    commune: Commune
    filter: ListFilter
    items: tuple[reports.ListedConcern, ...]
    total: int
    pages: int
    dialogues: tuple[tuple[int, date], ...]  # (id, meeting day), newest first


def required_settings(commune: Commune) -> None:
    missing = commune.documents.missing()
    if missing:
        raise DocumentSettingsMissing(missing=", ".join(missing))


class ReportService(CommuneService):
    async def report(self, actor: Actor | None, *, dialogue: str | int | None = None, period: str | None = None) -> Report:
        """/report: the office, the chair and the MTTQ report on the commune; a hamlet head on their hamlet."""
        actor = await self._staff.require(actor, "report")
        hamlet = None if actor.roles & READ_ALL_ROLES else (actor.hamlet_id if HAMLET_HEAD in actor.roles else None)
        return await self.build(actor.commune_id, dialogue=dialogue, period=period, hamlet_id=hamlet)

    async def export(self, actor: Actor | None, *, dialogue: str | int | None = None, period: str | None = None) -> Report:
        """The registers as files: the office and the MTTQ only (they leave the bot)."""
        actor = await self._staff.require(actor, "export")
        return await self.build(actor.commune_id, dialogue=dialogue, period=period)

    async def concern_list(self, actor: Actor | None, wanted: ListFilter = ListFilter()) -> ConcernPage:
        """/concerns: every concern of the commune (the MTTQ supervises them all), by dialogue, status, topic and
        hamlet, a page at a time; out-of-range indexes (an old button) wrap round."""
        actor = await self._staff.require(actor, "list_concerns")
        commune = self._communes.get(actor.commune_id)
        held = tuple((await self.dialogues(actor.commune_id))[:DIALOGUES_LISTED])
        topics = [c for c in commune.categories if not c.petition]
        chosen = ListFilter(wanted.dialogue % (len(held) + 1), wanted.status % len(STATUS_GROUPS),
                            wanted.topic % (len(topics) + 1), wanted.hamlet % (len(commune.hamlets) + 1), max(0, wanted.page))
        async with self._database.read() as db:
            for page in (chosen.page, 0):
                items, total = await reports.concern_page(
                    db, actor.commune_id, dialogue_id=held[chosen.dialogue - 1][0] if chosen.dialogue else None,
                    statuses=STATUS_GROUPS[chosen.status][1], category=topics[chosen.topic - 1].key if chosen.topic else None,
                    hamlet_id=commune.hamlets[chosen.hamlet - 1].id if chosen.hamlet else None,
                    limit=PAGE_SIZE, offset=page * PAGE_SIZE)
                if items or page == 0:
                    break
        chosen = ListFilter(chosen.dialogue, chosen.status, chosen.topic, chosen.hamlet, page)
        return ConcernPage(commune, chosen, tuple(items), total, max(1, -(-total // PAGE_SIZE)), held)

    async def dialogues(self, commune_id: str) -> list[tuple[int, date]]:
        """(id, meeting day) of the commune's dialogues, newest first, to choose one to report on."""
        async with self._database.read() as db:
            found = await reports.dialogues_of(db, commune_id)
        return [(d_id, self.local_date(meeting)) for d_id, meeting, _ in reversed(found)]

    async def build(self, commune_id: str, *, dialogue: str | int | None = None, period: str | None = None,
                    hamlet_id: str | None = None) -> Report:
        """The report itself, with no permission check (the server's `python -m bot report` calls it)."""
        commune = self._communes.get(commune_id)
        if commune is None:
            raise UnknownChoice()
        required_settings(commune)
        today = self.today()
        async with self._database.read() as db:
            record, scope, chosen = None, None, None
            if period is None:
                record, previous = await self._dialogue(db, commune_id, dialogue)
                scope = ScopeFilter(commune_id, dialogue_id=record.id, meeting_utc=record.meeting_at,
                                    previous_meeting_utc=previous, hamlet_id=hamlet_id)
            else:
                chosen = parse_period(period)
                scope = ScopeFilter(commune_id, start_utc=self._utc(chosen.start), end_utc=self._utc(chosen.end),
                                    hamlet_id=hamlet_id)
            counts = await reports.concern_counts(db, scope)
            rows = await reports.register(db, scope)
            speakers = await reports.speakers(db, record.id) if record else []
        if hamlet_id is not None:
            speakers = [s for s in speakers if s.hamlet_id == hamlet_id]
        figures = add_up(counts, rows, today=today, calendar=self._calendar, timezone=self._timezone)
        return Report(commune, figures, tuple(rows), today, period=chosen, dialogue=record, speakers=tuple(speakers),
                      hamlet_id=hamlet_id)

    async def _dialogue(self, db, commune_id: str, wanted: str | int | None) -> tuple[DialogueRecord, str | None]:
        held = await reports.dialogues_of(db, commune_id)
        if not held:
            raise NoDialogueToReport()
        ids = [d_id for d_id, _, _ in held]
        if wanted in (None, "latest"):
            index = len(ids) - 1
        else:
            try:
                index = ids.index(int(wanted))
            except ValueError:
                raise UnknownChoice() from None
        record = await dialogues.by_id(db, ids[index])
        return record, (held[index - 1][1] if index > 0 else None)

    def _utc(self, day: date) -> str:
        start = datetime.combine(day, time(0), tzinfo=self._timezone)
        return start.astimezone(utc_zone.utc).replace(microsecond=0).isoformat()


__all__ = ["DOCUMENT_SETTINGS", "DocumentSettingsMissing", "NoDialogueToReport", "Report", "ReportService"]
