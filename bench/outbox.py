"""How fast the outbox sender drains a backlog, uncapped, against the fake Bot API, next to two baselines.

    .venv/bin/python bench/outbox.py [--count 5000] [--people 5000] [--in-flight 16] [--rounds 3] [--same-process] [--tls]

Each round sends the same `--count` messages to `--people` chats three ways, one after the other (the
order turns from round to round, so that whatever else the machine does weighs on each alike), each
against a fresh FakeBotApi in a process of its own (Telegram is not in the bot's process either;
`--same-process` puts it in this one, where it takes its share of this process's CPU; `--tls` has it
serve https, as Telegram does, with a self-signed certificate the bot's process is made to trust):

- sender: the real Application (build_application: the same sender, Telegram delivery and SQLite as in
  production) with every limit off (TELEGRAM_RATE_LIMIT=0, no per-chat pace), draining notices queued
  in the outbox through the project's own storage code; timed from start until the last is marked sent;
- sender over httpx: the same, its requests through PTB's HTTPXRequest (what it uses when the
  environment names a proxy, and what it used before handlers/keepalive_request.py);
- plain PTB loop: no database, no sender, no rendering: `--in-flight` tasks calling Bot.send_message
  (PTB's stock HTTPXRequest, a pool of `--in-flight` connections) with the same texts, as a bot that
  simply loops over its recipients would.

Prints each drain, then the medians: messages a second, the bot process's CPU a message (all its
threads, SQLite's included), the fake server's CPU a message, and the sender's ratios to each baseline.
The CPU a message is the figure to compare between machines: one free core sends at most
1,000 / (ms a message) messages a second; on a shared machine the rate is lower, the ratios hold.
Last line: `messages_per_second=N lost=L duplicated=D`, the sender's median rate (target: at least
1,000, so the sender is never the bottleneck of a paid broadcast), lost and duplicated over all its
rounds, counted from the fake server's log. Never assert on these figures in tests.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import multiprocessing
import os
import re
import ssl
import statistics
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
from bot.notices import render_for  # noqa: E402
from bot.sandbox.fake_bot_api import FakeBotApi  # noqa: E402
from bot.services import Services  # noqa: E402
from storage import outbox  # noqa: E402
from storage.database import Database, utc_now  # noqa: E402
from telegram import Bot  # noqa: E402
from telegram.request import HTTPXRequest  # noqa: E402

import handlers.notifications  # noqa: E402

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
# --tls: the fake serves https with this self-signed certificate for 127.0.0.1, which the bot trusts.
CERT = Path(__file__).resolve().parent.parent / "tests" / "data" / "localhost_tls.pem"


def serving_tls() -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(CERT)
    return context


def trust_the_fake() -> None:
    """Every default SSL context this process makes from now on trusts the fake's certificate (alone)."""
    os.environ["SSL_CERT_FILE"] = str(CERT)
MARK = re.compile(r"#(\d+) \(X\)")


def payload(number: int) -> dict:
    """The notice number `number` (its text carries `#number (X)`, by which the server's log counts it)."""
    return {"name": f"#{number}", "body": "X", "codes": ["123-456"]}


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
            await outbox.enqueue(db, ids[number % people], "tasks_orphaned", **payload(number))


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


def _serve_fake(connection, people: int, enforce: bool = False, counter: str = "notices", tls: bool = False) -> None:
    """In a process of its own (as Telegram is): serve, then report what was delivered and the 429s."""
    async def serve() -> None:
        fake = FakeBotApi()
        fake.tls = serving_tls() if tls else None
        await fake.start()
        add_people(fake, people)
        if enforce:
            fake.enforce_limits(per_second=30, per_chat_per_second=1)
        connection.send((fake.token, fake.base_url, fake.base_file_url))
        cpu = time.process_time()
        await asyncio.get_running_loop().run_in_executor(None, connection.recv)
        cpu = time.process_time() - cpu
        connection.send((dict(COUNTERS[counter](fake)), fake.limit_hits, cpu))
        await fake.stop()

    asyncio.run(serve())


class FakeElsewhere:
    """The fake Bot API in another process, so this process's CPU goes to the bot alone."""

    def __init__(self, people: int, enforce: bool = False, counter: str = "notices", tls: bool = False) -> None:
        self._connection, theirs = multiprocessing.Pipe()
        self._process = multiprocessing.get_context("spawn").Process(target=_serve_fake,
                                                                     args=(theirs, people, enforce, counter, tls))
        self._process.start()
        self.token, self.base_url, self.base_file_url = self._connection.recv()
        self.limit_hits = 0
        self.cpu = None  # seconds of CPU the server's process spent between start and finish

    def finish(self) -> Counter:
        self._connection.send("stop")
        counts, self.limit_hits, self.cpu = self._connection.recv()
        counts = Counter(counts)
        self._process.join()
        return counts


async def drain(*, count: int, people: int, rate: float, chat_rate: float, in_flight: int,
                enforce: bool, elsewhere: bool = False, fill_with=None, counter: str = "notices",
                over_httpx: bool = False, tls: bool = False, alongside=None) -> dict:
    """Send `count` notices through the real sender; returns seconds, CPU (the bot's process and, when
    elsewhere, the server's), 429s, lost and duplicated.

    `fill_with(database, services)` queues them (default: `fill`), `counter` names how what arrived is
    counted (COUNTERS); bench/broadcast.py queues invitations with them. `over_httpx`: the sender's
    requests go through PTB's HTTPXRequest, as when the environment names a proxy. `alongside(application)`
    runs while they drain (bench/broadcast.py --replies: users' replies sent meanwhile) and is cancelled after."""
    if elsewhere:
        fake = FakeElsewhere(people, enforce, counter, tls)
    else:
        fake = FakeBotApi()
        fake.tls = serving_tls() if tls else None
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
        proxied = handlers.notifications._proxied
        if over_httpx:  # as if a proxy were named: the sender's fallback to HTTPXRequest (no proxy is used)
            handlers.notifications._proxied = lambda base_url: True
        try:
            application = build_application(
                token=fake.token, base_url=fake.base_url, base_file_url=fake.base_file_url, services=services,
                i18n=I18n(TZ), rate_limit_per_second=rate, chat_rate_per_second=chat_rate, group_rate_per_minute=20,
                notices_in_flight=in_flight, application_class=DoithoaiApplication)
        finally:
            handlers.notifications._proxied = proxied
        await application.initialize()
        started, cpu = time.perf_counter(), time.process_time()
        await application.start()  # starts the sender; it finds the backlog at once
        beside = asyncio.create_task(alongside(application)) if alongside is not None else None
        while True:
            async with database.read() as db:
                waiting = (await (await db.execute(
                    "SELECT COUNT(*) FROM outbox WHERE sent_at IS NULL AND given_up_at IS NULL")).fetchone())[0]
            if not waiting:
                break
            await asyncio.sleep(0.05)
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
        if beside is not None:
            beside.cancel()
            await asyncio.gather(beside, return_exceptions=True)
        await application.stop()
        await application.shutdown()
        await database.close()
    return await _finish(fake, elsewhere, counter, count, seconds, cpu)


async def _finish(fake, elsewhere: bool, counter: str, count: int, seconds: float, cpu: float) -> dict:
    if elsewhere:
        counts = fake.finish()
    else:
        counts = COUNTERS[counter](fake)
        await fake.stop()
    return {"seconds": seconds, "cpu": cpu, "server_cpu": fake.cpu if elsewhere else None,
            "sent": sum(counts.values()), "lost": count - len(counts),
            "duplicated": sum(c - 1 for c in counts.values()), "429s": fake.limit_hits}


async def plain_loop(*, count: int, people: int, in_flight: int, elsewhere: bool, tls: bool = False) -> dict:
    """The baseline: the same texts to the same chats by `in_flight` tasks calling PTB's Bot.send_message."""
    if elsewhere:
        fake = FakeElsewhere(people, tls=tls)
    else:
        fake = FakeBotApi()
        fake.tls = serving_tls() if tls else None
        await fake.start()
        add_people(fake, people)
    t, communes = I18n(TZ).for_locale("vi"), load_communes(DEFAULT_COMMUNES_FILE)
    texts = [render_for("tasks_orphaned", payload(number), t, communes, None).text for number in range(count)]
    bot = Bot(fake.token, base_url=fake.base_url, base_file_url=fake.base_file_url,
              request=HTTPXRequest(connection_pool_size=in_flight, httpx_kwargs={"verify": ssl.create_default_context()}))
    await bot.initialize()

    async def send(first: int) -> None:
        for number in range(first, count, in_flight):
            await bot.send_message(10_000_000 + number % people, texts[number])

    started, cpu = time.perf_counter(), time.process_time()
    await asyncio.gather(*(send(first) for first in range(in_flight)))
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    await bot.shutdown()
    return await _finish(fake, elsewhere, "notices", count, seconds, cpu)


WAYS = {
    "sender": lambda args: drain(count=args.count, people=args.people, rate=0, chat_rate=0, in_flight=args.in_flight,
                                 enforce=False, elsewhere=not args.same_process, tls=args.tls),
    "sender over httpx": lambda args: drain(count=args.count, people=args.people, rate=0, chat_rate=0,
                                            in_flight=args.in_flight, enforce=False,
                                            elsewhere=not args.same_process, over_httpx=True, tls=args.tls),
    "plain PTB loop": lambda args: plain_loop(count=args.count, people=args.people, in_flight=args.in_flight,
                                              elsewhere=not args.same_process, tls=args.tls),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=5000)
    parser.add_argument("--people", type=int, default=5000)
    parser.add_argument("--in-flight", type=int, default=16)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--same-process", action="store_true",
                        help="run the fake server in this process too (it then takes its share of the CPU)")
    parser.add_argument("--tls", action="store_true",
                        help="the fake serves https (as Telegram does) with tests/data/localhost_tls.pem")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    if args.tls:
        trust_the_fake()
    where = "in this process" if args.same_process else "in another process"
    print(f"{args.count} messages to {args.people} chats, uncapped, {args.in_flight} in flight, "
          f"fake Bot API {where} over {'https' if args.tls else 'http'}, {args.rounds} rounds")
    results: dict[str, list[dict]] = {way: [] for way in WAYS}
    names = list(WAYS)
    for number in range(args.rounds):
        for way in names[number % len(names):] + names[:number % len(names)]:
            result = asyncio.run(WAYS[way](args))
            results[way].append(result)
            server = (f", server {1000 * result['server_cpu'] / args.count:.2f} ms"
                      if result["server_cpu"] is not None else "")
            print(f"  round {number + 1}  {way:<18} {args.count / result['seconds']:6.0f} a second, "
                  f"{1000 * result['cpu'] / args.count:.2f} ms of CPU a message{server}; "
                  f"lost {result['lost']}, duplicated {result['duplicated']}")

    def median(way: str, figure) -> float:
        return statistics.median(figure(result) for result in results[way])

    rate = {way: median(way, lambda r: args.count / r["seconds"]) for way in WAYS}
    cpu = {way: median(way, lambda r: 1000 * r["cpu"] / args.count) for way in WAYS}
    print(f"medians of {args.rounds} rounds:")
    for way in WAYS:
        server = ""
        if not args.same_process:
            server = f"; server {median(way, lambda r: 1000 * r['server_cpu'] / args.count):.2f} ms of CPU a message"
        print(f"  {way:<18} {rate[way]:6.0f} messages a second, {cpu[way]:.2f} ms of CPU a message "
              f"(one free core: {1000 / cpu[way]:,.0f} a second){server}")
    for baseline in names[1:]:
        print(f"sender / {baseline}: {rate['sender'] / rate[baseline]:.2f}x the messages a second, "
              f"{cpu['sender'] / cpu[baseline]:.2f}x the CPU a message")
    lost = sum(r["lost"] for r in results["sender"])
    duplicated = sum(r["duplicated"] for r in results["sender"])
    print(f"messages_per_second={rate['sender']:.0f} lost={lost} duplicated={duplicated}")


if __name__ == "__main__":
    main()
