"""The folded words of concerns (for finding similar ones), and what may be shown of a similar concern."""

from __future__ import annotations

from dataclasses import dataclass

import aiosqlite


@dataclass(frozen=True)
class Shown:
    """What anyone in the commune may see of a similar concern: never who sent it."""
    concern_id: int
    code: str
    category: str
    hamlet_id: str
    body: str
    status: str


async def indexed(db: aiosqlite.Connection, after_id: int = 0) -> list[tuple[int, str, str]]:
    """(concern id, commune id, folded words) stored already, after a concern id, in id order."""
    rows = await db.execute_fetchall(
        "SELECT concern_id, commune_id, words FROM concern_words WHERE concern_id > ? ORDER BY concern_id", (after_id,))
    return [(r[0], r[1], r[2]) for r in rows]


async def unindexed(db: aiosqlite.Connection, after_id: int, limit: int = 5000) -> list[tuple[int, str, str]]:
    """(id, commune id, body) of the concerns stored after a concern id whose words are not stored yet."""
    # One round trip (execute_fetchall): this runs before every lookup.
    rows = await db.execute_fetchall(
        "SELECT c.id, c.commune_id, c.body FROM concerns c"
        " WHERE c.id > ? AND NOT EXISTS (SELECT 1 FROM concern_words w WHERE w.concern_id = c.id)"
        " ORDER BY c.id LIMIT ?", (after_id, limit))
    return [(r[0], r[1], r[2]) for r in rows]


async def store(db: aiosqlite.Connection, rows: list[tuple[int, str, str]]) -> None:
    """Keep (concern id, commune id, folded words) rows; a row kept already is replaced."""
    await db.executemany("INSERT OR REPLACE INTO concern_words (concern_id, commune_id, words) VALUES (?, ?, ?)", rows)


async def shown(db: aiosqlite.Connection, concern_ids: list[int], *, commune_id: str,
                exclude_codes: tuple[str, ...] = (), statuses: tuple[str, ...] | None = None) -> dict[int, Shown]:
    """What may be shown of some concerns of a commune, by id.

    Concerns merged into another are left out: the one they were merged into stands for them.
    """
    if not concern_ids:
        return {}
    sql = (
        "SELECT id, code, category, hamlet_id, body, status FROM concerns"
        f" WHERE id IN ({', '.join('?' for _ in concern_ids)}) AND +commune_id = ?"
        " AND duplicate_of IS NULL AND +status != 'merged'"
    )
    # The unary + keep SQLite on the primary key: given a long IN list it would otherwise walk the
    # commune's whole (commune, status) index, tens of thousands of rows.
    params: tuple = (*concern_ids, commune_id)
    if exclude_codes:
        sql += f" AND code NOT IN ({', '.join('?' for _ in exclude_codes)})"
        params += tuple(exclude_codes)
    if statuses is not None:
        sql += f" AND +status IN ({', '.join('?' for _ in statuses)})"
        params += tuple(statuses)
    rows = await db.execute_fetchall(sql, params)
    return {row[0]: Shown(*row) for row in rows}
