"""Plain records read from the database; the services hand them to the channels."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Person:
    id: int
    channel: str
    external_id: str
    locale: str


@dataclass(frozen=True)
class Resident:
    person_id: int
    commune_id: str
    hamlet_id: str
    display_name: str
    locale: str
    phone: str | None = None
    consented_at: str | None = None  # UTC; None for residents registered before consent was asked


@dataclass(frozen=True)
class Attachment:
    kind: str  # photo | voice | location | document
    file_ref: str | None = None
    latitude: float | None = None
    longitude: float | None = None


@dataclass(frozen=True)
class Concern:
    id: int
    commune_id: str
    code: str
    resident_id: int
    hamlet_id: str
    category: str
    body: str
    status: str
    submitted_at: str  # UTC ISO 8601
    dialogue_id: int | None = None
    duplicate_of: int | None = None
    raised_count: int = 1
    conclusion: str | None = None  # answered | assigned | not_accepted
    conclusion_text: str | None = None
    screening_note: str | None = None
    entered_by: int | None = None
    text_public: bool = False  # the resident agreed that its text may be shown on the public board
    attachments: tuple[Attachment, ...] = field(default=())


@dataclass(frozen=True)
class HistoryEntry:
    at: str  # UTC ISO 8601
    action: str
    details: dict


@dataclass(frozen=True)
class Dialogue:
    id: int
    commune_id: str
    meeting_at: str  # UTC ISO 8601
    place: str
    theme: str | None
    status: str


@dataclass(frozen=True)
class SpeakerRegistration:
    id: int
    concern_id: int
    concern_code: str
    dialogue_id: int | None
    point: str
    status: str
    registered_at: str


@dataclass(frozen=True)
class RoleGrant:
    id: int
    commune_id: str
    person_id: int
    role: str
    body: str | None
    hamlet_id: str | None
    display_name: str | None = None
    started: bool = True  # has written to the bot (Telegram delivers nothing before)
    username: str | None = None
    external_id: str | None = None
