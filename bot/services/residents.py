"""Who a resident is: language, commune, hamlet and the name the commune may call them by."""

from __future__ import annotations

from bot.communes import Communes
from bot.domain import MAX_NAME_LENGTH
from bot.errors import NameInvalid, UnknownChoice
from bot.i18n import LOCALES
from bot.text import clean
from storage import audit, people
from storage.database import Database
from storage.records import Resident


class ResidentService:
    def __init__(self, database: Database, communes: Communes) -> None:
        self._database = database
        self._communes = communes

    async def find(self, channel: str, external_id: str) -> Resident | None:
        async with self._database.read() as db:
            return await people.resident_by_identity(db, channel, external_id)

    async def locale_of(self, channel: str, external_id: str) -> str | None:
        async with self._database.read() as db:
            person = await people.get_person(db, channel, external_id)
        return person.locale if person else None

    async def set_locale(self, channel: str, external_id: str, locale: str) -> None:
        if locale not in LOCALES:
            raise UnknownChoice()
        async with self._database.transaction() as db:
            person = await people.upsert_person(db, channel, external_id, locale)
            await audit.record(
                db, commune_id=None, actor_person_id=person.id, action="person.locale_set",
                subject_type="person", subject_id=person.id, details={"locale": locale},
            )

    @staticmethod
    def clean_name(name: str | None) -> str:
        cleaned = clean(name, single_line=True)
        if not 2 <= len(cleaned) <= MAX_NAME_LENGTH:
            raise NameInvalid(limit=MAX_NAME_LENGTH)
        return cleaned

    async def register(
        self, channel: str, external_id: str, *, locale: str, commune_id: str, hamlet_id: str, display_name: str
    ) -> Resident:
        commune = self._communes.get(commune_id)
        if commune is None or commune.hamlet(hamlet_id) is None or locale not in LOCALES:
            raise UnknownChoice()
        name = self.clean_name(display_name)
        async with self._database.transaction() as db:
            person = await people.upsert_person(db, channel, external_id, locale)
            await people.upsert_resident(db, person.id, commune_id, hamlet_id, name)
            await audit.record(
                db, commune_id=commune_id, actor_person_id=person.id, action="resident.registered",
                subject_type="person", subject_id=person.id, details={"hamlet": hamlet_id},
            )
            resident = await people.get_resident(db, person.id)
        assert resident is not None
        return resident
