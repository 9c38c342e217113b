"""The public board of a commune: its dialogues, each concern's course and the figures, with no person in it.

Channel-free: the web server (bot/web.py) renders it as one HTML page. What may be shown is
decided in storage/board.py (named columns, no people, text only with the resident's consent)
and here (a conclusion only once the dialogue's conclusions were announced)."""

from __future__ import annotations

import asyncio
import html
import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from bot.communes import Commune, Communes
from bot.domain import STATUS_LABELS
from bot.i18n import N_, Translator
from bot.pages import Page, window
from bot.text import PHONE_NUMBER, identity_pattern, phone_digits
from storage import board
from storage.board import PublicConcern, PublicDialogue
from storage.database import Database

CONCLUSION_LABELS = {
    "answered": N_("Answered at the dialogue"),
    "assigned": N_("To be resolved by the commune's bodies"),
    "not_accepted": N_("Not accepted at the dialogue"),
}

# The figures the plan reports on, in the order the page shows them.
FIGURES = (
    ("received", N_("Concerns received")),
    ("answered", N_("Answered at the meeting")),
    ("assigned", N_("Assigned for resolution")),
    ("on_time", N_("Resolved on time")),
    ("extended", N_("Extended")),
    ("overdue", N_("Overdue")),
    ("satisfied", N_("Residents satisfied")),
)


@dataclass
class Figures:
    received: int = 0
    answered: int = 0
    assigned: int = 0
    on_time: int = 0
    extended: int = 0
    overdue: int = 0
    satisfied: int = 0

    def add(self, other: "Figures") -> None:
        for name, _ in FIGURES:
            setattr(self, name, getattr(self, name) + getattr(other, name))


# A commune's board grows every year (concerns are never deleted): each section shows a page of its
# concerns, the figures always count them all.
CONCERNS_PER_PAGE = 50
WAITING = "waiting"  # the section of accepted concerns not on a dialogue yet


@dataclass
class DialogueOnBoard:
    dialogue: PublicDialogue
    concerns: Page[PublicConcern]
    figures: Figures


@dataclass
class Board:
    commune: Commune
    dialogues: list[DialogueOnBoard]
    waiting: Page[PublicConcern]  # accepted, not on a dialogue yet
    years: dict[int, Figures] = field(default_factory=dict)
    section: str | None = None  # one section shown alone, a page at a time ("<dialogue id>" or WAITING)


def figures_of(concerns: list[PublicConcern], today: date, local_day) -> Figures:
    figures = Figures(received=len(concerns))
    for concern in concerns:
        figures.answered += concern.conclusion == "answered"
        figures.assigned += concern.conclusion == "assigned"
        figures.extended += concern.extended
        figures.satisfied += concern.satisfied
        if concern.due_date is None:
            continue
        due = date.fromisoformat(concern.due_date)
        resolved = local_day(concern.resolved_at) if concern.resolved_at else None
        if resolved is not None and resolved <= due and not concern.extended:
            figures.on_time += 1
        elif (resolved is None and today > due) or (resolved is not None and resolved > due):
            figures.overdue += 1
    return figures


def fixed_offset(timezone: ZoneInfo) -> str | None:
    """The zone's offset from UTC as an SQLite date modifier ('+420 minutes'), when it has been the same
    all year every year since 2000: then SQL can tell a UTC time's local day. Asia/Ho_Chi_Minh has had
    +07:00 since 1975 and no daylight saving time. None for a zone with DST (or a changed offset):
    the figures are then counted in Python from every concern, as the board did before (slower)."""
    offsets = {datetime(year, month, 1, 12, tzinfo=timezone).utcoffset()
               for year in range(2000, date.today().year + 2) for month in (1, 4, 7, 10)}
    if len(offsets) != 1:
        return None
    minutes = int(offsets.pop().total_seconds()) // 60
    return f"{minutes:+d} minutes"


class BoardService:
    """Reads a commune's board; every visit reads the database (the page is never cached long).

    The figures are counted in SQL (storage.board.FIGURES_BY_DIALOGUE) and only the concerns of the
    pages shown are read and scrubbed: a visit costs a page, not the commune's whole history."""

    def __init__(self, database: Database, communes: Communes, timezone: ZoneInfo, *,
                 today: Callable[[], date] | None = None) -> None:
        self._database = database
        self._communes = communes
        self._timezone = timezone
        self._today = today or (lambda: datetime.now(timezone).date())
        self._offset = fixed_offset(timezone)
        self._running: dict[tuple, asyncio.Future] = {}

    def _local_day(self, utc_iso: str) -> date:
        return datetime.fromisoformat(utc_iso).astimezone(self._timezone).date()

    async def board(self, commune_id: str, today: date | None = None, *, section: str | None = None,
                    page: int = 1) -> Board | None:
        """The board: every section with its first page of concerns, or one section (`section`) at page
        `page`. None for an unknown commune or section.

        Single-flight: visits asking for the same page while it is being read share that reading (a
        crowd, or someone reloading in a loop, costs one reading at a time, not one each); a visit after
        it reads afresh."""
        key = (commune_id, today, section, page)
        running = self._running.get(key)
        if running is None:
            running = self._running[key] = asyncio.ensure_future(self._read(commune_id, today, section, page))
            running.add_done_callback(lambda done: self._running.pop(key) if self._running.get(key) is done else None)
        return await asyncio.shield(running)  # one visitor leaving does not cancel the others' reading

    async def _read(self, commune_id: str, today: date | None, section: str | None, page: int) -> Board | None:
        commune = self._communes.get(commune_id)
        if commune is None:
            return None
        today = today or self._today()
        async with self._database.read() as db:
            await db.execute("BEGIN")  # dialogues, figures and pages from one snapshot: the figures add up
            listed = await board.dialogues(db, commune_id)
            if section is not None and section != WAITING and section not in {str(d.id) for d in listed}:
                return None
            figures = await self._figures(db, commune_id, today, listed)
            waiting_total = await board.waiting_count(db, commune_id)
            waiting = await _read_page(waiting_total, section, WAITING, page,
                                       lambda limit, offset: board.waiting_page(db, commune_id, limit, offset))
            pages = {}
            for d in listed:
                pages[d.id] = await _read_page(
                    figures[d.id].received, section, str(d.id), page,
                    lambda limit, offset, d=d: board.dialogue_page(db, commune_id, d.id, limit, offset))
            names, phones = await board.resident_identities(db, commune_id)
        # Officials' answers may quote a resident by name or number: blanked, as /forget blanks them
        # (only in what is shown: a page, never the whole commune's texts).
        shown = [text for d in listed for text in (d.place, d.theme)]
        shown += [text for p in [waiting, *pages.values()] for c in p.items
                  for text in (c.public_text, c.conclusion_text, c.result)]
        scrub = _scrubber(identity_pattern(*_occurring(names, phones, [text for text in shown if text])))
        listed = [replace(d, place=scrub(d.place), theme=scrub(d.theme)) for d in listed]
        result = Board(commune=commune, dialogues=[], waiting=_scrubbed(waiting, scrub), section=section)
        for dialogue in listed:
            shown = pages[dialogue.id]
            if not dialogue.announced_on:  # the chair's conclusions are not public before they are announced
                shown = replace(shown, items=[_without_conclusion(c) for c in shown.items])
            result.dialogues.append(DialogueOnBoard(dialogue, _scrubbed(shown, scrub), figures[dialogue.id]))
            result.years.setdefault(self._local_day(dialogue.meeting_at).year, Figures()).add(figures[dialogue.id])
        return result

    async def _figures(self, db, commune_id: str, today: date, listed: list[PublicDialogue]) -> dict[int, Figures]:
        """Each listed dialogue's figures, conclusions not counted before they are announced."""
        if self._offset is None:  # a zone with DST: counted in Python from every concern
            by_dialogue: dict[int | None, list[PublicConcern]] = {}
            for concern in await board.concerns(db, commune_id):
                by_dialogue.setdefault(concern.dialogue_id, []).append(concern)
            return {d.id: figures_of([c if d.announced_on else _without_conclusion(c) for c in by_dialogue.get(d.id, [])],
                                     today, self._local_day) for d in listed}
        counted = await board.figures_by_dialogue(db, commune_id, today.isoformat(), self._offset)
        figures = {}
        for d in listed:
            counts = counted.get(d.id)
            figures[d.id] = Figures() if counts is None else Figures(
                received=counts.received, answered=counts.answered if d.announced_on else 0,
                assigned=counts.assigned if d.announced_on else 0, on_time=counts.on_time,
                extended=counts.extended, overdue=counts.overdue, satisfied=counts.satisfied)
        return figures


async def _read_page(total: int, section: str | None, key: str, page: int, read) -> Page[PublicConcern]:
    """The page of a section's concerns to show (page 1 unless this section was asked for), read alone."""
    asked = page if section == key else 1
    number, pages, offset = window(total, asked, CONCERNS_PER_PAGE)
    items = await read(CONCERNS_PER_PAGE, offset) if total and (section is None or section == key) else []
    return Page(items, total, number, pages, asked)


def _scrubbed(page: Page[PublicConcern], scrub) -> Page[PublicConcern]:
    return replace(page, items=[replace(c, public_text=scrub(c.public_text), conclusion_text=scrub(c.conclusion_text),
                                        result=scrub(c.result)) for c in page.items])


_TOKEN = re.compile(r"\w+")
_WORD_AT_BOTH_ENDS = re.compile(r"\w(?:.*\w)?", re.DOTALL)
_DIGIT_RUN = re.compile(r"\d(?:[ .\-]?\d){7,}")


def _occurring(names: set[str], phones: set[str], texts: list[str]) -> tuple[set[str], set[str]]:
    """The names and phone numbers that may occur in `texts`: the pattern built from them blanks
    exactly what the pattern built from all of them would (an alternative that matches nowhere changes
    nothing), and is compiled in microseconds instead of a second for a commune of 50,000 residents.

    A name matched as a whole word begins at a word's start and ends at a word's end in the text, so
    for names beginning and ending with a letter or digit the spans from a word to a later word are
    looked up; other names (an emoji at one end) are kept when they occur anywhere. A phone number
    matched has its digits in a row once spaces, dots and dashes are removed."""
    if not texts:
        return set(), set()
    found: set[str] = set()
    longest = max(map(len, names), default=0)
    for text in texts:
        words = [(m.start(), m.end()) for m in _TOKEN.finditer(text)]
        for a, (start, _) in enumerate(words):
            for _, end in words[a:]:
                if end - start > longest:
                    break
                if text[start:end] in names:
                    found.add(text[start:end])
    found |= {name for name in names if not _WORD_AT_BOTH_ENDS.fullmatch(name) and any(name in text for text in texts)}
    runs = [re.sub(r"[ .\-]", "", run) for text in texts for run in _DIGIT_RUN.findall(text)]
    numbers = {phone for phone in phones if (digits := phone_digits(phone)) and any(digits in run for run in runs)} if runs else set()
    return found, numbers


def _scrubber(identity):
    def scrub(text: str | None) -> str | None:
        if text is None:
            return None
        if identity is not None:
            text = identity.sub("***", text)
        return PHONE_NUMBER.sub("***", text)
    return scrub


def _without_conclusion(concern: PublicConcern) -> PublicConcern:
    return replace(concern, conclusion=None, conclusion_text=None)


# --- the page ---------------------------------------------------------------------------------

_STYLE = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;padding:0 12px 32px;color:#1b1b1b;background:#fafafa;line-height:1.45}
header{padding:12px 0;border-bottom:2px solid #b71c1c;margin-bottom:12px}
h1{font-size:1.35rem;margin:.2rem 0}h2{font-size:1.15rem;margin:1.4rem 0 .4rem}h3{font-size:1rem;margin:1rem 0 .3rem}
.lang{float:right;font-size:.9rem}.muted{color:#555;font-size:.9rem}
section.dialogue{background:#fff;border:1px solid #ddd;border-radius:8px;padding:10px 12px;margin:12px 0}
.bars{margin:.4rem 0}.bar{display:flex;align-items:center;gap:6px;margin:3px 0;font-size:.9rem}
.bar .label{flex:0 0 46%}.bar .track{flex:1;background:#eee;border-radius:4px;height:14px;overflow:hidden}
.bar .fill{background:#2e7d32;height:100%}.bar .value{flex:0 0 2.5em;text-align:right;font-weight:600}
.concern{border-top:1px solid #eee;padding:8px 0}.code{font-weight:700;font-family:ui-monospace,monospace}
.answer{background:#f1f8e9;border-left:3px solid #2e7d32;padding:4px 8px;margin-top:4px;white-space:pre-wrap}
.text{white-space:pre-wrap}
table{border-collapse:collapse;width:100%;font-size:.9rem}td,th{border:1px solid #ddd;padding:4px;text-align:right}
th:first-child,td:first-child{text-align:left}
"""


def _tag(tag: str, text: str, css: str | None = None) -> str:
    """<tag class=css>escaped text</tag>. Messages are translated outside f-strings, where Babel finds them."""
    attributes = f' class="{css}"' if css else ""
    return f"<{tag}{attributes}>{_e(text)}</{tag}>"


def _bars(figures: Figures, t: Translator, kind: str) -> str:
    top = max(1, figures.received)
    rows = []
    for name, label in FIGURES:
        value = getattr(figures, name)
        width = round(100 * value / top)
        rows.append(f'<div class="bar" data-figure="{name}" data-value="{value}">' + _tag("span", t(label), "label")
                    + f'<span class="track"><span class="fill" style="width:{width}%;display:block"></span></span>'
                    + f'<span class="value">{value}</span></div>')
    return f'<div class="bars" data-figures="{kind}">' + "".join(rows) + "</div>"


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def render_board(view: Board, t: Translator, locale: str) -> str:
    """The whole page; every text escaped; no script, nothing fetched from elsewhere."""
    commune = view.commune
    other = ("en", "English") if locale != "en" else ("vi", "Tiếng Việt")
    title = t("Public board: %(commune)s", commune=commune.name(locale))
    heading = t("Direct dialogue: %(commune)s", commune=commune.name.label(locale))
    intro = t("Concerns residents raised and how the commune answered them. "
              "No personal data is shown; a concern's text only when its sender agreed.")
    parts = [
        "<!doctype html>", f'<html lang="{locale}"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        # The page reads the database on every visit; reloading each minute shows changes within a minute.
        '<meta http-equiv="refresh" content="60">',
        _tag("title", title), f"<style>{_STYLE}</style></head><body>",
        f'<header><a class="lang" href="{_href(other[0], view.section, view_page(view))}">{other[1]}</a>',
        _tag("h1", heading),
    ]
    authority = [n(locale) for n in (commune.official_name, commune.higher_level) if n is not None]
    if authority:
        parts.append(_tag("div", " · ".join(authority), "muted"))
    parts += [_tag("div", intro, "muted"), "</header>"]
    if view.years:
        parts.append(_tag("h2", t("Figures per year")))
        header = "".join(_tag("th", t(label)) for _, label in FIGURES)
        rows = "".join(
            f'<tr data-year="{year}"><td>{year}</td>' + "".join(f"<td>{getattr(f, name)}</td>" for name, _ in FIGURES) + "</tr>"
            for year, f in sorted(view.years.items(), reverse=True))
        parts.append('<div style="overflow-x:auto"><table><tr>' + _tag("th", t("Year")) + header + "</tr>" + rows
                     + "</table></div>")
        for year, f in sorted(view.years.items(), reverse=True):
            parts.append(f"<h3>{year}</h3>" + _bars(f, t, f"year-{year}"))
    if view.section is not None:
        parts.append(f'<p><a href="{_href(locale)}">' + _e(t("← The whole board")) + "</a></p>")
    if not view.dialogues:
        parts.append(_tag("p", t("No dialogue has been scheduled yet.")))
    for entry in view.dialogues:
        d = entry.dialogue
        if view.section not in (None, str(d.id)):
            continue
        parts.append(f'<section class="dialogue" id="dialogue-{d.id}" data-dialogue="{d.id}">')
        parts.append(_tag("h2", t("Dialogue: %(date)s", date=t.date(t.local_date(d.meeting_at)))))
        parts.append(_tag("div", t("Place: %(place)s", place=d.place), "muted"))
        if d.theme:
            parts.append(_tag("div", t("Theme: %(theme)s", theme=d.theme), "muted"))
        if d.announced_on:
            announced = t("Conclusions announced: %(date)s", date=t.date(date.fromisoformat(d.announced_on)))
            parts.append(_tag("div", announced, "muted"))
        parts.append(_bars(entry.figures, t, f"dialogue-{d.id}"))
        parts.extend(_concerns(entry.concerns, str(d.id), commune, t, locale))
        parts.append("</section>")
    if view.waiting.total and view.section in (None, WAITING):
        parts.append('<section class="dialogue" id="waiting">' + _tag("h2", t("Accepted, waiting for the next dialogue")))
        parts.extend(_concerns(view.waiting, WAITING, commune, t, locale))
        parts.append("</section>")
    parts.append("</body></html>")
    return "\n".join(parts)


def _href(locale: str, section: str | None = None, page: int = 1) -> str:
    query = {"lang": locale} if section is None else {"section": section, "page": page, "lang": locale}
    return _e("?" + urlencode(query))


def view_page(view: Board) -> int:
    """The page number of the section shown alone (1 on the whole board)."""
    if view.section == WAITING:
        return view.waiting.number
    return next((e.concerns.number for e in view.dialogues if str(e.dialogue.id) == view.section), 1)


def _concerns(page: Page[PublicConcern], key: str, commune: Commune, t: Translator, locale: str) -> list[str]:
    """A section's page of concerns: how many there are, which are shown, links to the other pages."""
    parts = []
    if page.moved:
        parts.append(_tag("p", t("This list has changed: it now has %(pages)d pages. Showing page %(page)d.",
                                 pages=page.pages, page=page.number), "muted"))
    if page.pages > 1:
        first = (page.number - 1) * CONCERNS_PER_PAGE + 1
        parts.append(_tag("div", t("Concerns %(first)d–%(last)d of %(count)d", first=first,
                                   last=first + len(page.items) - 1, count=page.total), "muted"))
    parts.extend(_concern(c, commune, t, locale) for c in page.items)
    if page.pages > 1:
        links = []
        if page.number > 1:
            links.append(f'<a rel="prev" href="{_href(locale, key, page.number - 1)}">' + _e(t("◀️ Previous")) + "</a>")
        links.append(_e(t("Page %(page)d of %(pages)d", page=page.number, pages=page.pages)))
        if page.number < page.pages:
            links.append(f'<a rel="next" href="{_href(locale, key, page.number + 1)}">' + _e(t("Next ▶️")) + "</a>")
        parts.append(f'<nav class="pages" data-section="{_e(key)}">' + " · ".join(links) + "</nav>")
    return parts


def _concern(concern: PublicConcern, commune: Commune, t: Translator, locale: str) -> str:
    hamlet = commune.hamlet(concern.hamlet_id)
    category = commune.category(concern.category)
    where = " · ".join([concern.code, category.name(locale) if category else concern.category,
                        hamlet.name.label(locale) if hamlet else concern.hamlet_id])
    status = t("Status: %(status)s", status=t(STATUS_LABELS.get(concern.status, concern.status)))
    lines = [f'<div class="concern" data-code="{_e(concern.code)}">', _tag("div", where, "code"), _tag("div", status)]
    if concern.public_text:
        lines.append(_tag("div", concern.public_text, "text"))
    if concern.conclusion in CONCLUSION_LABELS:
        lines.append(_tag("div", t("Conclusion: %(conclusion)s", conclusion=t(CONCLUSION_LABELS[concern.conclusion]))))
        if concern.conclusion_text:
            lines.append(_tag("div", concern.conclusion_text, "answer"))
    if concern.due_date:
        due = t.date(date.fromisoformat(concern.due_date))
        lines.append(_tag("div", t("Due (extended): %(date)s", date=due) if concern.extended else t("Due: %(date)s", date=due)))
    if concern.result:
        lines.append(_tag("div", t("Written answer:")) + _tag("div", concern.result, "answer"))
    lines.append("</div>")
    return "\n".join(lines)
