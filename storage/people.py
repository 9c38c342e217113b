"""People (chat identities) and the residents among them."""

from __future__ import annotations

import aiosqlite

from storage.database import utc_now
from storage.records import Person, Resident


async def get_person(db: aiosqlite.Connection, channel: str, external_id: str) -> Person | None:
    row = await (
        await db.execute(
            "SELECT id, channel, external_id, locale FROM people WHERE channel = ? AND external_id = ?",
            (channel, external_id),
        )
    ).fetchone()
    return Person(*row) if row else None


async def upsert_person(db: aiosqlite.Connection, channel: str, external_id: str, locale: str) -> Person:
    await db.execute(
        "INSERT INTO people (channel, external_id, locale, created_at) VALUES (?, ?, ?, ?)"
        " ON CONFLICT (channel, external_id) DO UPDATE SET locale = excluded.locale",
        (channel, external_id, locale, utc_now()),
    )
    person = await get_person(db, channel, external_id)
    assert person is not None
    return person


_RESIDENT = "SELECT r.person_id, r.commune_id, r.hamlet_id, r.display_name, p.locale, r.phone, r.consented_at"


async def get_resident(db: aiosqlite.Connection, person_id: int) -> Resident | None:
    row = await (
        await db.execute(
            _RESIDENT + " FROM residents r JOIN people p ON p.id = r.person_id WHERE r.person_id = ?",
            (person_id,),
        )
    ).fetchone()
    return Resident(*row) if row else None


async def resident_by_identity(db: aiosqlite.Connection, channel: str, external_id: str) -> Resident | None:
    row = await (
        await db.execute(
            _RESIDENT + " FROM people p JOIN residents r ON r.person_id = p.id WHERE p.channel = ? AND p.external_id = ?",
            (channel, external_id),
        )
    ).fetchone()
    return Resident(*row) if row else None


async def upsert_resident(
    db: aiosqlite.Connection, person_id: int, commune_id: str, hamlet_id: str, display_name: str,
    *, phone: str | None = None, consented_at: str | None = None,
) -> None:
    await db.execute(
        "INSERT INTO residents (person_id, commune_id, hamlet_id, display_name, registered_at, phone, consented_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)"
        " ON CONFLICT (person_id) DO UPDATE SET commune_id = excluded.commune_id,"
        " hamlet_id = excluded.hamlet_id, display_name = excluded.display_name,"
        " phone = excluded.phone, consented_at = excluded.consented_at",
        (person_id, commune_id, hamlet_id, display_name, utc_now(), phone, consented_at),
    )


async def update_resident(db: aiosqlite.Connection, person_id: int, *, display_name: str, hamlet_id: str,
                          phone: str | None) -> None:
    """The resident's own changes to their name, hamlet or phone (their commune stays)."""
    await db.execute("UPDATE residents SET display_name = ?, hamlet_id = ?, phone = ? WHERE person_id = ?",
                     (display_name, hamlet_id, phone, person_id))


async def ensure_commune(db: aiosqlite.Connection, commune_id: str, name: str) -> None:
    await db.execute(
        "INSERT INTO communes (id, name) VALUES (?, ?) ON CONFLICT (id) DO UPDATE SET name = excluded.name",
        (commune_id, name),
    )
