"""The communes a deployment serves, with their hamlets and concern topics, read from TOML."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

LANGUAGES = ("vi", "en")


@dataclass(frozen=True)
class Name:
    """A user-visible name given in every supported language by the communes file.

    Called, it gives the name as written inside a sentence ("xã Bảo Lâm", "thôn 2"); `label` gives
    it as written on its own, on a button or at the start of a line ("Xã Bảo Lâm", "Thôn 2")."""

    vi: str
    en: str

    def __call__(self, locale: str) -> str:
        return self.en if locale == "en" else self.vi

    def label(self, locale: str) -> str:
        text = self(locale)
        return text[:1].upper() + text[1:]


# Vietnamese administrative units are written in lower case inside a sentence ("xã Bảo Lâm",
# "thôn 2"; Nghị định 30/2020/NĐ-CP): a communes file that writes "Xã Bảo Lâm" is read so.
_UNITS = ("tổ dân phố", "khu phố", "thị trấn", "đặc khu", "phường", "xã", "thôn", "xóm", "ấp", "bản", "buôn",
          "làng", "sóc", "khóm", "tổ", "khu")


def _in_sentence(name: Name) -> Name:
    lowered = name.vi.lower()
    for unit in _UNITS:
        if lowered.startswith(unit + " "):
            return Name(vi=unit + name.vi[len(unit):], en=name.en)
    return name


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
    # Bound by a legal procedure (land, compensation): an extension may set a later, stated date (issue 11).
    legal_procedure: bool = False


@dataclass(frozen=True)
class Body:
    """A specialised unit of the commune (cơ quan chuyên môn, e.g. Phòng Kinh tế): its công chức
    handle assignments, and the answer a resident receives is the body's."""

    key: str
    name: Name


# What the commune's documents (Nghị định 30/2020/NĐ-CP) need from its settings, in Vietnamese: the documents
# are the commune's official papers. Key in the communes file -> what it is.
DOCUMENT_SETTINGS = {
    "official_name": "the commune's official name, e.g. 'Ủy ban nhân dân xã Bảo Lâm'",
    "issuing_body": "the issuing body as printed at the top left, e.g. 'ỦY BAN NHÂN DÂN XÃ BẢO LÂM'",
    "higher_level": "the higher level reported to (the province since 2025), e.g. 'Ủy ban nhân dân tỉnh Lâm Đồng'",
    "signer_title": "the signer's title, e.g. 'CHỦ TỊCH'",
}


@dataclass(frozen=True)
class DocumentSettings:
    """The names a commune's documents print; any may be missing (then reports are refused, saying which)."""

    official_name: str | None = None
    issuing_body: str | None = None
    higher_level: str | None = None
    signer_title: str | None = None
    parent_body: str | None = None  # the line above the issuing body (cơ quan chủ quản), optional
    place: str | None = None  # the place before the date: "Bảo Lâm, ngày ..."; default: the commune's name
    symbol: str = "UBND"  # the issuing body's abbreviation in a document's symbol: "Số:    /TB-UBND"

    def missing(self) -> list[str]:
        return [key for key in DOCUMENT_SETTINGS if not getattr(self, key)]


def _documents(table: dict, where: str) -> DocumentSettings:
    values = {}
    for key in (*DOCUMENT_SETTINGS, "parent_body", "place", "symbol"):
        value = table.get(key)
        if value is None:
            continue
        if not isinstance(value, str) or not value.strip():
            raise CommunesFileError(f"{where}: '{key}' must be a non-empty text")
        values[key] = " ".join(value.split())
    return DocumentSettings(**values)


def _tidy(text: str) -> str:
    return " ".join(text.split()).casefold()


@dataclass(frozen=True)
class Commune:
    id: str
    name: Name
    citizen_reception: Name
    meeting_place: Name
    hamlets: tuple[Hamlet, ...]
    categories: tuple[Category, ...]
    # The commune's own names for the office, the chair and the MTTQ (since 1 July 2025, Nghị định
    # 150/2025/NĐ-CP: "Văn phòng HĐND và UBND"); None: the catalog's words for the role.
    office_name: Name | None = None
    chair_title: Name | None = None
    mttq_name: Name | None = None
    bodies: tuple[Body, ...] = ()
    # For documents and the public board (optional): the official name of the commune's authority
    # ("Ủy ban nhân dân xã Bảo Lâm"), the higher level (the province since the 2025 reform) and the
    # title of whoever signs for the commune.
    official_name: Name | None = None
    higher_level: Name | None = None
    signer_title: Name | None = None
    documents: DocumentSettings = DocumentSettings()

    def hamlet(self, hamlet_id: str | None) -> Hamlet | None:
        return next((h for h in self.hamlets if h.id == hamlet_id), None)

    def category(self, key: str | None) -> Category | None:
        return next((c for c in self.categories if c.key == key), None)

    def role_title(self, role: str) -> Name | None:
        """How this commune names a role held by one body or person, when its settings say so."""
        return {"office": self.office_name, "chair": self.chair_title, "mttq": self.mttq_name}.get(role)

    def body(self, text: str | None) -> Body | None:
        """The configured body an officer's body text names (its key, or its name in any language)."""
        wanted = _tidy(text or "")
        return next((b for b in self.bodies if wanted in (b.key, _tidy(b.name.vi), _tidy(b.name.en))), None)


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

    def body_name(self, text: str | None, locale: str, commune_id: str | None = None) -> str:
        """An officer's body in the reader's language when a commune's settings list it; else as stored."""
        for commune in self.items:
            if commune_id is None or commune.id == commune_id:
                body = commune.body(text)
                if body is not None:
                    return body.name(locale)
        return text or ""


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


def _optional_name(table: dict, where: str, prefix: str) -> Name | None:
    if not any(f"{prefix}{lang}" in table for lang in LANGUAGES):
        return None
    return _name(table, where, prefix)


def _bodies(table: dict, where: str) -> tuple[Body, ...]:
    raw = table.get("bodies", [])
    if not isinstance(raw, list):
        raise CommunesFileError(f"{where}: 'bodies' must be a list of {{ key, vi, en }}")
    bodies = tuple(Body(key=_identifier(b, "key", f"{where} body"), name=_name(b, f"{where} body {b.get('key')!r}"))
                   for b in raw)
    _unique([b.key for b in bodies], "body", where)
    return bodies


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
            Hamlet(id=_identifier(h, "id", f"{where} hamlet"), name=_in_sentence(_name(h, f"{where} hamlet")))
            for h in table.get("hamlets", [])
        )
        categories = tuple(
            Category(
                key=_identifier(c, "key", f"{where} category"),
                name=_name(c, f"{where} category {c.get('key')!r}"),
                petition=bool(c.get("petition", False)),
                legal_procedure=bool(c.get("legal_procedure", False)),
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
                name=_in_sentence(_name(table, where)),
                citizen_reception=_name(table, where, "citizen_reception_"),
                meeting_place=_name(table, where, "meeting_place_"),
                hamlets=hamlets,
                categories=categories,
                office_name=_optional_name(table, where, "office_"),
                chair_title=_optional_name(table, where, "chair_"),
                mttq_name=_optional_name(table, where, "mttq_"),
                bodies=_bodies(table, where),
                official_name=_optional_name(table, where, "official_name_"),
                higher_level=_optional_name(table, where, "higher_level_"),
                signer_title=_optional_name(table, where, "signer_"),
                documents=_documents(table, where),
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
