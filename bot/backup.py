"""Backups and restore of the SQLite database, the lock a running bot holds, and the schema guard.

A backup is SQLite's online backup of the live file (one step, so it is one consistent snapshot
even while the bot writes: in WAL mode the copy reads while writers go on), written next to its
destination, checked with PRAGMA integrity_check, then renamed into place. Plain sqlite3 in a
thread: the bot's own aiosqlite connections are not involved."""

from __future__ import annotations

import fcntl
import os
import shutil
import sqlite3
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from storage import ops
from storage.database import migrations

BACKUP_PREFIX = "doithoai-"
BACKUP_SUFFIX = ".sqlite3"


class BackupError(Exception):
    """A backup or restore could not be made; the message is one line."""


@dataclass(frozen=True)
class BackupResult:
    path: Path
    size: int
    schema_version: int


def _stamp() -> str:
    return datetime.now(timezone.utc).strftime("%Y%m%d-%H%M%S")


def code_schema_version() -> int:
    return len(migrations())


def schema_version_of(path: Path) -> int:
    """The migrations applied to a database file (0 for a new or empty one)."""
    if not path.exists() or path.stat().st_size == 0:
        return 0
    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        has = connection.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'").fetchone()
        if not has:
            return 0
        return connection.execute("SELECT COALESCE(MAX(version), 0) FROM schema_migrations").fetchone()[0]
    finally:
        connection.close()


def integrity(path: Path) -> str:
    """'ok', or the first problem PRAGMA integrity_check reports (or why the file cannot be read)."""
    try:
        connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            rows = connection.execute("PRAGMA integrity_check").fetchall()
            if rows != [("ok",)]:
                return str(rows[0][0]) if rows else "no answer"
            if not connection.execute("SELECT 1 FROM sqlite_master WHERE name = 'schema_migrations'").fetchone():
                return "not a doithoai database (no schema_migrations table)"
        finally:
            connection.close()
    except sqlite3.Error as error:
        return str(error).splitlines()[0] or type(error).__name__
    return "ok"


def backup_database(source: Path, destination: Path) -> BackupResult:
    """A consistent, checked copy of `source` at `destination` (an existing file there is replaced)."""
    if not source.exists():
        raise BackupError(f"{source}: no such database")
    destination.parent.mkdir(parents=True, exist_ok=True)
    partial = destination.with_name(destination.name + ".partial")
    partial.unlink(missing_ok=True)
    try:
        src = sqlite3.connect(str(source), timeout=30)
        try:
            dst = sqlite3.connect(str(partial))
            try:
                src.backup(dst)  # pages=-1: the whole database in one step, from one read snapshot
                dst.execute("PRAGMA journal_mode=DELETE")  # the copy is one self-contained file
            finally:
                dst.close()
        finally:
            src.close()
        problem = integrity(partial)
        if problem != "ok":
            raise BackupError(f"the copy failed its integrity check: {problem}")
        os.replace(partial, destination)
    except sqlite3.Error as error:
        raise BackupError(f"cannot back up {source}: {str(error).splitlines()[0]}") from None
    except OSError as error:
        raise BackupError(f"cannot write {destination}: {error.strerror or error}") from None
    finally:
        partial.unlink(missing_ok=True)
    _note_backup(source, destination)
    return BackupResult(destination, destination.stat().st_size, schema_version_of(destination))


def _note_backup(source: Path, destination: Path) -> None:
    """The last backup, for `status`: best effort (a busy database must not fail a good backup)."""
    try:
        connection = sqlite3.connect(str(source), timeout=5, isolation_level=None)
        try:
            if connection.execute("SELECT 1 FROM sqlite_master WHERE name = 'ops_state'").fetchone():
                connection.execute(ops.SET, ops.set_params(ops.LAST_BACKUP, str(destination.resolve())))
        finally:
            connection.close()
    except sqlite3.Error:
        pass


def scheduled_backup(source: Path, directory: Path, keep: int, *, prefix: str = BACKUP_PREFIX) -> BackupResult:
    """A dated backup in `directory`, keeping the newest `keep` of them."""
    name = f"{prefix}{_stamp()}"
    destination, n = directory / f"{name}{BACKUP_SUFFIX}", 1
    while destination.exists():  # two in the same second
        destination, n = directory / f"{name}-{n}{BACKUP_SUFFIX}", n + 1
    result = backup_database(source, destination)
    rotate(directory, keep, prefix=prefix)
    return result


def rotate(directory: Path, keep: int, *, prefix: str = BACKUP_PREFIX) -> list[Path]:
    # Dated names sort in time order; the pre-migration copies (another prefix) are counted apart.
    backups = sorted((p for p in directory.glob(f"{prefix}[0-9]*{BACKUP_SUFFIX}") if p.is_file()),
                     key=lambda p: (p.stat().st_mtime, p.name))
    removed = backups[:-keep] if keep > 0 else []
    for path in removed:
        path.unlink(missing_ok=True)
    return removed


def latest_backup(directory: Path) -> Path | None:
    found = sorted((p for p in directory.glob(f"*{BACKUP_SUFFIX}") if p.is_file()), key=lambda p: p.stat().st_mtime)
    return found[-1] if found else None


# --- the running bot's lock ---------------------------------------------------------------------

def lock_path(database: Path) -> Path:
    return database.with_name(database.name + ".lock")


class RunLock:
    """Held (flock, exclusive) by a running bot on its database; the kernel drops it if the bot dies."""

    def __init__(self, database: Path) -> None:
        self.path = lock_path(database)
        self._fd: int | None = None

    def acquire(self) -> bool:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        self._fd = fd
        return True

    def release(self) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None


def bot_is_running(database: Path) -> bool:
    lock = RunLock(database)
    if not lock.path.exists():
        return False
    if lock.acquire():
        lock.release()
        return False
    return True


# --- restore and upgrades -------------------------------------------------------------------

def restore(backup: Path, database: Path) -> Path | None:
    """Put `backup` in place of `database`; returns where the replaced database was kept (None if none)."""
    if bot_is_running(database):
        raise BackupError(f"a bot is running on {database}: stop it first, then restore")
    if not backup.exists():
        raise BackupError(f"{backup}: no such file")
    problem = integrity(backup)
    if problem != "ok":
        raise BackupError(f"{backup} is not a usable backup: {problem}")
    version, code = schema_version_of(backup), code_schema_version()
    if version > code:
        raise BackupError(f"{backup} is at schema version {version}, newer than this code ({code}): "
                          "restore it with the doithoai release that made it")
    lock = RunLock(database)
    if not lock.acquire():  # a bot started meanwhile
        raise BackupError(f"a bot is running on {database}: stop it first, then restore")
    try:
        kept = None
        if database.exists():
            # The replaced database, with whatever its WAL still held, as one file beside it.
            kept = backup_database(database, database.with_name(f"{database.name}.replaced-{_stamp()}")).path
        incoming = database.with_name(database.name + ".incoming")
        shutil.copyfile(backup, incoming)
        for suffix in ("-wal", "-shm"):
            database.with_name(database.name + suffix).unlink(missing_ok=True)
        os.replace(incoming, database)
        return kept
    finally:
        lock.release()


class SchemaTooNew(BackupError):
    """The database was migrated by a newer release than this code."""


def prepare_for_migrations(database: Path, directory: Path, keep: int) -> Path | None:
    """Before migrations are applied: refuse a database newer than the code; back up one that will change."""
    version, code = schema_version_of(database), code_schema_version()
    if version > code:
        raise SchemaTooNew(f"the database {database} is at schema version {version}, newer than this code "
                           f"({code}): run the newer doithoai release, or restore a backup made by this one")
    if 0 < version < code:
        return scheduled_backup(database, directory, keep, prefix=f"{BACKUP_PREFIX}pre-migration-v{version}-").path
    return None
