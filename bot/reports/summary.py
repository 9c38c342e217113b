"""A report as one chat message, in the reader's language (channel-free: plain text lines)."""

from __future__ import annotations

from bot.documents import labels
from bot.i18n import Translator
from bot.i18n import N_plural
from bot.reports.figures import CONCLUSION_KINDS, OUTCOMES

# Declared here: Babel's extractor loses a plural call that follows f-strings calling t() in this module.
RATING_LINE = N_plural("Residents' rating of closed concerns: %(average)s ⭐ of 5 (%(count)d rating).",
                       "Residents' rating of closed concerns: %(average)s ⭐ of 5 (%(count)d ratings).")


def summary(report, t: Translator) -> str:
    f = report.figures
    lines = [t("📊 Report: %(scope)s", scope=labels.scope_title(report, t)), ""]
    lines += [f"{t(label)}: {getattr(f, key)}" for key, label in labels.SCREENING_LABELS]
    lines += ["", t("Conclusions:")]
    for kind in CONCLUSION_KINDS:
        lines.append(f"• {labels.conclusion(t, kind)}: {f.conclusions[kind]}")
        if kind == "referred" and f.conclusions["referred"]:
            lines.append(t("  of which answered by the body referred to: %(count)d", count=f.referred_answered))
    lines += ["", t("Assignments:")] + [f"• {t(labels.OUTCOME_LABELS[key])}: {f.outcomes[key]}" for key in OUTCOMES]
    lines.append(f"• {t(labels.DISPUTED_LABEL)}: {f.disputed}")
    if f.average_working_days is not None:
        lines.append(t("Average time to resolve: %(days)s working days.", days=labels.number(t, f.average_working_days)))
    if f.by_body:
        lines += ["", t("By body (assigned / resolved / overdue):")]
        lines += [f"• {labels.body(report, t, b.body)}: {b.assigned} / {b.resolved} / {b.overdue}" for b in f.by_body]
    if f.by_hamlet:
        lines += ["", t("By hamlet (received / resolved / overdue):")]
        lines += [f"• {labels.hamlet(report, t, h.hamlet_id)}: {h.received} / {h.resolved} / {h.overdue}" for h in f.by_hamlet]
    percent = f.satisfaction_percent
    lines += ["", t("Satisfied with the answer: %(satisfied)d; not satisfied: %(disputed)d%(share)s.",
                    satisfied=f.satisfied, disputed=f.disputed,
                    share=t(" (%(percent)d%% satisfied)", percent=percent) if percent is not None else "")]
    if f.average_rating is not None:
        lines.append(t.n(*RATING_LINE, f.ratings, average=labels.number(t, f.average_rating), count=f.ratings))
    return "\n".join(lines)
