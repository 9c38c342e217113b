"""A province's data: the bot at 1,000 / 10,000 / 100,000 concerns, driven through the fake Bot API.

    .venv/bin/python bench/scale.py [--size N ...] [--samples 20] [--keep DIR]

For each size a database is built (in a child process) from the project's own migrations, with its
storage functions for the officials and the dialogue and the storage layer's INSERT statements, in
batches, for the bulk: concerns in a realistic mix of statuses (10% waiting for screening, accepted,
rejected, merged, 30% closed, 10% resolved, 37% open with an officer), assignments with working-day due
dates from a year late to forty days ahead (extensions, reassignments), attachments on 30%, three audit
rows per concern, one sent notice per concern, speaker registrations, and half as many residents as
concerns (50,000 at 100,000), each with stored per-user data.

Then, in another child process (so the figures are the bot's, not the builder's), the bot starts as
deployed (tests/harness.BotUnderTest: build_application, Services, persistence, polling the fake
server on 127.0.0.1) and the bench prints:
- start-up time (database open to polling) and idle RSS just after;
- the reminder sweep, first run and run again the same day, and the notices it queued per recipient;
  then the sweep with every concern open (as many open items as concerns), first and again;
- for each command, the time from the update being queued to the first and to the last reply in the
  user's chat (p50/p95 over --samples runs);
- a bystander's /mine (first reply) while the heaviest command runs, while the public board is requested
  again and again, and while 5,000 notices drain;
- the next dialogue's invitation list compiled, then shown (/invitations, /attendance: a page at a time);
- the public board rendered whole and at the last page of its largest dialogue;
- peak RSS (VmHWM) and the database size.
The last line sums up the largest size built:
    size=100000 worst_command_p95_ms=84 bystander_p95_ms=40 sweep_s=0.61 sweep_again_s=0.08 rss_idle_mib=71 startup_s=0.8

Wall-clock figures on a shared machine: compare runs, never assert on them in tests.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import traceback
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
COMMUNE = "bao-lam"
HAMLETS = [f"thon-{n}" for n in range(1, 6)]
CATEGORIES = ["land", "environment", "compensation", "social-policy", "officials-conduct", "development", "other"]
BODIES = ["Địa chính - Xây dựng", "Văn hóa - Xã hội", "Kinh tế", "Tư pháp - Hộ tịch"]
OFFICERS = 20
RESIDENT_BASE = 10_000_000  # Telegram ids of the residents: RESIDENT_BASE + n
OFFICE, OFFICE_2, CHAIR, MTTQ = 9_000_001, 9_000_002, 9_000_003, 9_000_004
OFFICER_BASE = 9_000_100
BYSTANDER = 9_500_000  # a resident who only reads /mine
NOTICE_RECIPIENTS = 500
NOTICES = 5_000
DRAIN_TIMEOUT = 180  # seconds: a drain that stalls is reported with what is left, not waited for
OPEN = ("assigned", "in_progress", "extended")


def status_of(n: int) -> str:
    bucket = n % 100
    for limit, status in ((10, "submitted"), (15, "accepted"), (18, "rejected"), (20, "out_of_scope"), (23, "merged"),
                          (53, "closed"), (63, "resolved"), (75, "assigned"), (90, "in_progress")):
        if bucket < limit:
            return status
    return "extended"


def code_of(n: int) -> str:
    return f"{n // 1000 % 1000:03d}-{n % 1000:03d}" if n < 1_000_000 else f"{n}"


# --- Building a database ------------------------------------------------------------------------------

async def build(size: int, path: Path) -> None:
    from bot.communes import load_communes
    from bot.config import DEFAULT_COMMUNES_FILE
    from storage import bot_state, dialogues, staff
    from storage.database import Database

    database = await Database.open(path)
    communes = load_communes(DEFAULT_COMMUNES_FILE)
    now = datetime.now(timezone.utc).replace(microsecond=0)
    today = now.astimezone(TZ).date()
    residents = max(size // 2, 10)

    def at(days_ago: float) -> str:
        return (now - timedelta(days=days_ago)).isoformat()

    async with database.transaction() as db:
        for commune in communes.items:
            await db.execute("INSERT INTO communes (id, name) VALUES (?, ?) ON CONFLICT DO NOTHING", (commune.id, commune.name.vi))
        await db.executemany(
            "INSERT INTO people (id, channel, external_id, locale, created_at) VALUES (?, 'telegram', ?, 'vi', ?)",
            [(n, str(RESIDENT_BASE + n), at(1000 - n * 900 / residents)) for n in range(1, residents + 1)])
        await db.executemany(
            "INSERT INTO residents (person_id, commune_id, hamlet_id, display_name, registered_at) VALUES (?, ?, ?, ?, ?)",
            [(n, COMMUNE, HAMLETS[n % 5], f"Cư dân số {n}", at(1000 - n * 900 / residents)) for n in range(1, residents + 1)])
        await db.executemany(*_user_data_batch(bot_state, residents))
        # The officials, through the storage layer's own functions.
        officials = [(OFFICE, "Chị Hoa", "office", None), (OFFICE_2, "Anh Bình", "office", None),
                     (CHAIR, "Ông Nam", "chair", None), (MTTQ, "Bà Mai", "mttq", None)]
        officials += [(OFFICER_BASE + n, f"Cán bộ {n}", "officer", BODIES[n % len(BODIES)]) for n in range(OFFICERS)]
        official_ids = {}
        for user_id, name, role, body in officials:
            cursor = await db.execute(
                "INSERT INTO people (channel, external_id, locale, created_at, display_name) VALUES ('telegram', ?, 'vi', ?, ?)",
                (str(user_id), at(900), name))
            official_ids[user_id] = cursor.lastrowid
            await staff.grant(db, commune_id=COMMUNE, person_id=cursor.lastrowid, role=role, body=body, hamlet_id=None,
                              granted_by=None)
        officer_ids = [official_ids[OFFICER_BASE + n] for n in range(OFFICERS)]
        old_dialogue = await dialogues.insert(db, commune_id=COMMUNE, meeting_at=at(200), place="Hội trường UBND xã",
                                              theme=None, chair_person_id=official_ids[CHAIR])
        await db.execute("UPDATE dialogues SET status = 'held', announced_on = ? WHERE id = ?",
                         ((today - timedelta(days=180)).isoformat(), old_dialogue))
        next_dialogue = await dialogues.insert(db, commune_id=COMMUNE, meeting_at=at(-30), place="Hội trường UBND xã",
                                               theme="Đất đai", chair_person_id=official_ids[CHAIR])

        concerns, attachments, assignments, audit, outbox, speakers = [], [], [], [], [], []
        for n in range(size):
            concern_id = n + 1
            resident = 1 + (n * 7919) % residents
            status = status_of(n)
            submitted = at(1000 * (size - n) / size + 1)
            dialogue = next_dialogue if status == "accepted" else old_dialogue if status in OPEN + ("closed", "resolved") else None
            duplicate_of = max(1, concern_id - 50) if status == "merged" else None
            concerns.append((concern_id, COMMUNE, code_of(n), resident, HAMLETS[resident % 5], CATEGORIES[n % 7],
                             f"Kiến nghị số {n}: đường liên thôn xuống cấp, mương thoát nước bị tắc sau mưa lớn.",
                             status, f"bench-{n}", submitted, submitted, dialogue, duplicate_of))
            if n % 10 < 3:
                attachments.append((concern_id, "photo", f"photo-{n}", None, None))
            if n % 20 == 0:
                attachments.append((concern_id, "voice", f"voice-{n}", None, None))
            audit.append((submitted, COMMUNE, resident, "concern.submitted", "concern", concern_id, "{}"))
            outbox.append((resident, "concern_update", json.dumps({"code": code_of(n)}), submitted, submitted, submitted))
            if status in OPEN + ("closed", "resolved"):
                officer = officer_ids[(n * 31) % OFFICERS]
                due = today + timedelta(days=-300 + (n * 13) % 341)
                extended = (due + timedelta(days=20)).isoformat() if status == "extended" else None
                resolved = at(10) if status in ("closed", "resolved") else None
                if n % 20 == 7:  # reassigned once: the first assignment ended
                    assignments.append((concern_id, officer_ids[(n * 17) % OFFICERS], BODIES[0], submitted, due.isoformat(),
                                        None, None, None, submitted))
                assignments.append((concern_id, officer, BODIES[officer_ids.index(officer) % len(BODIES)], submitted,
                                    due.isoformat(), extended, "Cần xác minh thêm." if extended else None, resolved, None))
                audit.append((submitted, COMMUNE, official_ids[OFFICE], "concern.accept", "concern", concern_id, "{}"))
                audit.append((submitted, COMMUNE, official_ids[OFFICE], "concern.assign", "concern", concern_id, "{}"))
            if status == "accepted" and len(speakers) < 300:
                speakers.append((COMMUNE, concern_id, resident, next_dialogue, "Xin được trình bày ý kiến.", "registered", submitted))
            elif n % 50 == 1:
                speakers.append((COMMUNE, concern_id, resident, old_dialogue, "Ý kiến cũ.", "withdrawn", submitted))
        await db.executemany(
            "INSERT INTO concerns (id, commune_id, code, resident_id, hamlet_id, category, body, status, submission_key,"
            " submitted_at, updated_at, dialogue_id, duplicate_of) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", concerns)
        await db.executemany(
            "INSERT INTO concern_attachments (concern_id, kind, file_ref, latitude, longitude) VALUES (?, ?, ?, ?, ?)",
            attachments)
        await db.executemany(
            "INSERT INTO assignments (concern_id, officer_person_id, body, assigned_at, due_date, extended_to,"
            " extension_reason, resolved_at, ended_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", assignments)
        await db.executemany(
            "INSERT INTO audit_log (at, commune_id, actor_person_id, action, subject_type, subject_id, details)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)", audit)
        await db.executemany(
            "INSERT INTO outbox (person_id, kind, payload, created_at, claimed_at, sent_at) VALUES (?, ?, ?, ?, ?, ?)", outbox)
        await db.executemany(
            "INSERT INTO speaker_registrations (commune_id, concern_id, resident_id, dialogue_id, point, status, registered_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)", speakers)
    await database.close()


def _user_data_batch(bot_state, residents: int) -> tuple[str, list[tuple]]:
    statement, _ = bot_state.save_user_data_statement(0, "{}")
    return statement, [(RESIDENT_BASE + n, bot_state.encode({"locale": "vi"})) for n in range(1, residents + 1)]


# --- Measuring ----------------------------------------------------------------------------------------

def rss_mib(field: str = "VmRSS") -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return 0.0


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


REPLY_METHODS = ("sendMessage", "editMessageText", "sendPhoto", "sendDocument", "editMessageReplyMarkup")


class Driver:
    """Sends an update as a user and times the replies in that user's chat."""

    def __init__(self, bot) -> None:
        self.bot = bot
        self.fake = bot.fake

    def first_reply(self, user_id: int, since_index: int, sent_at: float) -> float | None:
        for call in self.fake.calls[since_index:]:
            if call.method in REPLY_METHODS and str(call.params.get("chat_id")) == str(user_id):
                return call.at - sent_at
        return None

    async def first_only(self, user_id: int, text: str, timeout: float = 120) -> float:
        """Seconds to the first reply, not waiting for the update to finish (work done after the reply,
        such as sending notices inside the update, shows in the next update's wait instead)."""
        index = len(self.fake.calls)
        sent_at = time.time()
        self.fake.send_text(user_id, text)
        while (first := self.first_reply(user_id, index, sent_at)) is None and time.time() - sent_at < timeout:
            await asyncio.sleep(0.002)
        return first if first is not None else timeout

    async def exchange(self, user_id: int, text: str) -> tuple[float, float]:
        """(first reply, last reply) in seconds after the update was queued."""
        index = len(self.fake.calls)
        sent_at = time.time()
        update = self.fake.send_text(user_id, text)
        await self.bot.handled(update, timeout=120)
        done = time.time() - sent_at
        first = self.first_reply(user_id, index, sent_at)
        return (first if first is not None else done), done


async def measure(size: int, path: Path, samples: int) -> dict:
    from bot.sandbox.fake_bot_api import FakeBotApi
    from storage import outbox
    from tests.harness import BotUnderTest

    result: dict = {"size": size}
    fake = FakeBotApi()
    await fake.start()
    drivers = {"office": OFFICE, "mttq": MTTQ, "officer": OFFICER_BASE + 0}
    for name, user_id in drivers.items():
        fake.add_user(user_id, name)
    heavy_resident = RESIDENT_BASE + 1
    fake.add_user(heavy_resident, "Cư dân số 1")
    fake.add_user(BYSTANDER, "Người xem")
    for n in range(2, 2 + NOTICE_RECIPIENTS):
        fake.add_user(RESIDENT_BASE + n, f"Cư dân số {n}")

    started = time.perf_counter()
    bot = BotUnderTest(fake, path)
    await bot.start()
    result["startup_s"] = time.perf_counter() - started
    gc.collect()
    await asyncio.sleep(0.5)
    result["rss_idle_mib"] = rss_mib()
    driver = Driver(bot)

    # The bystander registers (so /mine is a resident's real screen), unmeasured.
    await bot.register(BYSTANDER, "Người xem")

    # The morning's sweep, then again the same day (a restart).
    services = bot.services
    today = datetime.now(TZ).date()
    while not services.calendar.is_working_day(today):
        today += timedelta(days=1)
    last_notice = (await bot.rows("SELECT COALESCE(MAX(id), 0) FROM outbox"))[0][0]
    started = time.perf_counter()
    await services.reminders.queue_due_notices(today)
    result["sweep_s"] = time.perf_counter() - started
    started = time.perf_counter()
    await services.reminders.queue_due_notices(today)
    result["sweep_again_s"] = time.perf_counter() - started
    per_person = [count for _, count in await bot.rows(
        "SELECT person_id, COUNT(*) FROM outbox WHERE id > ? GROUP BY person_id", last_notice)]
    result["notices_queued"] = sum(per_person)
    result["notice_recipients"] = len(per_person)
    result["notices_per_recipient_max"] = max(per_person, default=0)
    result["open_items"] = (await bot.rows(
        "SELECT COUNT(*) FROM assignments a JOIN concerns c ON c.id = a.concern_id"
        " WHERE a.ended_at IS NULL AND c.status IN ('assigned', 'in_progress', 'extended')"))[0][0]
    # Bookkeeping only: the morning's notices are counted, not sent, so they do not mix with the timings below.
    async with bot.database.transaction() as db:
        await db.execute("UPDATE outbox SET claimed_at = ?, sent_at = ? WHERE id > ?", ("bench", "bench", last_notice))

    # The next dialogue's invitation list as the MTTQ compiles it (agenda residents, followers, speakers, heads):
    # /invitations and /attendance show it a page at a time however long it is.
    started = time.perf_counter()
    await services.invitations.compile(await services.staff.actor("telegram", str(MTTQ)))
    result["compile_s"] = time.perf_counter() - started
    result["invitees"] = (await bot.rows("SELECT COUNT(*) FROM invitations"))[0][0]

    busiest = (await bot.rows("SELECT code FROM concerns ORDER BY raised_count DESC, id DESC LIMIT 1"))[0][0]
    commands = [
        ("/tasks (officer)", drivers["officer"], "/tasks"),
        ("/overdue (office)", OFFICE, "/overdue"),
        ("/inbox (office)", OFFICE, "/inbox"),
        ("/speakers (office)", OFFICE, "/speakers"),
        ("/concern CODE (office)", OFFICE, f"/concern {busiest}"),
        ("/dialogue (office)", OFFICE, "/dialogue"),
        ("/overdue (MTTQ)", MTTQ, "/overdue"),
        ("/invitations (MTTQ)", MTTQ, "/invitations"),
        ("/attendance (office)", OFFICE, "/attendance"),
        ("/mine (resident)", heavy_resident, "/mine"),
        ("/help (resident)", heavy_resident, "/help"),
    ]
    result["commands"] = {}
    for name, user_id, text in commands:
        await driver.exchange(user_id, text)  # warm-up
        firsts, lasts = [], []
        for _ in range(samples):
            first, last = await driver.exchange(user_id, text)
            firsts.append(first)
            lasts.append(last)
        result["commands"][name] = {
            "first_p50_ms": 1000 * statistics.median(firsts), "first_p95_ms": 1000 * percentile(firsts, 0.95),
            "last_p50_ms": 1000 * statistics.median(lasts), "last_p95_ms": 1000 * percentile(lasts, 0.95)}
    heaviest = max(commands, key=lambda c: result["commands"][c[0]]["last_p50_ms"])
    result["heaviest"] = heaviest[0]

    # The public board (/board/<commune>): the whole board, and the last page of the largest section.
    from bot.board import BoardService, render_board

    boards = BoardService(bot.database, services.communes, TZ)
    t = bot.application.bot_data["i18n"].for_locale("vi")
    largest = (await bot.rows("SELECT dialogue_id FROM concerns WHERE dialogue_id IS NOT NULL GROUP BY dialogue_id"
                              " ORDER BY COUNT(*) DESC LIMIT 1"))[0][0]
    for name, section, page in (("board", None, 1), ("board_last_page", str(largest), 999_999)):
        times = []
        for _ in range(max(3, samples // 4)):
            started = time.perf_counter()
            page_html = render_board(await boards.board(COMMUNE, section=section, page=page), t, "vi")
            times.append(time.perf_counter() - started)
        result[f"{name}_p50_ms"] = 1000 * statistics.median(times)
        result[f"{name}_p95_ms"] = 1000 * percentile(times, 0.95)
        result[f"{name}_kib"] = len(page_html.encode()) / 1024

    # A bystander's /mine while the public board is requested again and again (anyone on the internet can).
    stop = asyncio.Event()

    async def visitor() -> None:
        while not stop.is_set():
            render_board(await boards.board(COMMUNE), t, "vi")
            await asyncio.sleep(0)

    visitors = asyncio.create_task(visitor())
    await asyncio.sleep(0.01)
    waits = [await driver.first_only(BYSTANDER, "/mine") for _ in range(samples)]
    stop.set()
    await visitors
    result["bystander_board_p50_ms"] = 1000 * statistics.median(waits)
    result["bystander_board_p95_ms"] = 1000 * percentile(waits, 0.95)

    # A bystander's /mine while the heaviest command runs.
    waits = []
    for _ in range(samples):
        heavy = asyncio.create_task(driver.exchange(heaviest[1], heaviest[2]))
        await asyncio.sleep(0.002)
        waits.append((await driver.exchange(BYSTANDER, "/mine"))[0])
        await heavy
    result["bystander_heavy_p50_ms"] = 1000 * statistics.median(waits)
    result["bystander_heavy_p95_ms"] = 1000 * percentile(waits, 0.95)

    # A bystander's /mine while 5,000 notices drain (whoever sends them: the update, a job, a background task).
    async with bot.database.transaction() as db:
        mark = (await (await db.execute("SELECT COALESCE(MAX(id), 0) FROM outbox")).fetchone())[0]
        for n in range(NOTICES):
            await outbox.enqueue(db, 2 + n % NOTICE_RECIPIENTS, "task_withdrawn", code=code_of(n))
    started = time.perf_counter()
    # The background sender is told, as an enqueue in an update tells it; nothing here waits for it.
    bot.application.bot_data["sender"].wake()
    waits = []
    while True:
        waits.append(await driver.first_only(BYSTANDER, "/mine"))
        left = (await bot.rows("SELECT COUNT(*) FROM outbox WHERE id > ? AND sent_at IS NULL AND failure IS NULL", mark))[0][0]
        if not left or time.perf_counter() - started > DRAIN_TIMEOUT:
            break
        await asyncio.sleep(0.05)
    result["drain_s"] = time.perf_counter() - started
    result["drain_left"] = left
    result["drain_states"] = await bot.rows(
        "SELECT claimed_at IS NOT NULL, sent_at IS NOT NULL, failure IS NOT NULL, COUNT(*) FROM outbox WHERE id > ?"
        " GROUP BY 1, 2, 3", mark)
    result["bystander_drain_p50_ms"] = 1000 * statistics.median(waits)
    result["bystander_drain_p95_ms"] = 1000 * percentile(waits, 0.95)
    result["bystander_drain_samples"] = len(waits)

    # The sweep with every concern open: as many open items as concerns (the outbox left quiet first).
    async with bot.database.transaction() as db:
        await db.execute("UPDATE outbox SET claimed_at = 'bench', sent_at = 'bench' WHERE sent_at IS NULL AND failure IS NULL")
    async with bot.database.transaction() as db:
        officer, = await (await db.execute("SELECT person_id FROM roles WHERE role = 'officer' LIMIT 1")).fetchone()
        await db.execute(
            "INSERT INTO assignments (concern_id, officer_person_id, body, assigned_at, due_date)"
            " SELECT c.id, ?, ?, c.submitted_at, date(?, '+' || ((c.id * 13) % 341 - 300) || ' days') FROM concerns c"
            " WHERE NOT EXISTS (SELECT 1 FROM assignments a WHERE a.concern_id = c.id AND a.ended_at IS NULL)",
            (officer, BODIES[0], today.isoformat()))
        await db.execute("UPDATE concerns SET status = 'in_progress' WHERE status NOT IN ('assigned', 'in_progress', 'extended')")
    next_day = services.calendar.working_days_after(today, 1)
    started = time.perf_counter()
    await services.reminders.queue_due_notices(next_day)
    result["sweep_all_open_s"] = time.perf_counter() - started
    started = time.perf_counter()
    await services.reminders.queue_due_notices(next_day)
    result["sweep_all_open_again_s"] = time.perf_counter() - started
    result["all_open_items"] = (await bot.rows("SELECT COUNT(*) FROM assignments WHERE ended_at IS NULL"))[0][0]

    result["rss_peak_mib"] = rss_mib("VmHWM")
    await bot.stop()
    await fake.stop()
    result["db_mib"] = sum(p.stat().st_size for p in path.parent.glob(path.name + "*")) / 2**20
    return result


# --- The parent: build and measure each size in its own process --------------------------------------

def report(result: dict) -> None:
    size = result["size"]
    print(f"\n== {size:,} concerns (built in {result['build_s']:.1f} s; database {result['db_mib']:.0f} MiB) ==")
    print(f"start-up {result['startup_s']:.2f} s · RSS idle {result['rss_idle_mib']:.0f} MiB, peak {result['rss_peak_mib']:.0f} MiB")
    print(f"sweep {result['sweep_s']:.3f} s, again the same day {result['sweep_again_s']:.3f} s "
          f"({result['open_items']:,} open items; {result['notices_queued']} notices to {result['notice_recipients']} "
          f"recipients, at most {result['notices_per_recipient_max']} per recipient)")
    print(f"sweep with every concern open ({result['all_open_items']:,} open items): {result['sweep_all_open_s']:.3f} s, "
          f"again {result['sweep_all_open_again_s']:.3f} s")
    print(f"invitation list compiled in {result['compile_s']:.2f} s ({result['invitees']:,} invitees)")
    for name, label in (("board", "public board"), ("board_last_page", "public board, last page of a dialogue")):
        print(f"{label}: p50 {result[name + '_p50_ms']:.0f} ms, p95 {result[name + '_p95_ms']:.0f} ms, "
              f"{result[name + '_kib']:.0f} KiB of HTML")
    print(f"{'command':28} {'first p50':>10} {'first p95':>10} {'last p50':>10} {'last p95':>10}  (ms)")
    for name, figures in result["commands"].items():
        print(f"{name:28} {figures['first_p50_ms']:10.1f} {figures['first_p95_ms']:10.1f} "
              f"{figures['last_p50_ms']:10.1f} {figures['last_p95_ms']:10.1f}")
    print(f"bystander /mine while {result['heaviest']} runs: p50 {result['bystander_heavy_p50_ms']:.1f} ms, "
          f"p95 {result['bystander_heavy_p95_ms']:.1f} ms")
    print(f"bystander /mine while the public board is requested again and again: "
          f"p50 {result['bystander_board_p50_ms']:.1f} ms, p95 {result['bystander_board_p95_ms']:.1f} ms")
    if result["drain_left"]:
        print(f"  the drain stalled; outbox rows (claimed, sent, failed, count): {result['drain_states']}")
    print(f"bystander /mine while {NOTICES:,} notices drain ({result['drain_s']:.1f} s, {result['drain_left']} left, "
          f"{result['bystander_drain_samples']} samples): p50 {result['bystander_drain_p50_ms']:.1f} ms, "
          f"p95 {result['bystander_drain_p95_ms']:.1f} ms")


def summary(result: dict) -> str:
    worst = max(figures["first_p95_ms"] for figures in result["commands"].values())
    bystander = max(result["bystander_heavy_p95_ms"], result["bystander_drain_p95_ms"])
    return (f"size={result['size']} worst_command_p95_ms={worst:.0f} bystander_p95_ms={bystander:.0f} "
            f"sweep_s={result['sweep_s']:.2f} sweep_again_s={result['sweep_again_s']:.2f} "
            f"rss_idle_mib={result['rss_idle_mib']:.0f} startup_s={result['startup_s']:.1f}")


def child(args: list[str]) -> str:
    completed = subprocess.run([sys.executable, __file__, *args], cwd=ROOT, capture_output=True, text=True)
    if completed.returncode != 0:
        sys.stderr.write(completed.stderr)
        raise SystemExit(f"bench child failed: {' '.join(args)}")
    return completed.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, action="append", help="build and measure only this size (repeatable)")
    parser.add_argument("--samples", type=int, default=20, help="runs of each command")
    parser.add_argument("--keep", type=Path, help="keep the databases in this directory")
    parser.add_argument("--build", type=Path, help=argparse.SUPPRESS)  # child: build a database
    parser.add_argument("--measure", type=Path, help=argparse.SUPPRESS)  # child: measure a database
    args = parser.parse_args()
    import logging
    logging.disable(logging.WARNING)
    if args.build:
        asyncio.run(build(args.size[0], args.build))
        return
    if args.measure:
        try:
            print(json.dumps(asyncio.run(measure(args.size[0], args.measure, args.samples))))
        except BaseException:
            # The bot's SQLite threads would keep a failed child alive (and the parent waiting) for ever.
            traceback.print_exc()
            sys.stderr.flush()
            os._exit(1)
        return

    sizes = sorted(args.size or [1_000, 10_000, 100_000])
    where = args.keep or Path(tempfile.mkdtemp(prefix="doithoai-scale-"))
    where.mkdir(parents=True, exist_ok=True)
    results = []
    try:
        for size in sizes:
            path = where / f"scale-{size}.sqlite3"
            for old in where.glob(path.name + "*"):
                old.unlink()
            started = time.perf_counter()
            child(["--size", str(size), "--build", str(path)])
            build_s = time.perf_counter() - started
            result = json.loads(child(["--size", str(size), "--samples", str(args.samples), "--measure", str(path)])
                                .strip().splitlines()[-1])
            result["build_s"] = build_s
            report(result)
            results.append(result)
            sys.stdout.flush()
    finally:
        if args.keep is None:
            shutil.rmtree(where, ignore_errors=True)
    print(summary(results[-1]))


if __name__ == "__main__":
    main()
