"""The outbox, seen from a channel: claim what to send, then record how it went, many at once.

Given-up notices do not vanish: a resident's is passed to the head of their hamlet (to carry by
hand), and the office lists them all (`undelivered`)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from bot.notices import Rendered, render, renders
from bot.roles import Actor
from storage import outbox
from storage.database import Database
from storage.outbox import GivenUp, Notice, Outcome

PASS_ON = "pass_on"


@dataclass(frozen=True)
class Undelivered:
    total: int
    items: list[GivenUp]


class NotificationService:
    def __init__(self, database: Database, staff=None) -> None:
        self._database = database
        self._staff = staff

    async def any_waiting(self, channel: str) -> bool:
        async with self._database.read() as db:
            return await outbox.any_waiting(db, channel)

    async def claim(self, channel: str, limit: int = 500) -> list[Notice]:
        async with self._database.transaction() as db:
            return await outbox.claim(db, channel, limit)

    async def record(self, outcomes: Iterable[Outcome], notices: dict[int, Notice] | None = None) -> None:
        """One transaction for many outcomes; a given-up resident's notice goes to their hamlet head."""
        outcomes = list(outcomes)
        async with self._database.transaction() as db:
            await outbox.record(db, outcomes)
            for outcome in outcomes:
                notice = (notices or {}).get(outcome.notice_id)
                if outcome.state == "given_up" and notice is not None and notice.kind != PASS_ON:
                    await self._pass_to_hamlet_head(db, notice, outcome)

    async def _pass_to_hamlet_head(self, db, notice: Notice, outcome: Outcome) -> None:
        found = await outbox.residents_hamlet_heads(db, notice.person_id)
        if found is None or not found[1]:
            return  # not a resident, or the hamlet has no head: the office's list still shows it
        resident, heads = found
        for head in heads:
            await outbox.enqueue(db, head, PASS_ON, notice=notice.id, notice_kind=notice.kind, notice_payload=notice.payload,
                                 name=resident["name"], hamlet=resident["hamlet"], commune=resident["commune"])
        await outbox.mark_passed(db, notice.id, heads[0])

    async def recover_interrupted(self) -> int:
        """At start: notices claimed but not finished when the process stopped are sent again.
        The one whose request was on the wire at the stop may arrive twice; a lost notice is worse."""
        async with self._database.transaction() as db:
            return await outbox.release_interrupted(db)

    async def undelivered(self, actor: Actor | None, limit: int = 20) -> Undelivered:
        """The office's list of notices of its commune that could not be delivered, newest first."""
        actor = await self._staff.require(actor, "view_undelivered")
        async with self._database.read() as db:
            total, items = await outbox.given_up(db, actor.commune_id, limit)
        return Undelivered(total, items)


@renders(PASS_ON)
def _pass_on(payload: dict, t, communes) -> Rendered:
    """The hamlet head carries a notice to a resident the bot could not reach; the buttons are the resident's."""
    commune = communes.get(payload.get("commune"))
    hamlet = commune.hamlet(payload.get("hamlet")) if commune is not None else None
    inner = render(payload["notice_kind"], payload["notice_payload"], t, communes)
    head = t("This message could not be delivered to %(name)s (%(hamlet)s). Please pass it on to them:",
             name=payload["name"], hamlet=hamlet.name(t.locale) if hamlet else "—")
    return Rendered(head + "\n\n" + inner.text)
