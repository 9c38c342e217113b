"""What the dialogue service hands back to a channel: plans, views, speaker lists, the agenda, the announcement."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time

from bot.deadlines import DialogueDeadlines
from storage.dialogues import DialogueRecord
from storage.records import Concern
from storage.speakers import SpeakerSlot


@dataclass(frozen=True)
class DialoguePlan:
    """The office's answers: day and time (local), place, theme, chair."""

    day: date
    at: time
    place: str
    theme: str | None
    chair_person_id: int
    day_off_confirmed: bool = False  # a day that is not a working day, chosen knowingly


@dataclass(frozen=True)
class ChairChoice:
    person_id: int
    name: str | None
    started: bool = True  # has opened the bot


@dataclass(frozen=True)
class DialogueView:
    dialogue: DialogueRecord
    deadlines: DialogueDeadlines
    chair_name: str | None
    speakers: int
    approved: int
    agenda: int
    begun: bool  # the meeting time has come: it can no longer be moved or cancelled


@dataclass(frozen=True)
class Scheduled:
    view: DialogueView
    speakers: int  # registrations that joined (on scheduling) or were told
    concerns: int
    notified: int  # residents told


@dataclass(frozen=True)
class SpeakerList:
    dialogue: DialogueRecord | None
    order: list[SpeakerSlot]  # pending and approved, in the order of speaking
    declined: list[SpeakerSlot]
    on_file: int  # wishes waiting for a dialogue to be scheduled


@dataclass(frozen=True)
class SpeakerCall:
    dialogue: DialogueRecord
    position: int  # the one being called; total + 1 once nobody is left
    total: int
    slot: SpeakerSlot | None


@dataclass(frozen=True)
class AgendaItem:
    dialogue: DialogueRecord
    concern: Concern
    speaker: SpeakerSlot | None


@dataclass(frozen=True)
class Announcement:
    dialogue: DialogueRecord
    announced_on: date
    concerns: int
    assignments: int
    resolution_by: date
    conclusions_by: date
    late_days: int  # working days after the plan's limit; 0 when in time
    hamlet_heads: int
    items: tuple[dict, ...] = ()  # what each resident concerned receives (the "conclusion_announced" notices)
