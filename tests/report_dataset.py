"""A commune's dialogue with a known outcome, written straight into SQLite, for the report tests.

The dialogue of Monday 2026-11-02 (announced 2026-11-04), with ten concerns received in October 2026:
three screened out before it (merged, out of scope, rejected), seven on its agenda. Today is 2026-12-01."""

from __future__ import annotations

from datetime import date, datetime, timezone

from storage.database import Database

TODAY = date(2026, 12, 1)
NOW = datetime(2026, 12, 1, 3, 0, tzinfo=timezone.utc)  # 10:00 in Vietnam
MEETING_UTC = "2026-11-02T01:30:00+00:00"  # 08:30 in Vietnam
OFFICER_NAME = "Trần Văn Bình"
REFERRED_TO = "Công ty Điện lực Lâm Đồng"

# code, hamlet, topic, status, conclusion, conclusion text, on the agenda
CONCERNS = [
    ("100-001", "thon-1", "land", "closed", "answered", "Đã giải thích tại buổi đối thoại.", True),
    ("100-002", "thon-1", "land", "closed", "assigned", "Giao Phòng Kinh tế đo đạc lại.", True),
    ("100-003", "thon-2", "environment", "disputed", "assigned", "Giao Phòng Kinh tế kiểm tra bãi rác.", True),
    ("100-004", "thon-2", "compensation", "in_progress", "assigned", "Giao Phòng Kinh tế rà soát bồi thường.", True),
    ("100-005", "thon-3", "development", "assigned", "assigned", "Giao Phòng Văn hóa - Xã hội xử lý.", True),
    ("100-006", "thon-3", "development", "resolved", "referred", "Kiến nghị ngành điện cải tạo đường dây.", True),
    ("100-007", "thon-1", "other", "rejected", "not_accepted", "Không thuộc thẩm quyền giải quyết.", True),
    ("100-008", "thon-1", "land", "merged", None, None, False),
    ("100-009", "thon-2", "other", "out_of_scope", None, None, False),
    ("100-010", "thon-4", "other", "rejected", None, None, False),
]
# code -> body, due date, extended to, resolved at (UTC)
ASSIGNMENTS = {
    "100-002": ("Phòng Kinh tế", "2026-12-02", None, "2026-11-20T02:00:00+00:00"),  # on time (12 working days)
    "100-003": ("Phòng Kinh tế", "2026-12-02", "2026-12-16", "2026-11-27T02:00:00+00:00"),  # after an extension
    "100-004": ("Phòng Kinh tế", "2026-11-20", None, None),  # overdue
    "100-005": ("Phòng Văn hóa - Xã hội", "2099-01-02", None, None),  # within its time
}
ASSIGNED_AT = "2026-11-04T02:00:00+00:00"


async def build(database: Database) -> dict[str, int]:
    """Write the dataset; returns the concerns' ids by code and the dialogue's id under 'dialogue'."""
    ids: dict[str, int] = {}
    async with database.transaction() as db:
        await db.execute("INSERT OR IGNORE INTO communes (id, name) VALUES ('bao-lam', 'xã Bảo Lâm')")
        cursor = await db.execute("INSERT INTO people (channel, external_id, created_at, display_name)"
                                  " VALUES ('telegram', '9001', ?, ?)", (MEETING_UTC, OFFICER_NAME))
        officer = cursor.lastrowid
        cursor = await db.execute(
            "INSERT INTO dialogues (commune_id, meeting_at, place, status, created_at, announced_on)"
            " VALUES ('bao-lam', ?, 'Hội trường UBND xã Bảo Lâm', 'held', ?, '2026-11-04')", (MEETING_UTC, MEETING_UTC))
        dialogue = ids["dialogue"] = cursor.lastrowid
        for number, (code, hamlet, topic, status, conclusion, text, on_agenda) in enumerate(CONCERNS, start=1):
            cursor = await db.execute("INSERT INTO people (channel, external_id, created_at) VALUES ('telegram', ?, ?)",
                                      (str(5000 + number), MEETING_UTC))
            resident = cursor.lastrowid
            await db.execute("INSERT INTO residents (person_id, commune_id, hamlet_id, display_name, registered_at)"
                             " VALUES (?, 'bao-lam', ?, ?, ?)", (resident, hamlet, f"Người dân {number}", MEETING_UTC))
            submitted = f"2026-10-{number + 5:02d}T03:00:00+00:00"
            cursor = await db.execute(
                "INSERT INTO concerns (commune_id, code, resident_id, hamlet_id, category, body, status, submission_key,"
                " submitted_at, updated_at, dialogue_id, conclusion, conclusion_text, duplicate_of, referred_to,"
                " referral_answer, referral_answered_at)"
                " VALUES ('bao-lam', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (code, resident, hamlet, topic, f"Nội dung kiến nghị {code}", status, f"key-{code}", submitted, submitted,
                 dialogue if on_agenda else None, conclusion, text, ids.get("100-001") if status == "merged" else None,
                 REFERRED_TO if conclusion == "referred" else None,
                 "Đã đưa vào kế hoạch cải tạo năm 2027." if conclusion == "referred" else None,
                 "2026-11-25T02:00:00+00:00" if conclusion == "referred" else None))
            ids[code] = cursor.lastrowid
            if code in ASSIGNMENTS:
                body, due, extended, resolved = ASSIGNMENTS[code]
                await db.execute(
                    "INSERT INTO assignments (concern_id, officer_person_id, body, assigned_at, due_date, extended_to,"
                    " extension_reason, resolved_at, result) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (ids[code], officer, body, ASSIGNED_AT, due, extended, "Cần xác minh thêm" if extended else None,
                     resolved, f"Kết quả giải quyết {code}" if resolved else None))
        for code, action in (("100-002", "concern.satisfied"), ("100-001", "concern.satisfied"),
                             ("100-003", "concern.dispute")):
            await db.execute("INSERT INTO audit_log (at, commune_id, action, subject_type, subject_id, details)"
                             " VALUES (?, 'bao-lam', ?, 'concern', ?, '{}')", (MEETING_UTC, action, ids[code]))
        # Both closed concerns were rated: 4 and 5 of 5.
        for code, stars in (("100-001", 4), ("100-002", 5)):
            await db.execute("UPDATE concerns SET satisfaction = ? WHERE id = ?", (stars, ids[code]))
        # Two registered speakers, in their order.
        for position, code in ((1, "100-003"), (2, "100-001")):
            await db.execute(
                "INSERT INTO speaker_registrations (commune_id, concern_id, resident_id, dialogue_id, point, registered_at,"
                " review, position) SELECT 'bao-lam', id, resident_id, ?, ?, ?, 'approved', ? FROM concerns WHERE code = ?",
                (dialogue, f"Ý kiến về {code}", MEETING_UTC, position, code))
    return ids
