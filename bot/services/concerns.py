"""Sending a concern and following it: the resident's side of a concern's life."""

from __future__ import annotations

from bot.communes import Commune, Communes
from bot.domain import MAX_ATTACHMENTS, MAX_CONCERN_LENGTH, new_tracking_code, normalize_code
from bot.text import clean_text
from bot.errors import ConcernNotFound, PetitionNotInDialogue, UnknownChoice
from storage import audit, concerns, dialogs
from storage.database import Database
from storage.records import Attachment, Concern, HistoryEntry, Resident


# An Attachment.file_ref whose bytes are kept in stored_files (a photo that came as a URL).
STORED_PREFIX = "stored:"


class ConcernService:
    def __init__(self, database: Database, communes: Communes) -> None:
        self._database = database
        self._communes = communes

    def commune_of(self, resident: Resident) -> Commune:
        commune = self._communes.get(resident.commune_id)
        if commune is None:  # the commune was removed from the file after the resident registered
            raise UnknownChoice()
        return commune

    def check_category(self, resident: Resident, category_key: str) -> None:
        """Refuse a topic the commune does not list, and explain where a petition goes."""
        commune = self.commune_of(resident)
        category = commune.category(category_key)
        if category is None:
            raise UnknownChoice()
        if category.petition:
            raise PetitionNotInDialogue(reception=commune.citizen_reception(resident.locale))

    @staticmethod
    def check_body(body: str | None, attachments: tuple[Attachment, ...] = ()) -> str:
        """The concern's text; a voice note may stand for it, nothing else may."""
        has_voice = any(a.kind == "voice" for a in attachments)
        return clean_text(body, MAX_CONCERN_LENGTH, required=not has_voice)

    async def submit(
        self, resident: Resident, *, category: str, body: str | None,
        attachments: tuple[Attachment, ...], submission_key: str,
    ) -> Concern:
        """Store a concern; sending the same draft again returns the concern stored the first time."""
        self.check_category(resident, category)
        text = self.check_body(body, attachments)
        if len(attachments) > MAX_ATTACHMENTS or not submission_key:
            raise UnknownChoice()
        async with self._database.transaction() as db:
            existing = await concerns.by_submission_key(db, submission_key)
            if existing is not None:
                if existing.resident_id != resident.person_id:
                    raise UnknownChoice()
                return existing
            code = new_tracking_code()
            while await concerns.code_exists(db, code):
                code = new_tracking_code()
            concern = await concerns.insert(
                db, commune_id=resident.commune_id, code=code, resident_id=resident.person_id,
                hamlet_id=resident.hamlet_id, category=category, body=text, status="submitted",
                submission_key=submission_key, attachments=attachments,
            )
            await audit.record(
                db, commune_id=resident.commune_id, actor_person_id=resident.person_id,
                action="concern.submitted", subject_type="concern", subject_id=concern.id,
                details={"code": code, "category": category, "attachments": len(attachments)},
            )
        return concern

    async def mine(self, resident: Resident) -> list[Concern]:
        async with self._database.read() as db:
            return await concerns.of_resident(db, resident.person_id)

    async def get_mine(self, resident: Resident, code_text: str) -> Concern:
        code = normalize_code(code_text)
        if code is None:
            raise ConcernNotFound(code=code_text[:12])
        async with self._database.read() as db:
            concern = await concerns.by_code(db, code)
        # Another resident's code answers exactly like an unknown one: codes reveal nothing.
        if concern is None or concern.resident_id != resident.person_id:
            raise ConcernNotFound(code=code)
        return concern

    async def history(self, resident: Resident, code_text: str) -> tuple[Concern, list[HistoryEntry]]:
        concern = await self.get_mine(resident, code_text)
        async with self._database.read() as db:
            return concern, await audit.history(db, "concern", concern.id)


    async def stored_file(self, file_ref: str | None) -> bytes | None:
        """The bytes of an attachment received as a URL (a Zalo photo) and kept; None for a channel's own file id."""
        if not file_ref or not file_ref.startswith(STORED_PREFIX):
            return None
        async with self._database.read() as db:
            found = await dialogs.stored_file(db, file_ref[len(STORED_PREFIX):])
        return found[1] if found else None
