"""Rules of a concern's life that every channel shares: limits, statuses, tracking codes."""

from __future__ import annotations

import re
import secrets
from datetime import date

from bot.i18n import N_

MAX_CONCERN_LENGTH = 2000
MAX_POINT_LENGTH = 500
MAX_NAME_LENGTH = 60
MAX_ATTACHMENTS = 10

# A concern's status, with the words a resident reads for it (DOMAIN.md, "A concern's life").
STATUS_LABELS = {
    "submitted": N_("Received, waiting for screening"),
    "accepted": N_("Accepted onto the dialogue agenda"),
    "merged": N_("Merged into an earlier identical concern"),
    "out_of_scope": N_("Out of scope: to be handled as a petition"),
    "rejected": N_("Not accepted"),
    "answered": N_("Answered at the dialogue"),
    "assigned": N_("Assigned to an officer"),
    "in_progress": N_("Being resolved"),
    "extended": N_("Resolution extended"),
    "referred": N_("Referred to a higher level or another body, waiting for its answer"),
    "resolved": N_("Resolved with a written answer"),
    "disputed": N_("The resident disputed the answer"),
    "closed": N_("Closed"),
}

# Statuses from which a resident may still ask to speak at the dialogue.
SPEAKABLE_STATUSES = frozenset({"submitted", "accepted"})

# History lines, keyed by audit action.
HISTORY_LABELS = {
    "concern.submitted": N_("You sent this concern"),
    "concern.entered": N_("Entered for you by an official"),
    "speaker.registered": N_("You registered to speak about it"),
    "speaker.withdrawn": N_("You withdrew your registration to speak"),
    "speaker.approved": N_("Your registration to speak was approved"),
    "speaker.declined": N_("Your registration to speak was declined"),
    "concern.accept": N_("Accepted onto the dialogue agenda"),
    "concern.merge": N_("Merged into an earlier identical concern"),
    "concern.out_of_scope": N_("Found to need a petition: sent to the citizen reception"),
    "concern.reject": N_("Not accepted, with a reason"),
    "concern.conclude_answered": N_("Answered at the dialogue"),
    "concern.conclude_assigned": N_("The chair concluded it is to be resolved by an officer"),
    "concern.conclude_not_accepted": N_("Not accepted at the dialogue, with a reason"),
    "concern.conclude_referred": N_("Referred to a higher level or another body at the dialogue"),
    "concern.referral_answered": N_("The answer of the body it was referred to was recorded"),
    "concern.announced": N_("The conclusions were announced"),
    "concern.assign": N_("Assigned to an officer"),
    "concern.note": N_("The officer reported progress"),
    "concern.extend": N_("The time to resolve it was extended, with a written reply"),
    "concern.resolve": N_("Resolved with a written answer"),
    "concern.satisfied": N_("You were satisfied with the answer"),
    "concern.dispute": N_("You were not satisfied with the answer"),
    "concern.reopen": N_("Reopened by the office"),
    "concern.rated": N_("You said how satisfied you are"),
    "concern.close": N_("Closed by the office"),
    "concern.text_private": N_("You took its text off the public board"),
    "concern.supported": N_("A resident said it is their concern too"),
    "concern.raise_again": N_("Raised again: back on the dialogue agenda"),
    "concern.promise": N_("A promise was made at the dialogue"),
    "concern.promise_kept": N_("The promise was carried out"),
    "concern.carried_over": N_("Carried over to the next dialogue's agenda"),
}

_CODE_DIGITS = re.compile(r"\D")


def new_tracking_code() -> str:
    """Six digits grouped 3-3, easy to read out over the phone: '482-913'."""
    number = secrets.randbelow(900_000) + 100_000
    return f"{number // 1000}-{number % 1000:03d}"


def normalize_code(text: str) -> str | None:
    """Accept '482913', '482 913' or '482-913'; None if it is not a code."""
    digits = _CODE_DIGITS.sub("", text or "")
    return f"{digits[:3]}-{digits[3:]}" if len(digits) == 6 else None


_TYPED_DAY = re.compile(r"^\s*(\d{1,2})\s*[/.\-]\s*(\d{1,2})\s*(?:[/.\-]\s*(\d{4}|\d{2})\s*)?$")
_ISO_DAY = re.compile(r"^\s*(\d{4})-(\d{1,2})-(\d{1,2})\s*$")


def parse_day(text: str | None, today: date | None = None) -> date | None:
    """A date typed as day/month/year (also with '-' or '.', a two-digit year meaning 20yy) or as
    2026-12-15; None if not one. Without a year ("15/12"), the next such day from `today` on
    (only when `today` is given: a deadline is never guessed from a day and month alone)."""
    iso = _ISO_DAY.match(text or "")
    if iso is not None:
        year, month, day = (int(group) for group in iso.groups())
        try:
            return date(year, month, day)
        except ValueError:
            return None
    match = _TYPED_DAY.match(text or "")
    if match is None:
        return None
    day, month = int(match.group(1)), int(match.group(2))
    if match.group(3) is None:
        if today is None:
            return None
        for year in range(today.year, today.year + 5):  # 29/2 waits for the next leap year
            try:
                candidate = date(year, month, day)
            except ValueError:
                if not 1 <= month <= 12 or not 1 <= day <= 31:
                    return None
                continue
            if candidate >= today:
                return candidate
        return None
    year = int(match.group(3))
    try:
        return date(year + 2000 if year < 100 else year, month, day)
    except ValueError:
        return None
    day, month, year = (int(group) for group in match.groups())
    try:
        return date(year + 2000 if year < 100 else year, month, day)
    except ValueError:
        return None
