"""Registering to speak at the dialogue about one's own concern (plan II.3.2: speakers in registered order)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time, timezone

from bot.domain import MAX_POINT_LENGTH, SPEAKABLE_STATUSES, normalize_code
from bot.text import clean_text
from bot.errors import AlreadyRegisteredToSpeak, ConcernNotFound, NotOpenForSpeaking, RegistrationNotFound
from storage import audit, concerns, speakers, repeated
from storage.database import Database, utc_now
from storage.records import Concern, Dialogue, Resident, SpeakerRegistration


def _meeting_day_start() -> str:
    """The start of today in the commune (UTC): a registration made on the meeting day, even after the
    meeting began, joins that meeting's queue (DOMAIN.md "In practice"), not the next dialogue's."""
    from bot.services.base import COMMUNE_TIMEZONE

    today = datetime.now(timezone.utc).astimezone(COMMUNE_TIMEZONE).date()
    return datetime.combine(today, time(0, 0), tzinfo=COMMUNE_TIMEZONE).astimezone(timezone.utc).isoformat()


@dataclass(frozen=True)
class SpeakingOverview:
    dialogue: Dialogue | None  # the next scheduled dialogue of the resident's commune, if any
    registrations: list[SpeakerRegistration]
    eligible: list[Concern]  # own concerns one may still register to speak about
    reviews: dict[int, str] = field(default_factory=dict)  # registration id -> pending | approved | declined
    places: dict[int, tuple[int, int]] = field(default_factory=dict)  # approved: id -> (place, approved speakers)


class SpeakingService:
    def __init__(self, database: Database) -> None:
        self._database = database

    async def overview(self, resident: Resident) -> SpeakingOverview:
        async with self._database.read() as db:
            dialogue = await speakers.upcoming_dialogue(db, resident.commune_id, _meeting_day_start())
            registrations = await speakers.live_registrations(db, resident.person_id)
            own = await concerns.of_resident(db, resident.person_id)
            # A concern the resident supported, or theirs was merged into, is theirs to speak about too (issue 10).
            known = {c.id for c in own}
            for concern_id in await repeated.followed_by(db, resident.person_id):
                followed = await concerns.by_id(db, concern_id) if concern_id not in known else None
                if followed is not None:
                    own.append(followed)
            reviews = await speakers.reviews(db, [r.id for r in registrations])
            places: dict[int, tuple[int, int]] = {}
            for dialogue_id in {r.dialogue_id for r in registrations if r.dialogue_id is not None}:
                places.update(await speakers.places_in_order(db, dialogue_id))
        taken = {r.concern_id for r in registrations}
        eligible = [c for c in own if c.status in SPEAKABLE_STATUSES and c.id not in taken]
        mine = {r.id for r in registrations}
        return SpeakingOverview(dialogue, registrations, eligible, reviews,
                                {key: place for key, place in places.items() if key in mine})

    @staticmethod
    def check_point(point: str | None) -> str:
        return clean_text(point, MAX_POINT_LENGTH)

    async def check_concern(self, resident: Resident, code_text: str) -> Concern:
        """The resident's own concern that can still be raised at the dialogue."""
        code = normalize_code(code_text) or code_text[:12]
        async with self._database.read() as db:
            concern = await concerns.by_code(db, code)
            if concern is None or (concern.resident_id != resident.person_id
                                   and not await repeated.follows(db, concern.id, resident.person_id)):
                raise ConcernNotFound(code=code)
            if concern.status not in SPEAKABLE_STATUSES:
                raise NotOpenForSpeaking(code=code)
            if await speakers.live_registration_for(db, concern.id, resident.person_id) is not None:
                raise AlreadyRegisteredToSpeak(code=code)
        return concern

    async def register(self, resident: Resident, code_text: str, point: str) -> tuple[SpeakerRegistration, Dialogue | None]:
        text = self.check_point(point)
        concern = await self.check_concern(resident, code_text)
        async with self._database.transaction() as db:
            # Checked again inside the transaction: the office may have screened it meanwhile.
            current = await concerns.by_id(db, concern.id)
            if current is None or current.status not in SPEAKABLE_STATUSES:
                raise NotOpenForSpeaking(code=concern.code)
            if await speakers.live_registration_for(db, concern.id, resident.person_id) is not None:
                raise AlreadyRegisteredToSpeak(code=concern.code)
            dialogue = await speakers.upcoming_dialogue(db, resident.commune_id, _meeting_day_start())
            registration_id = await speakers.register(
                db, commune_id=resident.commune_id, concern_id=concern.id, resident_id=resident.person_id,
                dialogue_id=dialogue.id if dialogue else None, point=text,
            )
            await audit.record(
                db, commune_id=resident.commune_id, actor_person_id=resident.person_id,
                action="speaker.registered", subject_type="concern", subject_id=concern.id,
                details={"registration": registration_id, "dialogue": dialogue.id if dialogue else None},
            )
            registration = await speakers.live_registration_for(db, concern.id, resident.person_id)
        assert registration is not None
        return registration, dialogue

    async def withdraw(self, resident: Resident, registration_id: int) -> SpeakerRegistration:
        async with self._database.transaction() as db:
            registration = await speakers.withdraw(db, registration_id, resident.person_id)
            if registration is None:
                raise RegistrationNotFound()
            await audit.record(
                db, commune_id=resident.commune_id, actor_person_id=resident.person_id,
                action="speaker.withdrawn", subject_type="concern", subject_id=registration.concern_id,
                details={"registration": registration_id},
            )
        return registration
