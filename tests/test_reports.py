"""Reports (issue 11): the figures of a dialogue and of a period against a dataset built here, the registers
(XLSX), the documents (DOCX, Nghị định 30/2020) and the charts (PNG) opened and read, and the server command."""

from __future__ import annotations

import asyncio
import io
import struct
from dataclasses import replace
from pathlib import Path

import pytest
from docx import Document
from openpyxl import load_workbook

from bot.communes import DocumentSettings, load_communes
from bot.config import DEFAULT_COMMUNES_FILE
from bot.calendar import WorkingCalendar
from bot.deadlines import DeadlineRules
from bot.documents import charts, papers, registers, report_files
from bot.i18n import I18n
from bot.services.reports import DocumentSettingsMissing, ReportService
from bot.services.staff import StaffService
from bot.cli_report import report_command
from storage.database import Database
from tests import report_dataset as dataset
from tests.harness import TZ

VI = I18n(TZ).for_locale("vi")
EN = I18n(TZ).for_locale("en")


async def _service(tmp_path: Path, communes=None) -> tuple[Database, ReportService, dict]:
    database = await Database.open(tmp_path / "reports.sqlite3")
    ids = await dataset.build(database)
    communes = communes or load_communes(DEFAULT_COMMUNES_FILE)
    service = ReportService(database, communes, StaffService(database, communes, frozenset()), WorkingCalendar(),
                            DeadlineRules(), timezone=TZ, clock=lambda: dataset.NOW)
    return database, service, ids


def _check_figures(f) -> None:
    assert (f.received, f.accepted, f.merged, f.out_of_scope, f.rejected) == (10, 7, 1, 1, 1)
    assert f.conclusions == {"answered": 1, "assigned": 4, "referred": 1, "not_accepted": 1}
    assert f.referred_answered == 1
    assert f.outcomes == {"on_time": 1, "after_extension": 1, "late": 0, "overdue": 1, "open": 1}
    assert (f.disputed, f.satisfied, f.satisfaction_percent) == (1, 2, 67)
    # 12 working days for 100-002, 16 for 100-003 (24/11 is a day off since 2026): 14 on average.
    assert f.average_working_days == 14.0
    assert (f.average_rating, f.ratings) == (4.5, 2)
    assert [(h.hamlet_id, h.received, h.accepted, h.resolved, h.overdue) for h in f.by_hamlet] == [
        ("thon-1", 4, 3, 1, 0), ("thon-2", 3, 2, 1, 1), ("thon-3", 2, 2, 0, 0), ("thon-4", 1, 0, 0, 0)]
    assert [(b.body, b.assigned, b.resolved, b.overdue, b.disputed) for b in f.by_body] == [
        ("Phòng Kinh tế", 3, 2, 1, 1), ("Phòng Văn hóa - Xã hội", 1, 0, 0, 0)]


async def test_report_figures_of_the_dialogue_and_of_its_month_match_the_dataset(tmp_path):
    database, service, ids = await _service(tmp_path)
    try:
        report = await service.build("bao-lam", dialogue="latest")
        assert report.dialogue.id == ids["dialogue"] and report.made_on == dataset.TODAY
        _check_figures(report.figures)
        _check_figures((await service.build("bao-lam", period="2026-10")).figures)
        _check_figures((await service.build("bao-lam", period="2026-Q4")).figures)
        assert (await service.build("bao-lam", period="2026-11")).figures.received == 0
        hamlet = await service.build("bao-lam", dialogue="latest", hamlet_id="thon-2")
        assert {row.code for row in hamlet.rows} == {"100-003", "100-004", "100-009"}
    finally:
        await database.close()


async def test_a_referred_item_is_never_the_communes_overdue_work(tmp_path):
    database, service, _ = await _service(tmp_path)
    try:
        report = await service.build("bao-lam", dialogue="latest")
        referred = next(row for row in report.rows if row.code == "100-006")
        assert referred.referred_to == dataset.REFERRED_TO and referred.assigned_at is None
        assert report.figures.assigned == 4  # the referred item is not among the commune's assignments
    finally:
        await database.close()


async def test_registers_hold_a_row_per_item_and_totals(tmp_path):
    database, service, _ = await _service(tmp_path)
    try:
        report = await service.build("bao-lam", dialogue="latest")
    finally:
        await database.close()
    sheet = load_workbook(io.BytesIO(registers.concern_register(report, VI))).active
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert values[0][:5] == ["Mã", "Thôn", "Nội dung", "Ngày nhận", "Trạng thái"] or values[0][0]
    codes = [row[0] for row in values[1:11]]
    assert sorted(codes) == [code for code, *_ in dataset.CONCERNS]
    referred = next(row for row in values if row[0] == "100-006")
    assert dataset.REFERRED_TO in referred and "Đã đưa vào kế hoạch cải tạo năm 2027." in referred
    totals = [row[0] for row in values[11:] if row[0]]
    assert totals[0].endswith(": 10")
    tasks = load_workbook(io.BytesIO(registers.assignment_register(report, EN))).active
    rows = [[cell.value for cell in row] for row in tasks.iter_rows()]
    assert rows[0][:4] == ["Code", "Hamlet", "Topic", "Body"]
    assert [row[0] for row in rows[1:5]] == ["100-002", "100-003", "100-004", "100-005"]
    standing = {row[0]: row[11] for row in rows[1:5]}
    assert standing == {"100-002": "Resolved on time", "100-003": "Resolved after an extension",
                        "100-004": "Overdue", "100-005": "Being resolved, within the time"}
    assert rows[2][12] == "Disputed" and rows[1][12] == "Satisfied"
    assert "Total: 4" in [row[0] for row in rows[5:]] and "Overdue: 1" in [row[0] for row in rows[5:]]


def _text(content: bytes) -> str:
    document = Document(io.BytesIO(content))
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            parts += [cell.text for cell in row.cells]
    return "\n".join(parts)


async def test_documents_follow_decree_30_with_numbers_dates_and_recipients(tmp_path):
    database, service, _ = await _service(tmp_path)
    try:
        report = await service.build("bao-lam", dialogue="latest")
    finally:
        await database.close()
    announcement = _text(papers.announcement(report, VI))
    for expected in ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc", "ỦY BAN NHÂN DÂN XÃ BẢO LÂM",
                     "/TB-UBND", "Bảo Lâm, ngày 01 tháng 12 năm 2026", "THÔNG BÁO", "Nơi nhận:",
                     "TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH", "ngày 02 tháng 11 năm 2026", "100-006", dataset.REFERRED_TO,
                     "Ủy ban nhân dân tỉnh Lâm Đồng", "Ủy ban MTTQ Việt Nam xã"):
        assert expected in announcement, expected
    assert "Người dân" not in announcement  # no resident is named in a public paper
    assert "Kiến nghị 100-006 (thôn 3, Kinh tế - xã hội, an ninh, hạ tầng)" in announcement  # "thôn 3" inside a sentence
    result = _text(papers.result_report(report, VI))
    for expected in ("BÁO CÁO", "/BC-UBND", "Kính gửi: Ủy ban nhân dân tỉnh Lâm Đồng.", "Ủy ban MTTQ Việt Nam xã",
                     "Các tổ chức chính trị - xã hội xã", "Phòng Kinh tế", "14 ngày làm việc", "67%", "4,5 trên 5"):
        assert expected in result, expected
    minutes = _text(papers.minutes(report, VI))
    assert "BIÊN BẢN" in minutes and "/BB-UBND" in minutes
    assert minutes.index("Ý kiến về 100-003") < minutes.index("Ý kiến về 100-001")  # speakers in their order


def _png_size(content: bytes) -> tuple[int, int]:
    assert content[:8] == b"\x89PNG\r\n\x1a\n" and content[12:16] == b"IHDR"
    return struct.unpack(">II", content[16:24])


async def test_charts_are_pngs_a_phone_shows_at_full_width(tmp_path):
    database, service, _ = await _service(tmp_path)
    try:
        report = await service.build("bao-lam", period="2026")
    finally:
        await database.close()
    assert _png_size(charts.overview(report, VI)) == (charts.WIDTH_PX, charts.OVERVIEW_HEIGHT_PX)
    assert _png_size(charts.by_hamlet(report, EN)) == (charts.WIDTH_PX, charts.HAMLETS_HEIGHT_PX)


async def test_a_report_is_refused_while_a_document_setting_is_missing(tmp_path):
    communes = load_communes(DEFAULT_COMMUNES_FILE)
    commune = replace(communes.items[0], documents=DocumentSettings(official_name="Ủy ban nhân dân xã Bảo Lâm"))
    communes = replace(communes, items=(commune,))
    database, service, _ = await _service(tmp_path, communes)
    try:
        with pytest.raises(DocumentSettingsMissing) as refused:
            await service.build("bao-lam", dialogue="latest")
        assert "issuing_body, higher_level, signer_title" in str(refused.value)
    finally:
        await database.close()


def _env(tmp_path: Path, communes_file: Path = DEFAULT_COMMUNES_FILE) -> dict:
    return {"DATABASE_PATH": str(tmp_path / "reports.sqlite3"), "COMMUNES_FILE": str(communes_file)}


def test_python_m_bot_report_writes_the_files_and_prints_their_names(tmp_path):
    async def setup():
        database = await Database.open(tmp_path / "reports.sqlite3")
        await dataset.build(database)
        await database.close()

    asyncio.run(setup())
    out, err = io.StringIO(), io.StringIO()
    code = report_command(["--commune", "bao-lam", "--dialogue", "latest", "--out", str(tmp_path / "out")],
                          env=_env(tmp_path), out=out, err=err)
    assert code == 0, err.getvalue()
    names = out.getvalue().splitlines()
    assert sorted(names) == sorted(p.name for p in (tmp_path / "out").iterdir())
    assert {Path(n).suffix for n in names} == {".xlsx", ".docx", ".png", ".txt"}
    assert sum(n.endswith(".docx") for n in names) == 3
    spoken = next(n for n in names if n.endswith(".txt"))
    assert "Công ty" not in (tmp_path / "out" / spoken).read_text() and len((tmp_path / "out" / spoken).read_text()) < 900
    out = io.StringIO()
    assert report_command(["--commune", "bao-lam", "--period", "2026-Q4", "--out", str(tmp_path / "q4")],
                          env=_env(tmp_path), out=out, err=err) == 0
    assert all("2026-Q4" in name for name in out.getvalue().splitlines())


def test_python_m_bot_report_exits_with_one_line_naming_a_missing_setting(tmp_path):
    text = DEFAULT_COMMUNES_FILE.read_text(encoding="utf-8")
    broken = tmp_path / "communes.toml"
    broken.write_text(text.replace('signer_title = "CHỦ TỊCH"\n', ""), encoding="utf-8")
    out, err = io.StringIO(), io.StringIO()
    code = report_command(["--commune", "bao-lam", "--period", "2026", "--out", str(tmp_path / "out")],
                          env=_env(tmp_path, broken), out=out, err=err)
    assert code != 0 and out.getvalue() == ""
    assert len(err.getvalue().splitlines()) == 1 and "signer_title" in err.getvalue()
    assert not (tmp_path / "out").exists()


async def test_the_report_message_gives_every_figure_in_the_readers_language(tmp_path):
    from bot.reports.summary import summary

    database, service, _ = await _service(tmp_path)
    try:
        report = await service.build("bao-lam", dialogue="latest")
    finally:
        await database.close()
    lines = summary(report, VI).splitlines()
    assert lines[0] == "📊 Báo cáo: buổi đối thoại ngày 02/11/2026"
    referred = lines.index("• Kiến nghị cấp trên, cơ quan khác: 1")
    assert lines[referred + 1] == "  trong đó đã có trả lời của cơ quan được kiến nghị: 1"
    for expected in ("Tiếp nhận: 10", "• Quá hạn: 1", "• Người dân không đồng ý với kết quả: 1",
                     "Thời gian giải quyết bình quân: 14 ngày làm việc.", "• Phòng Kinh tế: 3 / 2 / 1", "• Thôn 2: 3 / 1 / 1",
                     "Đồng ý với kết quả trả lời: 2; không đồng ý: 1 (67% hài lòng).",
                     "Mức độ hài lòng với các kiến nghị đã kết thúc: 4,5 ⭐ trên 5 (2 ý kiến đánh giá)."):
        assert expected in lines, expected
    english = summary(report, EN)
    assert "• Disputed by the resident: 1" in english and "4.5 ⭐ of 5" in english
