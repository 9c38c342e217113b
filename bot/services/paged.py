"""A long list sent to one person as ONE message of several pages (a day's reminders, a hamlet's
conclusions): the message shows the first page; the whole list is kept, and the other pages are read
when the person presses Previous/Next. Only the person it was sent to can read it."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass

from bot.communes import Communes
from bot.i18n import Translator
from bot.notices import Rendered
from bot.pages import Page, page_row, window
from bot.roles import Actor
from storage import paged_notices
from storage.database import Database

PER_PAGE = 20

# kind -> the text of one page, from the list's header (what every page says) and the page's items.
PageText = Callable[[dict, Page, Translator, Communes], str]
PAGE_TEXTS: dict[str, PageText] = {}


def page_text(kind: str) -> Callable[[PageText], PageText]:
    def register(function: PageText) -> PageText:
        PAGE_TEXTS[kind] = function
        return function
    return register


def _actions(list_id: int | None, page: Page, t: Translator) -> list[tuple[str, str]]:
    return page_row(f"pn:{list_id}", page, t) if list_id is not None else []


async def keep(db, *, person_id: int, kind: str, header: dict, items: list[dict],
               encoded: dict | None = None, key: tuple | None = None) -> dict:
    """The payload of the notice announcing a list: the header and the first page. A list longer than a
    page is kept for its other pages (`encoded`/`key`: encode a list sent alike to several people once)."""
    number, pages, _ = window(len(items), 1, PER_PAGE)
    payload = dict(header, items=items[:PER_PAGE], total=len(items), pages=pages)
    if pages > 1:
        if encoded is None or key not in encoded:
            text = json.dumps(dict(header, items=items), ensure_ascii=False)
            if encoded is not None:
                encoded[key] = text
        else:
            text = encoded[key]
        payload["list_id"] = await paged_notices.add(db, person_id=person_id, kind=kind, payload=text)
    return payload


def first_page(kind: str, payload: dict, t: Translator, communes: Communes) -> Rendered:
    """What the notice says: the first page, with Next when there are more."""
    items = payload.get("items", [])
    page = Page(items, payload.get("total", len(items)), 1, payload.get("pages", 1), 1)
    return Rendered(PAGE_TEXTS[kind](payload, page, t, communes), _actions(payload.get("list_id"), page, t))


@dataclass(frozen=True)
class StoredPage:
    list_id: int
    kind: str
    header: dict
    page: Page

    def render(self, t: Translator, communes: Communes) -> Rendered:
        return Rendered(PAGE_TEXTS[self.kind](self.header, self.page, t, communes), _actions(self.list_id, self.page, t))


class PagedNotices:
    def __init__(self, database: Database) -> None:
        self._database = database

    async def page(self, actor: Actor | None, list_id: int, asked: int) -> StoredPage | None:
        """A page of a list sent to this person; None if there is no such list for them."""
        if actor is None:
            return None
        async with self._database.read() as db:
            found = await paged_notices.get(db, list_id, actor.person_id)
        if found is None:
            return None
        kind, header = found
        items = header.pop("items")
        number, pages, offset = window(len(items), asked, PER_PAGE)
        return StoredPage(list_id, kind, header, Page(items[offset:offset + PER_PAGE], len(items), number, pages, asked))
