"""The full-text index of concerns' folded words (FTS5), and the candidates it gives for a new text."""

from __future__ import annotations

from dataclasses import dataclass

import aiosqlite


@dataclass(frozen=True)
class Candidate:
    """A concern that shares words with a text: what may be shown of it, never who sent it."""
    code: str
    category: str
    hamlet_id: str
    body: str
    status: str
    words: str


def _commune_phrase(commune_id: str) -> str:
    # The commune is matched as a phrase in its own column: FTS5 splits "bao-lam" into "bao" "lam".
    return '"' + commune_id.replace('"', "") + '"'


async def unindexed(db: aiosqlite.Connection, limit: int = 5000) -> list[tuple[int, str, str]]:
    """(id, commune_id, body) of the concerns stored after the last indexed one."""
    row = await (await db.execute("SELECT COALESCE(MAX(rowid), 0) FROM concern_words")).fetchone()
    rows = await (
        await db.execute("SELECT id, commune_id, body FROM concerns WHERE id > ? ORDER BY id LIMIT ?", (row[0], limit))
    ).fetchall()
    return [(r[0], r[1], r[2]) for r in rows]


async def index(db: aiosqlite.Connection, rows: list[tuple[int, str, str]]) -> None:
    """Index (concern id, commune id, folded words) rows; a row indexed already is replaced."""
    await db.executemany("DELETE FROM concern_words WHERE rowid = ?", [(r[0],) for r in rows])
    await db.executemany("INSERT INTO concern_words (rowid, commune, words) VALUES (?, ?, ?)", rows)


async def candidates(db: aiosqlite.Connection, *, commune_id: str, words: list[str], limit: int,
                     exclude_codes: tuple[str, ...] = (), statuses: tuple[str, ...] | None = None) -> list[Candidate]:
    """The concerns of a commune sharing most (and rarest) words with the given ones, best first (BM25).

    Concerns merged into another are left out: the one they were merged into stands for them.
    """
    terms = " OR ".join('"' + w.replace('"', "") + '"' for w in words if w)
    if not terms:
        return []
    query = f"commune : {_commune_phrase(commune_id)} AND words : ({terms})"
    sql = (
        "SELECT c.code, c.category, c.hamlet_id, c.body, c.status, m.words"
        " FROM (SELECT rowid, words FROM concern_words WHERE concern_words MATCH ? ORDER BY rank LIMIT ?) AS m"
        " JOIN concerns c ON c.id = m.rowid"
        " WHERE c.commune_id = ? AND c.duplicate_of IS NULL AND c.status != 'merged'"
    )
    params: tuple = (query, limit, commune_id)
    if exclude_codes:
        sql += f" AND c.code NOT IN ({', '.join('?' for _ in exclude_codes)})"
        params += tuple(exclude_codes)
    if statuses is not None:
        sql += f" AND c.status IN ({', '.join('?' for _ in statuses)})"
        params += tuple(statuses)
    rows = await (await db.execute(sql, params)).fetchall()
    return [Candidate(*row) for row in rows]


async def like_scan(db: aiosqlite.Connection, *, commune_id: str, words: list[str], limit: int) -> list[str]:
    """The plain baseline the bench compares with: concerns whose text contains any of the words (LIKE)."""
    if not words:
        return []
    where = " OR ".join("body LIKE ?" for _ in words)
    rows = await (
        await db.execute(f"SELECT code FROM concerns WHERE commune_id = ? AND ({where}) LIMIT ?",
                         (commune_id, *[f"%{w}%" for w in words], limit))
    ).fetchall()
    return [r[0] for r in rows]
