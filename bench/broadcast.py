"""A broadcast (e.g. the MTTQ's invitations) through the real outbox and sender, within Telegram's limits.

    .venv/bin/python bench/broadcast.py [--count 5000]

`--count` notices, one to each of as many people, sent by the real Application's sender with the
shipped limits (TELEGRAM_RATE_LIMIT=30, 1 a second per chat) against a FakeBotApi in this process that
enforces Telegram's flood limits (more than 30 messages in any second, or two to one chat within a
second, are answered 429 with retry_after). Prints the total time, the floor (count / 30 s), their
ratio, the 429s provoked, and lost and duplicated notices from the server's log; the last line is
`ratio=1.02 lost=0 duplicated=0 429s=0`. Target: ratio <= 1.05, nothing lost or duplicated, no 429.
5,000 notices take about three minutes. Never assert on these figures in tests.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import outbox as outbox_bench  # noqa: E402  (bench/outbox.py: the same database and server set-up)

RATE = 30


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=5000)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    result = asyncio.run(outbox_bench.drain(count=args.count, people=args.count, rate=RATE, chat_rate=1,
                                            in_flight=16, enforce=True))
    floor = args.count / RATE
    ratio = result["seconds"] / floor
    print(f"{args.count} notices to {args.count} people at {RATE}/s overall and 1/s per chat: "
          f"{result['seconds']:.1f} s; floor {floor:.1f} s")
    print(f"ratio={ratio:.2f} lost={result['lost']} duplicated={result['duplicated']} 429s={result['429s']}")


if __name__ == "__main__":
    main()
