"""Rules of a concern's life that every channel shares: limits, statuses, tracking codes."""

from __future__ import annotations

import re
import secrets

from bot.errors import TextEmpty, TextTooLong
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
    "resolved": N_("Resolved with a written answer"),
    "disputed": N_("You disputed the answer"),
    "closed": N_("Closed"),
}

# Statuses from which a resident may still ask to speak at the dialogue.
SPEAKABLE_STATUSES = frozenset({"submitted", "accepted"})

# History lines, keyed by audit action.
HISTORY_LABELS = {
    "concern.submitted": N_("You sent this concern"),
    "speaker.registered": N_("You registered to speak about it"),
    "speaker.withdrawn": N_("You withdrew your registration to speak"),
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


def clean_text(text: str | None, limit: int, *, required: bool = True) -> str:
    """Trimmed text within the limit, or a refusal saying why."""
    cleaned = (text or "").strip()
    if len(cleaned) > limit:
        raise TextTooLong(length=len(cleaned), limit=limit)
    if required and not cleaned:
        raise TextEmpty()
    return cleaned
