"""Every message the code shows exists, translated, in both catalogs, with the same placeholders."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from bot.communes import load_communes
from bot.config import DEFAULT_COMMUNES_FILE
from bot.i18n import LOCALES, load_catalogs

ROOT = Path(__file__).resolve().parent.parent
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")


def messages_in_code() -> set[str]:
    found = set()
    for package in ("bot", "handlers"):
        for _, _, message, _, _ in extract_from_dir(
            ROOT / package, method_map=[("**.py", "python")], keywords={"N_": None, "t": None, "_": None},
        ):
            found.add(message if isinstance(message, str) else message[0])
    return found


def catalog(locale: str):
    with open(ROOT / "locales" / locale / "LC_MESSAGES" / "messages.po", "rb") as handle:
        return read_po(handle, locale=locale)


def test_the_code_has_messages_to_translate():
    # Guards the extraction itself: if it found nothing, the tests below would pass vacuously.
    assert len(messages_in_code()) > 50


@pytest.mark.parametrize("locale", LOCALES)
def test_every_message_is_translated(locale):
    entries = {m.id: m for m in catalog(locale) if m.id}
    missing = sorted(m for m in messages_in_code() if m not in entries or not entries[m].string)
    fuzzy = sorted(m for m in messages_in_code() if m in entries and entries[m].fuzzy)
    assert missing == [], f"{locale}: untranslated messages: {missing}"
    assert fuzzy == [], f"{locale}: fuzzy translations: {fuzzy}"


@pytest.mark.parametrize("locale", LOCALES)
def test_translations_keep_the_placeholders(locale):
    for message in catalog(locale):
        if message.id and message.string:
            assert sorted(PLACEHOLDER.findall(message.id)) == sorted(PLACEHOLDER.findall(message.string)), message.id


def test_the_compiled_catalogs_load_and_differ():
    catalogs = load_catalogs()
    assert catalogs["vi"].gettext("📝 Send a concern") == "📝 Gửi kiến nghị"
    assert catalogs["en"].gettext("📝 Send a concern") == "📝 Send a concern"


def test_the_communes_file_names_everything_in_both_languages():
    for commune in load_communes(DEFAULT_COMMUNES_FILE).items:
        names = [commune.name, commune.citizen_reception, commune.meeting_place,
                 *(h.name for h in commune.hamlets), *(c.name for c in commune.categories)]
        for name in names:
            assert name.vi and name.en
