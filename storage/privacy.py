"""What is stored about one person (for /mydata), and erasing their identity (for /forget)."""

from __future__ import annotations

import json
import re

import aiosqlite

from storage.database import utc_now

# What a forgotten resident's name becomes; the concerns stay, with no one's name on them.
NAME_PLACEHOLDER = "—"


async def _dicts(db: aiosqlite.Connection, sql: str, params: tuple = ()) -> list[dict]:
    return [dict(row) for row in await (await db.execute(sql, params)).fetchall()]


async def person(db: aiosqlite.Connection, channel: str, external_id: str) -> dict | None:
    """The person behind a chat identity; a forgotten person is found no more (their id was replaced)."""
    rows = await _dicts(
        db,
        "SELECT id, channel, external_id, locale, created_at, display_name FROM people"
        " WHERE channel = ? AND external_id = ? AND forgotten_at IS NULL",
        (channel, external_id),
    )
    return rows[0] if rows else None


async def resident(db: aiosqlite.Connection, person_id: int) -> dict | None:
    rows = await _dicts(
        db, "SELECT commune_id, hamlet_id, display_name, phone, registered_at, consented_at FROM residents WHERE person_id = ?", (person_id,)
    )
    return rows[0] if rows else None


async def concerns(db: aiosqlite.Connection, person_id: int) -> list[dict]:
    return await _dicts(
        db,
        "SELECT c.id, c.commune_id, c.code, c.hamlet_id, c.category, c.body, c.status, c.submitted_at, c.updated_at,"
        " c.raised_count, c.conclusion, c.conclusion_text, c.screening_note, d.code AS duplicate_of_code,"
        " c.entered_by IS NOT NULL AS entered_by_official"
        " FROM concerns c LEFT JOIN concerns d ON d.id = c.duplicate_of"
        " WHERE c.resident_id = ? ORDER BY c.submitted_at, c.id",
        (person_id,),
    )


async def attachments(db: aiosqlite.Connection, concern_id: int) -> list[dict]:
    return await _dicts(
        db, "SELECT kind, latitude, longitude FROM concern_attachments WHERE concern_id = ? ORDER BY id", (concern_id,)
    )


async def assignments(db: aiosqlite.Connection, concern_id: int) -> list[dict]:
    """A concern's assignments: the body in charge and the dates, not the officer's identity."""
    return await _dicts(
        db,
        "SELECT body, assigned_at, due_date, extended_to, extension_reason, resolved_at, result, ended_at"
        " FROM assignments WHERE concern_id = ? ORDER BY id",
        (concern_id,),
    )


async def concern_history(db: aiosqlite.Connection, concern_id: int) -> list[dict]:
    rows = await _dicts(
        db,
        "SELECT at, commune_id, actor_person_id, action, details FROM audit_log"
        " WHERE subject_type = 'concern' AND subject_id = ? ORDER BY id",
        (concern_id,),
    )
    for row in rows:
        row["details"] = json.loads(row["details"])
    return rows


async def person_history(db: aiosqlite.Connection, person_id: int) -> list[dict]:
    """Changes to the person themselves (language chosen, registration)."""
    rows = await _dicts(
        db,
        "SELECT at, actor_person_id, action, details FROM audit_log"
        " WHERE subject_type = 'person' AND subject_id = ? ORDER BY id",
        (person_id,),
    )
    for row in rows:
        row["details"] = json.loads(row["details"])
    return rows


async def speaker_registrations(db: aiosqlite.Connection, person_id: int) -> list[dict]:
    return await _dicts(
        db,
        "SELECT c.code AS concern_code, s.point, s.status, s.review, s.decline_reason, s.position,"
        " s.registered_at, s.withdrawn_at, s.called_at, d.meeting_at, d.place, d.status AS dialogue_status"
        " FROM speaker_registrations s JOIN concerns c ON c.id = s.concern_id"
        " LEFT JOIN dialogues d ON d.id = s.dialogue_id"
        " WHERE s.resident_id = ? ORDER BY s.registered_at, s.id",
        (person_id,),
    )


async def roles(db: aiosqlite.Connection, person_id: int) -> list[dict]:
    """Every role the person holds or held (who granted it is another person: left out)."""
    return await _dicts(
        db,
        "SELECT commune_id, role, body, hamlet_id, granted_at, revoked_at FROM roles WHERE person_id = ? ORDER BY id",
        (person_id,),
    )


async def roles_of_people(db: aiosqlite.Connection, person_ids: set[int]) -> dict[int, list[dict]]:
    """The roles some officials hold or held, to name them by role in a history ("the commune office")."""
    if not person_ids:
        return {}
    marks = ", ".join("?" for _ in person_ids)
    rows = await _dicts(
        db, f"SELECT person_id, commune_id, role, body, hamlet_id FROM roles WHERE person_id IN ({marks}) ORDER BY id",
        tuple(person_ids),
    )
    found: dict[int, list[dict]] = {}
    for row in rows:
        found.setdefault(row.pop("person_id"), []).append(row)
    return found


async def notices(db: aiosqlite.Connection, person_id: int) -> list[dict]:
    """Notifications addressed to the person: their kind and dates (the text is in the concerns' history)."""
    return await _dicts(
        db, "SELECT kind, created_at, sent_at FROM outbox WHERE person_id = ? ORDER BY id", (person_id,)
    )


# --- forgetting ---------------------------------------------------------------------------------

# Columns that say nothing about who the person is; every other column of their `people` and
# `residents` rows is identity (name, phone, and whatever a later migration adds) and is erased.
KEPT_PERSON_COLUMNS = frozenset({"id", "channel", "external_id", "locale", "created_at", "forgotten_at"})
KEPT_RESIDENT_COLUMNS = frozenset({"person_id", "commune_id", "hamlet_id", "registered_at"})


async def identity_values(db: aiosqlite.Connection, person_id: int) -> tuple[set[str], set[str]]:
    """The person's names and phone numbers as stored (in any column whose name says "name" or "phone")."""
    names: set[str] = set()
    phones: set[str] = set()
    for table, key in (("people", "id"), ("residents", "person_id")):
        row = await (await db.execute(f"SELECT * FROM {table} WHERE {key} = ?", (person_id,))).fetchone()
        if row is None:
            continue
        for column in row.keys():
            value = row[column]
            if not isinstance(value, str) or not value or value == NAME_PLACEHOLDER:
                continue
            if "phone" in column:
                phones.add(value)
            elif column.endswith("name"):
                names.add(value)
    return names, phones


async def _scrub(db: aiosqlite.Connection, table: str, columns: tuple[str, ...], where: str, params: tuple,
                 pattern: re.Pattern) -> None:
    """Replace what the pattern finds in some text columns of some rows, in Python (SQLite has no regular expressions)."""
    rows = await (await db.execute(f"SELECT rowid, {', '.join(columns)} FROM {table} WHERE {where}", params)).fetchall()
    for row in rows:
        changed = {column: pattern.sub(NAME_PLACEHOLDER, row[i + 1]) for i, column in enumerate(columns)
                   if isinstance(row[i + 1], str) and pattern.search(row[i + 1])}
        if changed:
            assignments = ", ".join(f"{column} = ?" for column in changed)
            await db.execute(f"UPDATE {table} SET {assignments} WHERE rowid = ?", (*changed.values(), row[0]))


async def _scrub_json_values(db: aiosqlite.Connection, table: str, column: str, names: set[str]) -> None:
    """In other people's rows, only a JSON value that is exactly the name is replaced (e.g. a notice's "name")."""
    for name in names:
        if not name or name == NAME_PLACEHOLDER:
            continue
        quoted = json.dumps(name, ensure_ascii=False)
        await db.execute(
            f"UPDATE {table} SET {column} = replace({column}, ?, ?) WHERE instr({column}, ?) > 0",
            (quoted, json.dumps(NAME_PLACEHOLDER, ensure_ascii=False), quoted),
        )


async def _drop_identity_keys(db: aiosqlite.Connection, person_id: int) -> None:
    """Changes to the person themselves may record an earlier name or phone (a name corrected later): dropped."""
    rows = await (await db.execute(
        "SELECT id, details FROM audit_log WHERE subject_type = 'person' AND subject_id = ?", (person_id,))).fetchall()
    for row_id, details in rows:
        values = json.loads(details)
        kept = {key: value for key, value in values.items() if "name" not in key and "phone" not in key}
        if kept != values:
            await db.execute("UPDATE audit_log SET details = ? WHERE id = ?", (json.dumps(kept, ensure_ascii=False), row_id))


async def _erase_columns(db: aiosqlite.Connection, table: str, key: str, person_id: int, kept: frozenset[str],
                         set_too: dict[str, object]) -> None:
    """Every column of the person's row not in `kept`: NULL where allowed, else its default, else the placeholder."""
    values = dict(set_too)
    defaults: dict[str, str] = {}
    for _, column, _, not_null, default, _ in await (await db.execute(f"PRAGMA table_info({table})")).fetchall():
        if column in kept or column in values:
            continue
        if not not_null:
            values[column] = None
        elif default is not None:
            defaults[column] = default  # an SQL expression, as the schema wrote it
        else:
            values[column] = NAME_PLACEHOLDER
    sets = [f"{column} = ?" for column in values] + [f"{column} = {default}" for column, default in defaults.items()]
    if sets:
        await db.execute(f"UPDATE {table} SET {', '.join(sets)} WHERE {key} = ?", (*values.values(), person_id))


async def forget(db: aiosqlite.Connection, person_id: int, *, identity: re.Pattern | None, any_phone: re.Pattern) -> dict:
    """Erase a person's identity inside the caller's transaction; the concerns' content stays, nameless.

    `identity` finds the person's names and own phone numbers anywhere in the records of their concerns
    (an official's answer may quote them); `any_phone` finds every phone number in what the person wrote
    and in the notices about their concerns. Returns counts for the audit row (never personal data)."""
    now = utc_now()
    mine = "resident_id = ?"
    my_concerns = "concern_id IN (SELECT id FROM concerns WHERE resident_id = ?)"
    codes = [row[0] for row in await (await db.execute("SELECT code FROM concerns WHERE resident_id = ?", (person_id,))).fetchall()]
    about_my_concerns = (f"json_extract(payload, '$.code') IN ({', '.join('?' for _ in codes)})" if codes else "0")
    names, _ = await identity_values(db, person_id)

    # Photos, voice notes, documents and locations sent with the concerns: the rows and their file ids.
    attachments = await db.execute(f"DELETE FROM concern_attachments WHERE {my_concerns}", (person_id,))

    # What the person wrote themselves: no phone number stays, theirs or anyone's.
    await _scrub(db, "concerns", ("body",), mine, (person_id,), any_phone)
    await _scrub(db, "speaker_registrations", ("point",), mine, (person_id,), any_phone)
    await _scrub(db, "audit_log", ("details",), "actor_person_id = ?", (person_id,), any_phone)
    await _scrub(db, "outbox", ("payload",), f"person_id = ? OR {about_my_concerns}", (person_id, *codes), any_phone)

    if identity is not None:
        # Their own records may carry their name or number in free text (a resident signing a concern).
        await _scrub(db, "concerns", ("body", "conclusion_text", "screening_note"), mine, (person_id,), identity)
        await _scrub(db, "speaker_registrations", ("point", "decline_reason"), mine, (person_id,), identity)
        await _scrub(db, "assignments", ("result", "extension_reason"), my_concerns, (person_id,), identity)
        await _scrub(db, "audit_log", ("details",),
                     "(subject_type = 'concern' AND subject_id IN (SELECT id FROM concerns WHERE resident_id = ?))"
                     " OR (subject_type = 'person' AND subject_id = ?) OR actor_person_id = ?",
                     (person_id, person_id, person_id), identity)
        await _scrub(db, "outbox", ("payload",), f"person_id = ? OR {about_my_concerns}", (person_id, *codes), identity)
        # Other people's notices and records may name them as a value (a role accepted, a list of speakers).
        await _scrub_json_values(db, "outbox", "payload", names)
        await _scrub_json_values(db, "audit_log", "details", names)

    await _drop_identity_keys(db, person_id)
    await _scrub(db, "audit_log", ("details",), "subject_type = 'person' AND subject_id = ?", (person_id,), any_phone)
    await _erase_columns(db, "residents", "person_id", person_id, KEPT_RESIDENT_COLUMNS, {"display_name": NAME_PLACEHOLDER})
    await _erase_columns(db, "people", "id", person_id, KEPT_PERSON_COLUMNS,
                         {"external_id": f"forgotten:{person_id}", "forgotten_at": now})
    revoked = await db.execute(
        "UPDATE roles SET revoked_at = ?, revoked_by = ? WHERE person_id = ? AND revoked_at IS NULL", (now, person_id, person_id)
    )
    kept = await (await db.execute("SELECT COUNT(*) FROM concerns WHERE resident_id = ?", (person_id,))).fetchone()
    return {"roles_revoked": revoked.rowcount, "concerns_kept": kept[0], "attachments_erased": attachments.rowcount}
