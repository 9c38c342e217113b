"""The files a report makes (registers as XLSX, documents as DOCX per Nghị định 30/2020/NĐ-CP, charts as PNG),
channel-free: each function takes a bot.services.reports.Report and a Translator and returns bytes."""

from __future__ import annotations

from pathlib import Path

from bot.i18n import Translator


def report_files(report, t: Translator, documents_t: Translator | None = None) -> list[tuple[str, bytes]]:
    """(file name, content) of every file of a report: the registers, the documents, the charts and the
    loudspeaker text. The documents are the commune's official papers, in `documents_t`'s language
    (Vietnamese); the registers and charts in the reader's."""
    from bot.documents import charts, papers, registers, spoken

    documents_t = documents_t or t
    tag = report.key
    files = [(f"so-theo-doi-kien-nghi-{tag}.xlsx", registers.concern_register(report, t)),
             (f"so-theo-doi-giao-viec-{tag}.xlsx", registers.assignment_register(report, t)),
             (f"bao-cao-ket-qua-{tag}.docx", papers.result_report(report, documents_t))]
    if report.dialogue is not None:
        files.append((f"bien-ban-doi-thoai-{tag}.docx", papers.minutes(report, documents_t)))
        if any(row.conclusion for row in report.rows):
            files.append((f"thong-bao-ket-luan-{tag}.docx", papers.announcement(report, documents_t)))
            files.append((f"thong-bao-loa-{tag}.txt", spoken.loudspeaker(report, documents_t).encode("utf-8")))
    files += [(f"bieu-do-tong-hop-{tag}.png", charts.overview(report, t)),
              (f"bieu-do-theo-thon-{tag}.png", charts.by_hamlet(report, t))]
    return files


def write_report_files(report, t: Translator, out_dir: Path, documents_t: Translator | None = None) -> list[Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for name, content in report_files(report, t, documents_t):
        path = out_dir / name
        path.write_bytes(content)
        written.append(path)
    return written
