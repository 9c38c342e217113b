"""The SQLite connection (WAL, foreign keys), its transactions and the versioned migrations."""

from __future__ import annotations

import asyncio
import contextlib
import re
from collections.abc import AsyncIterator
from datetime import datetime, timezone
from importlib import resources
from pathlib import Path

import aiosqlite

_MIGRATION_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")


def utc_now() -> str:
    """The current instant as stored: UTC, ISO 8601, seconds precision."""
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat()


def migrations() -> list[tuple[int, str, str]]:
    """(version, name, sql) of every migration shipped with the package, in order."""
    found = []
    for entry in resources.files("storage").joinpath("migrations").iterdir():
        match = _MIGRATION_NAME.match(entry.name)
        if match:
            found.append((int(match.group(1)), entry.name, entry.read_text(encoding="utf-8")))
    found.sort()
    versions = [v for v, _, _ in found]
    if versions != list(range(1, len(found) + 1)):
        raise RuntimeError(f"migrations are not numbered 1..n without gaps: {versions}")
    return found


class Database:
    """One aiosqlite connection shared by the whole process.

    Every use goes through `transaction()` or `read()`, which hold one lock: the
    bot's handlers, the scheduler's jobs and the sandbox share the connection,
    and SQLite transactions on one connection must not interleave.
    """

    def __init__(self, connection: aiosqlite.Connection) -> None:
        self._connection = connection
        self._lock = asyncio.Lock()

    @classmethod
    async def open(cls, path: Path | str, *, migrate: bool = True, up_to: int | None = None) -> "Database":
        if str(path) != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        connection = await aiosqlite.connect(str(path), isolation_level=None)
        try:
            connection.row_factory = aiosqlite.Row
            await connection.execute("PRAGMA journal_mode=WAL")
            # NORMAL is durable in WAL mode against a process crash (the case that matters here);
            # only a power cut may lose the last transactions.
            await connection.execute("PRAGMA synchronous=NORMAL")
            await connection.execute("PRAGMA foreign_keys=ON")
            await connection.execute("PRAGMA busy_timeout=5000")
            database = cls(connection)
            if migrate:
                await database.migrate(up_to=up_to)
        except BaseException:
            # aiosqlite's thread is not a daemon: left open, it keeps the process alive after the error.
            await connection.close()
            raise
        return database

    async def close(self) -> None:
        await self._connection.close()

    async def schema_version(self) -> int:
        async with self.read() as db:
            await db.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)"
            )
            row = await (await db.execute("SELECT MAX(version) FROM schema_migrations")).fetchone()
        return row[0] or 0

    async def migrate(self, up_to: int | None = None) -> list[str]:
        """Apply the migrations not applied yet, each in its own transaction. Returns their names."""
        current = await self.schema_version()
        applied = []
        for version, name, sql in migrations():
            if version <= current or (up_to is not None and version > up_to):
                continue
            async with self.transaction() as db:
                # executescript would COMMIT on its own; split into statements to stay in our transaction.
                for statement in _statements(sql):
                    await db.execute(statement)
                await db.execute(
                    "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
                    (version, name, utc_now()),
                )
            applied.append(name)
        return applied

    @contextlib.asynccontextmanager
    async def transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        """BEGIN IMMEDIATE … COMMIT, rolled back on any exception."""
        async with self._lock:
            await self._connection.execute("BEGIN IMMEDIATE")
            try:
                yield self._connection
            except BaseException:
                await self._connection.execute("ROLLBACK")
                raise
            else:
                await self._connection.execute("COMMIT")

    async def execute_alone(self, sql: str, params: tuple = ()) -> int:
        """One statement on its own (SQLite makes it atomic): returns the rows it changed."""
        async with self._lock:
            cursor = await self._connection.execute(sql, params)
            return cursor.rowcount

    @contextlib.asynccontextmanager
    async def read(self) -> AsyncIterator[aiosqlite.Connection]:
        async with self._lock:
            yield self._connection

    async def schema(self) -> list[tuple[str, str, str]]:
        """(type, name, sql) of every schema object, to compare a fresh and an upgraded database."""
        async with self.read() as db:
            rows = await (
                await db.execute(
                    "SELECT type, name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY type, name"
                )
            ).fetchall()
        return [(r[0], r[1], " ".join((r[2] or "").split())) for r in rows]


def _statements(sql: str) -> list[str]:
    without_comments = "\n".join(line.split("--", 1)[0] for line in sql.splitlines())
    return [s.strip() for s in without_comments.split(";") if s.strip()]
