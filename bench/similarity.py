"""How well and how fast similar concerns are found: precision and recall on labelled pairs, top-3 lookup time.

    .venv/bin/python bench/similarity.py [--pairs FILE] [--concerns 50000] [--queries 300]

Quality: every pair of FILE (JSON Lines, one pair a line: {"a": "...", "b": "...", "same": true}) is
scored by bot.similarity.score and called "the same concern" at bot.similarity.THRESHOLD; precision
and recall of that call are printed for the whole set and, when lines carry "split": "held-out",
for the part the threshold was not chosen on and for the rest.

Speed: --concerns concerns of one commune are generated (problems, places and chat spellings
combined at random, with or without diacritics) into a fresh SQLite database with the project's
migrations; their words are folded and kept once (time printed), and read again by a second matcher
as after a restart (time printed); then the texts of FILE are looked up as new concerns, top 3,
through SimilarityMatcher.similar (candidates from the inverted index of folded words, rescored:
what a service calls). The baseline is a plain SQL scan ranking every concern of the
commune by how many of the query's words its text contains with LIKE (same data, same process).
Times are wall-clock: compare them on one machine, never assert on them.

The last line is `precision=P recall=R pairs=N`, the figures of the whole set given.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot import similarity  # noqa: E402
from bot.similarity import SimilarityMatcher  # noqa: E402
from storage.database import Database  # noqa: E402

DEFAULT_PAIRS = Path(__file__).resolve().parent.parent / "tests" / "data" / "similar_pairs.jsonl"
COMMUNE = "bao-lam"

# Pieces of generated concerns: what is wrong, where, since when, what is asked.
_PROBLEMS = [
    "đèn đường hỏng", "đường bị ổ gà", "cống thoát nước bị tắc", "mương bị bồi lấp", "rác không được thu gom",
    "trại lợn xả nước thải", "xưởng gỗ gây tiếng ồn", "khói đốt rơm rạ", "nước giếng nhiễm phèn",
    "chưa được cấp sổ đỏ", "lấn chiếm lối đi chung", "tranh chấp ranh giới đất", "quy hoạch treo",
    "chưa nhận tiền bồi thường", "giá đền bù thấp", "chưa có đất tái định cư", "kiểm đếm thiếu cây trồng",
    "trợ cấp người cao tuổi chậm", "bình xét hộ nghèo không công bằng", "chưa có thẻ bảo hiểm y tế",
    "cán bộ thái độ hách dịch", "cán bộ đòi tiền bồi dưỡng", "trưởng thôn thu tiền không công khai",
    "mất điện thường xuyên", "chưa có nước sạch", "xe tải chạy quá tốc độ", "trộm cắp gà vịt",
    "thanh niên đua xe ban đêm", "trạm y tế thiếu thuốc", "trường mầm non dột", "cầu tre mục",
    "sóng điện thoại yếu", "chợ lấn chiếm lòng đường", "cột điện nghiêng", "chó thả rông cắn người",
    "ao tù bốc mùi", "sạt lở bờ sông do hút cát", "nhà nứt do thi công", "hoa màu bị đổ đất đá",
    "hồ sơ chuyển mục đích sử dụng đất bị trả lại", "đất công ích cho thuê không công khai",
]
_PLACES = ["thôn 1", "thôn 2", "thôn 3", "thôn 4", "thôn 5", "xóm Đông", "xóm Bãi", "đầu thôn", "cuối xóm",
           "gần trường học", "cạnh chợ", "ven sông", "đường liên thôn", "khu dân cư mới"]
_SINCE = ["mấy tháng nay", "từ năm ngoái", "cả tuần nay", "lâu lắm rồi", "từ đầu năm", "nhiều năm nay", ""]
_ASKS = ["đề nghị xã xem xét giải quyết", "xin xã sớm xử lý", "mong chính quyền quan tâm",
         "đề nghị kiểm tra và trả lời", "bà con rất bức xúc", ""]


def load_pairs(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as lines:
        return [json.loads(line) for line in lines if line.strip()]


def precision_recall(pairs: list[dict], threshold: float) -> tuple[float, float]:
    true_pos = false_pos = false_neg = 0
    for pair in pairs:
        said_same = similarity.score(pair["a"], pair["b"]) >= threshold
        if said_same and pair["same"]:
            true_pos += 1
        elif said_same:
            false_pos += 1
        elif pair["same"]:
            false_neg += 1
    precision = true_pos / (true_pos + false_pos) if true_pos + false_pos else 1.0
    recall = true_pos / (true_pos + false_neg) if true_pos + false_neg else 1.0
    return precision, recall


def generated_concerns(count: int, seed: int = 7) -> list[str]:
    rng = random.Random(seed)
    texts = []
    for _ in range(count):
        parts = [rng.choice(_PROBLEMS), rng.choice(_PLACES), rng.choice(_SINCE), rng.choice(_ASKS)]
        if rng.random() < 0.3:
            parts.insert(0, rng.choice(_PROBLEMS))
        text = ", ".join(p for p in parts if p)
        if rng.random() < 0.4:
            text = similarity.strip_marks(text)
        texts.append(text)
    return texts


async def fill(database: Database, texts: list[str], labelled: list[str]) -> dict[str, str]:
    """The generated concerns, then the labelled texts; returns the code of each labelled text."""
    async with database.transaction() as db:
        await db.execute("INSERT INTO communes (id, name) VALUES (?, ?)", (COMMUNE, "Xã Bảo Lâm"))
        await db.executemany(
            "INSERT INTO people (id, channel, external_id, created_at) VALUES (?, 'telegram', ?, '2026-01-01T00:00:00+00:00')",
            [(n, str(n)) for n in range(1, 501)])
        await db.executemany(
            "INSERT INTO concerns (commune_id, code, resident_id, hamlet_id, category, body, status, submission_key,"
            " submitted_at, updated_at) VALUES (?, ?, ?, ?, 'development', ?, 'accepted', ?,"
            " '2026-01-01T00:00:00+00:00', '2026-01-01T00:00:00+00:00')",
            [(COMMUNE, f"BL-{n:06d}", n % 500 + 1, f"thon-{n % 5 + 1}", text, f"k{n}") for n, text in enumerate(texts)])
        codes = {text: f"PAIR-{n:04d}" for n, text in enumerate(labelled)}
        await db.executemany(
            "INSERT INTO concerns (commune_id, code, resident_id, hamlet_id, category, body, status, submission_key,"
            " submitted_at, updated_at) VALUES (?, ?, 1, 'thon-1', 'development', ?, 'accepted', ?,"
            " '2026-01-01T00:00:00+00:00', '2026-01-01T00:00:00+00:00')",
            [(COMMUNE, code, text, code) for text, code in codes.items()])
    return codes


async def like_top3(database: Database, text: str) -> list[str]:
    """The baseline: rank every concern of the commune by how many of the text's words it contains (LIKE)."""
    query_words = sorted(set(text.lower().split()))[:12] or [""]
    matches = " + ".join("(body LIKE ?)" for _ in query_words)
    async with database.read() as db:
        rows = await db.execute_fetchall(
            f"SELECT code FROM (SELECT code, {matches} AS hits FROM concerns WHERE commune_id = ?)"
            " WHERE hits > 0 ORDER BY hits DESC LIMIT 3",
            (*[f"%{w}%" for w in query_words], COMMUNE))
    return [r[0] for r in rows]


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


async def lookups(concerns: int, pairs: list[dict], queries: list[str]) -> None:
    texts = list(dict.fromkeys(t for p in pairs for t in (p["a"], p["b"])))
    with tempfile.TemporaryDirectory() as folder:
        database = await Database.open(Path(folder) / "similar.sqlite3")
        try:
            codes = await fill(database, generated_concerns(concerns), texts)
            matcher = SimilarityMatcher(database)
            started = time.perf_counter()
            indexed = await matcher.refresh()
            print(f"words folded and kept: {indexed} concerns in {time.perf_counter() - started:.1f} s")
            matcher = SimilarityMatcher(database)
            started = time.perf_counter()
            await matcher.refresh()
            print(f"index read again (as after a restart) in {time.perf_counter() - started:.2f} s")
            for label, lookup in (("index + rescoring (top 3)", lambda q: matcher.similar(q, commune_id=COMMUNE)),
                                  ("plain SQL LIKE scan (top 3)", lambda q: like_top3(database, q))):
                times = []
                for query in queries:
                    similarity.fold.cache_clear()
                    similarity._features_of.cache_clear()
                    started = time.perf_counter()
                    await lookup(query)
                    times.append((time.perf_counter() - started) * 1000)
                print(f"{label:30s} over {concerns} concerns, {len(queries)} lookups:"
                      f" p50={statistics.median(times):.1f} ms p95={percentile(times, 0.95):.1f} ms"
                      f" max={max(times):.1f} ms")
            found = same = crowded = 0
            for pair in pairs:
                if pair["same"]:
                    same += 1
                    shown = await matcher.similar(pair["a"], commune_id=COMMUNE, exclude_codes=(codes[pair["a"]],))
                    if codes[pair["b"]] in [s.code for s in shown]:
                        found += 1
                    elif len(shown) == matcher.top_k and shown[-1].score >= similarity.score(pair["a"], pair["b"]):
                        crowded += 1
            print(f"lookup recall: for {found} of {same} same-concern pairs ({found / max(1, same):.2f}) the lookup of"
                  f" one text shows the other among its top 3, both stored among {concerns + len(texts)} concerns;"
                  f" in {crowded} more, 3 generated concerns at least as close were shown instead")
        finally:
            await database.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pairs", type=Path, default=DEFAULT_PAIRS)
    parser.add_argument("--concerns", type=int, default=50_000)
    parser.add_argument("--queries", type=int, default=300)
    args = parser.parse_args()

    pairs = load_pairs(args.pairs)
    threshold = similarity.THRESHOLD
    held_out = [p for p in pairs if p.get("split") == "held-out"]
    if held_out:
        tuned = [p for p in pairs if p.get("split") != "held-out"]
        for label, part in (("tuning part", tuned), ("held-out part", held_out)):
            precision, recall = precision_recall(part, threshold)
            print(f"{label:14s} threshold={threshold} precision={precision:.3f} recall={recall:.3f} pairs={len(part)}")

    texts = list(dict.fromkeys(t for p in pairs for t in (p["a"], p["b"])))
    queries = random.Random(1).sample(texts, min(args.queries, len(texts)))
    asyncio.run(lookups(args.concerns, pairs, queries))

    precision, recall = precision_recall(pairs, threshold)
    print(f"whole set      threshold={threshold} (targets: precision >= 0.9, recall >= 0.8)")
    print(f"precision={precision:.2f} recall={recall:.2f} pairs={len(pairs)}")


if __name__ == "__main__":
    main()
