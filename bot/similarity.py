"""Concerns that say the same thing: Vietnamese text folded to comparable words, a pair score, a top-k lookup.

Residents type with or without diacritics, in NFC or NFD, with "ko", "dc", "j", "heo" for "lợn" and
typos, in any word order. `fold` turns every such text into one plain form (no diacritics, đ -> d,
lower case, the usual chat abbreviations and regional words spelt out); `words` keeps the words that
carry meaning (no function words). `score` compares two texts from their words and word pairs,
forgiving typos through rapidfuzz, and `SimilarityMatcher.similar` finds the few concerns of a
commune closest to a new text: an inverted index of folded words picks candidates, `score`
rescores them (the words are kept in SQLite by storage/similar.py). The threshold was chosen on two thirds of tests/data/similar_pairs.jsonl; bench/
similarity.py prints precision and recall on the whole set and on the held-out third.

Nothing here knows a channel: a service calls `SimilarityMatcher` and decides what to show.
"""

from __future__ import annotations

import asyncio
import math
import re
import unicodedata
from array import array
from dataclasses import dataclass
from functools import lru_cache

from storage import similar as similar_store
from storage.database import Database


def _rapidfuzz():
    """rapidfuzz, imported when first compared rather than when the bot starts (see `candidates` for numpy)."""
    import rapidfuzz.fuzz
    import rapidfuzz.process

    return rapidfuzz

# A pair scoring at or above this is "the same concern".
THRESHOLD = 0.44
# How many concerns a resident or an official is shown at most.
TOP_K = 3
# Candidates rescored per lookup: enough to hold the true matches in practice, few enough to stay fast.
CANDIDATES = 40
# Characters of a concern's text shown next to its code.
EXCERPT_LENGTH = 90

# Chat abbreviations and spellings residents use, folded (no diacritics), to the folded word meant.
# Only forms with one reading in a concern are listed ("dk" is both "được" and "đăng ký": left alone).
_ABBREVIATIONS = {
    "ko": "khong", "k": "khong", "kg": "khong", "khg": "khong", "hok": "khong",
    "hem": "khong", "hk": "khong", "kh": "khong", "khog": "khong", "khom": "khong",
    "dc": "duoc", "dduoc": "duoc", "j": "gi", "ji": "gi", "bjt": "biet", "bik": "biet",
    "ntn": "nhu the nao", "vs": "voi", "r": "roi", "ms": "moi", "mk": "minh", "mik": "minh",
    "ng": "nguoi", "ngta": "nguoi ta", "nc": "nuoc", "nuc": "nuoc", "dg": "duong", "duog": "duong",
    "cb": "can bo", "cbo": "can bo", "ubnd": "uy ban", "ubx": "uy ban", "qd": "quyet dinh",
    "mn": "moi nguoi", "wa": "qua", "nhiu": "nhieu", "hnay": "hom nay", "hqua": "hom qua",
    "thag": "thang", "thg": "thang", "lm": "lam", "trc": "truoc", "dzo": "vao", "vo": "vao",
    "zo": "vao", "dzay": "vay", "zay": "vay", "tui": "toi", "bhyt": "bao hiem y te",
    "bhxh": "bao hiem xa hoi", "gcn": "so do", "gcnqsdd": "so do", "sdd": "so do", "gpmb": "giai toa",
}

# Regional words and near-synonyms residents use for one thing, folded, to one spelling. A phrase
# becomes one word, so that "sổ đỏ" is not lost between the function words "sổ" and "đỏ".
_SYNONYM_PHRASES = (
    ("giay chung nhan quyen su dung dat", "sodo"), ("giay chung nhan", "sodo"), ("so do", "sodo"),
    ("bia do", "sodo"), ("so hong", "sodo"), ("giai phong mat bang", "giaitoa"), ("giai toa", "giaitoa"),
    ("thu hoi dat", "giaitoa"), ("den bu", "boithuong"), ("boi thuong", "boithuong"),
    ("cup dien", "matdien"), ("cat dien", "matdien"), ("mat dien", "matdien"), ("cup nuoc", "matnuoc"),
    ("mat nuoc", "matnuoc"), ("nuoc may", "nuocsach"), ("nuoc sach", "nuocsach"),
    ("o ga", "oga"), ("o voi", "oga"), ("o trau", "oga"), ("xuong cap", "hong"), ("hu hong", "hong"),
    ("hu hai", "hong"), ("sut lun", "lun"), ("bom hut cat", "hutcat"), ("hut cat", "hutcat"),
    ("khai thac cat", "hutcat"), ("xe ben", "xetai"), ("xe tai", "xetai"), ("xe cong", "xetai"),
    ("gay kho de", "gaykho"), ("gay kho khan", "gaykho"), ("gay kho", "gaykho"), ("lam kho", "gaykho"),
    ("nhung nhieu", "gaykho"), ("hach dich", "gaykho"), ("cua quyen", "gaykho"), ("bon tien", "tiennhanh"),
    ("lot tay", "tiennhanh"), ("chay do", "tiennhanh"), ("tro cap", "trocap"), ("phu cap", "trocap"),
    ("che do", "chedo"), ("ho ngheo", "ngheo"), ("can ngheo", "ngheo"), ("ngap ung", "ngap"),
    ("ung ngap", "ngap"), ("ngap nuoc", "ngap"), ("ung nuoc", "ngap"), ("bai rac", "rac"),
    ("rac thai", "rac"), ("thu gom rac", "rac"), ("hoi thoi", "hoithoi"), ("boc mui", "hoithoi"), ("mui hoi", "hoithoi"),
    ("xa nuoc thai", "xathai"), ("xa thai", "xathai"), ("nuoc thai", "xathai"),
    ("den duong", "denduong"), ("den chieu sang", "denduong"), ("tien boi duong", "tiennhanh"),
    ("boi duong", "tiennhanh"), ("mau giao", "mamnon"), ("mam non", "mamnon"), ("tre em", "treem"),
    ("tre con", "treem"), ("tre nho", "treem"), ("ho tro", "trocap"), ("di tre", "dimuon"), ("di muon", "dimuon"),
    ("ve som", "dimuon"), ("un tac", "tac"), ("tac nghen", "tac"), ("xe hoi", "oto"), ("o to", "oto"),
    ("kha gia", "giau"), ("binh bau", "binhxet"), ("binh xet", "binhxet"), ("uong ruou", "ruou"),
)
_SYNONYM_WORDS = {"heo": "lon", "bap": "ngo", "hu": "hong", "kenh": "muong", "xai": "dung", "nhau": "ruou"}

# Words that say nothing about which problem it is: pronouns, particles, politeness, "the commune".
_STOP_WORDS = frozenset("""
a ah ak ai anh ba bac bi bay bo boi ca cac cai can chi chiu cho chu chua co con cu cua cung da dang
de deu di do doi du duoc em gi gia giup gui ha hay he het hien hoi hon hu ki kia kinh la lai lam len
luc ma mai may minh moi mot muon nay neu ngay nghi nguoi nhan nhe nhieu nho nhu nhung no noi nua o oi ong
phai qua ra rang rat roi sao se so sau tai tam thi thoi thay the theo thi tinh toi tren tu tung tuy va van
vao ve vi viec voi vui xa xem xin ya yeu nhe nha nhi khong dum gium giup ho sang thang nam nao luon bao
bay gio nhu vay lan lau thon xom ap to khu dan cu trong khi nen gay som
""".split())
# Word pairs that say nothing either ("đề nghị", "bà con", "người dân"...): dropped whole before pairing.
_STOP_PHRASES = ("de nghi", "kien nghi", "phan anh", "y kien", "van de", "tinh trang", "hien nay", "ba con",
                 "nguoi dan", "chinh quyen", "xem xet", "giai quyet", "dia phuong", "cap tren", "lau nay",
                 "nhieu lan", "bao gio", "khi nao", "toi nay", "tu lau")

_PHRASE_PATTERNS = {phrase: re.compile(rf"\b{phrase}\b") for phrase, _ in _SYNONYM_PHRASES}
# "thôn hai" is "thôn 2"; elsewhere a number word is left alone ("ba" is also a grandmother).
_NUMBERS = {"mot": "1", "hai": "2", "ba": "3", "bon": "4", "tu": "4", "nam": "5", "sau": "6", "bay": "7",
            "tam": "8", "chin": "9", "muoi": "10"}
_NUMBERED_PLACE = re.compile(rf"\b(thon|xom|ap|doi|to|khu) ({'|'.join(_NUMBERS)})\b")
_NON_WORD = re.compile(r"[^0-9a-z]+")
_LETTER_DIGIT = re.compile(r"(?<=[a-z])(?=[0-9])|(?<=[0-9])(?=[a-z])")
# Repeated letters typed for emphasis ("quaaaa", "lâuuu"): no Vietnamese word doubles a letter thrice.
_REPEATS = re.compile(r"([a-z])\1{2,}")
_PLAIN_LETTERS = {"đ": "d", "Đ": "d", "ð": "d", "Ð": "d"}


def strip_marks(text: str) -> str:
    """Text without diacritics, đ as d, lower case, whatever Unicode form it came in."""
    decomposed = unicodedata.normalize("NFD", text)
    kept = "".join(_PLAIN_LETTERS.get(c, c) for c in decomposed if unicodedata.category(c) != "Mn")
    return unicodedata.normalize("NFC", kept).lower()


@lru_cache(maxsize=4096)
def fold(text: str) -> str:
    """One plain spelling of a text: no diacritics, no punctuation, abbreviations and regional words spelt out."""
    plain = _NON_WORD.sub(" ", strip_marks(text))
    plain = _LETTER_DIGIT.sub(" ", plain)
    plain = _REPEATS.sub(r"\1", plain)
    tokens = []
    for token in plain.split():
        tokens.extend(_ABBREVIATIONS.get(token, token).split())
    folded = _NUMBERED_PLACE.sub(lambda m: f"{m.group(1)} {_NUMBERS[m.group(2)]}", " ".join(tokens))
    for phrase, meant in _SYNONYM_PHRASES:
        if phrase in folded:
            folded = _PHRASE_PATTERNS[phrase].sub(meant, folded)
    return " ".join(_SYNONYM_WORDS.get(token, token) for token in folded.split())


def words(text: str) -> list[str]:
    """The words of a text that say which problem it is, in order, folded."""
    folded = " " + fold(text) + " "
    for phrase in _STOP_PHRASES:
        folded = folded.replace(" " + phrase + " ", " ")
    return [w for w in folded.split() if w not in _STOP_WORDS]


@dataclass(frozen=True)
class _Features:
    unigrams: frozenset[str]
    bigrams: frozenset[str]
    joined: str


def _features(word_list: list[str]) -> _Features:
    bigrams = frozenset(f"{a}_{b}" for a, b in zip(word_list, word_list[1:]))
    return _Features(frozenset(word_list), bigrams, " ".join(word_list))


@lru_cache(maxsize=8192)
def _features_of(text: str) -> _Features:
    return _features(words(text))


def _fuzzy_overlap(left: frozenset[str], right: frozenset[str]) -> float:
    """Words of the smaller set found in the other, a word with one typo counting as found."""
    if not left or not right:
        return 0.0
    small, large = (left, right) if len(left) <= len(right) else (right, left)
    rapidfuzz = _rapidfuzz()
    found = 0.0
    for word in small:
        if word in large:
            found += 1.0
        elif len(word) >= 4 and rapidfuzz.process.extractOne(word, large, scorer=rapidfuzz.fuzz.ratio, score_cutoff=85) is not None:
            found += 0.8
    return found / len(small)


def _score_features(a: _Features, b: _Features) -> float:
    if not a.unigrams or not b.unigrams:
        return 0.0
    words_found = _fuzzy_overlap(a.unigrams, b.unigrams)
    union = len(a.unigrams | b.unigrams)
    jaccard = len(a.unigrams & b.unigrams) / union
    pairs = len(a.bigrams & b.bigrams) / max(1, min(len(a.bigrams), len(b.bigrams)))
    set_ratio = _rapidfuzz().fuzz.token_set_ratio(a.joined, b.joined) / 100
    return 0.30 * words_found + 0.25 * jaccard + 0.25 * pairs + 0.20 * set_ratio


def score(a: str, b: str) -> float:
    """How alike two concern texts are, from 0 (nothing in common) to 1 (the same words)."""
    return _score_features(_features_of(a), _features_of(b))


def same_concern(a: str, b: str, threshold: float = THRESHOLD) -> bool:
    return score(a, b) >= threshold


def excerpt(body: str, length: int = EXCERPT_LENGTH) -> str:
    """The start of a concern's text on one line, cut at a word."""
    line = " ".join(body.split())
    if len(line) <= length:
        return line
    cut = line[:length].rsplit(" ", 1)[0]
    return cut + "…"


@dataclass(frozen=True)
class SimilarConcern:
    """What may be shown of a similar concern to anyone in the commune: never who sent it."""
    code: str
    topic: str
    hamlet_id: str
    excerpt: str
    status: str
    score: float


class _CommuneWords:
    """One commune's concerns as folded words, and for each word the concerns holding it (an inverted index).

    Concerns are numbered by position in `ids`; each word's holders are an array of positions, so a
    lookup adds up the rarity of shared words for thousands of concerns in numpy, not in a Python loop.
    """

    def __init__(self) -> None:
        self.ids: list[int] = []
        self.words: dict[int, str] = {}
        self.holders: dict[str, array] = {}

    def add(self, concern_id: int, folded_words: str) -> None:
        if concern_id in self.words:
            return
        position = len(self.ids)
        self.ids.append(concern_id)
        self.words[concern_id] = folded_words
        for word in set(folded_words.split()):
            self.holders.setdefault(word, array("i")).append(position)

    def candidates(self, query_words: frozenset[str], limit: int) -> list[int]:
        """Ids of the concerns sharing most of the rarer query words (each word weighed by its rarity), best first."""
        total = len(self.ids)
        known = sorted((len(self.holders[w]), w) for w in query_words if w in self.holders)
        # A word most concerns hold ("đường" in a commune of roads) says little and costs most to count:
        # leave it out once a few rarer words are there to count.
        counted = ([w for n, w in known if n <= total * _COMMON_SHARE] or [w for _, w in known[:2]])[:_COUNTED_WORDS]
        if not counted:
            return []
        import numpy  # here, not at start: 14 MiB and 55 ms a bot that is not asked for similar concerns never spends

        # Views on the arrays, dropped before this returns (an array cannot grow while one is alive).
        positions = [numpy.frombuffer(self.holders[w], dtype=numpy.int32) for w in counted]
        rarity = [math.log(1 + total / len(p)) for p in positions]
        scores = numpy.bincount(numpy.concatenate(positions), weights=numpy.repeat(rarity, [len(p) for p in positions]),
                                minlength=total)
        del positions
        if limit < total:
            best = numpy.argpartition(-scores, limit)[:limit]
        else:
            best = numpy.arange(total)
        best = best[scores[best] > 0]
        best = best[numpy.argsort(-scores[best], kind="stable")]
        return [self.ids[p] for p in best.tolist()]


# Words held by more than this share of a commune's concerns are not counted to find candidates.
_COMMON_SHARE = 0.1
# At most this many of a text's rarest words are counted to find candidates.
_COUNTED_WORDS = 8


class SimilarityMatcher:
    """Similar concerns of a commune, for a resident sending one and for the office screening one.

    The folded words of every concern are kept in the database (concern_words) and, once read, in
    memory as an inverted index per commune: a lookup counts the concerns sharing the text's rarer
    words, rescores the best `candidates` of them with `score`, and reads from the database only
    what may be shown of the few above the threshold. One matcher per process; it catches up with
    the concerns stored since (by any process) before each lookup. It takes the database's lock
    itself: call it outside a transaction.
    """

    def __init__(self, database: Database, *, threshold: float = THRESHOLD, top_k: int = TOP_K,
                 candidates: int = CANDIDATES) -> None:
        self._database = database
        self.threshold = threshold
        self.top_k = top_k
        self._candidates = candidates
        self._communes: dict[str, _CommuneWords] = {}
        self._last_id = 0
        self._loaded = False
        self._lock = asyncio.Lock()

    def _add(self, rows: list[tuple[int, str, str]]) -> None:
        for concern_id, commune_id, folded_words in rows:
            self._communes.setdefault(commune_id, _CommuneWords()).add(concern_id, folded_words)
            self._last_id = max(self._last_id, concern_id)

    async def refresh(self) -> int:
        """Fold and keep the words of the concerns stored since the last lookup; returns how many were folded."""
        async with self._lock:
            if not self._loaded:
                async with self._database.read() as db:
                    self._add(await similar_store.indexed(db))
                self._loaded = True
            folded = 0
            while True:
                async with self._database.read() as db:
                    waiting = await similar_store.unindexed(db, self._last_id)
                if not waiting:
                    return folded
                rows = [(concern_id, commune_id, " ".join(words(body))) for concern_id, commune_id, body in waiting]
                async with self._database.transaction() as db:
                    await similar_store.store(db, rows)
                self._add(rows)
                folded += len(rows)

    async def similar(self, text: str, *, commune_id: str, topic: str | None = None, hamlet_id: str | None = None,
                      exclude_codes: tuple[str, ...] = (), statuses: tuple[str, ...] | None = None) -> list[SimilarConcern]:
        """Up to top_k concerns of the commune most like the text, best first, each above the threshold.

        Merged concerns are left out (the one they were merged into stands for them). The topic and
        hamlet, when given, only break near ties: a resident often picks another topic than the
        first sender did, and one problem spans hamlets (a road, a river).
        """
        await self.refresh()
        features = _features_of(text)
        commune = self._communes.get(commune_id)
        if not features.unigrams or commune is None:
            return []
        scored = []
        for concern_id in commune.candidates(features.unigrams, self._candidates):
            value = _score_features(features, _features(commune.words[concern_id].split()))
            if value >= self.threshold:
                scored.append((value, concern_id))
        if not scored:
            return []
        async with self._database.read() as db:
            shown = await similar_store.shown(db, [concern_id for _, concern_id in scored], commune_id=commune_id,
                                              exclude_codes=exclude_codes, statuses=statuses)
        found = []
        for value, concern_id in scored:
            concern = shown.get(concern_id)
            if concern is None:
                continue
            # Near ties go to the concern of the same topic, then of the same hamlet.
            tie_break = (0.01 if topic is not None and concern.category == topic else 0.0) + (
                0.005 if hamlet_id is not None and concern.hamlet_id == hamlet_id else 0.0)
            found.append((value + tie_break, SimilarConcern(concern.code, concern.category, concern.hamlet_id,
                                                            excerpt(concern.body), concern.status, round(value, 3))))
        found.sort(key=lambda item: (-item[0], item[1].code))
        return [concern for _, concern in found[: self.top_k]]
