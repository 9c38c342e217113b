"""The words every report file and message shares for conclusions, outcomes and the figures' lines."""

from __future__ import annotations

from bot.i18n import N_, Translator
from bot.domain import STATUS_LABELS

CONCLUSION_LABELS = {
    "answered": N_("Answered at the dialogue"),
    "assigned": N_("Assigned to a body to resolve"),
    "referred": N_("Referred to a higher level or another body"),
    "not_accepted": N_("Not accepted at the dialogue"),
}
OUTCOME_LABELS = {
    "on_time": N_("Resolved on time"),
    "after_extension": N_("Resolved after an extension"),
    "late": N_("Resolved late"),
    "overdue": N_("Overdue"),
    "open": N_("Being resolved, within the time"),
}
DISPUTED_LABEL = N_("Disputed by the resident")
SCREENING_LABELS = (
    ("received", N_("Received")),
    ("accepted", N_("Accepted onto the agenda")),
    ("merged", N_("Merged into an identical concern")),
    ("out_of_scope", N_("Out of scope (petition)")),
    ("rejected", N_("Rejected at screening")),
)


def number(t: Translator, value: float) -> str:
    """14 or 4,5 in Vietnamese, 4.5 in English."""
    from babel.numbers import format_decimal

    return format_decimal(value, format="#,##0.#", locale=t.locale)


def status(t: Translator, value: str) -> str:
    return t(STATUS_LABELS[value]) if value in STATUS_LABELS else value


def conclusion(t: Translator, value: str | None) -> str:
    return t(CONCLUSION_LABELS[value]) if value in CONCLUSION_LABELS else ""


def hamlet(report, t: Translator, hamlet_id: str) -> str:
    found = report.commune.hamlet(hamlet_id)
    return found.name.label(t.locale) if found else hamlet_id


def hamlet_in_sentence(report, t: Translator, hamlet_id: str) -> str:
    """'thôn 2' inside a sentence (Vietnamese administrative style)."""
    found = report.commune.hamlet(hamlet_id)
    return found.name(t.locale) if found else hamlet_id


def topic(report, t: Translator, key: str) -> str:
    found = report.commune.category(key)
    return found.name(t.locale) if found else key


def body(report, t: Translator, text: str | None) -> str:
    found = report.commune.body(text)
    return found.name(t.locale) if found else (text or "")


def scope_title(report, t: Translator) -> str:
    """'the dialogue of 1/12/2026' or 'quarter IV of 2026', and the hamlet when the report covers one."""
    if report.dialogue is not None:
        from bot.reports.figures import local_day

        title = t("the dialogue of %(date)s", date=t.short_date(local_day(report.dialogue.meeting_at, t.timezone)))
    else:
        title = report.period.title(t)
    if report.hamlet_id:
        found = report.commune.hamlet(report.hamlet_id)
        title = t("%(scope)s, %(hamlet)s", scope=title, hamlet=found.name(t.locale) if found else report.hamlet_id)
    return title
