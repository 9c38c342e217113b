"""One state change of a concern: status, audit row and the resident's notice, in one transaction."""

from __future__ import annotations

import aiosqlite

from bot.lifecycle import next_status
from storage import audit, concerns, outbox
from storage.records import Concern


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
        # Residents whose identical concern was merged into this one were told to follow it. They read
        # what happened, not the words written to the other resident, and get no buttons of theirs.
        for follower in await concerns.followers(db, concern.id):
            await outbox.enqueue(db, follower, "concern_update", **{**payload, "text": None, "follower": True})
    return status


# Details a resident may read in a notice (never another person's identity).
NOTICE_DETAILS = frozenset({"due_date", "extended_to", "due_unchanged", "into_code", "body", "dialogue_date"})


async def reload(db: aiosqlite.Connection, concern: Concern) -> Concern:
    fresh = await concerns.by_id(db, concern.id)
    assert fresh is not None
    return fresh
