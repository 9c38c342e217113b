"""Every hot query finds its rows through an index: none reads a whole table that grows with the
years (100,000 concerns and more, issue 7).

The queries are collected by name from the storage modules themselves: every module-level constant
whose name is in capitals and whose text is a SELECT, UPDATE or DELETE. A new hot query is covered by
giving it such a name. SQLite plans a statement without its values, so each runs under
`EXPLAIN QUERY PLAN` with NULLs bound.
"""

from __future__ import annotations

import importlib
import pkgutil
import re

import pytest

import storage
from storage.database import Database

# Tables that grow with the data (concerns, people, their traces); the others hold a commune's
# settings or officials, a few rows each.
GROWING = frozenset({
    "people", "residents", "concerns", "concern_attachments", "audit_log", "speaker_registrations", "assignments",
    "outbox", "reminders_sent", "paged_notices", "handled_updates", "bot_user_data", "bot_conversations",
    "concern_supporters", "concern_earlier_rounds", "concern_promises", "petition_attempts",
})

# Hot queries written inside functions of modules other helpers are changing at the same time: kept
# here by text until they get a name there.
EXTRA = {
    "storage.outbox.fail_interrupted (recovery at every start)":
        "UPDATE outbox SET failure = 'interrupted by a restart: may have been delivered'"
        " WHERE claimed_at IS NOT NULL AND sent_at IS NULL AND failure IS NULL",
    "storage.outbox claim (the next notices to send)":
        "SELECT id FROM outbox o WHERE o.claimed_at IS NULL ORDER BY o.id LIMIT 50",
    "storage.speakers.live_registration_for":
        "SELECT s.id FROM speaker_registrations s WHERE s.concern_id = ? AND s.status = 'registered'",
    "storage.concerns.repoint_duplicates":
        "UPDATE concerns SET duplicate_of = ?, updated_at = ? WHERE duplicate_of = ?",
    "storage.concerns.of_resident":
        "SELECT id FROM concerns WHERE resident_id = ? ORDER BY submitted_at DESC, id DESC LIMIT ?",
    "storage.casework.next_submitted":
        "SELECT id FROM concerns WHERE commune_id = ? AND status = 'submitted' ORDER BY submitted_at, id LIMIT 1",
}

_SQL = re.compile(r"^\s*(SELECT|UPDATE|DELETE|WITH)\b", re.IGNORECASE)


def named_queries() -> dict[str, str]:
    found = {}
    for module_info in pkgutil.iter_modules(storage.__path__):
        module = importlib.import_module(f"storage.{module_info.name}")
        for name, value in vars(module).items():
            if name.isupper() and not name.startswith("_") and isinstance(value, str) and _SQL.match(value):
                found[f"storage.{module_info.name}.{name}"] = value
    return found


def tables_by_alias(sql: str) -> dict[str, str]:
    """alias (or table name) -> table, from the FROM / JOIN / UPDATE clauses."""
    aliases = {}
    for table, alias in re.findall(r"\b(?:FROM|JOIN|UPDATE)\s+(\w+)(?:\s+(?:AS\s+)?(\w+))?", sql, re.IGNORECASE):
        aliases[table] = table
        if alias and alias.upper() not in {"WHERE", "ON", "SET", "JOIN", "LEFT", "ORDER", "GROUP", "LIMIT", "USING"}:
            aliases[alias] = table
    return aliases


def full_scans(plan: list[str], sql: str) -> list[str]:
    """The plan's lines that read a whole growing table (or the whole of one of its indexes).

    Walking an index in the order asked for, with a LIMIT and no sorting, stops after the page: allowed."""
    aliases = tables_by_alias(sql)
    ordered_walk = " LIMIT " in sql.upper() and not any("TEMP B-TREE FOR ORDER BY" in line for line in plan)
    scans = []
    for line in plan:
        match = re.match(r"SCAN (\w+)( USING (COVERING )?INDEX)?", line)
        if match and aliases.get(match.group(1), match.group(1)) in GROWING and not (match.group(2) and ordered_walk):
            scans.append(line)
    return scans


QUERIES = {**named_queries(), **EXTRA}


def test_the_hot_queries_are_collected_from_the_storage_modules():
    for name in ("storage.tasks.OFFICER_TASK_PAGE", "storage.casework.OVERDUE_PAGE", "storage.reminders.DUE_ON_DAYS",
                 "storage.concerns.FOLLOWERS", "storage.concerns.ATTACHMENTS_OF", "storage.speakers.SPEAKING_ORDER",
                 "storage.assignments.LIVE_FOR", "storage.tasks.EXTENDED_TO", "storage.reminders.SENT_ON_DAY"):
        assert name in QUERIES


def test_a_full_scan_is_recognised():
    plan = ["SCAN c", "SEARCH a USING INDEX assignments_by_concern (concern_id=?)"]
    assert full_scans(plan, "SELECT 1 FROM concerns c JOIN assignments a ON a.concern_id = c.id") == ["SCAN c"]
    assert full_scans(["SCAN json_each VIRTUAL TABLE INDEX 1:"], "SELECT value FROM json_each(?)") == []
    # An index walked in order up to a LIMIT stops after the page; sorted first, it reads everything.
    walk = "SELECT id FROM concerns c ORDER BY submitted_at LIMIT 20"
    assert full_scans(["SCAN c USING INDEX concerns_by_submitted"], walk) == []
    assert full_scans(["SCAN c USING INDEX concerns_by_submitted", "USE TEMP B-TREE FOR ORDER BY"], walk) != []
    assert full_scans(["SCAN c USING INDEX concerns_by_submitted"], "SELECT COUNT(*) FROM concerns c") != []


@pytest.fixture
async def database(tmp_path):
    database = await Database.open(tmp_path / "plans.sqlite3")
    yield database
    await database.close()


@pytest.mark.parametrize("name", sorted(QUERIES))
async def test_no_hot_query_reads_a_whole_growing_table(database, name):
    sql = QUERIES[name]
    async with database.read() as db:
        rows = await (await db.execute("EXPLAIN QUERY PLAN " + sql, (None,) * sql.count("?"))).fetchall()
    plan = [row[3] for row in rows]
    assert full_scans(plan, sql) == [], f"{name} reads a whole table:\n" + "\n".join(plan)
