"""The concern register and the assignment register as XLSX: a row per item, a totals line under them.
No resident's name or phone: the files leave the bot for the office's and the MTTQ's computers."""

from __future__ import annotations

from collections import Counter
from io import BytesIO

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from bot.documents import labels
from bot.i18n import Translator
from bot.reports.figures import OUTCOMES, local_day, outcome


def _day(t: Translator, utc_iso: str | None):
    return local_day(utc_iso, t.timezone) if utc_iso else None


def _iso(value: str | None):
    from datetime import date

    return date.fromisoformat(value) if value else None


def _sheet(title: str, header: list[str], rows: list[list], totals: list[str], widths: list[int]) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = title[:31]
    sheet.append(header)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for row in rows:
        sheet.append(row)
    sheet.append([])
    for line in totals:
        sheet.append([line])
        sheet.cell(sheet.max_row, 1).font = Font(bold=True)
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
        for cell in sheet[get_column_letter(index)][1:len(rows) + 1]:
            if isinstance(cell.value, str):
                cell.alignment = Alignment(wrap_text=True, vertical="top")
            elif cell.value is not None and hasattr(cell.value, "year"):
                cell.number_format = "DD/MM/YYYY"
    sheet.freeze_panes = "A2"
    out = BytesIO()
    book.save(out)
    return out.getvalue()


def concern_register(report, t: Translator) -> bytes:
    header = [t("Code"), t("Hamlet"), t("Topic"), t("Received on"), t("Status"), t("Dialogue"), t("Conclusion"),
              t("The chair's conclusion"), t("Body"), t("Due date"), t("Extended to"), t("Resolved on"), t("Result")]
    rows = []
    for row in report.rows:
        body = row.referred_to if row.conclusion == "referred" else labels.body(report, t, row.body)
        result = row.referral_answer if row.conclusion == "referred" else row.result
        rows.append([row.code, labels.hamlet(report, t, row.hamlet_id), labels.topic(report, t, row.category),
                     _day(t, row.submitted_at), labels.status(t, row.status), _day(t, row.meeting_at),
                     labels.conclusion(t, row.conclusion), row.conclusion_text or "", body or "",
                     _iso(row.due_date), _iso(row.extended_to), _day(t, row.resolved_at or row.referral_answered_at),
                     result or ""])
    by_status = Counter(row.status for row in report.rows)
    totals = [t("Total: %(count)d", count=len(report.rows))]
    totals += [f"{labels.status(t, key)}: {count}" for key, count in sorted(by_status.items())]
    return _sheet(t("Concerns"), header, rows, totals, [10, 12, 26, 13, 26, 13, 26, 40, 26, 13, 13, 13, 40])


def assignment_register(report, t: Translator) -> bytes:
    header = [t("Code"), t("Hamlet"), t("Topic"), t("Body"), t("Officer"), t("Assigned on"), t("Due date"),
              t("Extended to"), t("Reason for the extension"), t("Resolved on"), t("Result"), t("Standing"),
              t("Resident's answer")]
    rows, standing = [], Counter()
    for row in report.rows:
        state = outcome(row, report.made_on, t.timezone)
        if state is None:
            continue
        standing[state] += 1
        answer = t("Disputed") if row.disputed else (t("Satisfied") if row.satisfied else "")
        rows.append([row.code, labels.hamlet(report, t, row.hamlet_id), labels.topic(report, t, row.category),
                     labels.body(report, t, row.body), row.officer_name or "", _day(t, row.assigned_at),
                     _iso(row.due_date), _iso(row.extended_to), row.extension_reason or "", _day(t, row.resolved_at),
                     row.result or "", t(labels.OUTCOME_LABELS[state]) + (t(" (legal procedure date)") if row.legal_procedure
                                                                           else ""), answer])
    totals = [t("Total: %(count)d", count=len(rows))]
    totals += [f"{t(labels.OUTCOME_LABELS[key])}: {standing[key]}" for key in OUTCOMES]
    return _sheet(t("Assignments"), header, rows, totals, [10, 12, 26, 26, 22, 13, 13, 13, 30, 13, 40, 24, 14])
