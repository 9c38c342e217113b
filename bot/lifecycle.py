"""A concern's life (DOMAIN.md): which action moves it from which status to which. The one place."""

from __future__ import annotations

from bot.errors import StaleAction

# action -> (statuses it may start from, status it leads to)
TRANSITIONS: dict[str, tuple[frozenset[str], str]] = {
    "accept": (frozenset({"submitted"}), "accepted"),
    "merge": (frozenset({"submitted", "accepted"}), "merged"),
    "out_of_scope": (frozenset({"submitted"}), "out_of_scope"),
    "reject": (frozenset({"submitted"}), "rejected"),
    "conclude_answered": (frozenset({"accepted"}), "answered"),
    "conclude_assigned": (frozenset({"accepted"}), "assigned"),
    "conclude_not_accepted": (frozenset({"accepted"}), "rejected"),
    # Beyond the commune's power: referred to a higher level or an outside body, followed until its answer
    # is recorded (issue 11); never an assignment, so never the commune's overdue work.
    "conclude_referred": (frozenset({"accepted"}), "referred"),
    "referral_answered": (frozenset({"referred"}), "resolved"),
    # A concern on the agenda gets its officer from the chair's conclusion (conclude_assigned), so
    # that the announcement starts its clock; /assign then (re)assigns.
    "assign": (frozenset({"assigned", "in_progress", "extended", "disputed"}), "assigned"),
    "note": (frozenset({"assigned", "in_progress", "extended"}), "in_progress"),
    "extend": (frozenset({"assigned", "in_progress"}), "extended"),
    "resolve": (frozenset({"assigned", "in_progress", "extended"}), "resolved"),
    # A written result, a referred body's answer, or an answer given at the meeting (issue 11).
    "satisfied": (frozenset({"resolved", "answered"}), "closed"),
    "dispute": (frozenset({"resolved", "answered"}), "disputed"),
    "reopen": (frozenset({"disputed"}), "in_progress"),
    "close": (frozenset({"resolved", "disputed", "answered"}), "closed"),
    # Raised again ("nêu lại", issue 10): a later concern merged into one already finished brings it back
    # into tracking, onto the agenda of the coming dialogue; its old answer stays in its history.
    "raise_again": (frozenset({"answered", "resolved", "closed", "rejected"}), "accepted"),
}

# Statuses a later concern may be merged into without bringing the earlier one back (it is still followed).
STILL_TRACKED_STATUSES = frozenset({"submitted", "accepted", "assigned", "in_progress", "extended", "disputed"})

# Statuses in which an assignment's clock is running ("overdue" is derived from these and the due date).
OPEN_ASSIGNMENT_STATUSES = frozenset({"assigned", "in_progress", "extended"})


def next_status(action: str, current: str, code: str) -> str:
    """The status after `action`, or a refusal naming the concern's current status."""
    sources, target = TRANSITIONS[action]
    if current not in sources:
        raise StaleAction(code=code, status=current)
    # A progress note on a concern already extended keeps it extended.
    if action == "note" and current == "extended":
        return current
    return target
