"""The public board in Chromium: a dialogue built here shows with the right figures, and no resident's
name, phone number or private text appears in the page or anything it loads."""

from __future__ import annotations

import os
import sqlite3
from datetime import date
from zoneinfo import ZoneInfo

import pytest
from playwright.async_api import async_playwright

from bot.board import BoardService, Figures
from bot.communes import load_communes
from bot.config import DEFAULT_COMMUNES_FILE
from bot.i18n import I18n
from bot.web import Health, WebServer
from storage.database import Database
from tests.test_chat_page import CHROMIUM, CHROMIUM_ARGS

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
PRIVATE = ("Nguyễn Văn Bí", "Trần Thị Cúc", "0912 345 678", "0912345678", "345 678", "0987654321",
           "Nhà tôi ở ngõ 5 bị ngập", "con trai tôi", "photo-file-id-123")
PUBLIC_TEXT = "Đường liên thôn 2 xuống cấp nghiêm trọng"


def build_commune(path) -> None:
    """One announced dialogue: 5 concerns on it (answered, resolved on time and satisfied, extended,
    overdue, not accepted) and one unscreened; two residents with names and phones."""
    with sqlite3.connect(path) as db:
        db.executescript("""
            INSERT INTO people (id, channel, external_id, locale, created_at, display_name) VALUES
              (1, 'telegram', '501', 'vi', '2026-01-01', 'Nguyễn Văn Bí'), (2, 'telegram', '502', 'vi', '2026-01-01', 'Trần Thị Cúc'),
              (3, 'telegram', '503', 'vi', '2026-01-01', 'Cán bộ A');
            INSERT INTO residents (person_id, commune_id, hamlet_id, display_name, registered_at, phone) VALUES
              (1, 'bao-lam', 'thon-1', 'Nguyễn Văn Bí', '2026-01-01', '0912 345 678'),
              (2, 'bao-lam', 'thon-2', 'Trần Thị Cúc', '2026-01-01', '0987654321');
            INSERT INTO dialogues (id, commune_id, meeting_at, place, theme, status, created_at, announced_on) VALUES
              (1, 'bao-lam', '2026-05-04T01:00:00+00:00', 'Hội trường UBND xã Bảo Lâm', 'Đất đai và môi trường', 'held',
               '2026-04-01', '2026-05-12');
        """)
        concerns = [
            (1, "111-111", 1, "thon-1", "land", "Nhà tôi ở ngõ 5 bị ngập, gọi 0912345678", "closed", 0, "answered",
             "Ông Nguyễn Văn Bí đã được giải thích tại hội nghị; liên hệ 0912 345 678."),
            (2, "222-222", 2, "thon-2", "environment", PUBLIC_TEXT, "closed", 1, "assigned", None),
            (3, "333-333", 1, "thon-1", "land", "Tranh chấp đất với con trai tôi", "extended", 0, "assigned", None),
            (4, "444-444", 2, "thon-2", "development", "Đèn đường hỏng trước nhà Trần Thị Cúc", "assigned", 0, "assigned", None),
            (5, "555-555", 1, "thon-1", "other", "Xin hỗ trợ riêng cho gia đình", "closed", 0, "not_accepted", "Không thuộc thẩm quyền."),
        ]
        for cid, code, resident, hamlet, category, body, status, public, conclusion, text in concerns:
            db.execute("INSERT INTO concerns (id, commune_id, code, resident_id, hamlet_id, category, body, status,"
                       " submission_key, submitted_at, updated_at, dialogue_id, conclusion, conclusion_text, text_public)"
                       " VALUES (?, 'bao-lam', ?, ?, ?, ?, ?, ?, ?, '2026-04-10T02:00:00+00:00', '2026-04-10', 1, ?, ?, ?)",
                       (cid, code, resident, hamlet, category, body, status, f"k{cid}", conclusion, text, public))
        db.execute("INSERT INTO concerns (id, commune_id, code, resident_id, hamlet_id, category, body, status, submission_key,"
                   " submitted_at, updated_at) VALUES (6, 'bao-lam', '666-666', 1, 'thon-1', 'land', 'Nhà tôi ở ngõ 5 bị ngập lần nữa',"
                   " 'submitted', 'k6', '2026-06-01T02:00:00+00:00', '2026-06-01')")
        db.execute("INSERT INTO concern_attachments (concern_id, kind, file_ref) VALUES (1, 'photo', 'photo-file-id-123')")
        db.executescript("""
            INSERT INTO assignments (concern_id, officer_person_id, body, assigned_at, due_date, extended_to, resolved_at, result) VALUES
              (2, 3, 'Phòng Kinh tế', '2026-05-12', '2026-06-10', NULL, '2026-06-01T03:00:00+00:00', 'Đã sửa xong đoạn đường, bà Trần Thị Cúc đã kiểm tra.'),
              (3, 3, 'Phòng Kinh tế', '2026-05-12', '2026-06-10', '2026-07-20', NULL, NULL),
              (4, 3, 'Phòng Kinh tế', '2026-05-12', '2026-06-10', NULL, NULL, NULL);
            INSERT INTO audit_log (at, commune_id, actor_person_id, action, subject_type, subject_id) VALUES
              ('2026-06-02', 'bao-lam', 2, 'concern.satisfied', 'concern', 2);
        """)


@pytest.fixture
async def board_server(tmp_path):
    path = tmp_path / "db.sqlite3"
    database = await Database.open(path)
    await database.execute_alone("INSERT INTO communes (id, name) VALUES ('bao-lam', 'xã Bảo Lâm')")
    build_commune(path)
    web = WebServer("127.0.0.1", 0)
    boards = BoardService(database, load_communes(DEFAULT_COMMUNES_FILE), TZ, today=lambda: date(2026, 6, 20))
    web.serve_health_and_board(Health(database), boards, I18n(TZ))
    await web.start()
    yield web, path
    await web.stop()
    await database.close()


async def test_the_board_shows_the_dialogue_with_its_figures_and_nothing_personal(board_server):
    web, path = board_server
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: apt-get install -y chromium")
    bodies: list[str] = []
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            page = await (await browser.new_context(viewport={"width": 390, "height": 800})).new_page()

            async def keep(response) -> None:
                bodies.append(await response.text())
            page.on("response", keep)
            await page.goto(f"{web.url}/board/bao-lam")
            figures = {name: int(await page.get_attribute(f'[data-figures="dialogue-1"] [data-figure="{name}"]', "data-value"))
                       for name in ("received", "answered", "assigned", "on_time", "extended", "overdue", "satisfied")}
            assert figures == {"received": 5, "answered": 1, "assigned": 3, "on_time": 1, "extended": 1, "overdue": 1,
                               "satisfied": 1}
            year = await page.inner_text('tr[data-year="2026"]')
            assert year.split() == ["2026", "5", "1", "3", "1", "1", "1", "1"]
            text = await page.inner_text("body")
            assert "Đối thoại trực tiếp: Xã Bảo Lâm" in text and "Đất đai và môi trường" in text
            assert "04/05/2026" in text or "4 tháng 5 năm 2026" in text
            assert PUBLIC_TEXT in text and "Đã sửa xong đoạn đường" in text
            assert [await el.get_attribute("data-code") for el in await page.query_selector_all(".concern")] == [
                "111-111", "222-222", "333-333", "444-444", "555-555"]
            # Readable on a phone: nothing wider than the screen.
            assert await page.evaluate("document.documentElement.scrollWidth") <= 390
            await page.goto(f"{web.url}/board/bao-lam?lang=en")
            english = await page.inner_text("body")
            assert "Concerns received" in english and "Bảo Lâm commune" in english
            page_html = await page.content()
        finally:
            await browser.close()
    everything = "\n".join(bodies + [page_html])
    for private in PRIVATE:
        assert private not in everything, private
    assert "666-666" not in everything  # not screened yet: not public


async def test_a_change_shows_on_the_next_load_and_an_unknown_commune_is_404(board_server):
    import httpx

    web, path = board_server
    async with httpx.AsyncClient() as client:
        first = await client.get(f"{web.url}/board/bao-lam")
        with sqlite3.connect(path) as db:
            db.execute("UPDATE assignments SET resolved_at = '2026-06-15T01:00:00+00:00', result = 'Đã thay đèn.' WHERE concern_id = 4")
        second = await client.get(f"{web.url}/board/bao-lam")
        missing = await client.get(f"{web.url}/board/nowhere")
    assert "Đã thay đèn." not in first.text and "Đã thay đèn." in second.text
    assert int(first.headers["Cache-Control"].split("max-age=")[1]) <= 60
    assert missing.status_code == 404


async def test_a_board_with_many_concerns_shows_each_section_a_page_at_a_time_and_reaches_every_one(board_server):
    import re

    import httpx

    from bot.board import CONCERNS_PER_PAGE

    web, path = board_server
    extra = 2 * CONCERNS_PER_PAGE + 7  # three pages on dialogue 1 with its five
    with sqlite3.connect(path) as db:
        db.executemany(
            "INSERT INTO concerns (commune_id, code, resident_id, hamlet_id, category, body, status, submission_key,"
            " submitted_at, updated_at, dialogue_id, text_public) VALUES ('bao-lam', ?, 1, 'thon-1', 'land', ?, 'accepted',"
            " ?, '2026-04-11T02:00:00+00:00', '2026-04-11', 1, 1)",
            [(f"9{n:02d}-{n:03d}", f"Kiến nghị số {n}", f"x{n}") for n in range(extra)])
    codes = re.compile(r'data-code="([^"]+)"')
    async with httpx.AsyncClient() as client:
        board = (await client.get(f"{web.url}/board/bao-lam")).text
        # The figures count every concern; the page shows the first page and links to the next.
        assert f'data-figure="received" data-value="{5 + extra}"' in board
        assert len(codes.findall(board)) == CONCERNS_PER_PAGE
        assert f"Kiến nghị thứ 1–{CONCERNS_PER_PAGE} trên tổng số {5 + extra}" in board and "section=1&amp;page=2" in board
        seen, url = [], f"{web.url}/board/bao-lam"
        for number in (1, 2, 3):
            page = (await client.get(url)).text
            seen += codes.findall(page)
            following = re.search(r'rel="next" href="\?([^"]+)"', page)
            if number < 3:
                url = f"{web.url}/board/bao-lam?" + following.group(1).replace("&amp;", "&")
            else:
                assert following is None and "Trang 3/3" in page and "← Toàn bộ bảng công khai" in page
        assert len(seen) == len(set(seen)) == 5 + extra  # every concern once, none left off
        # A page past the end (an old link, or forged) says so and shows the last; an unknown section is 404.
        late = (await client.get(f"{web.url}/board/bao-lam?section=1&page=99")).text
        assert "Danh sách đã thay đổi: nay chỉ còn 3 trang. Đang hiển thị trang 3." in late
        assert codes.findall(late) == codes.findall(page)
        assert (await client.get(f"{web.url}/board/bao-lam?section=77&page=1")).status_code == 404
        assert (await client.get(f"{web.url}/board/bao-lam?section=1&page=abc")).status_code == 200


def build_varied_commune(path, seed: int = 7) -> None:
    """Four dialogues (announced, unannounced, cancelled, one with no concern) and 400 concerns in every
    state the figures tell apart: no assignment, due in the past or ahead, resolved early, on the due day,
    late, late only in local time (resolved the evening before the due day in UTC, after midnight in
    Vietnam), extended (resolved or not), reassigned (the latest assignment counts), satisfied, and
    statuses the board leaves out."""
    import random

    rng = random.Random(seed)
    with sqlite3.connect(path) as db:
        db.executescript("""
            INSERT INTO people (id, channel, external_id, locale, created_at, display_name) VALUES
              (1, 'telegram', '501', 'vi', '2026-01-01', 'Nguyễn Văn Bí'), (3, 'telegram', '503', 'vi', '2026-01-01', 'Cán bộ A');
            INSERT INTO residents (person_id, commune_id, hamlet_id, display_name, registered_at, phone) VALUES
              (1, 'bao-lam', 'thon-1', 'Nguyễn Văn Bí', '2026-01-01', '0912 345 678');
            INSERT INTO dialogues (id, commune_id, meeting_at, place, theme, status, created_at, announced_on) VALUES
              (1, 'bao-lam', '2025-11-04T01:00:00+00:00', 'Hội trường', NULL, 'held', '2025-10-01', '2025-11-12'),
              (2, 'bao-lam', '2026-05-04T01:00:00+00:00', 'Nhà văn hóa thôn 2', 'Đất đai', 'held', '2026-04-01', NULL),
              (3, 'bao-lam', '2026-03-04T01:00:00+00:00', 'Hội trường', NULL, 'cancelled', '2026-02-01', NULL),
              (4, 'bao-lam', '2026-07-04T01:00:00+00:00', 'Hội trường', NULL, 'scheduled', '2026-06-01', NULL);
        """)
        statuses = ["accepted", "assigned", "in_progress", "extended", "resolved", "closed", "submitted", "rejected",
                    "out_of_scope", "merged"]
        for n in range(1, 401):
            status = rng.choice(statuses)
            dialogue = rng.choice([1, 1, 2, 2, 3, None])
            conclusion = rng.choice([None, "answered", "assigned", "not_accepted"])
            db.execute("INSERT INTO concerns (id, commune_id, code, resident_id, hamlet_id, category, body, status,"
                       " submission_key, submitted_at, updated_at, dialogue_id, conclusion, conclusion_text, text_public)"
                       " VALUES (?, 'bao-lam', ?, 1, 'thon-1', 'land', ?, ?, ?, ?, '2026-04-10', ?, ?, ?, ?)",
                       (n, f"{n:03d}-{n:03d}", f"Kiến nghị {n}", status, f"k{n}",
                        f"2026-0{1 + n % 5}-{1 + n % 28:02d}T0{n % 10}:00:00+00:00", dialogue, conclusion,
                        f"Kết luận {n}" if conclusion else None, n % 2))
            if rng.random() < 0.2:
                continue  # never assigned
            due = date(2026, 6, rng.randint(1, 30))
            if rng.random() < 0.15:  # reassigned: the first assignment ended, with other dates
                db.execute("INSERT INTO assignments (concern_id, officer_person_id, body, assigned_at, due_date, extended_to,"
                           " resolved_at, ended_at) VALUES (?, 3, 'Phòng Kinh tế', '2026-05-01', '2026-05-02', '2026-05-09',"
                           " '2026-05-01T01:00:00+00:00', '2026-05-03')", (n,))
            extended = date(2026, 7, rng.randint(1, 31)).isoformat() if rng.random() < 0.25 else None
            resolved = rng.choice([
                None, None,
                f"{due.replace(day=1).isoformat()}T03:00:00+00:00",  # early
                f"{due.isoformat()}T09:00:00+00:00",  # on the due day
                f"{due.isoformat()}T18:30:00+00:00",  # the due day in UTC, the next day in Vietnam: late
                f"{date.fromordinal(due.toordinal() - 1).isoformat()}T17:30:00+00:00",  # UTC the day before, local the due day
                f"2026-07-{rng.randint(1, 31):02d}T02:00:00.123456+00:00",  # late (or within the extension)
            ])
            db.execute("INSERT INTO assignments (concern_id, officer_person_id, body, assigned_at, due_date, extended_to,"
                       " resolved_at, result) VALUES (?, 3, 'Phòng Kinh tế', '2026-05-12', ?, ?, ?, ?)",
                       (n, due.isoformat(), extended, resolved, f"Đã giải quyết {n}" if resolved else None))
            if rng.random() < 0.3:
                db.execute("INSERT INTO audit_log (at, commune_id, actor_person_id, action, subject_type, subject_id)"
                           " VALUES ('2026-07-02', 'bao-lam', 1, 'concern.satisfied', 'concern', ?)", (n,))
            if rng.random() < 0.1:
                db.execute("INSERT INTO audit_log (at, commune_id, actor_person_id, action, subject_type, subject_id)"
                           " VALUES ('2026-07-03', 'bao-lam', 1, 'concern.satisfied', 'concern', ?)", (n,))


@pytest.mark.parametrize("zone", ["Asia/Ho_Chi_Minh", "Europe/Paris"])
async def test_the_figures_counted_in_sql_are_those_counted_from_every_concern_and_each_page_shows_its_slice(tmp_path, zone):
    from dataclasses import asdict

    from bot.board import CONCERNS_PER_PAGE, WAITING, _without_conclusion, figures_of, fixed_offset
    from storage import board

    path = tmp_path / "db.sqlite3"
    database = await Database.open(path)
    try:
        await database.execute_alone("INSERT INTO communes (id, name) VALUES ('bao-lam', 'xã Bảo Lâm')")
        build_varied_commune(path)
        timezone = ZoneInfo(zone)
        # Vietnam has a fixed offset (SQL counts); a zone with DST falls back to counting in Python.
        assert (fixed_offset(timezone) is None) == (zone == "Europe/Paris")
        assert fixed_offset(TZ) == "+420 minutes"
        boards = BoardService(database, load_communes(DEFAULT_COMMUNES_FILE), timezone)
        async with database.read() as db:
            every = await board.concerns(db, "bao-lam")

        def local_day(utc_iso: str) -> date:
            from datetime import datetime
            return datetime.fromisoformat(utc_iso).astimezone(timezone).date()

        for today in (date(2026, 6, 10), date(2026, 6, 20), date(2026, 8, 1)):
            view = await boards.board("bao-lam", today)
            assert [e.dialogue.id for e in view.dialogues] == [4, 2, 1]  # the cancelled one is not shown
            total = Figures()
            for entry in view.dialogues:
                mine = [c for c in every if c.dialogue_id == entry.dialogue.id]
                if not entry.dialogue.announced_on:
                    mine = [_without_conclusion(c) for c in mine]
                expected = figures_of(mine, today, local_day)
                assert asdict(entry.figures) == asdict(expected), (zone, today, entry.dialogue.id)
                total.add(expected)
            assert sum(asdict(f)["received"] for f in view.years.values()) == total.received
            # The data tells every figure apart (none is trivially zero), and the unannounced dialogue's
            # conclusions are not counted.
            assert all(value > 0 for value in asdict(total).values()), asdict(total)
            assert view.dialogues[1].figures.answered == view.dialogues[1].figures.assigned == 0
        # Every section, every page: the slice of the whole list, conclusions hidden before they are announced.
        for entry in view.dialogues + [None]:
            key = WAITING if entry is None else str(entry.dialogue.id)
            mine = ([c for c in every if c.dialogue_id is None and c.status == "accepted"] if entry is None
                    else [c for c in every if c.dialogue_id == entry.dialogue.id])
            if entry is not None and not entry.dialogue.announced_on:
                mine = [_without_conclusion(c) for c in mine]
            pages = max(1, -(-len(mine) // CONCERNS_PER_PAGE))
            for number in range(1, pages + 2):
                shown = await boards.board("bao-lam", date(2026, 6, 20), section=key, page=number)
                page = shown.waiting if entry is None else next(e for e in shown.dialogues if e.dialogue.id == entry.dialogue.id).concerns
                start = (min(number, pages) - 1) * CONCERNS_PER_PAGE
                assert page.items == mine[start:start + CONCERNS_PER_PAGE], (key, number)
                assert (page.total, page.number, page.pages) == (len(mine), min(number, pages), pages)
        assert any(c.conclusion for c in every if c.dialogue_id == 2)  # hidden above, not absent from the data
    finally:
        await database.close()


def test_the_names_and_numbers_looked_for_on_a_page_blank_what_every_residents_would():
    import random

    from bot.board import _occurring, _scrubber
    from bot.text import identity_pattern

    names = {"Nguyễn Văn Bí", "Nguyễn Văn", "Bí", "An", "Lan 🌸", "🌸 Hoa", "Mr. Tâm", "Trần  Thị Cúc", "Văn Bí đã",
             "Đỗ", "_x_", "Ngô Thị Mai Anh"} | {f"Cư dân số {n}" for n in range(300)}
    phones = {"0912 345 678", "+84 987 654 321", "0263 3822 123", "0911111111"}
    pieces = ["Nguyễn Văn Bí", "Nguyễn Văn Bính", "Bí", "An", "Anh", "Lan 🌸", "Lan🌸", "🌸 Hoa", "Mr. Tâm", "Trần  Thị Cúc",
              "Trần Thị Cúc", "đã", "Đỗ", "_x_", "x_", "Cư dân số 12", "Cư dân số 1234", "0912.345.678", "84987654321",
              "0263-3822-123", "091111111", "số 0911111111", " ", ", ", ".", "\n", "(", ")"]
    rng = random.Random(3)
    texts = ["".join(rng.choice(pieces) + rng.choice(["", " ", " ", ", "]) for _ in range(rng.randint(1, 25)))
             for _ in range(400)]
    everyone = _scrubber(identity_pattern(names, phones))
    found, numbers = _occurring(names, phones, texts)
    on_the_page = _scrubber(identity_pattern(found, numbers))
    assert [on_the_page(text) for text in texts] == [everyone(text) for text in texts]
    assert len(found) < 20 and "Cư dân số 12" in found and "Lan 🌸" in found and numbers  # looked for: a few, not all
    assert _occurring(names, phones, []) == (set(), set())


async def test_visits_asking_for_the_same_page_at_once_share_one_reading_and_a_later_visit_reads_afresh(tmp_path, monkeypatch):
    import asyncio

    from storage import board

    path = tmp_path / "db.sqlite3"
    database = await Database.open(path)
    try:
        await database.execute_alone("INSERT INTO communes (id, name) VALUES ('bao-lam', 'xã Bảo Lâm')")
        build_commune(path)
        boards = BoardService(database, load_communes(DEFAULT_COMMUNES_FILE), TZ, today=lambda: date(2026, 6, 20))
        readings = []
        counted = board.figures_by_dialogue

        async def counting(*args):
            readings.append(args)
            return await counted(*args)
        monkeypatch.setattr(board, "figures_by_dialogue", counting)
        crowd = await asyncio.gather(*(boards.board("bao-lam") for _ in range(8)),
                                     boards.board("bao-lam", section="1", page=1))
        assert len(readings) == 2  # the whole board once for eight visitors, the section once
        assert all(view is crowd[0] for view in crowd[:8]) and crowd[8].section == "1"
        with sqlite3.connect(path) as db:
            db.execute("UPDATE assignments SET resolved_at = '2026-06-05T01:00:00+00:00' WHERE concern_id = 4")
        later = await boards.board("bao-lam")
        assert len(readings) == 3 and later.dialogues[0].figures.on_time == crowd[0].dialogues[0].figures.on_time + 1
        # A visitor who leaves (a closed connection) does not cancel the reading the others wait for.
        first = asyncio.ensure_future(boards.board("bao-lam"))
        second = asyncio.ensure_future(boards.board("bao-lam"))
        await asyncio.sleep(0)
        first.cancel()
        assert (await second).dialogues[0].figures.received == 5
    finally:
        await database.close()
