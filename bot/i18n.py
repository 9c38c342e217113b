"""Translations (gettext catalogs compiled by Babel) and dates shown in the user's language."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime
from babel.support import NullTranslations, Translations

from bot.config import PROJECT_ROOT

LOCALES = ("vi", "en")
DEFAULT_LOCALE = "vi"
LOCALES_DIR = PROJECT_ROOT / "locales"
DOMAIN = "messages"

# Dates in full as each language writes them in official texts: "Thứ Ba, ngày 1 tháng 12 năm 2026"
# (Nghị định 30/2020/NĐ-CP style) and "Tuesday, 1 December 2026".
DATE_PATTERNS = {"vi": "EEEE, 'ngày' d 'tháng' M 'năm' y", "en": "EEEE, d MMMM y"}


def N_(message: str) -> str:
    """Marks a message for extraction where it is defined; it is translated where it is shown."""
    return message


def N_plural(singular: str, plural: str) -> tuple[str, str]:
    """Marks a message with a count (its singular and plural msgids); translated with Translator.n."""
    return singular, plural


def normalize_locale(code: str | None) -> str:
    """A supported locale for a channel's language code: English for 'en*', Vietnamese otherwise."""
    return "en" if code and code.lower().startswith("en") else DEFAULT_LOCALE


class CatalogMissing(RuntimeError):
    pass


def load_catalogs(locales_dir: Path = LOCALES_DIR) -> dict[str, Translations]:
    catalogs = {}
    for locale in LOCALES:
        translations = Translations.load(str(locales_dir), [locale], domain=DOMAIN)
        if type(translations) is NullTranslations:
            raise CatalogMissing(
                f"the {locale} catalog is not compiled ({locales_dir}/{locale}/LC_MESSAGES/{DOMAIN}.mo): run 'make catalogs'"
            )
        catalogs[locale] = translations
    return catalogs


class Translator:
    """Everything one user reads, in that user's language."""

    def __init__(self, catalog: Translations, locale: str, timezone: ZoneInfo) -> None:
        self._catalog = catalog
        self.locale = locale
        self.timezone = timezone

    def __call__(self, message: str, **params: object) -> str:
        text = self._catalog.gettext(message)
        return text % params if params else text

    def n(self, singular: str, plural: str, n: int, **params: object) -> str:
        """A message with a count, in the form the reader's language uses for n (English: 1 day, 2 days;
        Vietnamese has one form). The placeholders get `params`, and `n` too."""
        return self._catalog.ngettext(singular, plural, n) % {"n": n, **params}

    def date(self, day: date) -> str:
        """E.g. 'Thứ Năm, ngày 30 tháng 4 năm 2026' / 'Thursday, 30 April 2026'; the weekday capitalised."""
        text = format_date(day, DATE_PATTERNS[self.locale], locale=self.locale)
        return text[:1].upper() + text[1:]

    def short_date(self, day: date) -> str:
        return format_date(day, "dd/MM/yyyy", locale=self.locale)

    def moment(self, utc_iso: str) -> str:
        """A stored UTC instant shown in the deployment's time zone."""
        local = datetime.fromisoformat(utc_iso).astimezone(self.timezone)
        return format_datetime(local, "HH:mm dd/MM/yyyy", tzinfo=self.timezone, locale=self.locale)

    def local_date(self, utc_iso: str) -> date:
        return datetime.fromisoformat(utc_iso).astimezone(self.timezone).date()


class I18n:
    def __init__(self, timezone: ZoneInfo, locales_dir: Path = LOCALES_DIR) -> None:
        self._catalogs = load_catalogs(locales_dir)
        self._timezone = timezone
        self._translators = {
            locale: Translator(catalog, locale, timezone) for locale, catalog in self._catalogs.items()
        }

    def for_locale(self, locale: str | None) -> Translator:
        return self._translators[locale if locale in self._translators else DEFAULT_LOCALE]
