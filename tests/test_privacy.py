"""A person's own data: /mydata sends everything stored about them; /forget erases their identity."""

from __future__ import annotations

import json
import re

from bot.services.lifecycle import change, reload
from storage import concerns as concern_store
from storage import outbox

LAN, MINH, NGOC, HOA, KHOA, STRANGER = 1001, 1002, 777001234, 2003, 2002, 4242
CODE = re.compile(r"Mã theo dõi: (\d{3}-\d{3})")


def vi_short_date(bot, utc_iso: str) -> str:
    t = bot.application.bot_data["i18n"].for_locale("vi")
    return t.short_date(t.local_date(utc_iso))


async def submit(bot, user_id: int, text: str, topic: str = "land") -> str:
    confirmation = await bot.submit_concern(user_id, text, topic)
    return CODE.search(confirmation[0]).group(1)


async def person_id(bot, user_id: int) -> int:
    return (await bot.rows("SELECT id FROM people WHERE channel = 'telegram' AND external_id = ?", str(user_id)))[0][0]


async def act(bot, code: str, action: str, actor_user_id: int, **kwargs) -> None:
    """An official's state change, as the officials' services make it (status, audit row, resident's notice)."""
    actor = await person_id(bot, actor_user_id)
    async with bot.database.transaction() as db:
        concern = await concern_store.by_code(db, code)
        await change(db, concern, action, actor_person_id=actor, **kwargs)
        await reload(db, concern)


async def received_document(bot) -> tuple[dict, dict]:
    """The last file the bot sent: (the sendDocument call's params and files, the parsed JSON)."""
    call = bot.fake.calls_of("sendDocument")[-1]
    assert call.ok
    data = bot.fake.file_bytes(call.result["document"]["file_id"])
    return {"params": call.params, "files": call.files, "document": call.result["document"]}, json.loads(data)


async def text_columns_containing(bot, needle: str) -> list[str]:
    """Every table.column of the whole database whose value contains `needle` somewhere."""
    found = []
    tables = [r[0] for r in await bot.rows("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")]
    for table in tables:
        columns = [r[1] for r in await bot.rows(f"PRAGMA table_info({table})")]
        for column in columns:
            hits = await bot.rows(f"SELECT COUNT(*) FROM {table} WHERE instr(CAST({column} AS TEXT), ?) > 0", needle)
            if hits[0][0]:
                found.append(f"{table}.{column}")
    return found


# --- /mydata --------------------------------------------------------------------------------


async def test_my_data_is_sent_as_a_file_with_everything_stored_about_the_resident_and_no_one_else(bot):
    await bot.register(LAN, "Nguyễn Thị Lan")
    await bot.register(MINH, "Trần Văn Minh")
    lan = await person_id(bot, LAN)
    async with bot.database.transaction() as db:
        await db.execute("UPDATE residents SET phone = '0912345678' WHERE person_id = ?", (lan,))
    await bot.say(LAN, "/new")
    await bot.tap(LAN, "cc:cat:environment")
    await bot.send(LAN, bot.fake.send_photo(LAN, caption="Bãi rác đầu thôn 2 bốc mùi"))
    await bot.tap(LAN, next(b for b in bot.buttons(LAN) if b.startswith("cc:ok:")))
    code = CODE.search(bot.fake.bot_texts(LAN)[-1]).group(1)
    other_code = await submit(bot, MINH, "Đường vào thôn 3 ngập nước")
    resident = await bot.services.residents.find("telegram", str(LAN))
    await bot.services.speaking.register(resident, code, "Xin xã cho xe thu gom hằng tuần")
    await bot.grant(HOA, "Chị Hoa Văn Phòng", "office")
    await bot.grant(KHOA, "Anh Khoa Địa Chính", "officer", body="Địa chính - Xây dựng")
    await act(bot, code, "accept", HOA)
    await act(bot, code, "conclude_assigned", HOA, text="Giao Địa chính - Xây dựng kiểm tra, trả lời bằng văn bản.",
              conclusion="assigned")
    khoa, hoa = await person_id(bot, KHOA), await person_id(bot, HOA)
    async with bot.database.transaction() as db:
        concern = await concern_store.by_code(db, code)
        await db.execute(
            "INSERT INTO assignments (concern_id, officer_person_id, body, assigned_by, assigned_at, due_date)"
            " VALUES (?, ?, 'Địa chính - Xây dựng', ?, '2026-11-28T01:00:00+00:00', '2026-12-28')",
            (concern.id, khoa, hoa))
    await act(bot, code, "assign", HOA, details={"due_date": "2026-12-28", "body": "Địa chính - Xây dựng"})
    await act(bot, code, "note", KHOA, text="Đã xuống hiện trường, đang lập phương án.")
    await bot.deliver()

    replies = await bot.say(LAN, "/mydata")

    # First what a resident can read on a phone, then the file with every detail.
    submitted = (await bot.rows("SELECT submitted_at FROM concerns WHERE code = ?", code))[0][0]
    sent_on = vi_short_date(bot, submitted)
    assert replies == [
        "📄 Thông tin hệ thống lưu về ông/bà\n\n"
        "Họ tên: Nguyễn Thị Lan\n"
        "Thôn: thôn 2, xã Bảo Lâm\n"
        "Điện thoại: 0912345678\n"
        "Ngôn ngữ: Tiếng Việt\n"
        "Vai trò: không có (người dân)\n\n"
        "Kiến nghị của ông/bà: 1\n"
        f"• {code}, Môi trường: Đang giải quyết (gửi ngày {sent_on})\n\n"
        "Đăng ký phát biểu của ông/bà: 1\n"
        f"• kiến nghị {code}: đang chờ văn phòng xem xét\n\n"
        "Toàn bộ chi tiết (diễn biến từng kiến nghị, các câu trả lời, các thông báo đã gửi ông/bà) có trong tệp dưới đây. "
        "Muốn xóa thông tin cá nhân, xin gửi /forget.",
        "Toàn bộ thông tin, đầy đủ chi tiết, trong một tệp (mở bằng máy tính). Xin giữ kín tệp này.",
    ]
    assert "Trần Văn Minh" not in replies[0] and other_code not in replies[0] and "Chị Hoa" not in replies[0]
    call, data = await received_document(bot)
    assert call["document"]["file_name"] == "doithoai-my-data.json"
    assert call["document"]["mime_type"] == "application/json"
    assert data["person"]["account_id"] == str(LAN) and data["person"]["language"] == "vi"
    assert data["person"]["first_seen_at"].startswith("20")
    assert {k: data["resident"][k] for k in ("commune", "hamlet", "name", "phone")} == {
        "commune": "xã Bảo Lâm", "hamlet": "thôn 2", "name": "Nguyễn Thị Lan", "phone": "0912345678"}
    assert data["resident"]["consented_at"].endswith("+00:00")  # the consent given at onboarding, in UTC
    [concern] = data["concerns"]
    assert (concern["code"], concern["topic"], concern["text"], concern["status"], concern["status_text"]) == (
        code, "Môi trường", "Bãi rác đầu thôn 2 bốc mùi", "in_progress", "Đang giải quyết")
    assert concern["attachments"] == [{"kind": "photo"}]
    assert concern["conclusion"] == "assigned"
    assert concern["assignments"][0]["body"] == "Địa chính - Xây dựng"
    assert concern["assignments"][0]["due_date"] == "2026-12-28"
    history = [(h["action"], h["what"], h["by"]) for h in concern["history"]]
    assert history == [
        ("concern.submitted", "Ông/bà gửi kiến nghị này", "ông/bà"),
        ("speaker.registered", "Ông/bà đăng ký phát biểu về kiến nghị này", "ông/bà"),
        ("concern.accept", "Đã đưa vào nội dung đối thoại", "Văn phòng HĐND và UBND xã"),
        ("concern.conclude_assigned", "Chủ trì kết luận giao công chức chuyên môn giải quyết", "Văn phòng HĐND và UBND xã"),
        ("concern.assign", "Đã giao công chức giải quyết", "Văn phòng HĐND và UBND xã"),
        ("concern.note", "Công chức đã báo cáo tiến độ", "Công chức Địa chính - Xây dựng"),
    ]
    assert concern["history"][3]["text"] == "Giao Địa chính - Xây dựng kiểm tra, trả lời bằng văn bản."
    assert concern["history"][4]["due_date"] == "2026-12-28"
    [registration] = data["speaker_registrations"]
    assert (registration["concern_code"], registration["point"], registration["status"]) == (
        code, "Xin xã cho xe thu gom hằng tuần", "registered")
    assert data["roles"] == []
    assert [e["action"] for e in data["account_history"]] == ["resident.registered"]
    assert {n["kind"] for n in data["notifications"]} == {"concern_update"}
    # Nobody else: not the officials' names or ids, not the other resident or their concern.
    raw = json.dumps(data, ensure_ascii=False)
    for other in ("Chị Hoa", "Anh Khoa", "Trần Văn Minh", other_code, str(HOA), str(KHOA), str(MINH)):
        assert other not in raw
    for key in ("actor_person_id", "officer_person_id", "assigned_by"):
        assert key not in raw


async def test_an_official_sees_their_roles_in_their_data_in_english(bot):
    await bot.register(MINH, "Minh", language="en")
    await bot.services.staff.grant_on_server("telegram", str(MINH), commune_id="bao-lam", role="hamlet_head", hamlet_id="thon-3")
    summary, caption = await bot.say(MINH, "/mydata")
    assert summary.splitlines()[:6] == ["📄 What this bot stores about you", "", "Name: Minh", "Hamlet: Hamlet 2, Bảo Lâm commune",
                                        "Phone: not given", "Language: English"]
    assert "Roles: Head of Hamlet 3" in summary and "Your concerns: 0" in summary
    assert caption == "The same with every detail, in one file (it opens on a computer). Please keep it private."
    _, data = await received_document(bot)
    assert data["about"].startswith("Everything the commune dialogue bot stores about you.")
    assert [(r["role"], r["role_name"], r["revoked_at"]) for r in data["roles"]] == [("hamlet_head", "Head of Hamlet 3", None)]
    assert data["concerns"] == [] and data["resident"]["hamlet"] == "Hamlet 2"


async def test_someone_the_bot_never_met_is_told_nothing_is_stored(bot):
    bot.fake.add_user(STRANGER, "Người lạ")
    assert await bot.say(STRANGER, "/mydata") == [
        "Hệ thống không lưu thông tin nào về ông/bà: ông/bà chưa từng dùng kênh này. Xin gửi /start để bắt đầu."]
    assert bot.fake.calls_of("sendDocument") == []
    assert await bot.rows("SELECT COUNT(*) FROM people") == [(0,)]


async def test_a_long_summary_is_split_under_telegrams_limit_and_the_file_still_follows(bot):
    await bot.register(LAN, "Nguyễn Thị Lan")
    lan = await person_id(bot, LAN)
    codes = [f"{100 + n}-{n:03d}" for n in range(150)]
    async with bot.database.transaction() as db:
        for n, code in enumerate(codes):
            await db.execute(
                "INSERT INTO concerns (commune_id, code, resident_id, hamlet_id, category, body, status, submission_key,"
                " submitted_at, updated_at) VALUES ('bao-lam', ?, ?, 'thon-2', 'compensation', 'Đền bù', 'submitted', ?,"
                " '2026-11-02T03:00:00+00:00', '2026-11-02T03:00:00+00:00')", (code, lan, f"k{n}"))

    replies = await bot.say(LAN, "/mydata")

    *summary, caption = replies
    assert len(summary) >= 3
    assert all(len(part) <= 4096 for part in summary)
    text = "\n".join(summary)
    assert "Kiến nghị của ông/bà: 150" in text
    found = [line.split(",")[0][2:] for line in text.splitlines() if line.startswith("• ")]
    assert found == codes
    assert caption.startswith("Toàn bộ thông tin, đầy đủ chi tiết, trong một tệp")
    _, data = await received_document(bot)
    assert len(data["concerns"]) == 150


# --- /forget --------------------------------------------------------------------------------


async def test_forget_cancelled_keeps_everything(bot):
    await bot.register(LAN, "Nguyễn Thị Lan")
    code = await submit(bot, LAN, "Cống thoát nước thôn 2 bị tắc")
    before = await bot.rows("SELECT p.external_id, r.display_name, p.forgotten_at FROM people p JOIN residents r ON r.person_id = p.id")

    asked = await bot.say(LAN, "/forget")
    assert asked[0].startswith("Ông/bà có muốn xóa thông tin cá nhân của mình không?")
    assert "nội dung các kiến nghị (1)" in asked[0]
    assert bot.buttons(LAN) == ["pv:forget:yes", "pv:forget:no"]
    assert (await bot.say(LAN, "đồng ý"))[0] == "Xin chọn một trong các mục dưới đây (hoặc gửi /cancel để dừng)."
    assert await bot.tap(LAN, "pv:forget:no") == ["Không có gì bị xóa. Mọi thông tin vẫn giữ nguyên."]

    assert await bot.rows("SELECT p.external_id, r.display_name, p.forgotten_at FROM people p JOIN residents r ON r.person_id = p.id") == before
    assert before == [(str(LAN), "Nguyễn Thị Lan", None)]
    assert await bot.rows("SELECT action FROM audit_log WHERE action = 'person.forgotten'") == []
    assert bot.fake.current_reply_keyboard(LAN)[0] == ["📝 Gửi kiến nghị"]
    # The confirmation's buttons are gone, and a "yes" pressed on it later (forged) erases nothing.
    question = next(m for m in bot.fake.chat(LAN) if m["from_bot"] and m.get("text", "").startswith("Ông/bà có muốn xóa"))
    assert "reply_markup" not in question
    assert await bot.send(LAN, bot.fake.press(LAN, question["message_id"], "pv:forget:yes")) == [
        "Nút này không còn hiệu lực. Xin dùng các nút bên dưới."]
    assert (await bot.rows("SELECT body, status FROM concerns WHERE code = ?", code)) == [("Cống thoát nước thôn 2 bị tắc", "submitted")]
    assert await bot.rows("SELECT forgotten_at FROM people") == [(None,)]


async def test_forget_erases_the_identity_keeps_the_concern_and_the_same_user_starts_anew(bot):
    name = "Trần Thị Bích Ngọc"
    await bot.register(NGOC, name)
    ngoc = await person_id(bot, NGOC)
    async with bot.database.transaction() as db:
        await db.execute("UPDATE residents SET phone = '0987654321' WHERE person_id = ?", (ngoc,))
    code = await submit(bot, NGOC, f"Tôi là {name}, xin hỏi về sổ đỏ thửa đất số 12.")
    resident = await bot.services.residents.find("telegram", str(NGOC))
    await bot.services.speaking.register(resident, code, f"{name} xin trình bày về sổ đỏ")
    await bot.services.staff.grant_on_server("telegram", str(NGOC), commune_id="bao-lam", role="hamlet_head", hamlet_id="thon-2")
    await bot.grant(HOA, "Chị Hoa Văn Phòng", "office")
    hoa = await person_id(bot, HOA)
    async with bot.database.transaction() as db:
        # A notice to someone else naming her, as when she accepted a role by invitation.
        await outbox.enqueue(db, hoa, "role_accepted", name=name, role="hamlet_head", hamlet="thon-2")
    await bot.deliver()
    await bot.say(NGOC, "/new")  # a draft in progress is dropped with everything else

    asked = await bot.say(NGOC, "/forget")
    assert "nội dung các kiến nghị (1)" in asked[0]
    erased = await bot.tap(NGOC, "pv:forget:yes")

    assert erased[0].startswith("Thông tin cá nhân của ông/bà đã được xóa: hệ thống không còn biết ông/bà là ai.")
    assert erased[0].endswith("Cảm ơn ông/bà đã tham gia đối thoại với xã. Muốn dùng lại, xin gửi /start.")
    assert bot.fake.current_reply_keyboard(NGOC) is None
    # Her name, phone and Telegram id are nowhere in the database any more.
    assert await text_columns_containing(bot, name) == []
    assert await text_columns_containing(bot, "Bích Ngọc") == []
    assert await text_columns_containing(bot, "0987654321") == []
    assert await text_columns_containing(bot, str(NGOC)) == []
    assert await bot.rows("SELECT external_id, display_name, locale, forgotten_at IS NOT NULL FROM people WHERE id = ?", ngoc) == [
        (f"forgotten:{ngoc}", None, "vi", 1)]
    assert await bot.rows("SELECT display_name, phone, hamlet_id FROM residents WHERE person_id = ?", ngoc) == [("—", None, "thon-2")]
    assert await bot.rows("SELECT role, revoked_at IS NOT NULL FROM roles WHERE person_id = ?", ngoc) == [("hamlet_head", 1)]
    # The concern stays for the record, its content without her name.
    assert await bot.rows("SELECT resident_id, body, status FROM concerns WHERE code = ?", code) == [
        (ngoc, "Tôi là —, xin hỏi về sổ đỏ thửa đất số 12.", "submitted")]
    assert await bot.rows("SELECT point, status FROM speaker_registrations") == [("— xin trình bày về sổ đỏ", "registered")]
    assert await bot.rows("SELECT actor_person_id, details FROM audit_log WHERE action = 'person.forgotten'") == [
        (ngoc, '{"roles_revoked": 1, "concerns_kept": 1, "attachments_erased": 0}')]
    assert await bot.rows("SELECT COUNT(*) FROM bot_user_data WHERE user_id = ?", NGOC) == [(0,)]
    assert await bot.rows("SELECT COUNT(*) FROM bot_conversations") == [(0,)]

    # A notice queued for her afterwards (the office screens her concern) is never sent.
    messages_before = len(bot.fake.chat(NGOC))
    await act(bot, code, "accept", HOA)
    await bot.deliver()
    assert len(bot.fake.chat(NGOC)) == messages_before
    assert await bot.rows("SELECT claimed_at, sent_at FROM outbox WHERE person_id = ? AND kind = 'concern_update'", ngoc) == [
        (None, None)]

    # The bot no longer knows her: her data is nothing, and /start is a new registration.
    assert await bot.say(NGOC, "/mydata") == [
        "Hệ thống không lưu thông tin nào về ông/bà: ông/bà chưa từng dùng kênh này. Xin gửi /start để bắt đầu."]
    greeting = await bot.say(NGOC, "/start")
    assert greeting[0].startswith("Xin chào!") and bot.buttons(NGOC) == ["ob:lang:vi", "ob:lang:en"]
    await bot.register(NGOC, "Ngọc", hamlet="thon-4")
    new_person = await person_id(bot, NGOC)
    assert new_person != ngoc
    assert await bot.say(NGOC, "📋 Kiến nghị của tôi") == [
        "Ông/bà chưa gửi kiến nghị nào. Xin chọn “📝 Gửi kiến nghị” trong danh mục để gửi."]
    assert await bot.rows("SELECT COUNT(*) FROM roles WHERE person_id = ? ", new_person) == [(0,)]


async def test_someone_the_bot_never_met_has_nothing_to_forget(bot):
    bot.fake.add_user(STRANGER, "Người lạ")
    assert await bot.say(STRANGER, "/forget") == [
        "Hệ thống không lưu thông tin nào về ông/bà: ông/bà chưa từng dùng kênh này. Xin gửi /start để bắt đầu."]
    assert bot.buttons(STRANGER) == []
    assert await bot.rows("SELECT COUNT(*) FROM people") == [(0,)]


PHONES_TYPED = ("0912345678", "0912 345 678", "+84 912 345 678", "84912345678", "0912.345.678", "0912-345-678")


async def test_forget_erases_photos_voice_notes_locations_and_phone_numbers_typed_in_concerns(bot):
    await bot.register(LAN, "Nguyễn Thị Lan")
    lan = await person_id(bot, LAN)
    async with bot.database.transaction() as db:
        await db.execute("UPDATE residents SET phone = '0987654321' WHERE person_id = ?", (lan,))
    # A concern with a photo, a voice note and a location, and her numbers typed every way people type them.
    await bot.say(LAN, "/new")
    await bot.tap(LAN, "cc:cat:environment")
    await bot.send(LAN, bot.fake.send_photo(LAN, caption="Bãi rác đầu thôn 2. Gọi " + ", ".join(PHONES_TYPED)))
    await bot.send(LAN, bot.fake.send_voice(LAN))
    await bot.send(LAN, bot.fake.send_location(LAN, 11.5301, 107.8102))
    await bot.tap(LAN, next(b for b in bot.buttons(LAN) if b.startswith("cc:ok:")))
    code = CODE.search(bot.fake.bot_texts(LAN)[-1]).group(1)
    file_ids = [row[0] for row in await bot.rows("SELECT file_ref FROM concern_attachments WHERE file_ref IS NOT NULL")]
    assert len(file_ids) == 2
    resident = await bot.services.residents.find("telegram", str(LAN))
    await bot.services.speaking.register(resident, code, "Xin gọi lại cho tôi: 0987.654.321")
    # The office answers: its own hotline stays in its answer, her number quoted in it does not.
    await bot.grant(HOA, "Chị Hoa Văn Phòng", "office")
    await bot.grant(KHOA, "Anh Khoa Địa Chính", "officer", body="Địa chính - Xây dựng")
    await act(bot, code, "accept", HOA)
    await act(bot, code, "conclude_assigned", HOA, conclusion="assigned",
              text="Giao Địa chính kiểm tra; đã gọi bà theo số 0987 654 321. Đường dây nóng xã: 0263 3822 123.")
    khoa, hoa = await person_id(bot, KHOA), await person_id(bot, HOA)
    async with bot.database.transaction() as db:
        # The officer's notice carries the concern's text, as the assignment notice does.
        await outbox.enqueue(db, khoa, "task_assigned", code=code, commune_id="bao-lam", category="environment",
                             text=(await concern_store.by_code(db, code)).body, attachments=3)
    await bot.deliver()
    attachments_line = "những ảnh, tin nhắn thoại, tệp và vị trí ông/bà đã gửi (3)"

    asked = (await bot.say(LAN, "/forget"))[0]
    assert attachments_line in asked
    assert ("Được giữ lại, không kèm họ tên hay số điện thoại: nội dung các kiến nghị (1), lĩnh vực, thôn và tình trạng "
            "của kiến nghị, cùng các câu trả lời của cơ quan chuyên môn.") in asked
    assert "báo cáo cấp trên" in asked and "Mặt trận Tổ quốc" in asked
    await bot.tap(LAN, "pv:forget:yes")

    assert await bot.rows("SELECT COUNT(*) FROM concern_attachments") == [(0,)]
    for file_id in file_ids:
        assert await text_columns_containing(bot, file_id) == []
    assert await text_columns_containing(bot, "107.81") == [] and await text_columns_containing(bot, "11.53") == []
    for digits in ("912345678", "912 345 678", "912.345.678", "912-345-678", "987654321", "987.654.321", "987 654 321"):
        assert await text_columns_containing(bot, digits) == [], digits
    [(body,)] = await bot.rows("SELECT body FROM concerns WHERE code = ?", code)
    assert body == "Bãi rác đầu thôn 2. Gọi —, —, —, —, —, —"
    assert await bot.rows("SELECT point FROM speaker_registrations") == [("Xin gọi lại cho tôi: —",)]
    # Kept for the record: topic, hamlet, status and the office's answer with its hotline.
    assert await bot.rows("SELECT category, hamlet_id, status FROM concerns WHERE code = ?", code) == [
        ("environment", "thon-2", "assigned")]
    [(answer,)] = await bot.rows("SELECT details FROM audit_log WHERE action = 'concern.conclude_assigned'")
    assert json.loads(answer)["text"] == "Giao Địa chính kiểm tra; đã gọi bà theo số —. Đường dây nóng xã: 0263 3822 123."
    assert await bot.rows("SELECT details FROM audit_log WHERE action = 'person.forgotten'") == [
        ('{"roles_revoked": 0, "concerns_kept": 1, "attachments_erased": 3}',)]


async def test_forget_erases_every_identity_column_a_later_migration_adds(bot):
    """A column added to residents or people later (a phone, a birth year) is erased without a code change."""
    async with bot.database.transaction() as db:
        await db.execute("ALTER TABLE residents ADD COLUMN mobile_phone TEXT")
        await db.execute("ALTER TABLE residents ADD COLUMN birth_year INTEGER NOT NULL DEFAULT 0")
        await db.execute("ALTER TABLE people ADD COLUMN nickname TEXT")
    await bot.register(LAN, "Nguyễn Thị Lan")
    lan = await person_id(bot, LAN)
    async with bot.database.transaction() as db:
        await db.execute("UPDATE residents SET mobile_phone = '+84 912 000 111', birth_year = 1961 WHERE person_id = ?", (lan,))
        await db.execute("UPDATE people SET username = 'lan_nguyen', nickname = 'Lan cầu' WHERE id = ?", (lan,))
    code = await submit(bot, LAN, "Tôi ở gần cầu, số 0912.000.111, xin sửa cầu")
    async with bot.database.transaction() as db:
        # A change of name or number recorded on her account (as a profile edit would record it).
        await db.execute("INSERT INTO audit_log (at, actor_person_id, action, subject_type, subject_id, details)"
                         " VALUES ('2026-11-30T01:00:00+00:00', ?, 'resident.changed', 'person', ?,"
                         " '{\"old_name\": \"Nguyễn T. Lan\", \"phone\": \"0912000111\", \"hamlet\": \"thon-2\","
                         " \"note\": \"số cũ 0912 000 111\"}')", (lan, lan))
    await bot.say(LAN, "/forget")
    await bot.tap(LAN, "pv:forget:yes")
    assert await bot.rows("SELECT mobile_phone, birth_year, hamlet_id FROM residents WHERE person_id = ?", lan) == [
        (None, 0, "thon-2")]
    assert await bot.rows("SELECT username, nickname, locale FROM people WHERE id = ?", lan) == [(None, None, "vi")]
    assert await bot.rows("SELECT body FROM concerns WHERE code = ?", code) == [("Tôi ở gần cầu, số —, xin sửa cầu",)]
    assert await text_columns_containing(bot, "lan_nguyen") == []
    assert await text_columns_containing(bot, "Nguyễn T. Lan") == []
    assert await bot.rows("SELECT details FROM audit_log WHERE action = 'resident.changed'") == [
        ('{"hamlet": "thon-2", "note": "số cũ —"}',)]


async def test_forget_on_telegram_is_the_shared_dialog_step_with_its_buttons(bot):
    """/forget is drawn from bot/dialogs on Telegram too: the runtime keeps the position, the buttons carry its actions."""
    await bot.register(LAN, "Nguyễn Thị Lan")
    await bot.say(LAN, "/forget")
    assert await bot.rows("SELECT step FROM dialog_positions WHERE channel = 'telegram' AND external_id = ?", str(LAN)) == [
        ("privacy.forget",)]
    assert bot.buttons(LAN) == ["pv:forget:yes", "pv:forget:no"]
    # /cancel stops it; Telegram shows its menu as the keyboard (no greeting again), and no step stays open.
    assert await bot.say(LAN, "/cancel") == ["Đã dừng. Chưa gửi gì."]
    assert bot.fake.current_reply_keyboard(LAN)[0] == ["📝 Gửi kiến nghị"] and bot.buttons(LAN) == []
    assert await bot.rows("SELECT step FROM dialog_positions WHERE channel = 'telegram' AND external_id = ?", str(LAN)) in (
        [], [(None,)])
