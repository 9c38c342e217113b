"""Previous/Next buttons of a paged list, and the answer to a page button that no longer fits."""

from __future__ import annotations

import re

from telegram import Update

from bot.i18n import Translator
from bot.pages import Page, page_line, page_of, page_row  # noqa: F401 - the handlers' one import for pages
from handlers.context import answer, replace_message

# Callback data of a page button: "<list>:pg:<page>", e.g. "tk:pg:3". The page is all it carries:
# the list is read again when pressed, so an old button shows the list as it is now.
PAGE = r"pg:(\d{1,6})"


def asked_page(data: str) -> int:
    """The page a button asks for (0 when the data is not a page number, e.g. forged)."""
    match = re.search(PAGE + "$", data or "")
    return int(match.group(1)) if match else 0


async def answer_page_press(update: Update, page: Page, t: Translator) -> None:
    """Answer the press; when the page asked for no longer exists, say so and which page is shown."""
    query = update.callback_query
    if page.moved:
        await query.answer(t("This list has changed: it now has %(pages)d pages. Showing page %(page)d.",
                             pages=page.pages, page=page.number), show_alert=True)
    else:
        await query.answer()


async def show_page(update: Update, text: str, markup, page: Page | None, t: Translator) -> None:
    """A command's first screen is a new message; a page button turns the pressed message into the page
    asked for (saying so when that page no longer exists)."""
    if update.callback_query is None:
        await answer(update, text, reply_markup=markup)
        return
    if page is not None:
        await answer_page_press(update, page, t)
    else:
        await update.callback_query.answer()
    await replace_message(update, text, markup)
