"""For the tests that run the bot as a real process (python -m bot) and kill it with SIGKILL: start it,
wait for what it does (it is another process: look again shortly), read its database from outside."""

from __future__ import annotations

import asyncio
import sqlite3
import sys
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent


async def start_bot(env: dict) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", cwd=PROJECT, env=env,
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL)


async def until(condition, what: str, seconds: float = 60.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while not condition():
        assert loop.time() < deadline, f"gave up waiting for {what}"
        await asyncio.sleep(0.01)


def query(path: Path, sql: str) -> list[tuple]:
    with sqlite3.connect(path) as db:
        return db.execute(sql).fetchall()
