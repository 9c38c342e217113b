"""How fast the outbox sender drains a backlog, uncapped, against the fake Bot API.

    .venv/bin/python bench/outbox.py [--count 5000] [--people 5000] [--in-flight 16]

Builds a database with `--people` residents' chats and `--count` notices (through the project's own
storage code), starts the real Application (build_application: the same sender, Telegram delivery and
SQLite as in production) with every limit off (TELEGRAM_RATE_LIMIT=0, no per-chat pace) against a
FakeBotApi in this process, and times from start until the last notice is marked sent. Prints
messages/second (target: at least 1,000, so the sender is never the bottleneck of a paid broadcast),
with lost and duplicated counts from the fake server's log. The fake server shares the process and
its one core, so the figure is a floor. Never assert on it in tests.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import multiprocessing
import re
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.app import DoithoaiApplication, build_application  # noqa: E402
from bot.communes import load_communes  # noqa: E402
from bot.config import DEFAULT_COMMUNES_FILE  # noqa: E402
from bot.i18n import I18n  # noqa: E402
from bot.sandbox.fake_bot_api import FakeBotApi  # noqa: E402
from bot.services import Services  # noqa: E402
from storage import outbox  # noqa: E402
from storage.database import Database, utc_now  # noqa: E402

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
MARK = re.compile(r"#(\d+) \(X\)")


def add_people(fake: FakeBotApi, people: int) -> None:
    for n in range(people):
        fake.add_user(10_000_000 + n, f"Người {n}")


async def fill(database: Database, count: int, people: int) -> None:
    """`people` chats (users 10,000,000 + n on the fake server), `count` notices spread over them, oldest first."""
    async with database.transaction() as db:
        ids = []
        for n in range(people):
            user_id = 10_000_000 + n
            cursor = await db.execute(
                "INSERT INTO people (channel, external_id, locale, created_at) VALUES ('telegram', ?, 'vi', ?)",
                (str(user_id), utc_now()))
            ids.append(cursor.lastrowid)
        for number in range(count):
            await outbox.enqueue(db, ids[number % people], "tasks_orphaned", name=f"#{number}", body="X",
                                 codes=["123-456"])


def delivered(fake: FakeBotApi) -> Counter:
    found = Counter()
    for call in fake.calls_of("sendMessage"):
        match = MARK.search(str(call.params.get("text", "")))
        if call.ok and match:
            found[int(match.group(1))] += 1
    return found


INVITATION = re.compile(r"iv:yes:(\d+)")


def invitations_delivered(fake: FakeBotApi) -> Counter:
    """Invitations that arrived, each known by its answer buttons (iv:yes:<invitation>)."""
    found = Counter()
    for call in fake.calls_of("sendMessage"):
        match = INVITATION.search(str(call.params.get("reply_markup", "")))
        if call.ok and match:
            found[int(match.group(1))] += 1
    return found


COUNTERS = {"notices": delivered, "invitations": invitations_delivered}


def _serve_fake(connection, people: int, enforce: bool = False, counter: str = "notices") -> None:
    """In a process of its own (as Telegram is): serve, then report what was delivered and the 429s."""
    async def serve() -> None:
        fake = FakeBotApi()
        await fake.start()
        add_people(fake, people)
        if enforce:
            fake.enforce_limits(per_second=30, per_chat_per_second=1)
        connection.send((fake.token, fake.base_url, fake.base_file_url))
        await asyncio.get_running_loop().run_in_executor(None, connection.recv)
        connection.send((dict(COUNTERS[counter](fake)), fake.limit_hits))
        await fake.stop()

    asyncio.run(serve())


class FakeElsewhere:
    """The fake Bot API in another process, so this process's CPU goes to the bot alone."""

    def __init__(self, people: int, enforce: bool = False, counter: str = "notices") -> None:
        self._connection, theirs = multiprocessing.Pipe()
        self._process = multiprocessing.get_context("spawn").Process(target=_serve_fake,
                                                                     args=(theirs, people, enforce, counter))
        self._process.start()
        self.token, self.base_url, self.base_file_url = self._connection.recv()
        self.limit_hits = 0

    def finish(self) -> Counter:
        self._connection.send("stop")
        counts, self.limit_hits = self._connection.recv()
        counts = Counter(counts)
        self._process.join()
        return counts


async def drain(*, count: int, people: int, rate: float, chat_rate: float, in_flight: int,
                enforce: bool, elsewhere: bool = False, fill_with=None, counter: str = "notices") -> dict:
    """Send `count` notices through the real sender; returns seconds, 429s, lost and duplicated.

    `fill_with(database, services)` queues them (default: `fill`), `counter` names how what arrived is
    counted (COUNTERS); bench/broadcast.py queues invitations with them."""
    if elsewhere:
        fake = FakeElsewhere(people, enforce, counter)
    else:
        fake = FakeBotApi()
        await fake.start()
        add_people(fake, people)
        if enforce:
            fake.enforce_limits(per_second=30, per_chat_per_second=1)
    with tempfile.TemporaryDirectory(prefix="doithoai-bench-") as folder:
        database = await Database.open(Path(folder) / "bench.sqlite3")
        services = await Services.create(database, load_communes(DEFAULT_COMMUNES_FILE))
        if fill_with is None:
            await fill(database, count, people)
        else:
            await fill_with(database, services)
        application = build_application(
            token=fake.token, base_url=fake.base_url, base_file_url=fake.base_file_url, services=services,
            i18n=I18n(TZ), rate_limit_per_second=rate, chat_rate_per_second=chat_rate, group_rate_per_minute=20,
            notices_in_flight=in_flight, application_class=DoithoaiApplication)
        await application.initialize()
        started, cpu = time.perf_counter(), time.process_time()
        await application.start()  # starts the sender; it finds the backlog at once
        while True:
            async with database.read() as db:
                waiting = (await (await db.execute(
                    "SELECT COUNT(*) FROM outbox WHERE sent_at IS NULL AND given_up_at IS NULL")).fetchone())[0]
            if not waiting:
                break
            await asyncio.sleep(0.05)
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
        await application.stop()
        await application.shutdown()
        await database.close()
    if elsewhere:
        counts = fake.finish()
    else:
        counts = COUNTERS[counter](fake)
        await fake.stop()
    return {"seconds": seconds, "cpu": cpu, "sent": sum(counts.values()), "lost": count - len(counts),
            "duplicated": sum(c - 1 for c in counts.values()), "429s": fake.limit_hits}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=5000)
    parser.add_argument("--people", type=int, default=5000)
    parser.add_argument("--in-flight", type=int, default=16)
    parser.add_argument("--same-process", action="store_true",
                        help="run the fake server in this process too (it then takes its share of the CPU)")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    result = asyncio.run(drain(count=args.count, people=args.people, rate=0, chat_rate=0,
                               in_flight=args.in_flight, enforce=False, elsewhere=not args.same_process))
    where = "in this process" if args.same_process else "in another process"
    print(f"{args.count} notices to {args.people} chats, uncapped, {args.in_flight} in flight, fake server {where}: "
          f"{result['seconds']:.2f} s; the bot's process used {1000 * result['cpu'] / args.count:.2f} ms of CPU a message")
    print(f"messages_per_second={args.count / result['seconds']:.0f} lost={result['lost']} "
          f"duplicated={result['duplicated']}")


if __name__ == "__main__":
    main()
