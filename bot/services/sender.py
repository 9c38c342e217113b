"""The outbox sender: one background task per channel sends waiting notices within the channel's limits.

Channel-neutral: a channel gives a delivery function (one notice -> `Delivery`) and the least
time between two messages to one chat; the sender does the rest:
- an overall pace (messages a second), a per-chat pace, and at most `in_flight` requests at once;
- per notice: attempts, growing backoff, given up after `max_attempts` (at once when the person
  cannot be reached); one failing chat never holds up another;
- a 429's wait pauses that chat only, unless several chats are told to wait at once (the whole
  channel is over its limit): then everything waits;
- outcomes are written many at a time (one transaction: a batch waits up to BATCH_WAIT for half
  the requests in flight to answer, never while none is left on the wire), and a request's slot is
  freed only once its outcome is written, so a kill can leave at most `in_flight` notices sent but not marked:
  those, and every other claimed notice, are sent again after the restart (see storage.outbox).

Nothing here runs inside a user's update: `wake()` is all an update (via storage.outbox.enqueue) does;
and users' updates go first: new requests start when no update is being handled (`give_way`).

The overall rate is the channel's, not the sender's alone: a `SharedRate` counts every message the
process sends there (the replies to users' updates too); notices take only what the replies leave,
and never a slot a reply is waiting for.
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import itertools
import logging
import math
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, timezone

from bot.notices import Rendered, render_for
from storage import outbox
from storage.database import DatabaseBusy
from storage.outbox import Notice, Outcome

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Delivery:
    """How one try went, in the channel's words translated to the sender's."""

    ok: bool
    failure: str = ""
    unreachable: bool = False  # the person cannot be reached (blocked the bot, no such chat): give up now
    permanent: bool = False  # trying again cannot help (the message itself was refused): give up now
    retry_after: float | None = None  # the channel asked to wait this long; not the recipient's fault


def render_notice(notice: Notice, t, communes) -> Rendered | Delivery:
    """What the notice says to its addressee; a notice that cannot be rendered never will be: given up."""
    try:
        return render_for(notice.kind, notice.payload, t, communes, notice.on_behalf_of)
    except Exception as error:  # noqa: BLE001 - whatever the renderer fails on
        log.exception("notice %s could not be rendered", notice.id)
        return Delivery(ok=False, failure=f"not rendered: {error!r}", permanent=True)


@dataclass(frozen=True)
class Channel:
    name: str
    deliver: Callable[[Notice], Awaitable[Delivery]]
    # Least seconds between two messages to the chat this notice goes to (0 = no limit).
    chat_interval: Callable[[Notice], float] = lambda notice: 0.0


@dataclass(frozen=True)
class SendingLimits:
    per_second: float = 30.0  # overall; 0 = no cap
    max_attempts: int = 8
    in_flight: int = 16
    backoff_seconds: float = 2.0  # after the first failure; doubles each time
    backoff_max_seconds: float = 600.0


# Pace a little under each limit, so that network jitter never lands two requests closer than allowed.
MARGIN = 1.02
# This many different chats told to wait within a second means the channel as a whole is over its limit.
FLOOD_CHATS = 3
HELD = 2000  # notices held in memory at most
CLAIM = 500  # notices claimed at once
# Seconds between claims while there is room for fewer than CLAIM: uncapped, the room grows a notice at
# a time once HELD are held, and claiming at every turn made a transaction a notice (a claim of one).
CLAIM_AGAIN = 1.0
LOOK_EVERY = 5.0  # seconds between looks at the database for notices queued by another process
# Seconds a batch of outcomes may wait for more answers before it is written. Uncapped, answers come
# one by one: written as they come, most transactions held one outcome (600 of 1,200 for 5,000
# notices), and each costs the event loop a handoff to SQLite's thread.
BATCH_WAIT = 0.002


# Seconds a reply waiting for room in the shared rate sleeps at most before it looks again.
RATE_POLL = 0.05


class SharedRate:
    """One overall rate (messages a second) for everything a process sends on one channel: the replies
    to users' updates and the notices of the outbox sender share it, replies first.

    Each message holds a slot from its start until MARGIN seconds after its answer: the channel counts
    arrivals, which lie between the two, so no second ever holds more than `per_second` arrivals,
    whatever the network's jitter. `per_second` 0 means no cap (nothing counted, nobody waits)."""

    def __init__(self, per_second: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.per_second = per_second
        self.clock = clock
        self.waiting = 0  # replies waiting for a slot: notices take none meanwhile
        self._queue: deque[object] = deque()  # the waiting replies, first come first served
        self._slots: deque[list] = deque()  # [time, answered]: the start, then the answer (+ MARGIN counts)
        self._listeners: list[Callable[[], None]] = []

    def listen(self, listener: Callable[[], None]) -> None:
        """Call `listener` when a slot may have been freed (the sender waits on it)."""
        self._listeners.append(listener)

    def unlisten(self, listener: Callable[[], None]) -> None:
        with contextlib.suppress(ValueError):
            self._listeners.remove(listener)

    def _held(self, now: float) -> int:
        # Slots free in answer order only roughly; drop the freed ones wherever they are (a few dozen at most).
        if any(answered and at + MARGIN <= now for at, answered in self._slots):
            self._slots = deque(slot for slot in self._slots if not slot[1] or slot[0] + MARGIN > now)
        return len(self._slots)

    def room(self, now: float | None = None) -> bool:
        return self.per_second <= 0 or self._held(self.clock() if now is None else now) < self.per_second

    def free_at(self, now: float) -> float:
        """When a slot is free again: now if one is, math.inf while every slot waits for its answer."""
        if self.room(now):
            return now
        return min((at + MARGIN for at, answered in self._slots if answered), default=math.inf)

    def take(self, now: float | None = None) -> list | None:
        """Count a message starting now; give its slot to `answered` once the answer came."""
        if self.per_second <= 0:
            return None
        slot = [self.clock() if now is None else now, False]
        self._slots.append(slot)
        return slot

    def answered(self, slot: list | None) -> None:
        if slot is None:
            return
        slot[0], slot[1] = self.clock(), True
        for listener in list(self._listeners):
            listener()

    async def acquire(self) -> list | None:
        """A reply's slot: at once when there is room, otherwise as soon as there is (before any notice),
        in the order the replies asked: under a burst the first to wait is the first to go."""
        if self.per_second <= 0 or (not self.waiting and self.room()):
            return self.take()
        ticket = object()
        self._queue.append(ticket)
        self.waiting += 1
        try:
            while self._queue[0] is not ticket or not self.room():
                now = self.clock()
                await asyncio.sleep(min(max(self.free_at(now) - now, 0.001), RATE_POLL))
        finally:
            self._queue.remove(ticket)
            self.waiting -= 1
        slot = self.take()
        for listener in list(self._listeners):  # the last reply waiting has its slot: notices may go on
            listener()
        return slot


def _wall_after(seconds: float) -> str:
    return (datetime.now(timezone.utc) + timedelta(seconds=seconds)).replace(microsecond=0).isoformat()


class OutboxSender:
    def __init__(self, notifications, channel: Channel, limits: SendingLimits = SendingLimits(), *,
                 clock: Callable[[], float] = time.monotonic,
                 give_way: Callable[[], Awaitable[None]] | None = None, shared: SharedRate | None = None) -> None:
        self._notifications = notifications
        # Awaited before new requests are started: returns once no user's update is being handled (or
        # after a short while, so a steady stream of updates cannot hold notices back for ever). The
        # sender shares the process and its event loop with the handlers: uncapped, a broadcast would
        # otherwise slip its requests between every step of a user's reply.
        self._give_way = give_way
        self._channel = channel
        self._limits = limits
        self._clock = clock
        # The channel's overall rate, shared with the replies to users' updates (None: this sender's alone).
        self._shared = shared
        self._pace = MARGIN / limits.per_second if limits.per_second > 0 else 0.0
        self._queues: dict[str, deque[Notice]] = {}  # per chat, oldest first
        self._not_before: dict[int, float] = {}  # notice id -> clock time of its next try
        self._chat_free: dict[str, float] = {}  # chat -> clock time it may get the next message
        self._busy: set[str] = set()  # chats with a request in flight
        self._heap: list[tuple[float, int, str]] = []  # (when, tie, chat) of chats that may have work
        self._tie = itertools.count()
        self._held = 0
        self._sending = 0
        self._on_wire = 0  # requests sent and not answered yet
        self._next_send = -math.inf
        # The last `per_second` requests, each [time, answered]: the time of its start, then of its answer.
        # Telegram counts arrivals, which lie between the two: a request starts only a second (stretched
        # by MARGIN) after the answer to the one `per_second` before it, so no second ever holds more,
        # whatever the network's jitter or a late wake-up's catching up.
        self._window: deque[list] = deque(maxlen=max(1, int(limits.per_second)))
        self._paused_until = -math.inf
        self._told_to_wait: deque[tuple[float, str]] = deque()
        self._look = True
        self._next_look = -math.inf
        self._last_claim = -math.inf
        self._stir = asyncio.Event()
        self._timer: asyncio.TimerHandle | None = None
        self._settled = asyncio.Event()
        self._marks: list[Outcome] = []
        self._marked_notices: dict[int, Notice] = {}
        self._batch: asyncio.Future | None = None
        self._batch_at = max(1, limits.in_flight // 2)  # outcomes that make a batch worth writing at once
        self._gathering: asyncio.Future | None = None  # the flusher waits on it for a fuller batch
        self._flusher: asyncio.Task | None = None
        self._task: asyncio.Task | None = None
        self._sends: set[asyncio.Task] = set()

    # --- life ------------------------------------------------------------------------------

    async def start(self) -> None:
        if self._task is None:
            outbox.add_listener(self.wake)
            if self._shared is not None:
                self._shared.listen(self._stir.set)
            self._task = asyncio.create_task(self._run(), name=f"outbox sender ({self._channel.name})")

    async def stop(self, grace: float = 5.0) -> None:
        """Stop claiming; let requests in flight finish and their outcomes be written (the rest waits in the outbox)."""
        if self._task is None:
            return
        outbox.remove_listener(self.wake)
        if self._shared is not None:
            self._shared.unlisten(self._stir.set)
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        self._task.cancel()
        await asyncio.gather(self._task, return_exceptions=True)
        self._task = None
        if self._sends:
            done, pending = await asyncio.wait(set(self._sends), timeout=grace)
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)
        if self._flusher is not None:
            done, pending = await asyncio.wait({self._flusher}, timeout=grace)
            for task in pending:
                task.cancel()
            await asyncio.gather(self._flusher, return_exceptions=True)

    def wake(self) -> None:
        """A notice was queued: look at the outbox now."""
        self._look = True
        self._settled.clear()
        self._stir.set()

    async def settle(self) -> None:
        """Wake, then wait until nothing is left that may be sent now (tests use this)."""
        self.wake()
        await self._settled.wait()

    # --- the loop --------------------------------------------------------------------------

    async def _run(self) -> None:
        while True:
            self._stir.clear()
            try:
                now = self._clock()
                if not self._look and now >= self._next_look:
                    self._next_look = now + LOOK_EVERY
                    self._look = await self._notifications.any_waiting(self._channel.name)
                if self._look and self._held < HELD and (
                        HELD - self._held >= CLAIM or now >= self._last_claim + CLAIM_AGAIN):
                    await self._claim()
                if self._give_way is not None and self._heap and self._sending < self._limits.in_flight:
                    await self._give_way()
                wake_at = self._dispatch(self._clock())
            except asyncio.CancelledError:
                raise
            except DatabaseBusy:
                # Another process holds SQLite's write lock: nothing can be claimed now; try again shortly.
                log.warning("the outbox sender waits: the database is busy")
                self._settled.set()
                self._stir.clear()
                await asyncio.sleep(1.0)
                continue
            except Exception:  # noqa: BLE001 - the sender must outlive a bug
                log.exception("the outbox sender stumbled; it goes on in a second")
                self._stir.clear()
                await asyncio.sleep(1.0)
                continue
            now = self._clock()
            if not self._look and not self._sending and not self._marks and wake_at > now:
                self._settled.set()
            timeout = min(max(wake_at - now, 0.0), LOOK_EVERY)
            if not self._look:
                timeout = min(timeout, max(self._next_look - now, 0.0))
            elif self._held < HELD:
                again = now if HELD - self._held >= CLAIM else self._last_claim + CLAIM_AGAIN
                timeout = min(timeout, max(again - now, 0.0))
            # (Told to look but holding HELD already: a finishing request stirs the loop. Counting the
            # next periodic look then, as before, meant a timeout of 0: a busy loop.)
            self._stir_within(timeout)
            await self._stir.wait()

    def _stir_within(self, timeout: float) -> None:
        """Have a timer stir the loop within `timeout` seconds: the one already set if it rings sooner.

        Cheaper than wait_for, which makes a task at every turn (a turn per message when uncapped);
        a timer that rings early only means one more look."""
        loop = asyncio.get_running_loop()
        at = loop.time() + timeout
        if self._timer is not None:
            if self._timer.when() <= at:
                return
            self._timer.cancel()
        self._timer = loop.call_at(at, self._ring)

    def _ring(self) -> None:
        self._timer = None
        self._stir.set()

    async def _claim(self) -> None:
        self._last_claim = self._clock()
        limit = min(CLAIM, HELD - self._held)
        notices = await self._notifications.claim(self._channel.name, limit)
        self._look = len(notices) == limit
        now = self._clock()
        for notice in notices:
            chat = notice.external_id
            queue = self._queues.setdefault(chat, deque())
            queue.append(notice)
            self._held += 1
            if len(queue) == 1 and chat not in self._busy:
                self._push(chat, now)

    def _push(self, chat: str, at: float) -> None:
        heapq.heappush(self._heap, (at, next(self._tie), chat))

    def _dispatch(self, now: float) -> float:
        """Start every request that may go now; return when the next one may."""
        while self._heap:
            at, _, chat = self._heap[0]
            if at > now:
                return at
            if self._sending >= self._limits.in_flight:
                return math.inf  # a finishing request stirs the loop
            start = max(self._paused_until, self._next_send)
            if self._pace and len(self._window) == self._window.maxlen:
                at, answered = self._window[0]
                if not answered:
                    return math.inf  # its answer stirs the loop
                start = max(start, at + MARGIN)
            if self._shared is not None:
                if self._shared.waiting:
                    return math.inf  # a reply waits for the next slot: the one it takes stirs the loop
                start = max(start, self._shared.free_at(now))  # math.inf: an answer stirs the loop
            if start > now:
                return start
            heapq.heappop(self._heap)
            queue = self._queues.get(chat)
            if chat in self._busy or not queue:
                continue
            due = max(self._not_before.get(queue[0].id, -math.inf), self._chat_free.get(chat, -math.inf))
            if due > now:
                self._push(chat, due)
                continue
            notice = queue.popleft()
            self._busy.add(chat)
            self._sending += 1
            if self._pace:
                # Keep the pace from the ideal time while only a little late, so sleeping's overshoot is not lost.
                self._next_send = (self._next_send if now - self._next_send < self._pace else now) + self._pace
            entry = [now, False]
            if self._pace:
                self._window.append(entry)
            slot = self._shared.take(now) if self._shared is not None else None
            task = asyncio.create_task(self._send(chat, notice, entry, slot))
            self._sends.add(task)
            task.add_done_callback(self._sends.discard)
        return math.inf

    async def _send(self, chat: str, notice: Notice, entry: list, slot: list | None = None) -> None:
        try:
            self._on_wire += 1
            try:
                delivery = await self._channel.deliver(notice)
            except Exception as error:  # noqa: BLE001 - a bug in one notice must not stop the others
                log.exception("notice %s could not be delivered", notice.id)
                delivery = Delivery(ok=False, failure=repr(error), permanent=True)
            finally:
                self._on_wire -= 1
                if self._shared is not None:
                    self._shared.answered(slot)
            now = self._clock()
            entry[0], entry[1] = now, True
            # From the answer, not the start: the request arrived at Telegram before its answer came back,
            # so the next one to this chat arrives at least the chat's interval after it, whatever the jitter.
            self._chat_free[chat] = max(self._chat_free.get(chat, -math.inf),
                                        now + MARGIN * self._channel.chat_interval(notice))
            outcome = self._judge(chat, notice, delivery, now)
            if outcome is not None:
                await self._record(outcome, notice)
        finally:
            self._busy.discard(chat)
            self._sending -= 1
            queue = self._queues.get(chat)
            if queue:
                self._push(chat, self._clock())
            elif queue is not None:
                del self._queues[chat]
            self._stir.set()

    def _judge(self, chat: str, notice: Notice, delivery: Delivery, now: float) -> Outcome | None:
        """The outcome to write, or None when nothing changes (a 429: try again after the wait)."""
        if delivery.ok:
            return self._done(notice, Outcome(notice.id, "sent", notice.attempts))
        if delivery.retry_after is not None:
            wait = max(delivery.retry_after, 0.0)
            self._chat_free[chat] = max(self._chat_free.get(chat, -math.inf), now + wait)
            self._told_to_wait.append((now, chat))
            while self._told_to_wait and self._told_to_wait[0][0] < now - 1.0:
                self._told_to_wait.popleft()
            if len({c for _, c in self._told_to_wait}) >= FLOOD_CHATS:
                log.warning("the channel %s asks every chat to wait %.0f s", self._channel.name, wait)
                self._paused_until = max(self._paused_until, now + wait)
            self._queues.setdefault(chat, deque()).appendleft(notice)
            return None
        attempts = notice.attempts + 1
        if delivery.unreachable or delivery.permanent or attempts >= self._limits.max_attempts:
            log.warning("notice %s given up after %d attempt(s): %s", notice.id, attempts, delivery.failure)
            return self._done(notice, Outcome(notice.id, "given_up", attempts, delivery.failure))
        backoff = min(self._limits.backoff_seconds * 2 ** (attempts - 1), self._limits.backoff_max_seconds)
        self._not_before[notice.id] = now + backoff
        self._queues.setdefault(chat, deque()).appendleft(replace(notice, attempts=attempts))
        return Outcome(notice.id, "retry", attempts, delivery.failure, _wall_after(backoff))

    def _done(self, notice: Notice, outcome: Outcome) -> Outcome:
        self._held -= 1
        self._not_before.pop(notice.id, None)
        return outcome

    # --- writing outcomes, many per transaction ----------------------------------------------

    async def _record(self, outcome: Outcome, notice: Notice) -> None:
        """Wait until this outcome is written, together with whatever else finished meanwhile."""
        self._marks.append(outcome)
        self._marked_notices[notice.id] = notice
        if self._batch is None:
            self._batch = asyncio.get_running_loop().create_future()
        batch = self._batch
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.create_task(self._flush())
        elif self._gathering is not None and self._enough():
            _resolve(self._gathering)
        await asyncio.shield(batch)

    def _enough(self) -> bool:
        return len(self._marks) >= self._batch_at or self._on_wire == 0

    async def _flush(self) -> None:
        loop = asyncio.get_running_loop()
        while self._marks:
            if not self._enough():
                self._gathering = loop.create_future()
                timer = loop.call_later(BATCH_WAIT, _resolve, self._gathering)
                try:
                    await self._gathering
                finally:
                    timer.cancel()
                    self._gathering = None
            marks, notices, batch = self._marks, self._marked_notices, self._batch
            self._marks, self._marked_notices, self._batch = [], {}, None
            for attempt in range(10):
                try:
                    await self._notifications.record(marks, notices)
                    break
                except Exception:  # noqa: BLE001 - a busy database: the outcomes wait, nothing is lost
                    log.exception("could not record %d notice outcomes (try %d)", len(marks), attempt + 1)
                    await asyncio.sleep(0.5)
            # If they could not be written, the notices stay claimed: the next start sends them again.
            batch.set_result(None)


def _resolve(future: asyncio.Future) -> None:
    if not future.done():
        future.set_result(None)
