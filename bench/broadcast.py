"""A broadcast of the MTTQ's invitations through the real service, outbox and sender, within Telegram's limits.

    .venv/bin/python bench/broadcast.py [--count 5000] [--replies 10]

`--count` residents of xã Bảo Lâm are put on a dialogue's invitation list and the MTTQ issues it with
the real InvitationService (one transaction queues every invitation in the outbox, as in production);
the real Application's sender then sends them with the shipped limits (TELEGRAM_RATE_LIMIT=30, 1 a
second per chat) against a FakeBotApi in another process (as Telegram is; `--same-process` shares
this one) that enforces Telegram's flood limits (more than
30 messages in any second, or two to one chat within a second, are answered 429 with retry_after).
Each invitation is known on arrival by its answer buttons (iv:yes:<invitation>). Prints the total
time, the floor (count / 30 s), their ratio, the 429s provoked, and lost and duplicated invitations;
the last line is `ratio=1.02 lost=0 duplicated=0 429s=0`. Target: ratio <= 1.05, nothing lost or
duplicated, no 429. 5,000 invitations take about three minutes. Never assert on these figures in tests.

`--replies R`: users are active meanwhile: R replies a second go out through the Application's bot (the
rate limiter every reply to an update passes), each to one of REPLY_CHATS other residents. Replies and
notices share TELEGRAM_RATE_LIMIT: the invitations then get what the replies leave (the floor becomes
count / (30 - R) s), the replies wait for nobody but each other; printed: replies sent, their p50/p95
wait (ms, from asking to the answer), the most messages of both kinds that arrived in one second is
kept under 30 by the fake server's 429s (none expected).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import outbox as outbox_bench  # noqa: E402  (bench/outbox.py: the same database and server set-up)

from storage import dialogues, invitations  # noqa: E402
from storage.database import utc_now  # noqa: E402

RATE = 30
MTTQ_USER = 9_999_999
REPLY_CHATS = 120  # active users, each gets a reply every REPLY_CHATS / R seconds (Telegram: 1 a second a chat)


def invitation_filler(count: int):
    """Residents 10,000,000 + n on the list of a dialogue; the MTTQ issues it through the service."""
    async def fill(database, services) -> None:
        commune = services.communes.single or services.communes.items[0]
        hamlets = [h.id for h in commune.hamlets]
        meeting = (datetime.now(timezone.utc) + timedelta(days=30)).replace(microsecond=0).isoformat()
        async with database.transaction() as db:
            dialogue_id = await dialogues.insert(db, commune_id=commune.id, meeting_at=meeting, place="Hội trường UBND xã",
                                                 theme=None, chair_person_id=None)
            for n in range(count):
                hamlet = hamlets[n % len(hamlets)]
                cursor = await db.execute(
                    "INSERT INTO people (channel, external_id, locale, created_at) VALUES ('telegram', ?, 'vi', ?)",
                    (str(10_000_000 + n), utc_now()))
                await db.execute("INSERT INTO residents (person_id, commune_id, hamlet_id, display_name, registered_at)"
                                 " VALUES (?, ?, ?, ?, ?)", (cursor.lastrowid, commune.id, hamlet, f"Người {n}", utc_now()))
                await invitations.add(db, dialogue_id=dialogue_id, commune_id=commune.id, hamlet_id=hamlet,
                                      person_id=cursor.lastrowid, name=f"Người {n}", reason="representative", added_by=None)
        await services.staff.grant_on_server("telegram", str(MTTQ_USER), commune_id=commune.id, role="mttq")
        mttq = await services.staff.actor("telegram", str(MTTQ_USER))
        await services.invitations.issue(mttq)
    return fill


def replier(count: int, per_second: float, waits: list[float]):
    """Sends `per_second` replies a second through the Application's bot until cancelled; `waits` gets each one's seconds."""
    async def reply(application, chat: int) -> None:
        asked = time.perf_counter()
        await application.bot.send_message(chat, "Cảm ơn bạn, ý kiến đã được ghi nhận.")
        waits.append(time.perf_counter() - asked)

    async def run(application) -> None:
        tasks, n, started = set(), 0, time.perf_counter()
        try:
            while True:
                task = asyncio.create_task(reply(application, 10_000_000 + count + n % REPLY_CHATS))
                tasks.add(task)
                task.add_done_callback(tasks.discard)
                n += 1
                await asyncio.sleep(max(0.0, started + n / per_second - time.perf_counter()))
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=5000)
    parser.add_argument("--same-process", action="store_true",
                        help="run the fake server in this process too (it then competes with the sender for the CPU)")
    parser.add_argument("--replies", type=float, default=0,
                        help="replies a second sent meanwhile through the Application (users being active)")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    waits: list[float] = []
    alongside = replier(args.count, args.replies, waits) if args.replies > 0 else None
    result = asyncio.run(outbox_bench.drain(count=args.count, people=args.count + REPLY_CHATS, rate=RATE, chat_rate=1,
                                            in_flight=16, enforce=True, fill_with=invitation_filler(args.count),
                                            counter="invitations", elsewhere=not args.same_process,
                                            alongside=alongside))
    floor = args.count / (RATE - min(args.replies, RATE - 1))
    ratio = result["seconds"] / floor
    print(f"{args.count} invitations to {args.count} residents at {RATE}/s overall and 1/s per chat: "
          f"{result['seconds']:.1f} s; floor {floor:.1f} s")
    if args.replies > 0:
        waits.sort()
        pick = lambda q: waits[min(len(waits) - 1, int(q * len(waits)))] * 1000 if waits else float("nan")  # noqa: E731
        print(f"meanwhile {len(waits)} replies at {args.replies:g}/s through the Application: "
              f"wait p50 {pick(0.5):.0f} ms, p95 {pick(0.95):.0f} ms; invitations at "
              f"{args.count / result['seconds']:.1f}/s (the rest of {RATE}/s)")
    print(f"ratio={ratio:.2f} lost={result['lost']} duplicated={result['duplicated']} 429s={result['429s']}")


if __name__ == "__main__":
    main()
