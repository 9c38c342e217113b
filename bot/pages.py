"""Long lists shown a page at a time: one message with a count and Previous/Next, never a flood."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, TypeVar

from bot.i18n import Translator

Item = TypeVar("Item")


@dataclass(frozen=True)
class Page(Generic[Item]):
    items: list[Item]
    total: int
    number: int  # 1-based; 1 when the list is empty
    pages: int  # at least 1
    asked: int  # the page asked for: differs from `number` when the list changed since (or the data was forged)

    @property
    def moved(self) -> bool:
        return self.asked != self.number


def window(total: int, asked: int, per_page: int) -> tuple[int, int, int]:
    """(page number, page count, offset) for page `asked` of a list of `total` items, clamped to what exists."""
    pages = max(1, -(-total // per_page))
    number = min(max(asked, 1), pages)
    return number, pages, (number - 1) * per_page


def page_of(items: list[Item], asked: int, per_page: int) -> Page[Item]:
    """Page `asked` of a list already read whole (clamped to what exists)."""
    number, pages, offset = window(len(items), asked, per_page)
    return Page(items[offset:offset + per_page], len(items), number, pages, asked)


def page_row(prefix: str, page: Page, t: Translator) -> list[tuple[str, str]]:
    """(label, data) of ◀️ / ▶️ for the pages before and after this one (none when the list fits one page).
    The data is "<prefix>:pg:<page>": the page is all it carries, the list is read again when pressed."""
    row = []
    if page.number > 1:
        row.append((t("◀️ Previous"), f"{prefix}:pg:{page.number - 1}"))
    if page.number < page.pages:
        row.append((t("Next ▶️"), f"{prefix}:pg:{page.number + 1}"))
    return row


def page_line(page: Page, t: Translator) -> str | None:
    return t("Page %(page)d of %(pages)d", page=page.number, pages=page.pages) if page.pages > 1 else None
