"""The database: migrations, WAL, foreign keys, audit rows in the change's own transaction."""

from __future__ import annotations

import pytest

from bot.communes import load_communes
from bot.config import DEFAULT_COMMUNES_FILE
from bot.services import Services
from storage.database import Database, migrations
from storage.records import Attachment


async def test_a_fresh_database_and_an_upgraded_one_end_identical(tmp_path):
    fresh = await Database.open(tmp_path / "fresh.sqlite3")
    old = await Database.open(tmp_path / "old.sqlite3", up_to=1)
    assert await old.schema_version() == 1
    # Data written under version 1 must survive the upgrade.
    async with old.transaction() as db:
        await db.execute("INSERT INTO communes (id, name) VALUES ('bao-lam', 'Xã Bảo Lâm')")
    applied = await old.migrate()
    assert applied == [name for version, name, _ in migrations() if version > 1]
    assert await old.schema() == await fresh.schema()
    assert await old.schema_version() == await fresh.schema_version() == len(migrations())
    async with old.read() as db:
        assert [tuple(r) for r in await (await db.execute("SELECT id FROM communes")).fetchall()] == [("bao-lam",)]
    await fresh.close()
    await old.close()


async def test_migrating_twice_changes_nothing(tmp_path):
    database = await Database.open(tmp_path / "d.sqlite3")
    schema = await database.schema()
    assert await database.migrate() == []
    assert await database.schema() == schema
    await database.close()


async def test_the_database_runs_in_wal_mode_with_foreign_keys(tmp_path):
    database = await Database.open(tmp_path / "d.sqlite3")
    async with database.read() as db:
        assert (await (await db.execute("PRAGMA journal_mode")).fetchone())[0] == "wal"
        assert (await (await db.execute("PRAGMA foreign_keys")).fetchone())[0] == 1
    with pytest.raises(Exception, match="FOREIGN KEY"):
        async with database.transaction() as db:
            await db.execute("INSERT INTO residents (person_id, commune_id, hamlet_id, display_name, registered_at)"
                             " VALUES (999, 'nowhere', 'x', 'y', 'now')")
    await database.close()


async def test_a_failed_change_leaves_neither_the_row_nor_its_audit_entry(tmp_path):
    database = await Database.open(tmp_path / "d.sqlite3")
    services = await Services.create(database, load_communes(DEFAULT_COMMUNES_FILE))
    resident = await services.residents.register("telegram", "42", locale="vi", commune_id="bao-lam",
                                                 hamlet_id="thon-1", display_name="Bà Lan")

    class Boom(Exception):
        pass

    with pytest.raises(Boom):
        async with database.transaction() as db:
            await db.execute("INSERT INTO audit_log (at, action, subject_type) VALUES ('now', 'x', 'y')")
            raise Boom
    async with database.read() as db:
        assert (await (await db.execute("SELECT COUNT(*) FROM audit_log WHERE action = 'x'")).fetchone())[0] == 0

    concern = await services.concerns.submit(resident, category="land", body="Đường thôn 1 ngập nước",
                                             attachments=(Attachment("location", latitude=11.9, longitude=108.4),),
                                             submission_key="k1")
    async with database.read() as db:
        audit = await (await db.execute(
            "SELECT action, subject_id FROM audit_log WHERE subject_type = 'concern'")).fetchall()
    assert [tuple(r) for r in audit] == [("concern.submitted", concern.id)]
    await database.close()


async def test_the_same_draft_submitted_twice_is_stored_once(tmp_path):
    database = await Database.open(tmp_path / "d.sqlite3")
    services = await Services.create(database, load_communes(DEFAULT_COMMUNES_FILE))
    resident = await services.residents.register("telegram", "42", locale="vi", commune_id="bao-lam",
                                                 hamlet_id="thon-1", display_name="Bà Lan")
    first = await services.concerns.submit(resident, category="land", body="A", attachments=(), submission_key="same")
    second = await services.concerns.submit(resident, category="land", body="A", attachments=(), submission_key="same")
    assert first.code == second.code
    assert len(await services.concerns.mine(resident)) == 1
    await database.close()
