"""One state change of a concern: status, audit row and the resident's notice, in one transaction."""

from __future__ import annotations

import aiosqlite

from bot.lifecycle import TRANSITIONS, next_status
from storage import audit, concerns, outbox, repeated, speakers
from storage.database import utc_now
from storage.records import Concern

# Followers read the official's own words of these actions: the written answer is theirs too (issue 10).
# A reason written to the first sender (a rejection, a note) stays theirs.
ANSWER_ACTIONS = frozenset({"resolve", "extend", "conclude_answered"})


async def change(
    db: aiosqlite.Connection,
    concern: Concern,
    action: str,
    *,
    actor_person_id: int | None,
    text: str | None = None,
    details: dict | None = None,
    notify_resident: bool = True,
    **fields: object,
) -> str:
    """Apply `action` (bot/lifecycle.py decides if it may), inside the caller's transaction.

    `text` is the official's own words the resident must read (a reason, an answer, a result,
    the written reply of an extension); it goes into the audit row and the notice."""
    status = next_status(action, concern.status, concern.code)
    await concerns.set_status(db, concern.id, status, **fields)
    recorded = dict(details or {})
    if text:
        recorded["text"] = text
    await audit.record(db, commune_id=concern.commune_id, actor_person_id=actor_person_id, action=f"concern.{action}",
                       subject_type="concern", subject_id=concern.id, details=recorded)
    if notify_resident:
        payload = dict(code=concern.code, action=action, status=status, text=text,
                       **{k: v for k, v in (details or {}).items() if k in NOTICE_DETAILS})
        await outbox.enqueue(db, concern.resident_id, "concern_update", **payload)
        # Residents whose identical concern was merged into this one, or who supported it, follow it: they
        # read what happened and the written answer, not other words written to its first sender.
        shared = payload if action in ANSWER_ACTIONS else {**payload, "text": None}
        for follower in await concerns.followers(db, concern.id):
            await outbox.enqueue(db, follower, "concern_update", **{**shared, "follower": True})
    return status


# Details a resident may read in a notice (never another person's identity).
NOTICE_DETAILS = frozenset({"due_date", "extended_to", "due_unchanged", "into_code", "body", "dialogue_date"})


async def reload(db: aiosqlite.Connection, concern: Concern) -> Concern:
    fresh = await concerns.by_id(db, concern.id)
    assert fresh is not None
    return fresh


async def raised_again(db: aiosqlite.Connection, concern: Concern, *, actor_person_id: int | None,
                       details: dict | None = None) -> bool:
    """The concern was raised once more (a duplicate merged into it, a resident supporting it): it counts one
    more raising, and one already answered, resolved, closed or rejected comes back into tracking on the
    agenda of the coming dialogue ("nêu lại"); what it had become stays kept, its old answer visible.
    Returns whether it came back."""
    await concerns.raise_again(db, concern.id)
    if concern.status not in TRANSITIONS["raise_again"][0]:
        return False
    await repeated.keep_round(db, concern_id=concern.id, dialogue_id=concern.dialogue_id, status=concern.status,
                              conclusion=concern.conclusion, conclusion_text=concern.conclusion_text)
    dialogue = await speakers.upcoming_dialogue(db, concern.commune_id, utc_now())
    await change(db, concern, "raise_again", actor_person_id=actor_person_id, details=details,
                 dialogue_id=dialogue.id if dialogue else None, conclusion=None, conclusion_text=None)
    return True
