"""The commune's documents as DOCX in the format of Nghị định 30/2020/NĐ-CP (Phụ lục I): the announcement of
the chair's conclusions (Thông báo), the report to the higher level (Báo cáo), the minutes (Biên bản).

Each opens in Word for the office to edit, number and sign: the number is left blank ("Số:    /TB-UBND") since
the office takes it from its register of outgoing documents."""

from __future__ import annotations

from datetime import date
from io import BytesIO

from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Mm, Pt

from bot.documents import labels
from bot.i18n import N_plural, Translator
from bot.reports.figures import CONCLUSION_KINDS, OUTCOMES, local_day

# Declared here: Babel's extractor loses a plural call that follows f-strings calling t() in this module.
RATING_LINE = N_plural("Residents' rating of closed concerns: %(average)s of 5 (%(count)d rating).",
                       "Residents' rating of closed concerns: %(average)s of 5 (%(count)d ratings).")
NATIONAL_TITLE = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
MOTTO = "Độc lập - Tự do - Hạnh phúc"
FONT, SIZE = "Times New Roman", 14


def dated_at(place: str, day: date) -> str:
    """'Bảo Lâm, ngày 01 tháng 12 năm 2026': NĐ 30 writes a day below 10 and the months 1 and 2 with a leading 0."""
    month = f"{day.month:02d}" if day.month < 3 else str(day.month)
    return f"{place}, ngày {day.day:02d} tháng {month} năm {day.year}"


def _place(report) -> str:
    settings = report.commune.documents
    if settings.place:
        return settings.place
    name = report.commune.name.vi
    return name.split(" ", 1)[1] if name.startswith(("xã ", "phường ")) else name


def _new_document():
    document = Document()
    section = document.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(20), Mm(20)
    section.left_margin, section.right_margin = Mm(30), Mm(15)
    style = document.styles["Normal"]
    style.font.name, style.font.size = FONT, Pt(SIZE)
    style.paragraph_format.space_after = Pt(6)
    return document


def _line(cell_or_doc, text: str, *, bold=False, italic=False, size=SIZE, align=WD_ALIGN_PARAGRAPH.CENTER, first=False):
    paragraph = cell_or_doc.paragraphs[0] if first else cell_or_doc.add_paragraph()
    paragraph.alignment = align
    paragraph.paragraph_format.space_after = Pt(0)
    run = paragraph.add_run(text)
    run.bold, run.italic, run.font.size, run.font.name = bold, italic, Pt(size), FONT
    return paragraph


def _heading(document, report, symbol: str) -> None:
    """The two columns at the top: issuing body and number on the left; national title, motto, place and date."""
    settings = report.commune.documents
    table = document.add_table(rows=1, cols=2)
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    left, right = table.rows[0].cells
    first = True
    if settings.parent_body:
        _line(left, settings.parent_body.upper(), size=13, first=True)
        first = False
    _line(left, settings.issuing_body.upper(), bold=True, size=13, first=first)
    _line(left, f"Số:       /{symbol}-{settings.symbol}", size=13)
    _line(right, NATIONAL_TITLE, bold=True, size=13, first=True)
    _line(right, MOTTO, bold=True)
    _line(right, dated_at(_place(report), report.made_on), italic=True)


def _title(document, title: str, subtitle: str) -> None:
    _line(document, "")
    _line(document, title, bold=True)
    _line(document, subtitle, bold=True)
    _line(document, "")


def _paragraph(document, text: str, *, bold=False):
    paragraph = document.add_paragraph()
    paragraph.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    paragraph.paragraph_format.first_line_indent = Mm(10)
    run = paragraph.add_run(text)
    run.bold = bold
    return paragraph


def _closing(document, report, recipients: list[str]) -> None:
    """'Nơi nhận' on the left, the signature block on the right."""
    settings = report.commune.documents
    table = document.add_table(rows=1, cols=2)
    left, right = table.rows[0].cells
    _line(left, "Nơi nhận:", bold=True, italic=True, size=12, align=WD_ALIGN_PARAGRAPH.LEFT, first=True)
    for index, recipient in enumerate(recipients):
        end = "." if index == len(recipients) - 1 else ";"
        _line(left, f"- {recipient}{end}", size=11, align=WD_ALIGN_PARAGRAPH.LEFT)
    _line(right, f"TM. {settings.issuing_body.upper().removesuffix(' ' + report.commune.name.vi.upper())}",
          bold=True, first=True)
    _line(right, settings.signer_title.upper(), bold=True)
    for _ in range(4):
        _line(right, "")


def _save(document) -> bytes:
    out = BytesIO()
    document.save(out)
    return out.getvalue()


def _meeting_words(report, t: Translator) -> tuple[str, str]:
    meeting = local_day(report.dialogue.meeting_at, t.timezone)
    return dated_at(_place(report), meeting).split(", ", 1)[1], report.dialogue.place


def _mttq(report) -> str:
    return report.commune.mttq_name.label("vi") if report.commune.mttq_name else "Ủy ban MTTQ Việt Nam xã"


def _conclusion_line(report, t: Translator, row, number: int) -> str:
    head = t("%(number)d. Concern %(code)s (%(hamlet)s, %(topic)s): %(kind)s.", number=number, code=row.code,
             hamlet=labels.hamlet_in_sentence(report, t, row.hamlet_id), topic=labels.topic(report, t, row.category),
             kind=labels.conclusion(t, row.conclusion))
    parts = [head]
    if row.conclusion_text:
        parts.append(row.conclusion_text)
    if row.conclusion == "assigned" and row.body:
        due = date.fromisoformat(row.extended_to or row.due_date) if (row.extended_to or row.due_date) else None
        parts.append(t("Assigned to %(body)s, to resolve by %(date)s.", body=labels.body(report, t, row.body),
                       date=t.short_date(due)) if due else t("Assigned to %(body)s.", body=labels.body(report, t, row.body)))
    if row.conclusion == "referred" and row.referred_to:
        parts.append(t("Referred to %(body)s.", body=row.referred_to))
    return " ".join(parts)


def announcement(report, t: Translator) -> bytes:
    """Thông báo kết luận: the chair's conclusion on each item of the dialogue, to be made known to all."""
    settings, document = report.commune.documents, _new_document()
    _heading(document, report, "TB")
    on, place = _meeting_words(report, t)
    _title(document, t("ANNOUNCEMENT"), t("The conclusions of the chair at the direct dialogue with the residents of %(date)s",
                                          date=on))
    _paragraph(document, t("On %(date)s, at %(place)s, %(body)s held a direct dialogue with the residents of %(commune)s. "
                           "Having heard the residents' concerns and the answers of the bodies concerned, the chair "
                           "concluded as follows:", date=on, place=place, body=settings.official_name,
                           commune=report.commune.name(t.locale)))
    concluded = [row for row in report.rows if row.conclusion]
    for number, row in enumerate(concluded, start=1):
        _paragraph(document, _conclusion_line(report, t, row, number))
    _paragraph(document, t("%(body)s announces this so that the bodies, units and people concerned know and act "
                           "on it, and the residents are informed./.", body=settings.official_name))
    _closing(document, report, [settings.higher_level, _mttq(report), t("The socio-political organisations of the commune"),
                                t("The hamlets (to announce to the residents)"), t("Filed: office")])
    return _save(document)


def result_report(report, t: Translator) -> bytes:
    """Báo cáo kết quả: the dialogue (or the period) and the resolution of concerns, to the higher level."""
    settings, f, document = report.commune.documents, report.figures, _new_document()
    _heading(document, report, "BC")
    _title(document, t("REPORT"), t("The results of the direct dialogue and of the resolution of the residents' "
                                    "concerns: %(scope)s", scope=labels.scope_title(report, t)))
    _line(document, t("To: %(body)s.", body=settings.higher_level))
    _paragraph(document, t("I. Concerns received"), bold=True)
    for key, label in labels.SCREENING_LABELS:
        _paragraph(document, f"- {t(label)}: {getattr(f, key)}")
    _paragraph(document, t("II. The chair's conclusions"), bold=True)
    for kind in CONCLUSION_KINDS:
        _paragraph(document, f"- {labels.conclusion(t, kind)}: {f.conclusions[kind]}")
    if f.conclusions["referred"]:
        _paragraph(document, t("Of the referred concerns, answered by the body referred to: %(count)d.",
                               count=f.referred_answered))
    _paragraph(document, t("III. Resolution of the assigned concerns"), bold=True)
    for key in OUTCOMES:
        _paragraph(document, f"- {t(labels.OUTCOME_LABELS[key])}: {f.outcomes[key]}")
    _paragraph(document, f"- {t(labels.DISPUTED_LABEL)}: {f.disputed}")
    if f.average_working_days is not None:
        _paragraph(document, t("Average time to resolve: %(days)s working days.", days=labels.number(t, f.average_working_days)))
    if f.by_body:
        _table(document, [t("Body"), t("Assigned"), t("Resolved"), t("Overdue"), t("Disputed")],
               [[labels.body(report, t, b.body), b.assigned, b.resolved, b.overdue, b.disputed] for b in f.by_body])
    if f.by_hamlet:
        _paragraph(document, t("By hamlet:"))
        _table(document, [t("Hamlet"), t("Received"), t("Accepted"), t("Resolved"), t("Overdue")],
               [[labels.hamlet(report, t, h.hamlet_id), h.received, h.accepted, h.resolved, h.overdue] for h in f.by_hamlet])
    _paragraph(document, t("IV. The residents' satisfaction"), bold=True)
    percent = f.satisfaction_percent
    _paragraph(document, t("Satisfied with the answer: %(satisfied)d; not satisfied: %(disputed)d%(share)s.",
                           satisfied=f.satisfied, disputed=f.disputed,
                           share=t(" (%(percent)d%% satisfied)", percent=percent) if percent is not None else ""))
    if f.average_rating is not None:
        _paragraph(document, t.n(*RATING_LINE, f.ratings, average=labels.number(t, f.average_rating), count=f.ratings))
    _paragraph(document, t("%(body)s reports to %(higher)s for its information and guidance./.",
                           body=settings.official_name, higher=settings.higher_level))
    _closing(document, report, [settings.higher_level, _mttq(report), t("The socio-political organisations of the commune"),
                                t("Filed: office")])
    return _save(document)


def _table(document, header: list[str], rows: list[list]) -> None:
    table = document.add_table(rows=1, cols=len(header))
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, header):
        cell.text = ""
        _line(cell, text, bold=True, size=12, first=True)
    for row in rows:
        cells = table.add_row().cells
        for cell, value in zip(cells, row):
            cell.text = ""
            _line(cell, str(value), size=12, first=True,
                  align=WD_ALIGN_PARAGRAPH.LEFT if isinstance(value, str) else WD_ALIGN_PARAGRAPH.CENTER)


def minutes(report, t: Translator) -> bytes:
    """Biên bản: when and where, who attended (left for the office to fill), speakers in order, conclusions."""
    settings, document = report.commune.documents, _new_document()
    _heading(document, report, "BB")
    on, place = _meeting_words(report, t)
    _title(document, t("MINUTES"), t("The direct dialogue with the residents of %(date)s", date=on))
    _paragraph(document, t("At %(time)s on %(date)s, at %(place)s, %(body)s held a direct dialogue with the residents "
                           "of %(commune)s.", time=t.moment(report.dialogue.meeting_at)[:5], date=on, place=place,
                           body=settings.official_name, commune=report.commune.name(t.locale)))
    _paragraph(document, t("I. Attendance"), bold=True)
    chair = report.commune.chair_title.label("vi") if report.commune.chair_title else settings.signer_title.capitalize()
    _paragraph(document, t("Chaired by: %(title)s.", title=chair))
    _paragraph(document, t("Attending: %(mttq)s; the bodies concerned; the hamlet heads; the residents invited "
                           "(as in the attendance list).", mttq=_mttq(report)))
    _paragraph(document, t("II. The speakers, in order"), bold=True)
    if not report.speakers:
        _paragraph(document, t("No resident registered to speak."))
    for number, speaker in enumerate(report.speakers, start=1):
        _paragraph(document, t("%(number)d. (%(code)s, %(hamlet)s) %(point)s", number=number, code=speaker.code,
                               hamlet=labels.hamlet_in_sentence(report, t, speaker.hamlet_id), point=speaker.point))
    _paragraph(document, t("III. The chair's conclusion on each item"), bold=True)
    for number, row in enumerate((r for r in report.rows if r.conclusion), start=1):
        _paragraph(document, _conclusion_line(report, t, row, number))
    _paragraph(document, t("The minutes were read to those attending, who agreed with them./."))
    _closing(document, report, [_mttq(report), t("Filed: office")])
    return _save(document)
