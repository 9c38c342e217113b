"""The sandbox as `python -m bot sandbox [--demo]` runs it: personas holding every role, and a demo commune."""

from __future__ import annotations

import asyncio
import sqlite3
import re
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any, AsyncIterator

import pytest

from bot.__main__ import demo_settings, main
from bot.config import load_settings
from bot.runner import SANDBOX_PERSONAS, serve
from bot.sandbox.demo import DemoRefused
from bot.sandbox.fake_bot_api import FakeBotApi

LAN, JANE, HAMLET_HEAD, OFFICER, OFFICE, CHAIR, MTTQ, ADMIN = 1001, 1004, 2001, 2002, 2003, 2004, 2005, 2006
CODE = re.compile(r"Mã theo dõi: (\d{3}-\d{3})")


@dataclass
class Sandbox:
    fake: FakeBotApi
    application: Any
    settings: Any
    announced: list[str]

    async def rows(self, sql: str, *params) -> list[tuple]:
        database = self.application.bot_data["services"].database
        async with database.read() as db:
            return [tuple(r) for r in await (await db.execute(sql, params)).fetchall()]

    async def said(self, user_id: int, text: str, expected: str) -> list[str]:
        """Type as the user and wait until the bot says something containing `expected`; the bot's new
        (or edited) texts."""
        before = self.fake.bot_texts(user_id)
        self.fake.send_text(user_id, text)
        return await self._answer(user_id, before, expected)

    async def tapped(self, user_id: int, data_prefix: str, expected: str) -> list[str]:
        """Press the newest inline button whose data starts with `data_prefix`, as the chat page would."""
        before = self.fake.bot_texts(user_id)
        for message in reversed(self.fake.chat(user_id)):
            for row in (message.get("reply_markup") or {}).get("inline_keyboard", []):
                for button in row:
                    if button.get("callback_data", "").startswith(data_prefix):
                        self.fake.press(user_id, message["message_id"], button["callback_data"])
                        return await self._answer(user_id, before, expected)
        raise AssertionError(f"no button {data_prefix!r} in chat {user_id}: {self.fake.bot_texts(user_id)[-3:]}")

    def _changed(self, user_id: int, before: list[str]) -> list[str]:
        now = self.fake.bot_texts(user_id)
        return [text for i, text in enumerate(now) if i >= len(before) or text != before[i]]

    async def _answer(self, user_id: int, before: list[str], expected: str) -> list[str]:
        await self.fake.wait_until(lambda: any(expected in text for text in self._changed(user_id, before)),
                                   timeout=20, message=f"the bot says {expected!r} to {user_id}")
        return self._changed(user_id, before)


@asynccontextmanager
async def running_sandbox(database_path: Path, *, demo: bool = False) -> AsyncIterator[Sandbox]:
    """The real sandbox (bot.runner.serve) in this event loop, on a free port, until the block ends."""
    settings = load_settings({"DATABASE_PATH": str(database_path)})
    stop = asyncio.Event()
    ready: asyncio.Future = asyncio.get_running_loop().create_future()
    announced: list[str] = []
    task = asyncio.create_task(serve(settings, stop=stop, sandbox_port=0, announce=announced.append, demo=demo,
                                     on_ready=lambda fake, application: ready.set_result((fake, application))))
    await asyncio.wait({task, ready}, return_when=asyncio.FIRST_COMPLETED, timeout=60)
    if task.done():
        task.result()  # serve() failed before it was ready: raise its error here
    fake, application = ready.result()
    try:
        yield Sandbox(fake, application, settings, announced)
    finally:
        stop.set()
        await asyncio.wait_for(task, 30)


def today() -> date:
    return datetime.now(load_settings({}).timezone).date()


# --- personas -------------------------------------------------------------------------------


async def test_personas_hold_every_role_in_the_first_commune_and_residents_onboard_themselves(tmp_path):
    async with running_sandbox(tmp_path / "sandbox.sqlite3") as sandbox:
        roles = await sandbox.rows(
            "SELECT p.external_id, p.display_name, r.commune_id, r.role, r.body, r.hamlet_id FROM roles r"
            " JOIN people p ON p.id = r.person_id WHERE r.revoked_at IS NULL ORDER BY p.external_id")
        assert roles == [
            ("2001", "Anh Dũng", "bao-lam", "hamlet_head", None, "thon-1"),
            ("2002", "Anh Khoa", "bao-lam", "officer", "Phòng Kinh tế", None),
            ("2003", "Chị Hoa", "bao-lam", "office", None, None),
            ("2004", "Ông Thành", "bao-lam", "chair", None, None),
            ("2005", "Bà Mai", "bao-lam", "mttq", None, None),
            ("2006", "Anh Quân", "bao-lam", "admin", None, None),
        ]
        page_names = {user["id"]: user["first_name"] for user in sandbox.fake.users}
        assert page_names[OFFICE] == "Chị Hoa (Văn phòng)" and page_names[CHAIR] == "Ông Thành (Chủ tịch)"
        assert page_names[OFFICER] == "Anh Khoa (Phòng Kinh tế)" and page_names[HAMLET_HEAD] == "Anh Dũng (Trưởng thôn 1)"
        assert page_names[LAN] == "Bà Lan" and set(page_names) == {p.user_id for p in SANDBOX_PERSONAS}
        assert await sandbox.rows("SELECT COUNT(*) FROM residents") == [(0,)]
        assert sandbox.announced[0] == f"Sandbox ready: open {sandbox.fake.page_url} in a browser (Ctrl+C to stop)."
        assert sandbox.announced[1].startswith("Public board: http://127.0.0.1:") and len(sandbox.announced) == 2

        # A resident persona registers and sends a concern, as a visitor of the chat page would.
        greeting = await sandbox.said(LAN, "/start", "Xin chào!")
        assert greeting[0].startswith("Xin chào!")
        await sandbox.tapped(LAN, "ob:lang:vi", "Trước khi đăng ký")
        await sandbox.tapped(LAN, "ob:consent:yes", "Ông/bà sống ở thôn nào")
        await sandbox.tapped(LAN, "ob:hamlet:thon-2", "Xin viết họ và tên")
        await sandbox.said(LAN, "Nguyễn Thị Lan", "Bước cuối")
        await sandbox.said(LAN, "⏭ Bỏ qua", "Cảm ơn")
        await sandbox.said(LAN, "📝 Gửi kiến nghị", "Xin chọn một mục")
        await sandbox.tapped(LAN, "cc:cat:environment", "Xin viết kiến nghị")
        await sandbox.said(LAN, "Bãi rác đầu thôn 2 bốc mùi", "Xin kiểm tra lại")
        confirmation = await sandbox.tapped(LAN, "cc:ok:", "Mã theo dõi")
        code = CODE.search(confirmation[-1]).group(1)
        assert await sandbox.rows("SELECT c.code, c.category, c.body, c.status, r.display_name FROM concerns c"
                                  " JOIN residents r ON r.person_id = c.resident_id") == [
            (code, "environment", "Bãi rác đầu thôn 2 bốc mùi", "submitted", "Nguyễn Thị Lan")]

        # The office persona finds it in the inbox.
        card = await sandbox.said(OFFICE, "/inbox", code)
        assert any("Bãi rác đầu thôn 2 bốc mùi" in text for text in card)


async def test_a_restart_keeps_the_personas_roles_without_granting_them_again(tmp_path):
    path = tmp_path / "sandbox.sqlite3"
    async with running_sandbox(path):
        pass
    async with running_sandbox(path) as sandbox:
        assert await sandbox.rows("SELECT COUNT(*), COUNT(DISTINCT person_id) FROM roles") == [(6, 6)]
        assert await sandbox.rows("SELECT COUNT(*) FROM audit_log WHERE action = 'role.granted'") == [(6,)]


# --- the demo commune -----------------------------------------------------------------------


async def test_the_demo_loads_a_commune_mid_cycle(tmp_path):
    async with running_sandbox(tmp_path / "demo.sqlite3", demo=True) as sandbox:
        services = sandbox.application.bot_data["services"]
        calendar = services.calendar
        assert await sandbox.rows("SELECT status, COUNT(*) FROM concerns GROUP BY status ORDER BY status") == [
            ("accepted", 1), ("answered", 1), ("extended", 1), ("in_progress", 1), ("merged", 1),
            ("out_of_scope", 1), ("rejected", 1), ("resolved", 1), ("submitted", 2)]
        assert sorted(r[0] for r in await sandbox.rows(
            "SELECT p.external_id FROM residents r JOIN people p ON p.id = r.person_id")) == [
            "1001", "1002", "1003", "1005", "1006"]  # Jane is left to try the registration
        assert {u["first_name"] for u in sandbox.fake.users} >= {"Chị Hằng", "Bác Sáu", "Jane"}

        # The dialogue was held weeks ago and its conclusions announced; the clocks run from the announcement.
        [(meeting_at, status, announced_on, chair)] = await sandbox.rows(
            "SELECT d.meeting_at, d.status, d.announced_on, p.external_id FROM dialogues d JOIN people p ON p.id = d.chair_person_id")
        announced = date.fromisoformat(announced_on)
        assert status == "held" and chair == str(CHAIR)
        meeting = datetime.fromisoformat(meeting_at).astimezone(sandbox.settings.timezone).date()
        assert calendar.working_days_between(meeting, announced) == 4
        due = calendar.working_days_after(announced, 20)
        assert due < today()
        assignments = await sandbox.rows(
            "SELECT c.status, a.body, a.due_date, a.extended_to, a.resolved_at IS NOT NULL, p.external_id"
            " FROM assignments a JOIN concerns c ON c.id = a.concern_id JOIN people p ON p.id = a.officer_person_id ORDER BY a.id")
        assert assignments == [
            ("in_progress", "Phòng Kinh tế", due.isoformat(), None, 0, str(OFFICER)),
            ("resolved", "Phòng Kinh tế", due.isoformat(), None, 1, str(OFFICER)),
            ("extended", "Phòng Kinh tế", due.isoformat(), calendar.working_days_after(announced, 30).isoformat(), 0,
             str(OFFICER)),
        ]
        assert calendar.working_days_after(announced, 30) >= today()  # only the first one is overdue
        # Speakers: three heard at the meeting in order, two waiting for the next dialogue.
        assert await sandbox.rows(
            "SELECT review, position, dialogue_id IS NOT NULL, called_at IS NOT NULL FROM speaker_registrations"
            " ORDER BY position IS NULL, position, id") == [
            ("approved", 1, 1, 1), ("approved", 2, 1, 1), ("approved", 3, 1, 1), ("pending", None, 0, 0), ("pending", None, 0, 0)]
        [(merged_into, raised)] = await sandbox.rows(
            "SELECT t.status, t.raised_count FROM concerns m JOIN concerns t ON t.id = m.duplicate_of WHERE m.status = 'merged'")
        assert (merged_into, raised) == ("submitted", 2)
        # Nothing old is sent to the residents when the demo starts.
        assert await sandbox.rows("SELECT COUNT(*) FROM outbox") == [(0,)]
        overdue_code = (await sandbox.rows("SELECT code FROM concerns WHERE status = 'in_progress'"))[0][0]
        history = [r[0] for r in await sandbox.rows(
            "SELECT action FROM audit_log WHERE subject_type = 'concern' AND subject_id ="
            " (SELECT id FROM concerns WHERE code = ?) ORDER BY id", overdue_code)]
        assert history == ["concern.submitted", "speaker.registered", "concern.accept", "concern.conclude_assigned",
                           "concern.announced", "concern.note"]

        # The office sees the overdue assignment, with the body in charge.
        answer = await sandbox.said(OFFICE, "/overdue", overdue_code)
        assert any("Phòng Kinh tế" in text for text in answer)


async def test_the_demo_refuses_a_database_that_is_not_empty(tmp_path):
    path = tmp_path / "used.sqlite3"
    async with running_sandbox(path):
        pass  # the personas' roles are in it now
    with pytest.raises(DemoRefused, match="only into an empty database"):
        async with running_sandbox(path, demo=True):
            pass


def test_the_demo_command_refuses_a_used_database_in_one_line(tmp_path, monkeypatch, capsys):
    path = tmp_path / "used.sqlite3"

    async def use_it() -> None:
        async with running_sandbox(path):
            pass

    asyncio.run(use_it())
    monkeypatch.setenv("DATABASE_PATH", str(path))
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    assert main(["sandbox", "--demo", "--port", "0"]) == 2
    error = capsys.readouterr().err.strip()
    assert error.startswith("doithoai: the demo is loaded only into an empty database") and "\n" not in error


async def test_the_demo_is_a_province_of_two_communes_whose_admin_switches_with_commune(tmp_path):
    settings = demo_settings(load_settings({"DATABASE_PATH": str(tmp_path / "demo.sqlite3")}))
    assert [c.id for c in settings.communes.items] == ["bao-lam", "hoa-binh"]
    stop, ready = asyncio.Event(), asyncio.Event()
    task = asyncio.create_task(serve(settings, stop=stop, sandbox_port=0, announce=lambda line: None, demo=True,
                                     on_ready=lambda fake, app: ready.set()))
    await asyncio.wait({task, asyncio.create_task(ready.wait())}, return_when=asyncio.FIRST_COMPLETED)
    if task.done():
        task.result()
    stop.set()
    await task
    with sqlite3.connect(settings.database_path) as db:
        held = db.execute("SELECT r.commune_id FROM roles r JOIN people p ON p.id = r.person_id"
                          " WHERE p.external_id = '2006' AND r.role = 'admin' ORDER BY r.commune_id").fetchall()
    assert held == [("bao-lam",), ("hoa-binh",)]


def test_the_demo_goes_into_a_fresh_temporary_database_unless_one_is_named(tmp_path):
    fresh = demo_settings(load_settings({}))
    assert fresh.database_path.name == "demo.sqlite3" and not fresh.database_path.exists()
    assert fresh.database_path != load_settings({}).database_path
    assert demo_settings(load_settings({})).database_path != fresh.database_path
    named = tmp_path / "mine.sqlite3"
    assert demo_settings(load_settings({"DATABASE_PATH": str(named)})).database_path == named
