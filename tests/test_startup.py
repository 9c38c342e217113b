"""`python -m bot` as a supervisor runs it: a failure at start-up (or a token revoked while running) is one
line on stderr, never the token, and a non-zero exit; nothing hangs."""

from __future__ import annotations

import asyncio
import ctypes
import os
import resource
import signal
import socket
import stat
import subprocess
import sys
from pathlib import Path

from bot.sandbox.fake_bot_api import FakeBotApi

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "123456789:AAHfakeTokenForTestsOnly_abcdefghijk"
OTHER_TOKEN = "987654321:AAHanotherTokenForTestsOnly_zyxwvut"
# Guards only, so that a process that hangs fails the test instead of blocking the suite.
GUARD = 60


def environment(**settings: str) -> dict[str, str]:
    keep = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "DATABASE_", "LOG_", "LISTEN_", "BACKUP_"))}
    # LISTEN_PORT 0: the web server (health, board) on any free port, never one another test run holds.
    return {**keep, "TELEGRAM_BOT_TOKEN": TOKEN, "LISTEN_PORT": "0", **settings}


async def run_bot(*args: str, preexec_fn=None, **settings: str) -> tuple[int, str]:
    """Run `python -m bot` until it exits by itself; its exit code and stderr."""
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", *args, cwd=ROOT, env=environment(**settings), stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, preexec_fn=preexec_fn)
    try:
        _, stderr = await asyncio.wait_for(process.communicate(), GUARD)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    return process.returncode, stderr.decode()


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


async def test_a_token_telegram_rejects_at_start_is_one_line_without_the_token(tmp_path):
    async with FakeBotApi(token=OTHER_TOKEN) as fake:
        code, stderr = await run_bot(TELEGRAM_BASE_URL=fake.base_url, DATABASE_PATH=str(tmp_path / "db.sqlite3"))
    assert code == 2
    assert stderr.splitlines() == [
        "doithoai: Telegram rejected TELEGRAM_BOT_TOKEN: check it with @BotFather (it is wrong, or was revoked)"]


async def test_a_token_revoked_while_running_stops_the_process_with_an_error(tmp_path):
    async with FakeBotApi(token=TOKEN) as fake:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", cwd=ROOT, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE, env=environment(TELEGRAM_BASE_URL=fake.base_url, DATABASE_PATH=str(tmp_path / "db.sqlite3")))
        try:
            await fake.wait_until(lambda: fake.calls_of("getUpdates"), timeout=GUARD)
            fake.token = OTHER_TOKEN  # Telegram now answers 401 to the old token
            _, stderr = await asyncio.wait_for(process.communicate(), GUARD)
        finally:
            if process.returncode is None:
                process.kill()
                await process.wait()
    stderr = stderr.decode()
    assert process.returncode == 3
    assert stderr.splitlines()[-1] == ("doithoai: Telegram no longer accepts TELEGRAM_BOT_TOKEN (revoked?): polling stopped, "
                                       "exiting so that the bot is restarted with a valid token")
    assert TOKEN not in stderr


async def test_a_running_bot_stops_cleanly_on_sigterm(tmp_path):
    async with FakeBotApi(token=TOKEN) as fake:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", cwd=ROOT, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE, env=environment(TELEGRAM_BASE_URL=fake.base_url, DATABASE_PATH=str(tmp_path / "db.sqlite3")))
        try:
            await fake.wait_until(lambda: fake.calls_of("getUpdates"), timeout=GUARD)
            process.send_signal(signal.SIGTERM)
            _, stderr = await asyncio.wait_for(process.communicate(), GUARD)
        finally:
            if process.returncode is None:
                process.kill()
                await process.wait()
    assert (process.returncode, stderr.decode()) == (0, "")


async def test_an_unreachable_telegram_is_one_line(tmp_path):
    code, stderr = await run_bot(TELEGRAM_BASE_URL=f"http://127.0.0.1:{closed_port()}/bot",
                                 DATABASE_PATH=str(tmp_path / "db.sqlite3"))
    assert code == 2
    [line] = stderr.splitlines()
    assert line.startswith("doithoai: the Telegram Bot API at 127.0.0.1:") and "cannot be used" in line
    assert TOKEN not in stderr


async def test_a_database_folder_that_cannot_be_created_is_one_line(tmp_path):
    (tmp_path / "a-file").write_text("not a folder")
    path = tmp_path / "a-file" / "db.sqlite3"
    for args in ((), ("migrate",)):
        code, stderr = await run_bot(*args, TELEGRAM_BASE_URL=f"http://127.0.0.1:{closed_port()}/bot", DATABASE_PATH=str(path))
        assert code == 2
        assert stderr.splitlines() == [f"doithoai: cannot use the database {path}: {tmp_path / 'a-file'}: File exists"]


def without_root_override() -> None:
    """root writes to read-only files anyway: drop CAP_DAC_OVERRIDE (prctl PR_CAPBSET_DROP before exec),
    so that the bot runs as root without it, as a hardened service would; other users need nothing."""
    if os.geteuid() == 0:
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.prctl(24, 1, 0, 0, 0) != 0:  # PR_CAPBSET_DROP, CAP_DAC_OVERRIDE
            raise OSError(ctypes.get_errno(), "cannot drop CAP_DAC_OVERRIDE")


async def test_a_read_only_database_is_one_line(tmp_path):
    folder = tmp_path / "data"
    path = folder / "db.sqlite3"
    code, _ = await run_bot("migrate", DATABASE_PATH=str(path))
    assert code == 0
    path.chmod(stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH)
    folder.chmod(0o555)
    try:
        code, stderr = await run_bot(preexec_fn=without_root_override, DATABASE_PATH=str(path),
                                     TELEGRAM_BASE_URL=f"http://127.0.0.1:{closed_port()}/bot")
    finally:
        folder.chmod(0o755)
    assert code == 2
    assert stderr.splitlines() == [f"doithoai: cannot use the database {path}: attempt to write a readonly database"]


async def test_a_full_disk_at_start_is_one_line_and_no_hang(tmp_path):
    # A full disk, as near as a test can get without mounting one: files may not grow past 16 KiB
    # (RLIMIT_FSIZE; Python ignores SIGXFSZ, so SQLite sees the write fail).
    def small_files() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (16 * 1024, 16 * 1024))

    path = tmp_path / "db.sqlite3"
    code, stderr = await run_bot(preexec_fn=small_files, DATABASE_PATH=str(path),
                                 TELEGRAM_BASE_URL=f"http://127.0.0.1:{closed_port()}/bot")
    assert code == 2
    [line] = stderr.splitlines()
    assert line.startswith(f"doithoai: cannot use the database {path}: ")
