"""What the officials' services share: their dependencies, and what "today" means for a commune."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

from bot.calendar import WorkingCalendar
from bot.communes import Communes
from bot.deadlines import DeadlineRules
from bot.services.staff import StaffService
from storage.database import Database

COMMUNE_TIMEZONE = ZoneInfo("Asia/Ho_Chi_Minh")


class CommuneService:
    """Stored instants are UTC; deadlines fall on the commune's local days (BOT_TIMEZONE)."""

    def __init__(self, database: Database, communes: Communes, staff: StaffService, calendar: WorkingCalendar,
                 rules: DeadlineRules, *, timezone: ZoneInfo = COMMUNE_TIMEZONE,
                 clock: Callable[[], datetime] | None = None) -> None:
        self._database = database
        self._communes = communes
        self._staff = staff
        self._calendar = calendar
        self._rules = rules
        self._timezone = timezone
        self._clock = clock or _utc_now

    @property
    def timezone(self) -> ZoneInfo:
        return self._timezone

    def _now(self) -> datetime:
        return self._clock().astimezone(timezone.utc)

    def today(self) -> date:
        """Today in the commune."""
        return self._now().astimezone(self._timezone).date()

    def local_date(self, utc_iso: str) -> date:
        """The commune's day of a stored UTC instant."""
        return datetime.fromisoformat(utc_iso).astimezone(self._timezone).date()


def _utc_now() -> datetime:
    return datetime.now(timezone.utc)
