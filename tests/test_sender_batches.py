"""The sender writes outcomes many per transaction: a batch waits for more answers while requests are
still on the wire (up to half the requests in flight), and is written at once when none is left."""

from __future__ import annotations

import asyncio

from bot.services import sender as sender_module
from bot.services.sender import Channel, Delivery, OutboxSender, SendingLimits
from storage.outbox import Notice


class Outbox:
    """The sender's view of the outbox (claim, record), in memory, recording each transaction's outcomes."""

    def __init__(self, notices: list[Notice]) -> None:
        self.waiting = list(notices)
        self.transactions: list[list[int]] = []

    async def any_waiting(self, channel: str) -> bool:
        return bool(self.waiting)

    async def claim(self, channel: str, limit: int = 500) -> list[Notice]:
        claimed, self.waiting = self.waiting[:limit], self.waiting[limit:]
        return claimed

    async def record(self, outcomes, notices=None) -> None:
        self.transactions.append([outcome.notice_id for outcome in outcomes])


async def turns(count: int = 30) -> None:
    for _ in range(count):
        await asyncio.sleep(0)


async def test_an_answer_waits_for_others_on_the_wire_and_the_last_one_is_written_at_once(monkeypatch):
    # Time never decides here: only how many answers came and how many requests are still out.
    monkeypatch.setattr(sender_module, "BATCH_WAIT", 60.0, raising=False)
    notices = [Notice(n, n, "test", str(1000 + n), "vi", "tasks_orphaned", {}) for n in range(1, 5)]
    outbox = Outbox(notices)
    answers: dict[int, asyncio.Future] = {}

    async def deliver(notice: Notice) -> Delivery:
        answers[notice.id] = asyncio.get_running_loop().create_future()
        await answers[notice.id]
        return Delivery(ok=True)

    sender = OutboxSender(outbox, Channel("test", deliver), SendingLimits(per_second=0, in_flight=4))
    await sender.start()
    try:
        while len(answers) < 4:
            await asyncio.sleep(0.01)
        answers[1].set_result(None)
        await turns()
        assert outbox.transactions == []  # three still on the wire: wait for a fuller batch
        answers[2].set_result(None)
        await turns()
        assert outbox.transactions == [[1, 2]]  # half of the four in flight: written
        answers[3].set_result(None)
        await turns()
        assert outbox.transactions == [[1, 2]]
        answers[4].set_result(None)
        await turns()
        assert outbox.transactions == [[1, 2], [3, 4]]  # nothing left on the wire: written at once
    finally:
        await sender.stop()


class Claims(Outbox):
    def __init__(self, notices: list[Notice]) -> None:
        super().__init__(notices)
        self.claims: list[int] = []

    async def claim(self, channel: str, limit: int = 500) -> list[Notice]:
        claimed = await super().claim(channel, limit)
        self.claims.append(len(claimed))
        return claimed


async def test_with_the_hold_nearly_full_notices_are_claimed_many_at_a_time_not_one_per_turn(monkeypatch):
    monkeypatch.setattr(sender_module, "HELD", 8)
    monkeypatch.setattr(sender_module, "CLAIM", 4)
    monkeypatch.setattr(sender_module, "CLAIM_AGAIN", 3600.0, raising=False)  # time never decides here
    outbox = Claims([Notice(n, n, "test", str(1000 + n), "vi", "tasks_orphaned", {}) for n in range(1, 41)])

    async def deliver(notice: Notice) -> Delivery:
        await asyncio.sleep(0)
        return Delivery(ok=True)

    sender = OutboxSender(outbox, Channel("test", deliver), SendingLimits(per_second=0, in_flight=2))
    await sender.start()
    try:
        while sum(len(t) for t in outbox.transactions) < 40:
            await asyncio.sleep(0.01)
    finally:
        await sender.stop()
    assert sum(outbox.claims) == 40
    assert all(size == 4 for size in outbox.claims if size), outbox.claims  # never a claim of 1, 2 or 3


async def test_a_sender_holding_all_it_may_hold_waits_without_spinning(monkeypatch):
    monkeypatch.setattr(sender_module, "HELD", 4)
    monkeypatch.setattr(sender_module, "CLAIM", 4)
    outbox = Outbox([Notice(n, n, "test", str(1000 + n), "vi", "tasks_orphaned", {}) for n in range(1, 11)])
    answer = asyncio.get_running_loop().create_future()

    async def deliver(notice: Notice) -> Delivery:
        await answer
        return Delivery(ok=True)

    sender = OutboxSender(outbox, Channel("test", deliver), SendingLimits(per_second=0, in_flight=1))
    turns_taken = 0
    dispatch = sender._dispatch

    def counting(now: float) -> float:
        nonlocal turns_taken
        turns_taken += 1
        return dispatch(now)

    sender._dispatch = counting
    await sender.start()
    try:
        await asyncio.sleep(0.1)  # four held, one on the wire, more waiting in the outbox
        assert turns_taken <= 3  # a loop told to look again with nothing it may do spun thousands of turns
    finally:
        answer.set_result(None)
        await sender.stop()
