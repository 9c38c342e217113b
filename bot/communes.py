"""The communes a deployment serves, with their hamlets and concern topics, read from TOML."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

LANGUAGES = ("vi", "en")


@dataclass(frozen=True)
class Name:
    """A user-visible name given in every supported language by the communes file."""

    vi: str
    en: str

    def __call__(self, locale: str) -> str:
        return self.en if locale == "en" else self.vi


@dataclass(frozen=True)
class Hamlet:
    id: str
    name: Name


@dataclass(frozen=True)
class Category:
    key: str
    name: Name
    # A complaint or denunciation needing a petition is out of the dialogue's scope (plan I.2).
    petition: bool = False


@dataclass(frozen=True)
class Commune:
    id: str
    name: Name
    citizen_reception: Name
    meeting_place: Name
    hamlets: tuple[Hamlet, ...]
    categories: tuple[Category, ...]

    def hamlet(self, hamlet_id: str | None) -> Hamlet | None:
        return next((h for h in self.hamlets if h.id == hamlet_id), None)

    def category(self, key: str | None) -> Category | None:
        return next((c for c in self.categories if c.key == key), None)


@dataclass(frozen=True)
class Communes:
    """All communes of the deployment, in file order."""

    items: tuple[Commune, ...]

    def get(self, commune_id: str | None) -> Commune | None:
        return next((c for c in self.items if c.id == commune_id), None)

    @property
    def single(self) -> Commune | None:
        """The commune when the deployment serves only one (the commune choice is then skipped)."""
        return self.items[0] if len(self.items) == 1 else None


class CommunesFileError(ValueError):
    """The communes file is missing or malformed; the message is one line naming the problem."""


def _name(table: dict, where: str, prefix: str = "") -> Name:
    values = {}
    for lang in LANGUAGES:
        value = table.get(f"{prefix}{lang}")
        if not isinstance(value, str) or not value.strip():
            raise CommunesFileError(f"{where}: '{prefix}{lang}' must be a non-empty text")
        values[lang] = value.strip()
    return Name(**values)


_IDENTIFIER = re.compile(r"^[a-z0-9][a-z0-9-]{0,31}$")


def _identifier(table: dict, key: str, where: str) -> str:
    # Ids travel inside button data (64 bytes at most): plain lowercase ASCII, digits and '-'.
    value = table.get(key)
    if not isinstance(value, str) or not _IDENTIFIER.match(value.strip()):
        raise CommunesFileError(f"{where}: '{key}' must be 1-32 lowercase letters a-z, digits or '-' (e.g. thon-1)")
    return value.strip()


def _unique(ids: list[str], what: str, where: str) -> None:
    seen = {i for i in ids if ids.count(i) > 1}
    if seen:
        raise CommunesFileError(f"{where}: duplicate {what} {sorted(seen)[0]!r}")


def parse_communes(data: dict, source: str) -> Communes:
    raw = data.get("commune")
    if not isinstance(raw, list) or not raw:
        raise CommunesFileError(f"{source}: no [[commune]] entry")
    communes = []
    for index, table in enumerate(raw, start=1):
        where = f"{source}: commune #{index}"
        commune_id = _identifier(table, "id", where)
        where = f"{source}: commune {commune_id!r}"
        hamlets = tuple(
            Hamlet(id=_identifier(h, "id", f"{where} hamlet"), name=_name(h, f"{where} hamlet"))
            for h in table.get("hamlets", [])
        )
        categories = tuple(
            Category(
                key=_identifier(c, "key", f"{where} category"),
                name=_name(c, f"{where} category {c.get('key')!r}"),
                petition=bool(c.get("petition", False)),
            )
            for c in table.get("categories", [])
        )
        if not hamlets:
            raise CommunesFileError(f"{where}: lists no hamlets")
        if not any(not c.petition for c in categories):
            raise CommunesFileError(f"{where}: lists no concern categories")
        _unique([h.id for h in hamlets], "hamlet", where)
        _unique([c.key for c in categories], "category", where)
        communes.append(
            Commune(
                id=commune_id,
                name=_name(table, where),
                citizen_reception=_name(table, where, "citizen_reception_"),
                meeting_place=_name(table, where, "meeting_place_"),
                hamlets=hamlets,
                categories=categories,
            )
        )
    _unique([c.id for c in communes], "commune", source)
    return Communes(items=tuple(communes))


def load_communes(path: Path) -> Communes:
    try:
        with path.open("rb") as handle:
            data = tomllib.load(handle)
    except FileNotFoundError:
        raise CommunesFileError(f"COMMUNES_FILE {path} does not exist") from None
    except tomllib.TOMLDecodeError as error:
        raise CommunesFileError(f"COMMUNES_FILE {path} is not valid TOML: {error}") from None
    return parse_communes(data, str(path))
