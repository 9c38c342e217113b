"""The services every channel calls. They know the domain and storage, never a messenger."""

from __future__ import annotations

from dataclasses import dataclass
from zoneinfo import ZoneInfo

from bot.calendar import WorkingCalendar
from bot.communes import Communes
from bot.deadlines import DeadlineRules
from bot.services.casework import CaseworkService
from bot.services.concerns import ConcernService
from bot.services.dialogues import DialogueService
from bot.services.followup import FollowUpService
from bot.services.journal import UpdateJournal
from bot.services.invitations import InvitationService
from bot.services.ledger import UpdateLedger
from bot.services.notifications import NotificationService
from bot.services.privacy import PrivacyService
from bot.services.reminders import ReminderService
from bot.services.reports import ReportService
from bot.services.residents import ResidentService
from bot.services.review import ReviewService
from bot.similarity import SimilarityMatcher
from bot.services.speaking import SpeakingService
from bot.services.staff import StaffService
from bot.services.tasks import TaskService
from storage.database import Database
from storage.people import ensure_commune


@dataclass
class Services:
    database: Database
    communes: Communes
    residents: ResidentService
    concerns: ConcernService
    speaking: SpeakingService
    ledger: UpdateLedger
    journal: UpdateJournal
    staff: StaffService
    notifications: NotificationService
    calendar: WorkingCalendar
    rules: DeadlineRules
    dialogues: DialogueService
    casework: CaseworkService
    tasks: TaskService
    privacy: PrivacyService
    reminders: ReminderService
    reports: ReportService
    followup: FollowUpService
    review: ReviewService
    invitations: InvitationService

    @classmethod
    async def create(
        cls, database: Database, communes: Communes, admin_ids: frozenset[int] = frozenset(), *,
        calendar: WorkingCalendar | None = None, rules: DeadlineRules | None = None, dialogues_per_year: int = 1,
        timezone: ZoneInfo | None = None,
    ) -> "Services":
        async with database.transaction() as db:
            for commune in communes.items:
                await ensure_commune(db, commune.id, commune.name.vi)
        calendar = calendar or WorkingCalendar()
        rules = rules or DeadlineRules()
        staff = StaffService(database, communes, admin_ids)
        matcher = SimilarityMatcher(database)  # one per process: it keeps the commune's words in memory
        shared = dict(database=database, communes=communes, staff=staff, calendar=calendar, rules=rules,
                      timezone=timezone or ZoneInfo("Asia/Ho_Chi_Minh"))
        return cls(
            database=database,
            communes=communes,
            residents=ResidentService(database, communes),
            concerns=ConcernService(database, communes, matcher),
            speaking=SpeakingService(database),
            ledger=UpdateLedger(database),
            journal=UpdateJournal(database),
            staff=staff,
            notifications=NotificationService(database, staff),
            calendar=calendar,
            rules=rules,
            dialogues=DialogueService(**shared, per_year=dialogues_per_year),
            casework=CaseworkService(**shared, matcher=matcher),
            tasks=TaskService(**shared),
            privacy=PrivacyService(**shared),
            reminders=ReminderService(**shared),
            reports=ReportService(**shared),
            followup=FollowUpService(**shared),
            review=ReviewService(**shared),
            invitations=InvitationService(**shared),
        )
