"""Backups taken while the bot writes, restore, and the schema guard before migrations."""

from __future__ import annotations

import asyncio
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from bot.backup import (BackupError, RunLock, backup_database, integrity, prepare_for_migrations, restore,
                        schema_version_of, scheduled_backup)
from storage.database import Database, migrations
from tests.harness import BotUnderTest

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "123456789:AAHfakeTokenForTestsOnly_abcdefghijk"


async def test_a_backup_under_steady_writes_restores_every_committed_row_and_the_bot_starts_on_it(tmp_path, fake_api):
    live = tmp_path / "live.sqlite3"
    database = await Database.open(live)
    committed: list[int] = []
    writing = asyncio.Event()

    async def steady_writes() -> None:
        while True:
            async with database.transaction() as db:
                cursor = await db.execute(
                    "INSERT INTO audit_log (at, action, subject_type, details) VALUES ('2026-12-01T00:00:00+00:00',"
                    " 'load', 'test', ?)", ("x" * 200,))
            committed.append(cursor.lastrowid)
            if len(committed) >= 200:
                writing.set()
            await asyncio.sleep(0)

    writer = asyncio.create_task(steady_writes())
    try:
        await writing.wait()
        before = list(committed)
        result = await asyncio.to_thread(backup_database, live, tmp_path / "copy.sqlite3")
        during = len(committed) - len(before)
    finally:
        writer.cancel()
        await asyncio.gather(writer, return_exceptions=True)
        await database.close()
    assert during > 0, "the writer kept writing while the backup was taken"
    assert integrity(result.path) == "ok"

    restored = tmp_path / "restored.sqlite3"
    assert restore(result.path, restored) is None  # nothing was there to keep aside
    with sqlite3.connect(restored) as connection:
        assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        rows = {r[0] for r in connection.execute("SELECT id FROM audit_log WHERE action = 'load'")}
    assert set(before) <= rows

    bot = BotUnderTest(fake_api, restored)
    await bot.start()
    try:
        fake_api.add_user(1001, "Lan")
        assert await bot.say(1001, "/start")
    finally:
        await bot.stop()


async def test_restore_refuses_while_a_bot_runs_and_keeps_the_replaced_database_aside(tmp_path):
    live, copy = tmp_path / "live.sqlite3", tmp_path / "copy.sqlite3"
    database = await Database.open(live)
    await database.execute_alone("INSERT INTO communes (id, name) VALUES ('old', 'old')")
    await database.close()
    backup_database(live, copy)
    with sqlite3.connect(live) as connection:
        connection.execute("INSERT INTO communes (id, name) VALUES ('newer', 'newer')")

    lock = RunLock(live)
    assert lock.acquire()
    try:
        with pytest.raises(BackupError, match="a bot is running"):
            restore(copy, live)
    finally:
        lock.release()
    with pytest.raises(BackupError, match="not a usable backup"):
        restore(ROOT / "README.md", live)

    kept = restore(copy, live)
    with sqlite3.connect(live) as connection:
        assert {r[0] for r in connection.execute("SELECT id FROM communes")} == {"old"}
    with sqlite3.connect(kept) as connection:
        assert {r[0] for r in connection.execute("SELECT id FROM communes")} == {"old", "newer"}


async def test_a_backup_is_made_before_migrations_and_old_copies_are_rotated(tmp_path):
    live, backups = tmp_path / "live.sqlite3", tmp_path / "backups"
    older = len(migrations()) - 1
    database = await Database.open(live, up_to=older)
    await database.close()
    made = prepare_for_migrations(live, backups, keep=3)
    assert made is not None and schema_version_of(made) == older and integrity(made) == "ok"
    database = await Database.open(live)
    await database.close()
    assert prepare_for_migrations(live, backups, keep=3) is None  # up to date: nothing to back up
    for _ in range(4):
        scheduled_backup(live, backups, keep=2)
    assert len(list(backups.glob("doithoai-2*.sqlite3"))) == 2
    assert made.exists()  # the copy made before the migrations is not rotated away by daily ones


def run(*args: str, **env: str) -> subprocess.CompletedProcess:
    import os

    keep = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "DATABASE_", "LISTEN_", "BACKUP_"))}
    return subprocess.run([sys.executable, "-m", "bot", *args], cwd=ROOT, env={**keep, "LISTEN_PORT": "0", **env},
                          capture_output=True, text=True, timeout=60)


def test_the_bot_refuses_to_start_on_a_database_newer_than_its_code_in_one_line(tmp_path):
    live = tmp_path / "live.sqlite3"
    assert run("migrate", DATABASE_PATH=str(live)).returncode == 0
    with sqlite3.connect(live) as connection:
        connection.execute("INSERT INTO schema_migrations VALUES (999, '0999_future.sql', '2030-01-01')")
    started = run(DATABASE_PATH=str(live), TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_BASE_URL="http://127.0.0.1:9/bot")
    assert started.returncode == 2
    assert started.stderr.splitlines() == [
        f"doithoai: the database {live} is at schema version 999, newer than this code ({len(migrations())}): "
        "run the newer doithoai release, or restore a backup made by this one"]


def test_backup_restore_and_status_commands(tmp_path):
    live = tmp_path / "live.sqlite3"
    assert run("migrate", DATABASE_PATH=str(live)).returncode == 0
    made = run("backup", str(tmp_path / "b.sqlite3"), DATABASE_PATH=str(live))
    assert made.returncode == 0 and "integrity ok" in made.stdout
    status = run("status", DATABASE_PATH=str(live))
    assert status.returncode == 0
    lines = status.stdout.splitlines()
    assert [line.split()[0] for line in lines] == ["database", "notices", "reminders", "updates", "backup"]
    assert "pending 0" in lines[1] and str(tmp_path / "b.sqlite3") in lines[4]
    refused = run("restore", str(tmp_path / "missing.sqlite3"), DATABASE_PATH=str(live))
    assert refused.returncode == 2 and len(refused.stderr.splitlines()) == 1
    assert run("restore", str(tmp_path / "b.sqlite3"), DATABASE_PATH=str(live)).returncode == 0
