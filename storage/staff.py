"""Roles held in a commune and the one-time links that grant them."""

from __future__ import annotations

import aiosqlite

from storage.database import utc_now
from storage.records import Person, RoleGrant

_GRANT = (
    "SELECT r.id, r.commune_id, r.person_id, r.role, r.body, r.hamlet_id, p.display_name,"
    " p.started_at IS NOT NULL, p.username, p.external_id"
    " FROM roles r JOIN people p ON p.id = r.person_id"
)


LIVE_ROLES = _GRANT + " WHERE r.person_id = ? AND r.revoked_at IS NULL ORDER BY r.id"


async def live_roles(db: aiosqlite.Connection, person_id: int) -> list[RoleGrant]:
    rows = await (await db.execute(LIVE_ROLES, (person_id,))).fetchall()
    return [RoleGrant(*r) for r in rows]


async def holders(db: aiosqlite.Connection, commune_id: str, role: str | None = None) -> list[RoleGrant]:
    sql = _GRANT + " WHERE r.commune_id = ? AND r.revoked_at IS NULL"
    params: tuple = (commune_id,)
    if role is not None:
        sql += " AND r.role = ?"
        params += (role,)
    rows = await (await db.execute(sql + " ORDER BY r.role, p.display_name, r.id", params)).fetchall()
    return [RoleGrant(*r) for r in rows]


async def grant_by_id(db: aiosqlite.Connection, grant_id: int) -> RoleGrant | None:
    row = await (await db.execute(_GRANT + " WHERE r.id = ? AND r.revoked_at IS NULL", (grant_id,))).fetchone()
    return RoleGrant(*row) if row else None


async def grant(db: aiosqlite.Connection, *, commune_id: str, person_id: int, role: str, body: str | None,
                hamlet_id: str | None, granted_by: int | None) -> int:
    """Grant a role; holding it already replaces the old grant (e.g. an officer moving body)."""
    await db.execute(
        "UPDATE roles SET revoked_at = ?, revoked_by = ? WHERE commune_id = ? AND person_id = ? AND role = ? AND revoked_at IS NULL",
        (utc_now(), granted_by, commune_id, person_id, role),
    )
    cursor = await db.execute(
        "INSERT INTO roles (commune_id, person_id, role, body, hamlet_id, granted_by, granted_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
        (commune_id, person_id, role, body, hamlet_id, granted_by, utc_now()),
    )
    return cursor.lastrowid


async def revoke(db: aiosqlite.Connection, grant_id: int, revoked_by: int) -> bool:
    cursor = await db.execute(
        "UPDATE roles SET revoked_at = ?, revoked_by = ? WHERE id = ? AND revoked_at IS NULL", (utc_now(), revoked_by, grant_id)
    )
    return cursor.rowcount == 1


async def create_invitation(db: aiosqlite.Connection, *, token: str, commune_id: str, role: str, body: str | None,
                            hamlet_id: str | None, created_by: int | None, expires_at: str) -> None:
    await db.execute(
        "INSERT INTO role_invitations (token, commune_id, role, body, hamlet_id, created_by, created_at, expires_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (token, commune_id, role, body, hamlet_id, created_by, utc_now(), expires_at),
    )


async def usable_invitation(db: aiosqlite.Connection, token: str, now: str) -> dict | None:
    row = await (
        await db.execute(
            "SELECT token, commune_id, role, body, hamlet_id, created_by FROM role_invitations"
            " WHERE token = ? AND used_at IS NULL AND revoked_at IS NULL AND expires_at > ?",
            (token, now),
        )
    ).fetchone()
    return dict(row) if row else None


async def use_invitation(db: aiosqlite.Connection, token: str, person_id: int) -> bool:
    cursor = await db.execute(
        "UPDATE role_invitations SET used_by = ?, used_at = ? WHERE token = ? AND used_at IS NULL AND revoked_at IS NULL",
        (person_id, utc_now(), token),
    )
    return cursor.rowcount == 1


async def revoke_invitation(db: aiosqlite.Connection, token: str, commune_id: str) -> bool:
    cursor = await db.execute(
        "UPDATE role_invitations SET revoked_at = ? WHERE token = ? AND commune_id = ? AND used_at IS NULL AND revoked_at IS NULL",
        (utc_now(), token, commune_id),
    )
    return cursor.rowcount == 1


async def open_invitations(db: aiosqlite.Connection, commune_id: str, now: str) -> list[dict]:
    rows = await (
        await db.execute(
            "SELECT token, role, body, hamlet_id, expires_at FROM role_invitations"
            " WHERE commune_id = ? AND used_at IS NULL AND revoked_at IS NULL AND expires_at > ? ORDER BY created_at",
            (commune_id, now),
        )
    ).fetchall()
    return [dict(r) for r in rows]


async def person(db: aiosqlite.Connection, person_id: int) -> Person | None:
    row = await (await db.execute("SELECT id, channel, external_id, locale FROM people WHERE id = ?", (person_id,))).fetchone()
    return Person(*row) if row else None


async def name_if_unknown(db: aiosqlite.Connection, channel: str, external_id: str, display_name: str) -> None:
    await db.execute(
        "UPDATE people SET display_name = ? WHERE channel = ? AND external_id = ? AND display_name IS NULL",
        (display_name, channel, external_id),
    )


async def open_task_codes(db: aiosqlite.Connection, person_id: int, commune_id: str) -> list[str]:
    """Codes of the concerns still open with this officer in this commune."""
    rows = await (
        await db.execute(
            "SELECT c.code FROM assignments a JOIN concerns c ON c.id = a.concern_id"
            " WHERE a.officer_person_id = ? AND c.commune_id = ? AND a.ended_at IS NULL"
            " AND c.status IN ('assigned', 'in_progress', 'extended', 'disputed') ORDER BY c.code",
            (person_id, commune_id),
        )
    ).fetchall()
    return [r[0] for r in rows]


async def seen(db: aiosqlite.Connection, person_id: int) -> tuple[str | None, str | None]:
    """(started_at, username) of a person."""
    row = await (await db.execute("SELECT started_at, username FROM people WHERE id = ?", (person_id,))).fetchone()
    return (row[0], row[1]) if row else (None, None)


async def mark_started(db: aiosqlite.Connection, person_id: int, username: str | None) -> None:
    """The person wrote to the bot: from now on messages reach them."""
    await db.execute("UPDATE people SET started_at = COALESCE(started_at, ?), username = ? WHERE id = ?",
                     (utc_now(), username, person_id))


async def set_name(db: aiosqlite.Connection, person_id: int, display_name: str) -> None:
    await db.execute("UPDATE people SET display_name = ? WHERE id = ?", (display_name, person_id))


async def active_commune(db: aiosqlite.Connection, person_id: int) -> str | None:
    """The commune an official of several communes last chose with /commune (None: never chose)."""
    row = await (await db.execute("SELECT active_commune_id FROM people WHERE id = ?", (person_id,))).fetchone()
    return row[0] if row else None


async def set_active_commune(db: aiosqlite.Connection, person_id: int, commune_id: str) -> None:
    await db.execute("UPDATE people SET active_commune_id = ? WHERE id = ?", (commune_id, person_id))
