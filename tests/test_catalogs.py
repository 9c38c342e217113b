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


# The same keywords as `make extract`: t.n(singular, plural, n) and N_plural(singular, plural) carry counts.
KEYWORDS = {"N_": None, "t": None, "_": None, "n": (1, 2), "N_plural": (1, 2)}


def extracted() -> list[str | tuple[str, str]]:
    found = []
    for package in ("bot", "handlers"):
        for _, _, message, _, _ in extract_from_dir(ROOT / package, method_map=[("**.py", "python")], keywords=KEYWORDS):
            found.append(message if isinstance(message, str) else tuple(message))
    return found


def messages_in_code() -> set[str]:
    return {m if isinstance(m, str) else m[0] for m in extracted()}


def plural_messages_in_code() -> set[tuple[str, str]]:
    return {m for m in extracted() if isinstance(m, tuple)}


def catalog(locale: str):
    with open(ROOT / "locales" / locale / "LC_MESSAGES" / "messages.po", "rb") as handle:
        return read_po(handle, locale=locale)


def test_the_code_has_messages_to_translate():
    # Guards the extraction itself: if it found nothing, the tests below would pass vacuously.
    assert len(messages_in_code()) > 50


@pytest.mark.parametrize("locale", LOCALES)
def test_every_message_is_translated(locale):
    entries = {(m.id if isinstance(m.id, str) else m.id[0]): m for m in catalog(locale) if m.id}
    missing = sorted(m for m in messages_in_code() if m not in entries or not entries[m].string)
    fuzzy = sorted(m for m in messages_in_code() if m in entries and entries[m].fuzzy)
    assert missing == [], f"{locale}: untranslated messages: {missing}"
    assert fuzzy == [], f"{locale}: fuzzy translations: {fuzzy}"


def test_the_code_has_messages_with_counts():
    # Guards the plural extraction (t.n and N_plural): without it the test below would pass vacuously.
    assert len(plural_messages_in_code()) > 10


@pytest.mark.parametrize("locale", LOCALES)
def test_every_message_with_a_count_has_all_its_plural_forms(locale):
    po = catalog(locale)
    forms = po.num_plurals
    assert forms == {"vi": 1, "en": 2}[locale]
    entries = {m.id[0]: m for m in po if m.id and m.pluralizable}
    for singular, plural in sorted(plural_messages_in_code()):
        entry = entries.get(singular)
        assert entry is not None, f"{locale}: no plural entry for {singular!r}"
        assert tuple(entry.id) == (singular, plural), f"{locale}: {singular!r} has another plural msgid"
        strings = entry.string if isinstance(entry.string, (list, tuple)) else (entry.string,)
        assert len(strings) == forms and all(strings), f"{locale}: untranslated plural forms of {singular!r}"
        assert not entry.fuzzy, f"{locale}: fuzzy translation of {singular!r}"


@pytest.mark.parametrize("locale", LOCALES)
def test_translations_keep_the_placeholders(locale):
    for message in catalog(locale):
        if not message.id or not message.string:
            continue
        ids = message.id if isinstance(message.id, (list, tuple)) else (message.id,)
        strings = message.string if isinstance(message.string, (list, tuple)) else (message.string,)
        for text in strings:
            # Every form keeps the placeholders of the msgid (the plural msgid has the same ones).
            assert sorted(PLACEHOLDER.findall(ids[-1])) == sorted(PLACEHOLDER.findall(text)), ids[0]


def test_the_compiled_catalogs_load_and_differ():
    catalogs = load_catalogs()
    assert catalogs["vi"].gettext("📝 Send a concern") == "📝 Gửi kiến nghị"
    assert catalogs["en"].gettext("📝 Send a concern") == "📝 Send a concern"


def test_english_counts_agree_with_their_number():
    from zoneinfo import ZoneInfo

    from bot.i18n import I18n

    en, vi = I18n(ZoneInfo("Asia/Ho_Chi_Minh")).for_locale("en"), I18n(ZoneInfo("Asia/Ho_Chi_Minh")).for_locale("vi")
    late = ("⚠️ This is late by %(days)d working day: the plan required it by %(date)s.",
            "⚠️ This is late by %(days)d working days: the plan required it by %(date)s.")
    assert en.n(*late, 1, days=1, date="x").startswith("⚠️ This is late by 1 working day:")
    assert en.n(*late, 2, days=2, date="x").startswith("⚠️ This is late by 2 working days:")
    assert vi.n(*late, 1, days=1, date="x") == vi.n(*late, 1, days=1, date="x")
    assert "1 ngày làm việc" in vi.n(*late, 1, days=1, date="x")


def test_the_communes_file_names_everything_in_both_languages():
    for commune in load_communes(DEFAULT_COMMUNES_FILE).items:
        names = [commune.name, commune.citizen_reception, commune.meeting_place,
                 *(h.name for h in commune.hamlets), *(c.name for c in commune.categories)]
        for name in names:
            assert name.vi and name.en
