"""Sending a concern and following it: the resident's side of a concern's life."""

from __future__ import annotations

from bot.communes import Commune, Communes
from bot.domain import MAX_ATTACHMENTS, MAX_CONCERN_LENGTH, new_tracking_code, normalize_code
from bot.text import clean_text
from bot.errors import ConcernNotFound, DomainError, PetitionNotInDialogue, TextEmpty, UnknownChoice
from bot.i18n import N_
from bot.similarity import SimilarConcern, SimilarityMatcher
from bot.services import lifecycle
from storage import audit, concerns, dialogs, repeated
from storage.database import Database, utc_now
from storage.records import Attachment, Concern, HistoryEntry, Resident

# What a resident sending a concern may be shown as similar (issue 10): still open, or raised before
# and answered; never one turned away (rejected, out of scope) nor one merged into another.
SHOWN_TO_RESIDENTS = ("submitted", "accepted", "assigned", "in_progress", "extended", "disputed", "answered",
                      "resolved", "closed")
# What a resident may say is their concern too.
SUPPORTABLE = frozenset(SHOWN_TO_RESIDENTS)


# History steps taken by a concern's sender, worded to them ("You sent…"): not shown to its followers.
SENDERS_OWN_STEPS = frozenset({"concern.submitted", "concern.entered", "speaker.registered", "speaker.withdrawn",
                               "speaker.approved", "speaker.declined", "concern.text_private", "concern.satisfied",
                               "concern.dispute"})


class AlreadyYours(DomainError):
    message = N_("Concern %(code)s is already among yours: you follow it in “My concerns”. Nothing was changed.")


# An Attachment.file_ref whose bytes are kept in stored_files (a photo that came as a URL).
STORED_PREFIX = "stored:"


class ConcernService:
    def __init__(self, database: Database, communes: Communes, matcher: SimilarityMatcher | None = None) -> None:
        self._database = database
        self._communes = communes
        self._matcher = matcher or SimilarityMatcher(database)

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

    async def choose_category(self, resident: Resident, category_key: str) -> None:
        """`check_category`, and a petition topic counts one anonymous attempt (topic, hamlet, day: nothing
        personal) so the office sees which themes residents bring as petitions (issue 10)."""
        try:
            self.check_category(resident, category_key)
        except PetitionNotInDialogue:
            async with self._database.transaction() as db:
                await repeated.count_petition_attempt(db, commune_id=resident.commune_id, category=category_key,
                                                      hamlet_id=resident.hamlet_id, on_date=utc_now()[:10])
            raise

    async def similar_for(self, resident: Resident, text: str, *, category: str | None = None) -> list[SimilarConcern]:
        """Up to 3 concerns of the resident's commune like the text, still open or raised before, that the
        resident does not already follow. Shown without anyone's name (topic, hamlet, short text, status)."""
        async with self._database.read() as db:
            own = await concerns.of_resident(db, resident.person_id)
            followed = await repeated.followed_by(db, resident.person_id)
            followed_codes = [await _code(db, concern_id) for concern_id in followed]
        exclude = tuple(c.code for c in own) + tuple(code for code in followed_codes if code)
        return await self._matcher.similar(text, commune_id=resident.commune_id, topic=category,
                                           hamlet_id=resident.hamlet_id, exclude_codes=exclude,
                                           statuses=SHOWN_TO_RESIDENTS)

    async def support(self, resident: Resident, code_text: str) -> Concern:
        """“This is my concern too”: the resident follows it like its sender; it counts one more raising, and one
        answered or closed comes back into tracking. Nothing new is created; the support is audited."""
        code = normalize_code(code_text)
        if code is None:
            raise ConcernNotFound(code=(code_text or "")[:12])
        async with self._database.transaction() as db:
            concern = await concerns.in_commune(db, resident.commune_id, code)
            if concern is None or concern.status not in SUPPORTABLE:
                raise ConcernNotFound(code=code)
            if concern.resident_id == resident.person_id or await repeated.is_supporter(db, concern.id, resident.person_id):
                raise AlreadyYours(code=code)
            await repeated.add_supporter(db, concern.id, resident.person_id)
            await audit.record(db, commune_id=concern.commune_id, actor_person_id=resident.person_id,
                               action="concern.supported", subject_type="concern", subject_id=concern.id,
                               details={"code": concern.code})
            await lifecycle.raised_again(db, concern, actor_person_id=resident.person_id)
            return await lifecycle.reload(db, concern)

    @staticmethod
    def check_body(body: str | None, attachments: tuple[Attachment, ...] = ()) -> str:
        """The concern's text; a voice note may stand for it, nothing else may."""
        has_voice = any(a.kind == "voice" for a in attachments)
        text = clean_text(body, MAX_CONCERN_LENGTH, required=not has_voice)
        if text and not any(ch.isalpha() for ch in text):  # "0", "9", "🙂", "???": no word for the office to read
            raise TextEmpty()
        return text

    async def submit(
        self, resident: Resident, *, category: str, body: str | None,
        attachments: tuple[Attachment, ...], submission_key: str, text_public: bool = False,
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
                submission_key=submission_key, attachments=attachments, text_public=text_public,
            )
            await audit.record(
                db, commune_id=resident.commune_id, actor_person_id=resident.person_id,
                action="concern.submitted", subject_type="concern", subject_id=concern.id,
                details={"code": code, "category": category, "attachments": len(attachments), "public": text_public},
            )
        return concern

    async def mine(self, resident: Resident) -> list[Concern]:
        """The resident's own concerns and those they follow (supported, or theirs merged into), newest first."""
        async with self._database.read() as db:
            own = await concerns.of_resident(db, resident.person_id)
            known = {c.id for c in own}
            followed = [c for c in [await concerns.by_id(db, concern_id)
                                    for concern_id in await repeated.followed_by(db, resident.person_id)
                                    if concern_id not in known] if c is not None]
        return sorted(own + followed, key=lambda c: (c.submitted_at, c.id), reverse=True)

    async def get_mine(self, resident: Resident, code_text: str) -> Concern:
        """A concern the resident sent or follows (issue 10: a follower reads it like its sender)."""
        code = normalize_code(code_text)
        if code is None:
            raise ConcernNotFound(code=code_text[:12])
        async with self._database.read() as db:
            concern = await concerns.by_code(db, code)
            follows = concern is not None and await repeated.follows(db, concern.id, resident.person_id)
        # Another resident's code answers exactly like an unknown one: codes reveal nothing.
        if concern is None or (concern.resident_id != resident.person_id and not follows):
            raise ConcernNotFound(code=code)
        return concern

    async def keep_text_private(self, resident: Resident, code_text: str) -> Concern:
        """The resident withdraws the consent given at submission: the public board shows only the topic and hamlet."""
        concern = await self.get_mine(resident, code_text)
        async with self._database.transaction() as db:
            if await concerns.set_text_public(db, concern.id, False):
                await audit.record(db, commune_id=concern.commune_id, actor_person_id=resident.person_id,
                                   action="concern.text_private", subject_type="concern", subject_id=concern.id)
        return await self.get_mine(resident, code_text)

    async def history(self, resident: Resident, code_text: str) -> tuple[Concern, list[HistoryEntry]]:
        concern = await self.get_mine(resident, code_text)
        async with self._database.read() as db:
            history = await audit.history(db, "concern", concern.id)
        if concern.resident_id != resident.person_id:
            # A follower reads what happened to it, not its sender's own steps told as "you".
            history = [entry for entry in history if entry.action not in SENDERS_OWN_STEPS]
        return concern, history

    async def stored_file(self, file_ref: str | None) -> bytes | None:
        """The bytes of an attachment received as a URL (a Zalo photo) and kept; None for a channel's own file id."""
        if not file_ref or not file_ref.startswith(STORED_PREFIX):
            return None
        async with self._database.read() as db:
            found = await dialogs.stored_file(db, file_ref[len(STORED_PREFIX):])
        return found[1] if found else None


async def _code(db, concern_id: int) -> str | None:
    found = await concerns.by_id(db, concern_id)
    return found.code if found else None
