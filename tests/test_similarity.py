"""Similar concerns: Vietnamese folding, the pair score on the labelled set, the top-k lookup."""

from __future__ import annotations

import json
import subprocess
import sys
import unicodedata
from dataclasses import fields
from pathlib import Path

from bot import similarity
from bot.communes import load_communes
from bot.config import DEFAULT_COMMUNES_FILE
from bot.services import Services
from bot.similarity import SimilarConcern, SimilarityMatcher, fold, score, words
from storage import concerns as concern_store
from storage.database import Database

PAIRS = Path(__file__).parent / "data" / "similar_pairs.jsonl"
# Just under what bench/similarity.py measured at the threshold in use (precision 0.953, recall 0.851
# on all 398 pairs; 0.966 and 0.824 on the held-out third): a change that makes matching worse fails.
PRECISION_FLOOR = 0.94
RECALL_FLOOR = 0.84


def test_nfd_and_nfc_fold_alike():
    nfc = "Đường thôn 3 bị ngập, tràn vào nhà"
    nfd = unicodedata.normalize("NFD", nfc)
    assert nfc != nfd
    assert fold(nfc) == fold(nfd) == "duong thon 3 bi ngap tran vao nha"


def test_text_without_diacritics_folds_like_the_text_with_them():
    assert fold("Đèn đường hỏng đã lâu") == fold("den duong hong da lau") == fold("DEN DUONG HONG DA LAU!!!")


def test_d_with_stroke_folds_to_d_in_both_cases():
    assert fold("đ Đ") == "d d"
    assert fold("Đất đai") == fold("dat dai")


def test_chat_abbreviations_and_regional_words_are_spelt_out():
    assert fold("ko dc j") == "khong duoc gi"
    assert fold("hok đc") == "khong duoc"
    assert fold("trại heo") == fold("trại lợn")
    assert fold("đền bù") == fold("bồi thường")
    assert fold("sổ đỏ") == fold("giấy chứng nhận quyền sử dụng đất") == fold("GCN")
    assert fold("thôn hai") == fold("thôn 2") == fold("thon2")


def test_function_words_do_not_count_as_meaning():
    assert words("Đề nghị xã xem xét giải quyết cho bà con") == []
    assert words("Kính gửi UBND xã, đèn đường thôn 3 hỏng") == ["uy", "ban", "denduong", "3", "hong"]


def test_the_same_problem_said_differently_scores_above_the_threshold():
    assert similarity.same_concern("Đèn đường ở thôn 3 hỏng mấy tháng nay chưa ai sửa",
                                   "den duong thon 3 hu lau roi ko ai sua")
    assert similarity.same_concern("Trại lợn thôn 3 xả nước thải ra mương, mùi hôi thối",
                                   "hoi thoi qua, trai heo o thon 3 xa nuoc thai ra muong")


def test_a_typo_still_matches():
    assert similarity.same_concern("Đường liên thôn nhiều ổ gà, xe đi rất nguy hiểm",
                                   "duong lien thon nhieu o ga, xe di rat nguy hiemm")


def test_same_topic_and_hamlet_but_another_problem_stays_below_the_threshold():
    assert not similarity.same_concern("Đèn đường ở thôn 3 hỏng mấy tháng nay chưa ai sửa",
                                       "Đường thôn 3 bị ngập mỗi khi mưa to")
    assert not similarity.same_concern("Trại lợn thôn 3 xả nước thải ra mương",
                                       "Mương thôn 3 bị bồi lấp, không dẫn được nước tưới")


def test_score_is_symmetric_and_one_for_the_same_text():
    a, b = "Chưa được cấp sổ đỏ", "so do chua dc cap, nop ho so lau roi"
    assert score(a, b) == score(b, a)
    assert score(a, a) == 1.0
    assert score("", a) == 0.0


def test_precision_and_recall_on_the_labelled_pairs_stay_at_the_level_reached():
    pairs = [json.loads(line) for line in PAIRS.read_text(encoding="utf-8").splitlines() if line.strip()]
    assert len(pairs) >= 300
    said = [(similarity.same_concern(p["a"], p["b"]), p["same"]) for p in pairs]
    true_pos = sum(1 for s, y in said if s and y)
    precision = true_pos / sum(1 for s, _ in said if s)
    recall = true_pos / sum(1 for _, y in said if y)
    assert precision >= PRECISION_FLOOR, precision
    assert recall >= RECALL_FLOOR, recall


async def _commune_with_concerns(tmp_path, bodies: list[tuple[str, str, str]]):
    database = await Database.open(tmp_path / "d.sqlite3")
    services = await Services.create(database, load_communes(DEFAULT_COMMUNES_FILE))
    stored = []
    for n, (hamlet, category, body) in enumerate(bodies):
        resident = await services.residents.register("telegram", str(100 + n), locale="vi", commune_id="bao-lam",
                                                     hamlet_id=hamlet, display_name=f"Nguyễn Văn Tên{n}")
        stored.append(await services.concerns.submit(resident, category=category, body=body, attachments=(),
                                                     submission_key=f"k{n}"))
    return database, stored


async def test_the_lookup_finds_the_same_concern_and_shows_nothing_of_its_sender(tmp_path):
    database, stored = await _commune_with_concerns(tmp_path, [
        ("thon-3", "development", "Đèn đường ở thôn 3 hỏng mấy tháng nay chưa ai sửa, buổi tối tối om"),
        ("thon-3", "development", "Đường thôn 3 bị ngập mỗi khi mưa to vì cống tắc"),
        ("thon-1", "land", "Đề nghị xã cấp sổ đỏ cho các hộ thôn 1"),
        ("thon-2", "environment", "Rác không được thu gom ở đầu thôn 2"),
    ])
    matcher = SimilarityMatcher(database)

    found = await matcher.similar("den duong thon 3 hu lau roi ko ai sua", commune_id="bao-lam",
                                  topic="development", hamlet_id="thon-3")

    assert [s.code for s in found] == [stored[0].code]
    shown = found[0]
    assert (shown.topic, shown.hamlet_id, shown.status) == ("development", "thon-3", "submitted")
    assert shown.excerpt.startswith("Đèn đường ở thôn 3 hỏng")
    assert [f.name for f in fields(SimilarConcern)] == ["code", "topic", "hamlet_id", "excerpt", "status", "score"]
    assert "Tên0" not in repr(found)
    await database.close()


async def test_the_lookup_sees_concerns_stored_after_the_first_lookup(tmp_path):
    database, stored = await _commune_with_concerns(tmp_path, [
        ("thon-2", "environment", "Rác không được thu gom ở đầu thôn 2"),
    ])
    matcher = SimilarityMatcher(database)
    assert await matcher.similar("Trạm y tế xã thiếu thuốc, ban đêm không có bác sĩ", commune_id="bao-lam") == []

    services = await Services.create(database, load_communes(DEFAULT_COMMUNES_FILE))
    resident = await services.residents.register("telegram", "900", locale="vi", commune_id="bao-lam",
                                                 hamlet_id="thon-1", display_name="Trần Thị B")
    later = await services.concerns.submit(resident, category="development", attachments=(), submission_key="later",
                                           body="Trạm y tế xã thiếu thuốc và không có bác sĩ trực ban đêm")

    found = await matcher.similar("tram y te xa thieu thuoc, ban dem ko co bac si truc", commune_id="bao-lam")
    assert [s.code for s in found] == [later.code]
    await database.close()


async def test_the_lookup_leaves_out_merged_concerns_other_communes_and_the_excluded_code(tmp_path):
    text = "Đèn đường ở thôn 3 hỏng mấy tháng nay chưa ai sửa"
    database, stored = await _commune_with_concerns(tmp_path, [
        ("thon-3", "development", text),
        ("thon-3", "development", "den duong thon 3 hong lau roi"),
        ("thon-3", "development", "Đèn chiếu sáng thôn 3 hư, tối đi lại nguy hiểm"),
    ])
    async with database.transaction() as db:
        await concern_store.set_status(db, stored[1].id, "merged", duplicate_of=stored[0].id)
        await db.execute("INSERT INTO communes (id, name) VALUES ('other', 'Xã Khác')")
        await db.execute("UPDATE concerns SET commune_id = 'other' WHERE id = ?", (stored[2].id,))
    matcher = SimilarityMatcher(database)

    assert [s.code for s in await matcher.similar(text, commune_id="bao-lam")] == [stored[0].code]
    assert await matcher.similar(text, commune_id="bao-lam", exclude_codes=(stored[0].code,)) == []
    await database.close()


async def test_the_lookup_shows_at_most_three_best_first(tmp_path):
    bodies = [("thon-4", "development", f"Mưa lớn là đường thôn 4 ngập sâu, cống thoát nước bị tắc {'lâu rồi ' * n}")
              for n in range(5)]
    database, stored = await _commune_with_concerns(tmp_path, bodies)
    matcher = SimilarityMatcher(database)

    found = await matcher.similar("mua to la duong thon 4 ngap sau, cong thoat nuoc bi tac", commune_id="bao-lam")

    assert len(found) == 3
    assert [s.score for s in found] == sorted((s.score for s in found), reverse=True)
    await database.close()


def test_the_matcher_module_leaves_numpy_and_rapidfuzz_until_a_lookup_needs_them():
    # The bot imports the matcher at start; numpy alone is 14 MiB of idle RSS (issue 7: under 80 MiB).
    code = ("import sys; import bot.similarity; "
            "print(sorted(m for m in ('numpy', 'rapidfuzz') if m in sys.modules))")
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                            cwd=Path(__file__).resolve().parent.parent).stdout.strip()
    assert loaded == "[]"
