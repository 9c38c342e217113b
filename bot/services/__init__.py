"""The services every channel calls. They know the domain and storage, never a messenger."""

from __future__ import annotations

from dataclasses import dataclass

from bot.communes import Communes
from bot.services.concerns import ConcernService
from bot.services.ledger import UpdateLedger
from bot.services.notifications import NotificationService
from bot.services.residents import ResidentService
from bot.services.speaking import SpeakingService
from bot.services.staff import StaffService
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
    staff: StaffService
    notifications: NotificationService

    @classmethod
    async def create(cls, database: Database, communes: Communes, admin_ids: frozenset[int] = frozenset()) -> "Services":
        async with database.transaction() as db:
            for commune in communes.items:
                await ensure_commune(db, commune.id, commune.name.vi)
        return cls(
            database=database,
            communes=communes,
            residents=ResidentService(database, communes),
            concerns=ConcernService(database, communes),
            speaking=SpeakingService(database),
            ledger=UpdateLedger(database),
            staff=StaffService(database, communes, admin_ids),
            notifications=NotificationService(database),
        )
