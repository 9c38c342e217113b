"""Throughput and latency of the whole bot against the fake Bot API, side by side with a bare PTB echo bot.

    .venv/bin/python bench/updates.py [--updates 5000] [--users 150] [--rounds 5] [--rate-limit 0] [--profile]

Both bots poll their own FakeBotApi on 127.0.0.1, in this one process and event loop. Each simulated
user pushes its next update only once the Application has finished the previous one (as a person waits
for the reply); all users run concurrently. Both bots run for the whole benchmark and are measured in
alternating rounds (echo, ours, echo, ours, ...), so a noisy machine slows both alike and the ratio
stays meaningful.

Our bot: the full stack (dedupe ledger, ConversationHandler with SQLite persistence after every update,
services, i18n, AIORateLimiter), users registered during an unmeasured warm-up, then residents repeating
/start (greeting + menu), a concern (/new, topic tap, text, confirm tap) and /mine, while officials work
alongside: the office screens the inbox and accepts the newest concern (which queues a notice to its
resident, delivered within the update), the chair asks for /overdue and /speakers, an officer for /tasks.
Echo: an Application with the same update processor (PerUserUpdateProcessor: one user's updates in
order, different users concurrently) and the same AIORateLimiter setting, without persistence, replying
to every text with the same text and an inline button, and to every button press with an answer and a
message; its users send the same kinds of update in the same order (per resident cycle: 3 commands,
1 plain text, 2 button presses; the officials' commands and presses likewise).

--rate-limit N is the bot's TELEGRAM_RATE_LIMIT for both bots (default 0: no cap, to measure the bots;
the shipped setting is 30 messages a second, where both bots are held to Telegram's pace).

Latency is per update: from the moment the update is queued on the fake server to the moment the
Application's process_update returned. Peak RSS is the process's VmHWM during each bot's rounds (reset before each
round); it includes both fake servers and their call logs. CPU per update is split between the
event-loop thread (bot, fake server, driver: all one loop) and the other threads (SQLite's).

The target (ours / echo >= 0.5) is printed as PASS or FAIL; the exit status is 0 either way unless
something crashed. Do not assert on these figures in tests: they are wall-clock times.

--profile samples the loop thread during each bot's rounds with pyinstrument (pip install pyinstrument
into the venv; cProfile otherwise) and prints ms per update by activity for both bots, the inclusive
time of our functions, and the SQL statements our rounds ran. Profiling slows both bots about 2x.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import collections
import contextlib
import io
import logging
import os
import pstats
import re
import resource
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update  # noqa: E402
from telegram.ext import (  # noqa: E402
    AIORateLimiter, Application, ApplicationBuilder, CallbackQueryHandler, ContextTypes, MessageHandler, filters,
)

from bot.app import DoithoaiApplication, PerUserUpdateProcessor, build_application  # noqa: E402
from bot.communes import load_communes  # noqa: E402
from bot.config import DEFAULT_COMMUNES_FILE  # noqa: E402
from bot.i18n import I18n  # noqa: E402
from bot.sandbox.fake_bot_api import FakeBotApi  # noqa: E402
from bot.services import Services  # noqa: E402
from storage.database import Database  # noqa: E402
from handlers.keyboards import PHONE_SKIP  # noqa: E402

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
TARGET_RATIO = 0.5
FIRST_USER_ID = 700_000_001
UPDATE_TIMEOUT = 30.0


# --------------------------------------------------------------------------- completion signal


class _Completion:
    """Resolves a future per update id when process_update returns (the tests' signal, one waiter each)."""

    def _init_completion(self) -> None:
        self.waiting: dict[int, asyncio.Future[float]] = {}

    def expect(self, update_id: int) -> asyncio.Future[float]:
        future = asyncio.get_running_loop().create_future()
        self.waiting[update_id] = future
        return future

    def _done(self, update: object) -> None:
        future = self.waiting.pop(getattr(update, "update_id", -1), None)
        if future is not None and not future.done():
            future.set_result(time.perf_counter())


class TimedDoithoaiApplication(DoithoaiApplication, _Completion):
    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._init_completion()

    async def process_update(self, update: object) -> None:
        try:
            await super().process_update(update)
        finally:
            self._done(update)


class TimedEchoApplication(Application, _Completion):
    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._init_completion()

    async def process_update(self, update: object) -> None:
        try:
            await super().process_update(update)
        finally:
            self._done(update)


# --------------------------------------------------------------------------- the two bots


ECHO_BUTTON = InlineKeyboardMarkup([[InlineKeyboardButton("Again", callback_data="echo:again")]])


async def echo_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Reply with the same text, with a button to press next."""
    await update.effective_message.reply_text(update.effective_message.text, reply_markup=ECHO_BUTTON)


async def echo_press(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Answer the press and send a message (with a button again)."""
    query = update.callback_query
    await query.answer()
    await context.bot.send_message(update.effective_chat.id, f"pressed {query.data}", reply_markup=ECHO_BUTTON)


@dataclass
class Subject:
    """One bot under measurement: its fake server, Application and per-user scripts."""

    name: str
    fake: FakeBotApi
    application: Application
    scripts: dict[int, Iterator[tuple[str, str]]] = field(default_factory=dict)
    latencies: list[float] = field(default_factory=list)
    elapsed: float = 0.0
    loop_cpu: float = 0.0
    threads_cpu: float = 0.0
    handled: int = 0
    round_rates: list[float] = field(default_factory=list)
    peak_rss_kb: int = 0
    steps: collections.Counter = field(default_factory=collections.Counter)


async def start_fake(stack: contextlib.AsyncExitStack, **kwargs) -> FakeBotApi:
    fake = FakeBotApi(**kwargs)
    await fake.start()
    stack.push_async_callback(fake.stop)
    return fake


async def run_application(stack: contextlib.AsyncExitStack, application: Application) -> None:
    """Start polling as the tests do; every step is undone on exit, even after a failure half-way."""
    async def stop() -> None:  # in run_polling's order: the updater first
        if application.updater.running:
            await application.updater.stop()
        if application.running:
            await application.stop()

    await application.initialize()
    stack.push_async_callback(application.shutdown)
    stack.push_async_callback(stop)
    await application.updater.start_polling(poll_interval=0.0, timeout=1)
    await application.start()


async def start_ours(stack: contextlib.AsyncExitStack, database_path: Path, rate_limit: int) -> Subject:
    fake = await start_fake(stack)
    database = await Database.open(database_path)
    # aiosqlite's worker thread is not a daemon: an unclosed connection would hang the exit after a crash.
    stack.push_async_callback(database.close)
    services = await Services.create(database, load_communes(DEFAULT_COMMUNES_FILE))
    application = build_application(
        token=fake.token, base_url=fake.base_url, base_file_url=fake.base_file_url,
        services=services, i18n=I18n(TZ), rate_limit_per_second=rate_limit, application_class=TimedDoithoaiApplication,
    )
    await run_application(stack, application)
    return Subject("ours", fake, application)


async def start_echo(stack: contextlib.AsyncExitStack, rate_limit: int) -> Subject:
    fake = await start_fake(stack, token="654321:ECHO-TOKEN", bot_id=654321, bot_username="echo_bench_bot")
    # What build_application gives our bot, so the comparison measures the handlers, not the wiring.
    application = (
        ApplicationBuilder().application_class(TimedEchoApplication)
        .token(fake.token).base_url(fake.base_url).base_file_url(fake.base_file_url)
        .concurrent_updates(PerUserUpdateProcessor())
        .rate_limiter(AIORateLimiter(overall_max_rate=rate_limit, max_retries=3))
        .build()
    )
    application.add_handler(MessageHandler(filters.TEXT, echo_text))
    application.add_handler(CallbackQueryHandler(echo_press))
    await run_application(stack, application)
    return Subject("echo", fake, application)


# --------------------------------------------------------------------------- what the users send

# A step is ("say", text) or ("tap", callback data, or a prefix ending in ":" for the newest such button).


def registration() -> list[tuple[str, str]]:
    """The onboarding as a resident walks it: language, consent, hamlet, name, no phone."""
    return [("say", "/start"), ("tap", "ob:lang:vi"), ("tap", "ob:consent:yes"), ("tap", "ob:hamlet:thon-2"),
            ("say", "Cư dân thử tải"), ("say", I18n(TZ).for_locale("vi")(PHONE_SKIP))]


def our_cycle(user_id: int) -> Iterator[tuple[str, str]]:
    n = 0
    while True:
        n += 1
        yield ("say", "/start")
        yield ("say", "/new")
        yield ("tap", "cc:cat:land")
        yield ("say", f"Đường liên thôn trước nhà số {user_id % 1000} bị sụt lún lần {n}, đề nghị xã sửa.")
        yield ("tap", "cc:ok:")
        yield ("say", "/mine")


# The officials working while residents write: (user id, name, role, body, their cycle, the echo's cycle).
OFFICE_ID, CHAIR_ID, OFFICER_ID = 700_100_001, 700_100_002, 700_100_003


def office_cycle() -> Iterator[tuple[str, str]]:
    while True:
        yield ("say", "/inbox")
        yield ("tap?", "cw:acc:")  # accept the concern on screen: its resident is sent a notice


def chair_cycle() -> Iterator[tuple[str, str]]:
    while True:
        yield ("say", "/overdue")
        yield ("say", "/speakers")


def officer_cycle() -> Iterator[tuple[str, str]]:
    while True:
        yield ("say", "/tasks")


OFFICIALS = (
    (OFFICE_ID, "Chị Hoa", "office", None, office_cycle, lambda: _alternate(("say", "/inbox"), ("tap", "echo:again"))),
    (CHAIR_ID, "Ông Thành", "chair", None, chair_cycle, lambda: _alternate(("say", "/overdue"), ("say", "/speakers"))),
    (OFFICER_ID, "Anh Khoa", "officer", "Địa chính - Xây dựng", officer_cycle, lambda: _alternate(("say", "/tasks"))),
)


def _alternate(*steps: tuple[str, str]) -> Iterator[tuple[str, str]]:
    while True:
        yield from steps


async def grant_officials(ours: "Subject", echo: "Subject") -> None:
    services = ours.application.bot_data["services"]
    for user_id, name, role, body, _, _ in OFFICIALS:
        for subject in (ours, echo):
            subject.fake.add_user(user_id, name, language_code="vi")
        await services.staff.grant_on_server("telegram", str(user_id), commune_id="bao-lam", role=role, body=body)
        async with services.database.transaction() as db:
            await db.execute("UPDATE people SET display_name = ? WHERE channel = 'telegram' AND external_id = ?",
                             (name, str(user_id)))
    await run_steps(ours, {user_id: [("say", "/start")] for user_id, *_ in OFFICIALS})
    await run_steps(echo, {user_id: [("say", "/start"), ("tap", "echo:again")] for user_id, *_ in OFFICIALS})


def echo_warmup() -> list[tuple[str, str]]:
    return [("say", "/start"), ("tap", "echo:again"), ("tap", "echo:again"), ("say", "Cư dân thử tải")]


def echo_cycle(user_id: int) -> Iterator[tuple[str, str]]:
    n = 0
    while True:
        n += 1
        yield ("say", "/start")
        yield ("say", "/new")
        yield ("tap", "echo:again")
        yield ("say", f"Đường liên thôn trước nhà số {user_id % 1000} bị sụt lún lần {n}, đề nghị xã sửa.")
        yield ("tap", "echo:again")
        yield ("say", "/mine")


def newest_button_message(fake: FakeBotApi, user_id: int, wanted: str) -> tuple[int, str]:
    """(message id, callback data) of the newest bot message carrying the wanted button."""

    def match(message: dict) -> str | None:
        for row in (message.get("reply_markup") or {}).get("inline_keyboard", []):
            for button in row:
                data = button.get("callback_data", "")
                if data == wanted or (wanted.endswith(":") and data.startswith(wanted)):
                    return data
        return None

    last = fake.last_bot_message(user_id)  # cheap: the button is almost always on the newest message
    if last is not None and (data := match(last)):
        return last["message_id"], data
    for message in reversed(fake.chat(user_id)):
        if message["from_bot"] and (data := match(message)):
            return message["message_id"], data
    raise RuntimeError(f"no button {wanted!r} in chat {user_id}; newest bot message: {last!r}")


def step_label(step: tuple[str, str]) -> str:
    kind, value = step
    return value if value.startswith("/") else "text" if kind == "say" else "tap " + value.rstrip(":")


def newest_button(fake: FakeBotApi, user_id: int, wanted: str) -> tuple[int, str] | None:
    try:
        return newest_button_message(fake, user_id, wanted)
    except RuntimeError:
        return None


async def push_and_wait(subject: Subject, user_id: int, step: tuple[str, str]) -> float:
    """Send one step as the user; return its latency (queued on the server -> processed)."""
    kind, value = step
    fake, application = subject.fake, subject.application
    if kind == "tap?":  # a press when the button is there (the inbox may be empty), else look again
        found = newest_button(fake, user_id, value)
        update = fake.press(user_id, *found) if found else fake.send_text(user_id, "/inbox")
    elif kind == "say":
        update = fake.send_text(user_id, value)
    else:
        message_id, data = newest_button_message(fake, user_id, value)
        update = fake.press(user_id, message_id, data)
    queued = time.perf_counter()
    done = application.expect(update["update_id"])  # type: ignore[attr-defined]
    finished = await asyncio.wait_for(done, UPDATE_TIMEOUT)
    return finished - queued


async def run_steps(subject: Subject, steps_by_user: dict[int, list[tuple[str, str]]]) -> None:
    """Unmeasured: every user walks their own list, all users at once."""

    async def walk(user_id: int, steps: list[tuple[str, str]]) -> None:
        for step in steps:
            await push_and_wait(subject, user_id, step)

    await asyncio.gather(*(walk(u, s) for u, s in steps_by_user.items()))


async def measured_round(subject: Subject, budget: int) -> None:
    """Exactly `budget` updates: users claim them one at a time, each waiting for its previous reply."""
    remaining = budget

    async def user(user_id: int) -> None:
        nonlocal remaining
        script = subject.scripts[user_id]
        while remaining > 0:
            remaining -= 1
            step = next(script)
            subject.latencies.append(await push_and_wait(subject, user_id, step))
            subject.steps[step_label(step)] += 1

    reset_peak_rss()
    loop_cpu, threads_cpu = time.thread_time(), other_threads_cpu()
    started = time.perf_counter()
    await asyncio.gather(*(user(u) for u in subject.scripts))
    elapsed = time.perf_counter() - started
    subject.loop_cpu += time.thread_time() - loop_cpu
    subject.threads_cpu += other_threads_cpu() - threads_cpu
    subject.elapsed += elapsed
    subject.round_rates.append(budget / elapsed)
    subject.handled += budget
    subject.peak_rss_kb = max(subject.peak_rss_kb, peak_rss_kb())


# --------------------------------------------------------------------------- memory and CPU


def other_threads_cpu() -> float:
    """CPU seconds of every thread but this one (the SQLite thread, mainly); 0 where /proc is missing."""
    ticks = 0
    for task in Path("/proc/self/task").glob("*") if Path("/proc/self/task").exists() else ():
        if int(task.name) == threading.get_native_id():
            continue
        try:
            fields = (task / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:  # the thread ended meanwhile
            continue
        ticks += int(fields[11]) + int(fields[12])  # utime, stime
    return ticks / os.sysconf("SC_CLK_TCK")


def reset_peak_rss() -> None:
    """Reset VmHWM (Linux >= 4.0), so each bot's rounds report their own peak."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        pass


def peak_rss_kb() -> int:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # kB on Linux; never reset


# --------------------------------------------------------------------------- report


class ErrorCounter(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def percentile(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1] if len(values) > 1 else values[0]


def split(total: int, parts: int) -> list[int]:
    base, extra = divmod(total, parts)
    return [base + (1 if i < extra else 0) for i in range(parts)]


@dataclass
class Findings:
    """What the run left behind besides the timings: the sanity checks and the API calls made."""

    concerns: int
    ledger: int
    failures: list
    calls: dict[str, collections.Counter]


async def benchmark(args: argparse.Namespace) -> int:
    errors = ErrorCounter()
    logging.getLogger().addHandler(errors)
    users = list(range(FIRST_USER_ID, FIRST_USER_ID + args.users))
    profilers = {"echo": RoundProfiler(), "ours": RoundProfiler()} if args.profile else {}
    with tempfile.TemporaryDirectory(prefix="doithoai-bench-") as tmp:
        async with contextlib.AsyncExitStack() as stack:
            echo = await start_echo(stack, args.rate_limit)
            ours = await start_ours(stack, Path(tmp) / "bench.sqlite3", args.rate_limit)
            database = ours.application.bot_data["services"].database
            subjects = (echo, ours)

            print(f"warm-up: registering {len(users)} residents (not measured) ...", flush=True)
            for user_id in users:
                for subject in subjects:
                    subject.fake.add_user(user_id, f"Cư dân {user_id}", language_code="vi")
            await run_steps(ours, {u: registration() for u in users})
            await run_steps(echo, {u: echo_warmup() for u in users})
            await grant_officials(ours, echo)
            ours.scripts = {u: our_cycle(u) for u in users}
            echo.scripts = {u: echo_cycle(u) for u in users}
            for user_id, _, _, _, ours_cycle, echo_cycle_of in OFFICIALS:
                ours.scripts[user_id], echo.scripts[user_id] = ours_cycle(), echo_cycle_of()
            first_call = {s.name: len(s.fake.calls) for s in subjects}

            statements: collections.Counter = collections.Counter()
            tracing = False
            if profilers:  # also count the SQL our rounds run (the callback runs in aiosqlite's thread)
                for connection in (database._connection, *database._readers):
                    await connection.set_trace_callback(
                        lambda sql: tracing and statements.update((sql_shape(sql),)))

            rounds = split(args.updates, args.rounds)
            print(f"measuring: {args.updates} updates per bot, {len(users)} concurrent users, "
                  f"{len(rounds)} alternating rounds ...", flush=True)
            for budget in rounds:
                for subject in subjects:
                    if profilers:
                        profilers[subject.name].start()
                        tracing = subject is ours
                    await measured_round(subject, budget)
                    if profilers:
                        tracing = False
                        profilers[subject.name].stop()

            async with database.read() as db:
                concerns = (await (await db.execute("SELECT COUNT(*) FROM concerns")).fetchone())[0]
                ledger = (await (await db.execute("SELECT COUNT(*) FROM handled_updates")).fetchone())[0]
            measured_calls = {s.name: s.fake.calls[first_call[s.name]:] for s in subjects}
            findings = Findings(
                concerns=concerns, ledger=ledger,
                failures=[c for calls in measured_calls.values() for c in calls if c.status and not c.ok],
                calls={name: collections.Counter(c.method for c in calls) for name, calls in measured_calls.items()},
            )

    report(args, echo, ours, findings, errors.records)
    if profilers:
        report_profiles(profilers, {"echo": echo.handled, "ours": ours.handled}, args.profile_top)
        print(f"\nours: SQL statements per update: {sum(statements.values()) / ours.handled:.2f}")
        for shape, count in statements.most_common(args.profile_top):
            print(f"  {count / ours.handled:6.2f}  {shape}")
    return 0


def report(args: argparse.Namespace, echo: Subject, ours: Subject, findings: Findings, errors: list) -> None:
    print()
    print(f"rate limit: {args.rate_limit or 'none'} messages/s for both bots; {args.users} residents and "
          f"{len(OFFICIALS)} officials; both with PerUserUpdateProcessor")
    print(f"{'':6} {'updates':>8} {'updates/s':>10} {'p50 ms':>8} {'p99 ms':>8} {'peak RSS MiB':>13}"
          f"  CPU ms/update (loop thread + other threads)")
    rates = {}
    for subject in (echo, ours):
        rates[subject.name] = subject.handled / subject.elapsed
        p50, p99 = (percentile(subject.latencies, q) * 1000 for q in (50, 99))
        loop_cpu, threads_cpu = (cpu * 1000 / subject.handled for cpu in (subject.loop_cpu, subject.threads_cpu))
        print(f"{subject.name:6} {subject.handled:8d} {rates[subject.name]:10.1f} {p50:8.1f} {p99:8.1f} "
              f"{subject.peak_rss_kb / 1024:13.1f}  {loop_cpu:.2f} + {threads_cpu:.2f}")
    ratio = rates["ours"] / rates["echo"]
    for subject in (echo, ours):
        print(f"{subject.name} updates/s by round: " + " ".join(f"{r:.0f}" for r in subject.round_rates))
    print(f"ratio ours/echo: {ratio:.3f}   (peak RSS of the whole run: "
          f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.1f} MiB)")

    for subject in (echo, ours):
        counted = findings.calls[subject.name]
        print(f"{subject.name} mix: " + ", ".join(f"{label} {n}" for label, n in subject.steps.items()))
        print(f"{subject.name} Bot API calls per update: {sum(counted.values()) / subject.handled:.2f} ("
              + ", ".join(f"{method} {n / subject.handled:.2f}" for method, n in counted.most_common()) + ")")
    expected_concerns = ours.steps["tap cc:ok"]
    # Only updates that changed something are recorded (a /mine or /help writes nothing).
    most_ledger = len(registration()) * args.users + 2 * len(OFFICIALS) + ours.handled
    print(f"checks: {findings.concerns} concerns stored ({expected_concerns} confirmed), {findings.ledger} update ids "
          f"in the ledger (updates that wrote; at most {most_ledger}), {len(findings.failures)} failed API calls, "
          f"{len(errors)} errors logged")
    for call in findings.failures[:5]:
        print(f"  failed call: {call!r} {call.error}")
    if findings.concerns != expected_concerns or findings.ledger > most_ledger or findings.failures or errors:
        print("WARNING: the bot did not handle every update as expected; the figures above are suspect")
    print(f"{'PASS' if ratio >= TARGET_RATIO else 'FAIL'}: ratio ours/echo {ratio:.3f} "
          f"{'>=' if ratio >= TARGET_RATIO else '<'} target {TARGET_RATIO}")


class RoundProfiler:
    """Samples the event-loop thread during one bot's rounds (pyinstrument; cProfile if it is not installed)."""

    def __init__(self) -> None:
        try:
            from pyinstrument import Profiler
        except ImportError:
            self.kind, self._profiler = "cprofile", cProfile.Profile()
        else:
            # async_mode="disabled": sample the thread's real stack, idle waits in the selector included.
            self.kind, self._profiler = "pyinstrument", Profiler(interval=0.001, async_mode="disabled")

    def start(self) -> None:
        self._profiler.start() if self.kind == "pyinstrument" else self._profiler.enable()

    def stop(self) -> None:
        self._profiler.stop() if self.kind == "pyinstrument" else self._profiler.disable()

    def samples(self) -> list[tuple[list[tuple[str, str]], float]]:
        """(stack as (function, file) outermost first, seconds) per sample."""
        result = []
        for frames, seconds in self._profiler.last_session.frame_records:
            stack = [tuple(f.split("\x01", 1)[0].split("\x00")[:2]) for f in frames]
            # Keep what runs inside the loop: the frames after the innermost asyncio _run_once.
            loop = max((i for i, (function, _) in enumerate(stack) if function == "_run_once"), default=-1)
            result.append((stack[loop + 1:] or stack[-1:], seconds))
        return result


def _in(stack: list[tuple[str, str]], function: str | None = None, path: str = "") -> bool:
    return any((function is None or fn == function) and path in f for fn, f in stack)


# Where the loop thread was, for both bots; mutually exclusive, the first that matches a sample wins.
ACTIVITIES = (
    ("loop idle (waiting: SQLite thread, sockets)", lambda st: st[0][0] == "select" and "selectors" in st[0][1]),
    ("fake Bot API server (tornado, bot/sandbox)",
     lambda st: _in(st, path="/tornado/") or _in(st, path="/bot/sandbox/")),
    ("Application.process_update (handlers, DB, API calls)", lambda st: _in(st, "process_update", "/telegram/ext/")),
    ("PTB Updater (getUpdates, parsing updates)", lambda st: _in(st, path="telegram/ext/_updater.py")),
    ("benchmark driver (bench/)", lambda st: _in(st, path="/bench/")),
    ("aiosqlite results and wake-ups back in the loop",
     lambda st: _in(st, path="/aiosqlite/") or _in(st, "_read_from_self")),
    ("other (asyncio, sockets, job queue)", lambda st: True),
)

# Within process_update, the same way.
PROCESSING = (
    ("AIORateLimiter's own code",
     lambda st: _in(st, path="telegram/ext/_aioratelimiter.py") and not _in(st, "_do_post", "telegram/_bot.py")),
    ("Bot API calls made by handlers (PTB Bot methods: request, HTTP, JSON)",
     lambda st: _in(st, path="telegram/_bot.py") or _in(st, path="telegram/ext/_extbot.py")),
    ("aiosqlite, loop side", lambda st: _in(st, path="/aiosqlite/")),
    ("gettext / babel", lambda st: _in(st, path="/babel/") or _in(st, path="gettext")),
    ("copy.deepcopy (persistence)", lambda st: _in(st, "deepcopy")),
    ("our code (bot/, handlers/, storage/) + PTB objects it builds",
     lambda st: any(_label(fn, f, own=True) for fn, f in st)),
    ("PTB dispatch (filters, ConversationHandler, persistence)", lambda st: _in(st, path="/telegram/ext/")),
    ("other", lambda st: True),
)

# Inclusive time of these inside process_update, besides every function in bot/, handlers/ and storage/.
LIBRARY_FUNCTIONS = {
    ("_post", "telegram/_bot.py"): "PTB Bot._post (every Bot API call, getUpdates included)",
    ("_do_post", "telegram/_bot.py"): "PTB Bot._do_post (the same, inside the rate limiter)",
    ("process_request", "telegram/ext/_aioratelimiter.py"): "PTB AIORateLimiter.process_request",
    ("check_update", "telegram/ext/_handlers/conversationhandler.py"): "PTB ConversationHandler.check_update",
    ("handle_update", "telegram/ext/_handlers/conversationhandler.py"): "PTB ConversationHandler.handle_update",
    ("update_persistence", "telegram/ext/_application.py"): "PTB Application.update_persistence",
    ("_execute", "aiosqlite/core.py"): "aiosqlite Connection._execute (loop side of every SQL call)",
    ("deepcopy", "copy.py"): "copy.deepcopy",
    ("de_json", "telegram/_message.py"): "PTB Message.de_json",
    ("current_async_library", "httpcore/_synchronization.py"):
        "httpcore current_async_library (a failing 'import sniffio' per call)",
}
PROJECT = str(Path(__file__).resolve().parent.parent)


def _label(function: str, file: str, own: bool = False) -> str | None:
    if not own:
        for (name, suffix), label in LIBRARY_FUNCTIONS.items():
            if function == name and file.endswith(suffix):
                return label
    if file.startswith(PROJECT + "/") and not any(p in file for p in ("/bench/", "/.venv/", "/sandbox/")):
        return f"{file[len(PROJECT) + 1:]}:{function}"
    return None


def sql_shape(sql: str) -> str:
    """The statement with its literals (which the trace callback shows expanded) replaced by ?."""
    sql = re.sub(r"'(?:[^']|'')*'|\b\d+(?:\.\d+)?\b", "?", " ".join(sql.split()))
    return sql if len(sql) <= 150 else sql[:147] + "..."


def report_profiles(profilers: dict[str, RoundProfiler], handled: dict[str, int], top: int) -> None:
    """Milliseconds per update by activity, side by side, then inclusive time of our functions."""
    if any(p.kind != "pyinstrument" for p in profilers.values()):
        for name, profiler in profilers.items():
            out = io.StringIO()
            pstats.Stats(profiler._profiler, stream=out).sort_stats("cumulative").print_stats(top)
            print(f"\ncProfile of the {name} rounds (pip install pyinstrument for a breakdown):\n{out.getvalue()}")
        return
    samples = {name: p.samples() for name, p in profilers.items()}

    def table(title: str, categories: tuple, keep: Callable[[list], bool]) -> None:
        spent = {name: collections.Counter() for name in samples}
        for name, records in samples.items():
            for stack, seconds in records:
                if keep(stack):
                    spent[name][next(label for label, matches in categories if matches(stack))] += seconds
        print(f"\n{title:72} " + " ".join(f"{name:>7}" for name in samples))
        for label, _ in categories:
            print(f"  {label:70} " + " ".join(f"{spent[n][label] * 1000 / handled[n]:7.3f}" for n in samples))
        print(f"  {'total':70} " + " ".join(f"{sum(spent[n].values()) * 1000 / handled[n]:7.3f}" for n in samples))

    table("event-loop thread, sampled (pyinstrument), ms per update:", ACTIVITIES, lambda stack: True)
    table("inside Application.process_update, ms per update:", PROCESSING, ACTIVITIES[2][1])

    inclusive = {name: collections.Counter() for name in samples}
    for name, records in samples.items():
        for stack, seconds in records:
            for label in {_label(function, file) for function, file in stack} - {None}:
                inclusive[name][label] += seconds
    total = sum(seconds for _, seconds in samples["ours"])
    print("\ninclusive time by function, ms per update (share: of all sampled time in our rounds):")
    print(f"  {'share':>6} {'echo':>7} {'ours':>7}")
    for label, seconds in inclusive["ours"].most_common(top):
        print(f"  {seconds / total:6.1%} {inclusive['echo'][label] * 1000 / handled['echo']:7.3f} "
              f"{seconds * 1000 / handled['ours']:7.3f}  {label}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--updates", type=int, default=5000, help="measured updates per bot (default 5000)")
    parser.add_argument("--users", type=int, default=150, help="concurrent simulated users (default 150)")
    parser.add_argument("--rounds", type=int, default=5, help="alternating echo/ours rounds (default 5)")
    parser.add_argument("--rate-limit", type=int, default=0,
                        help="messages per second for both bots' AIORateLimiter (default 0: no cap; shipped: 30)")
    parser.add_argument("--profile", action="store_true",
                        help="profile both bots' rounds (pyinstrument if installed, else cProfile)")
    parser.add_argument("--profile-top", type=int, default=30, help="functions listed by the profile")
    args = parser.parse_args()
    if args.updates < args.rounds or args.users < 1:
        parser.error("--updates must be at least --rounds, and --users at least 1")
    return asyncio.run(benchmark(args))


if __name__ == "__main__":
    sys.exit(main())
