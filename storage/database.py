"""The SQLite connection (WAL, foreign keys), its transactions and the versioned migrations."""

from __future__ import annotations

import asyncio
import contextlib
import re
import sqlite3
from collections.abc import AsyncIterator
from contextvars import ContextVar
from datetime import datetime, timezone
from importlib import resources
from pathlib import Path

import aiosqlite

_MIGRATION_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")

# Reader connections: enough that a slow read does not hold up the others, few for a 2-core machine.
DEFAULT_READERS = 3
# How long a write waits for SQLite's lock before the user is told to try again.
DEFAULT_WRITE_TIMEOUT = 3.0
# Readers in WAL mode wait only in rare moments (a WAL reset after the last connection closed).
READ_BUSY_TIMEOUT = 5.0


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


class DatabaseBusy(Exception):
    """SQLite's write lock could not be had in time (another process or a long write holds it).

    Raised from `transaction()` and `execute_alone()` after the transaction was rolled back:
    nothing of it was kept, and the same action can simply be tried again."""


class WriteScope:
    """What one unit of work (a channel update) wrote: set by every committed write made in its context."""

    __slots__ = ("wrote",)

    def __init__(self) -> None:
        self.wrote = False


_write_scope: ContextVar[WriteScope | None] = ContextVar("doithoai_write_scope", default=None)


def track_writes() -> WriteScope:
    """From now on in this context (an asyncio task and the tasks it starts), note every committed write."""
    scope = WriteScope()
    _write_scope.set(scope)
    return scope


def current_write_scope() -> WriteScope | None:
    return _write_scope.get()


def _wrote() -> None:
    scope = _write_scope.get()
    if scope is not None:
        scope.wrote = True


def _is_busy(error: sqlite3.OperationalError) -> bool:
    return getattr(error, "sqlite_errorcode", None) in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED) or (
        "database is locked" in str(error))


class Database:
    """One writer connection and a few reader connections to one SQLite file in WAL mode.

    Writes go through `transaction()` (or `execute_alone()`) on the writer, one at a time in this
    process (SQLite allows one writer anyway). A write that cannot get SQLite's lock within
    `write_timeout` seconds (another process holds it) is rolled back and raises DatabaseBusy.

    Reads go through `read()` on a reader connection: in WAL mode a reader sees the last committed
    state and never waits for a writer, ours or another process's, so a user who only reads is
    answered even while a long write or a foreign lock holds the writer. Reader connections are
    query-only. An in-memory database has a single connection, used for both."""

    def __init__(self, writer: aiosqlite.Connection, readers: list[aiosqlite.Connection] | None = None, *,
                 write_timeout: float = DEFAULT_WRITE_TIMEOUT) -> None:
        self._connection = writer
        self._lock = asyncio.Lock()
        self._readers = list(readers or [])
        self._idle_readers: asyncio.Queue[aiosqlite.Connection] = asyncio.Queue()
        for reader in self._readers:
            self._idle_readers.put_nowait(reader)
        self._write_timeout = write_timeout

    @classmethod
    async def open(cls, path: Path | str, *, migrate: bool = True, up_to: int | None = None,
                   readers: int = DEFAULT_READERS, write_timeout: float = DEFAULT_WRITE_TIMEOUT) -> "Database":
        in_memory = str(path) == ":memory:"
        if not in_memory:
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        writer = await _connect(path, busy_timeout=write_timeout)
        database = cls(writer, write_timeout=write_timeout)
        try:
            await writer.execute("PRAGMA journal_mode=WAL")
            # NORMAL is durable in WAL mode against a process crash (the case that matters here);
            # only a power cut may lose the last transactions.
            await writer.execute("PRAGMA synchronous=NORMAL")
            if migrate:
                await database.migrate(up_to=up_to)
            if not in_memory:
                for _ in range(readers):
                    reader = await _connect(path, busy_timeout=READ_BUSY_TIMEOUT)
                    await reader.execute("PRAGMA query_only=ON")
                    database._readers.append(reader)
                    database._idle_readers.put_nowait(reader)
        except BaseException:
            # aiosqlite's thread is not a daemon: left open, it keeps the process alive after the error.
            await database.close()
            raise
        return database

    async def close(self) -> None:
        for reader in self._readers:
            await reader.close()
        self._readers.clear()
        await self._connection.close()

    async def schema_version(self) -> int:
        async with self._lock:
            await self._connection.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)"
            )
            row = await (await self._connection.execute("SELECT MAX(version) FROM schema_migrations")).fetchone()
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
    async def _writer(self, timeout: float | None = None) -> AsyncIterator[aiosqlite.Connection]:
        """The writer connection, once this process's previous write is over (within `timeout`, by
        default the write timeout)."""
        if not self._lock.locked():
            await self._lock.acquire()
        else:
            try:
                await asyncio.wait_for(self._lock.acquire(), self._write_timeout if timeout is None else timeout)
            except TimeoutError:
                raise DatabaseBusy("another write of this process held the database too long") from None
        try:
            yield self._connection
        finally:
            self._lock.release()

    @contextlib.asynccontextmanager
    async def transaction(self, *, busy_timeout: float | None = None) -> AsyncIterator[aiosqlite.Connection]:
        """BEGIN IMMEDIATE … COMMIT, rolled back on any exception; DatabaseBusy when the lock is held elsewhere.

        `busy_timeout` (seconds) waits that long, not the write timeout, for the lock, whether another
        process holds it or a write of this one that is itself waiting for it."""
        async with self._writer(busy_timeout) as db:
            try:
                if busy_timeout is not None:
                    await db.execute(f"PRAGMA busy_timeout={int(busy_timeout * 1000)}")
                try:
                    await db.execute("BEGIN IMMEDIATE")
                finally:
                    if busy_timeout is not None:
                        await db.execute(f"PRAGMA busy_timeout={int(self._write_timeout * 1000)}")
            except sqlite3.OperationalError as error:
                if _is_busy(error):
                    raise DatabaseBusy(str(error)) from error
                raise
            try:
                yield db
                await db.execute("COMMIT")
            except BaseException as error:
                if db.in_transaction:
                    try:
                        await db.execute("ROLLBACK")
                    except sqlite3.OperationalError:
                        # Cancelled while COMMIT ran in aiosqlite's thread: it committed after all. The
                        # cancellation must go on (a sender's stop() waits for it), not this error.
                        if db.in_transaction:
                            raise
                if isinstance(error, sqlite3.OperationalError) and _is_busy(error):
                    raise DatabaseBusy(str(error)) from error
                raise
        _wrote()

    async def execute_alone(self, sql: str, params: tuple = ()) -> int:
        """One statement on its own (SQLite makes it atomic): returns the rows it changed."""
        async with self._writer() as db:
            try:
                cursor = await db.execute(sql, params)
            except sqlite3.OperationalError as error:
                if _is_busy(error):
                    raise DatabaseBusy(str(error)) from error
                raise
        if cursor.rowcount:
            _wrote()
        return cursor.rowcount

    @contextlib.asynccontextmanager
    async def read(self) -> AsyncIterator[aiosqlite.Connection]:
        """A query-only connection that sees the last committed state and never waits for a writer.

        Each statement sees the state committed when it starts (autocommit: an explicit snapshot
        would triple the cost of a read); a read that needs several statements to agree with each
        other while others write can BEGIN on the connection, and it is ended when the block ends."""
        if not self._readers:
            async with self._lock:
                yield self._connection
            return
        reader = await self._idle_readers.get()
        try:
            yield reader
        finally:
            if reader.in_transaction:  # a read left a transaction open: end it, or it would pin an old snapshot
                await reader.execute("ROLLBACK")
            self._idle_readers.put_nowait(reader)

    async def schema(self) -> list[tuple[str, str, str]]:
        """(type, name, sql) of every schema object, to compare a fresh and an upgraded database."""
        async with self.read() as db:
            rows = await (
                await db.execute(
                    "SELECT type, name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY type, name"
                )
            ).fetchall()
        return [(r[0], r[1], " ".join((r[2] or "").split())) for r in rows]


async def _connect(path: Path | str, *, busy_timeout: float) -> aiosqlite.Connection:
    connection = await aiosqlite.connect(str(path), isolation_level=None)
    try:
        connection.row_factory = aiosqlite.Row
        await connection.execute("PRAGMA foreign_keys=ON")
        await connection.execute(f"PRAGMA busy_timeout={int(busy_timeout * 1000)}")
    except BaseException:
        await connection.close()  # its thread would keep the process alive
        raise
    return connection


def _statements(sql: str) -> list[str]:
    without_comments = "\n".join(line.split("--", 1)[0] for line in sql.splitlines())
    return [s.strip() for s in without_comments.split(";") if s.strip()]
