"""The rows a report adds up: concerns of a scope (a dialogue, or a period), their assignments, answers, notes.

A scope is a WHERE clause on `concerns c` with its parameters, built by `scope_clause`; every query here
takes it, so a report reads its figures in a handful of statements whatever the number of concerns."""

from __future__ import annotations

from dataclasses import dataclass

import aiosqlite


@dataclass(frozen=True)
class ScopeFilter:
    """Which concerns a report covers: one dialogue's (with those screened out before it), or those
    received in [start_utc, end_utc); optionally one hamlet's (a hamlet head's report)."""

    commune_id: str
    dialogue_id: int | None = None
    previous_meeting_utc: str | None = None  # the dialogue before it: what was screened out since then is its
    meeting_utc: str | None = None
    start_utc: str | None = None
    end_utc: str | None = None
    hamlet_id: str | None = None


def scope_clause(scope: ScopeFilter) -> tuple[str, list]:
    where, params = ["c.commune_id = ?"], [scope.commune_id]
    if scope.dialogue_id is not None:
        # The dialogue's agenda, the concerns merged into it, and what was screened out before its meeting.
        where.append(
            "(c.dialogue_id = ? OR c.duplicate_of IN (SELECT id FROM concerns WHERE dialogue_id = ?)"
            " OR (c.dialogue_id IS NULL AND c.status IN ('merged', 'out_of_scope', 'rejected')"
            " AND c.submitted_at > ? AND c.submitted_at <= ?))")
        params += [scope.dialogue_id, scope.dialogue_id, scope.previous_meeting_utc or "", scope.meeting_utc or ""]
    else:
        where.append("c.submitted_at >= ? AND c.submitted_at < ?")
        params += [scope.start_utc, scope.end_utc]
    if scope.hamlet_id is not None:
        where.append("c.hamlet_id = ?")
        params.append(scope.hamlet_id)
    return " AND ".join(where), params


_SCREENED_OUT = "('submitted', 'merged', 'out_of_scope', 'rejected')"


async def concern_counts(db: aiosqlite.Connection, scope: ScopeFilter) -> list[tuple]:
    """Per hamlet: received, accepted, merged, out of scope, rejected, and conclusions by kind."""
    where, params = scope_clause(scope)
    rows = await (await db.execute(
        "SELECT c.hamlet_id, COUNT(*),"
        # "Không chấp nhận" at the meeting keeps the status 'rejected' with a conclusion: it was accepted at screening.
        f" SUM(c.status NOT IN {_SCREENED_OUT} OR c.conclusion IS NOT NULL), SUM(c.status = 'merged'),"
        " SUM(c.status = 'out_of_scope'), SUM(c.status = 'rejected' AND c.conclusion IS NULL), SUM(c.conclusion = 'answered'), SUM(c.conclusion = 'assigned'),"
        " SUM(c.conclusion = 'referred'), SUM(c.conclusion = 'not_accepted'),"
        " SUM(c.conclusion = 'referred' AND c.referral_answered_at IS NOT NULL)"
        f" FROM concerns c WHERE {where} GROUP BY c.hamlet_id ORDER BY c.hamlet_id", params)).fetchall()
    return [tuple(row) for row in rows]


@dataclass(frozen=True)
class RegisterRow:
    """One concern as the registers print it (no resident's name or phone: the registers leave the bot)."""

    code: str
    hamlet_id: str
    category: str
    status: str
    submitted_at: str
    meeting_at: str | None
    conclusion: str | None
    conclusion_text: str | None
    referred_to: str | None
    referral_answer: str | None
    referral_answered_at: str | None
    body: str | None  # the assigned body
    officer_name: str | None
    assigned_at: str | None
    due_date: str | None
    extended_to: str | None
    extension_reason: str | None
    resolved_at: str | None
    result: str | None
    disputed: bool
    satisfied: bool
    satisfaction: int | None = None  # 1-5, asked when it was closed
    legal_procedure: bool = False  # extended past the plan's limit to a legal procedure's stated date


async def register(db: aiosqlite.Connection, scope: ScopeFilter) -> list[RegisterRow]:
    """Every concern of the scope with its live (or last resolved) assignment and the resident's answer."""
    where, params = scope_clause(scope)
    rows = await (await db.execute(
        "SELECT c.code, c.hamlet_id, c.category, c.status, c.submitted_at, d.meeting_at, c.conclusion,"
        " c.conclusion_text, c.referred_to, c.referral_answer, c.referral_answered_at, a.body, p.display_name, a.assigned_at, a.due_date,"
        " a.extended_to, a.extension_reason, a.resolved_at, a.result,"
        " EXISTS (SELECT 1 FROM audit_log l WHERE l.subject_type = 'concern' AND l.subject_id = c.id"
        "         AND l.action = 'concern.dispute'),"
        " EXISTS (SELECT 1 FROM audit_log l WHERE l.subject_type = 'concern' AND l.subject_id = c.id"
        "         AND l.action = 'concern.satisfied'), c.satisfaction, COALESCE(a.legal_procedure, 0)"
        " FROM concerns c LEFT JOIN dialogues d ON d.id = c.dialogue_id"
        " LEFT JOIN assignments a ON a.id = (SELECT MAX(x.id) FROM assignments x WHERE x.concern_id = c.id"
        "                                    AND (x.ended_at IS NULL OR x.resolved_at IS NOT NULL))"
        " LEFT JOIN people p ON p.id = a.officer_person_id"
        f" WHERE {where} ORDER BY c.submitted_at, c.id", params)).fetchall()
    return [RegisterRow(*row[:19], disputed=bool(row[19]), satisfied=bool(row[20]), satisfaction=row[21],
                        legal_procedure=bool(row[22])) for row in rows]


@dataclass(frozen=True)
class SpeakerRow:
    position: int | None
    code: str
    hamlet_id: str
    point: str
    called_at: str | None


async def speakers(db: aiosqlite.Connection, dialogue_id: int) -> list[SpeakerRow]:
    """The approved speakers of a dialogue in their order (the minutes list them so; no names: the minutes
    record the points raised, the office adds who spoke when it edits the draft)."""
    rows = await (await db.execute(
        "SELECT s.position, c.code, c.hamlet_id, s.point, s.called_at FROM speaker_registrations s"
        " JOIN concerns c ON c.id = s.concern_id"
        " WHERE s.dialogue_id = ? AND s.status = 'registered' AND s.review != 'declined'"
        " ORDER BY s.position IS NULL, s.position, s.registered_at", (dialogue_id,))).fetchall()
    return [SpeakerRow(*row) for row in rows]


async def dialogues_of(db: aiosqlite.Connection, commune_id: str) -> list[tuple[int, str, str | None]]:
    """(id, meeting_at, announced_on) of the commune's dialogues that were not cancelled, oldest first."""
    rows = await (await db.execute(
        "SELECT id, meeting_at, announced_on FROM dialogues WHERE commune_id = ? AND status != 'cancelled'"
        " ORDER BY meeting_at", (commune_id,))).fetchall()
    return [tuple(row) for row in rows]


@dataclass(frozen=True)
class ListedConcern:
    code: str
    hamlet_id: str
    category: str
    status: str
    body: str | None
    due: str | None  # the due date in force (an extension first)
    referred_to: str | None


async def concern_page(db: aiosqlite.Connection, commune_id: str, *, dialogue_id: int | None, statuses: tuple[str, ...] | None,
                       category: str | None, hamlet_id: str | None, limit: int, offset: int) -> tuple[list[ListedConcern], int]:
    """One page of the commune's concerns under the filters, newest first, and how many match: one query."""
    where, params = ["c.commune_id = ?"], [commune_id]
    if dialogue_id is not None:
        where.append("c.dialogue_id = ?")
        params.append(dialogue_id)
    if statuses:
        where.append(f"c.status IN ({', '.join('?' for _ in statuses)})")
        params += list(statuses)
    if category is not None:
        where.append("c.category = ?")
        params.append(category)
    if hamlet_id is not None:
        where.append("c.hamlet_id = ?")
        params.append(hamlet_id)
    rows = await (await db.execute(
        "SELECT c.code, c.hamlet_id, c.category, c.status, a.body, COALESCE(a.extended_to, a.due_date), c.referred_to,"
        " COUNT(*) OVER ()"
        " FROM concerns c LEFT JOIN assignments a ON a.concern_id = c.id AND a.ended_at IS NULL"
        f" WHERE {' AND '.join(where)} ORDER BY c.submitted_at DESC, c.id DESC LIMIT ? OFFSET ?",
        params + [limit, offset])).fetchall()
    total = rows[0][7] if rows else 0
    return [ListedConcern(*row[:7]) for row in rows], total
