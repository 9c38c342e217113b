"""Who a resident is: language, commune, hamlet, the name the commune may call them by, and the
phone number they chose to share; registered only after they agreed to the privacy notice."""

from __future__ import annotations

import re

from bot.communes import Communes
from bot.domain import MAX_NAME_LENGTH
from bot.errors import NameInvalid, NotOwnContact, PhoneInvalid, NotRegistered, UnknownChoice
from bot.i18n import LOCALES
from bot.text import clean
from storage import audit, dialogs, people
from storage.database import Database, utc_now
from storage.records import Resident

# A name is a few words; a typed sentence ("Tôi muốn phản ánh về đường") is asked about first.
NAME_MAX_WORDS = 5
NAME_MAX_PLAIN_LENGTH = 40
_SENTENCE_MARKS = re.compile(r"[0-9?!:;,.]")


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

    async def set_locale(self, channel: str, external_id: str, locale: str) -> bool:
        """The language of someone the bot knows (a resident, an official). Nothing is stored about anyone else
        before they consent (False): the caller keeps the choice with the conversation."""
        if locale not in LOCALES:
            raise UnknownChoice()
        async with self._database.transaction() as db:
            if await people.get_person(db, channel, external_id) is None:
                return False
            person = await people.upsert_person(db, channel, external_id, locale)
            await audit.record(
                db, commune_id=None, actor_person_id=person.id, action="person.locale_set",
                subject_type="person", subject_id=person.id, details={"locale": locale},
            )
        return True

    async def decline(self, channel: str, external_id: str) -> bool:
        """The privacy notice was refused: someone the commune does not know leaves nothing behind, not even
        their place in the conversation or the language they chose (True). A known person (an official
        offered the registration) keeps their own records (False)."""
        async with self._database.transaction() as db:
            if await people.get_person(db, channel, external_id) is not None:
                return False
            await dialogs.drop_position(db, channel, external_id)
        return True

    @staticmethod
    def consent_time() -> str:
        """The moment the privacy notice was agreed to, as stored (UTC)."""
        return utc_now()

    @staticmethod
    def clean_name(name: str | None) -> str:
        cleaned = clean(name, single_line=True)
        if not 2 <= len(cleaned) <= MAX_NAME_LENGTH:
            raise NameInvalid(limit=MAX_NAME_LENGTH)
        return cleaned

    @classmethod
    def name_needs_confirming(cls, name: str) -> bool:
        """True when what was typed reads more like a sentence than a name: many words, long, digits or punctuation."""
        cleaned = cls.clean_name(name)
        return (len(cleaned.split()) > NAME_MAX_WORDS or len(cleaned) > NAME_MAX_PLAIN_LENGTH
                or _SENTENCE_MARKS.search(cleaned) is not None)

    @staticmethod
    def shared_phone(phone_number: str | None, contact_user_id: int | str | None, own_id: int | str) -> str:
        """The number of a contact the person shared: only their own contact is accepted."""
        if contact_user_id is None or str(contact_user_id) != str(own_id):
            raise NotOwnContact()
        raw = (phone_number or "").strip()
        digits = re.sub(r"\D", "", raw)
        if not 6 <= len(digits) <= 15:
            raise NotOwnContact()
        if not raw.startswith("+") and digits.startswith("0"):  # a national number (some Android clients send it so)
            return "+84" + digits[1:]
        return "+" + digits

    @staticmethod
    def typed_phone(text: str | None) -> str:
        """A phone number typed by hand (a channel without a contact button): a Vietnamese number or +country."""
        raw = (text or "").strip()
        digits = re.sub(r"\D", "", raw)
        if re.search(r"[^\d\s.+()-]", raw) or not 9 <= len(digits) <= 15:
            raise PhoneInvalid()
        if raw.startswith("+"):
            return "+" + digits
        if digits.startswith("0"):
            return "+84" + digits[1:]
        return "+" + digits

    async def register(
        self, channel: str, external_id: str, *, locale: str, commune_id: str, hamlet_id: str, display_name: str,
        phone: str | None = None, consented_at: str | None = None,
    ) -> Resident:
        """Store the resident; called only once they agreed to the privacy notice (at `consented_at`, UTC)."""
        commune = self._communes.get(commune_id)
        if commune is None or commune.hamlet(hamlet_id) is None or locale not in LOCALES:
            raise UnknownChoice()
        name = self.clean_name(display_name)
        async with self._database.transaction() as db:
            person = await people.upsert_person(db, channel, external_id, locale)
            await people.upsert_resident(db, person.id, commune_id, hamlet_id, name, phone=phone,
                                         consented_at=consented_at or utc_now())
            await audit.record(
                db, commune_id=commune_id, actor_person_id=person.id, action="resident.registered",
                subject_type="person", subject_id=person.id, details={"hamlet": hamlet_id, "phone_shared": phone is not None},
            )
            resident = await people.get_resident(db, person.id)
        assert resident is not None
        return resident

    async def update_profile(self, channel: str, external_id: str, *, display_name: str | None = None,
                             hamlet_id: str | None = None, phone: str | None = None, drop_phone: bool = False) -> Resident:
        """The resident changes their name, hamlet or phone; what is not given stays."""
        async with self._database.transaction() as db:
            resident = await people.resident_by_identity(db, channel, external_id)
            if resident is None:
                raise NotRegistered()
            commune = self._communes.get(resident.commune_id)
            if hamlet_id is not None and (commune is None or commune.hamlet(hamlet_id) is None):
                raise UnknownChoice()
            name = self.clean_name(display_name) if display_name is not None else resident.display_name
            new_phone = None if drop_phone else (phone if phone is not None else resident.phone)
            await people.update_resident(db, resident.person_id, display_name=name,
                                         hamlet_id=hamlet_id or resident.hamlet_id, phone=new_phone)
            changed = [field for field, given in (("name", display_name), ("hamlet", hamlet_id), ("phone", phone))
                       if given is not None] + (["phone"] if drop_phone else [])
            await audit.record(
                db, commune_id=resident.commune_id, actor_person_id=resident.person_id, action="resident.profile_changed",
                subject_type="person", subject_id=resident.person_id, details={"changed": changed},
            )
            updated = await people.get_resident(db, resident.person_id)
        assert updated is not None
        return updated
