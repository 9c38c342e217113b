"""The bot as a real process (python -m bot) against the fake Bot API, killed with SIGKILL in the
middle of sending a batch of notices, again and again: every notice arrives, and no more arrive
twice than requests were in flight at the kills (issue 6 item 1, issue 8 "Delivery of a broadcast")."""

from __future__ import annotations

import asyncio
import os
import random
import re
import signal
import sqlite3
from collections import Counter
from pathlib import Path

from datetime import datetime, timedelta, timezone

from bot.communes import load_communes
from bot.config import DEFAULT_COMMUNES_FILE
from bot.sandbox.fake_bot_api import FakeBotApi
from bot.services import Services
from storage import dialogues, invitations, outbox
from storage.database import Database, utc_now
from tests.processes import start_bot, until

PEOPLE, NOTICES, KILLS, IN_FLIGHT = 20, 300, 4, 4
TOKEN = "123456:" + "A" * 35


async def _fill(path: Path, fake: FakeBotApi) -> None:
    database = await Database.open(path)
    try:
        async with database.transaction() as db:
            ids = []
            for n in range(PEOPLE):
                user_id = 7000 + n
                fake.add_user(user_id, f"Người {n}")
                cursor = await db.execute(
                    "INSERT INTO people (channel, external_id, locale, created_at) VALUES ('telegram', ?, 'vi', ?)",
                    (str(user_id), utc_now()))
                ids.append(cursor.lastrowid)
            for number in range(NOTICES):
                await outbox.enqueue(db, ids[number % PEOPLE], "tasks_orphaned", name=f"#{number}", body="X",
                                     codes=["123-456"])
    finally:
        await database.close()


def _delivered(fake: FakeBotApi) -> list[int]:
    found = []
    for call in fake.calls_of("sendMessage"):
        match = re.search(r"#(\d+) \(X\)", str(call.params.get("text", "")))
        if call.ok and match:
            found.append(int(match.group(1)))
    return found


def _unsent(path: Path) -> int:
    with sqlite3.connect(path) as db:
        return db.execute("SELECT COUNT(*) FROM outbox WHERE sent_at IS NULL").fetchone()[0]


async def _kill_repeatedly_then_finish(fake: FakeBotApi, path: Path, delivered) -> None:
    """Start the bot, SIGKILL it after some of the notices arrived, KILLS times; then let it finish."""
    env = {**os.environ, "TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_BASE_URL": fake.base_url,
           "DATABASE_PATH": str(path), "TELEGRAM_RATE_LIMIT": "150", "TELEGRAM_CHAT_RATE_LIMIT": "0",
           "NOTICES_IN_FLIGHT": str(IN_FLIGHT), "ADMIN_TELEGRAM_IDS": ""}
    chance = random.Random(6)
    for _ in range(KILLS):
        before = len(delivered(fake))
        process = await start_bot(env)
        target = before + chance.randint(20, 50)
        await until(lambda: len(delivered(fake)) >= target, "the bot to send part of the batch")
        process.send_signal(signal.SIGKILL)
        await process.wait()
    assert _unsent(path) > 0, "the kills came too late to test anything"

    process = await start_bot(env)
    await until(lambda: _unsent(path) == 0, "every notice to be sent")
    process.send_signal(signal.SIGTERM)
    assert await asyncio.wait_for(process.wait(), 30) == 0


async def test_sigkill_in_the_middle_of_a_batch_loses_no_notice_and_resends_at_most_those_in_flight(tmp_path):
    fake = FakeBotApi(token=TOKEN)
    await fake.start()
    path = tmp_path / "doithoai.sqlite3"
    try:
        await _fill(path, fake)
        await _kill_repeatedly_then_finish(fake, path, _delivered)
    finally:
        await fake.stop()

    counts = Counter(_delivered(fake))
    assert sorted(counts) == list(range(NOTICES))  # none lost
    duplicated = sum(count - 1 for count in counts.values())
    print(f"{KILLS} kills: {len(counts)} of {NOTICES} notices arrived, {duplicated} twice")
    assert duplicated <= KILLS * IN_FLIGHT


# --- the MTTQ's invitations (issue 8): the broadcast the kill must not cut short ---------------------

INVITATION = re.compile(r"iv:yes:(\d+)")


async def _issue_invitations(path: Path, fake: FakeBotApi) -> int:
    """NOTICES residents on a dialogue's list, issued by the MTTQ through the service; returns the dialogue."""
    database = await Database.open(path)
    try:
        services = await Services.create(database, load_communes(DEFAULT_COMMUNES_FILE))
        meeting = (datetime.now(timezone.utc) + timedelta(days=30)).replace(microsecond=0).isoformat()
        async with database.transaction() as db:
            dialogue_id = await dialogues.insert(db, commune_id="bao-lam", meeting_at=meeting, place="Hội trường UBND xã",
                                                 theme=None, chair_person_id=None)
            for n in range(NOTICES):
                user_id = 8000 + n
                fake.add_user(user_id, f"Người {n}")
                cursor = await db.execute(
                    "INSERT INTO people (channel, external_id, locale, created_at) VALUES ('telegram', ?, 'vi', ?)",
                    (str(user_id), utc_now()))
                await db.execute("INSERT INTO residents (person_id, commune_id, hamlet_id, display_name, registered_at)"
                                 " VALUES (?, 'bao-lam', 'thon-1', ?, ?)", (cursor.lastrowid, f"Người {n}", utc_now()))
                await invitations.add(db, dialogue_id=dialogue_id, commune_id="bao-lam", hamlet_id="thon-1",
                                      person_id=cursor.lastrowid, name=f"Người {n}", reason="representative", added_by=None)
        fake.add_user(7999, "Bà Mai")
        await services.staff.grant_on_server("telegram", "7999", commune_id="bao-lam", role="mttq")
        issued = await services.invitations.issue(await services.staff.actor("telegram", "7999"))
        assert issued.invitations == NOTICES
        return dialogue_id
    finally:
        await database.close()


def _invitations_delivered(fake: FakeBotApi) -> list[int]:
    found = []
    for call in fake.calls_of("sendMessage"):
        match = INVITATION.search(str(call.params.get("reply_markup", "")))
        if call.ok and match:
            found.append(int(match.group(1)))
    return found


async def test_sigkill_mid_broadcast_of_invitations_every_invitee_ends_with_theirs(tmp_path):
    fake = FakeBotApi(token=TOKEN)
    await fake.start()
    path = tmp_path / "doithoai.sqlite3"
    try:
        await _issue_invitations(path, fake)
        await _kill_repeatedly_then_finish(fake, path, _invitations_delivered)
    finally:
        await fake.stop()

    with sqlite3.connect(path) as db:
        invited = dict(db.execute("SELECT id, person_id FROM invitations").fetchall())
        chats = dict(db.execute("SELECT id, external_id FROM people").fetchall())
    counts = Counter(_invitations_delivered(fake))
    assert sorted(counts) == sorted(invited)  # every invitee has their invitation
    for call in fake.calls_of("sendMessage"):  # ... in their own chat
        match = INVITATION.search(str(call.params.get("reply_markup", "")))
        if call.ok and match:
            assert str(call.params["chat_id"]) == chats[invited[int(match.group(1))]]
    duplicated = sum(count - 1 for count in counts.values())
    print(f"{KILLS} kills: {len(counts)} of {NOTICES} invitations arrived, {duplicated} twice")
    assert duplicated <= KILLS * IN_FLIGHT
