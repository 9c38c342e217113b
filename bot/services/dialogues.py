"""(stub: to be written)"""

from __future__ import annotations

from bot.calendar import WorkingCalendar
from bot.communes import Communes
from bot.deadlines import DeadlineRules
from bot.services.staff import StaffService
from storage.database import Database


class DialogueService:
    def __init__(self, database: Database, communes: Communes, staff: StaffService,
                 calendar: WorkingCalendar, rules: DeadlineRules, **options: object) -> None:
        self._database = database
        self._communes = communes
        self._staff = staff
        self._calendar = calendar
        self._rules = rules
