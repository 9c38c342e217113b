"""GET /healthz: 200 when the database reads and writes and the channel answered recently; 503 with the
reason otherwise. `status` reads the outbox by the columns it has."""

from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta, timezone

import httpx

from bot.board import BoardService
from bot.communes import load_communes
from bot.config import DEFAULT_COMMUNES_FILE
from bot.i18n import I18n
from bot.status import outbox_counts
from bot.web import Health, WebServer
from storage.database import Database
from tests.harness import TZ


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 12, 1, 8, 0, tzinfo=timezone.utc)

    def __call__(self) -> datetime:
        return self.now


async def get_health(database: Database, health: Health) -> httpx.Response:
    web = WebServer("127.0.0.1", 0)
    web.serve_health_and_board(health, BoardService(database, load_communes(DEFAULT_COMMUNES_FILE), TZ), I18n(TZ))
    await web.start()
    try:
        async with httpx.AsyncClient() as client:
            return await client.get(f"{web.url}/healthz")
    finally:
        await web.stop()


async def test_healthz_says_503_when_the_channel_has_not_answered_for_minutes(tmp_path):
    database = await Database.open(tmp_path / "db.sqlite3")
    clock = Clock()
    health = Health(database, clock=clock)
    health.watch("telegram")
    try:
        waiting = await get_health(database, health)
        health.channel_answered("telegram")
        clock.now += timedelta(minutes=2)
        healthy = await get_health(database, health)
        clock.now += timedelta(minutes=2)
        stale = await get_health(database, health)
    finally:
        await database.close()
    assert (waiting.status_code, waiting.text) == (503, "telegram: has not answered yet\n")
    assert (healthy.status_code, healthy.text) == (200, "ok\n")
    assert (stale.status_code, stale.text) == (503, "telegram: no answer for 240 s\n")


async def test_healthz_says_503_when_the_database_cannot_write(tmp_path):
    path = tmp_path / "db.sqlite3"
    database = await Database.open(path, write_timeout=0.2)
    health = Health(database)
    other = sqlite3.connect(path, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")  # another process holds the write lock
        blocked = await get_health(database, health)
        other.execute("ROLLBACK")
        writable = await get_health(database, health)
    finally:
        other.close()
        await database.close()
    assert blocked.status_code == 503 and blocked.text.startswith("database: DatabaseBusy")
    assert writable.status_code == 200


def test_status_counts_given_up_notices_apart_when_the_outbox_has_that_column(tmp_path):
    connection = sqlite3.connect(tmp_path / "x.sqlite3")
    connection.execute("CREATE TABLE outbox (id INTEGER PRIMARY KEY, sent_at TEXT, failure TEXT, claimed_at TEXT)")
    connection.executemany("INSERT INTO outbox (sent_at, failure) VALUES (?, ?)",
                           [(None, None), (None, None), (None, "Forbidden"), ("2026-12-01", None)])
    assert outbox_counts(connection) == {"pending": 2, "failed": 1, "given_up": None}
    connection.execute("ALTER TABLE outbox ADD COLUMN given_up_at TEXT")
    connection.execute("UPDATE outbox SET given_up_at = '2026-12-01' WHERE failure IS NOT NULL")
    connection.execute("INSERT INTO outbox (failure) VALUES ('timed out')")  # failed once, retried later
    assert outbox_counts(connection) == {"pending": 2, "failed": 1, "given_up": 1}
    connection.close()
