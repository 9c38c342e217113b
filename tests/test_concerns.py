"""A resident sends a concern (text, voice, photo, location), follows it, and can leave any time."""

from __future__ import annotations

import re

LAN = 1001
CODE = re.compile(r"Mã theo dõi: (\d{3}-\d{3})")


async def stored_concerns(bot):
    return await bot.rows("SELECT code, category, body, status FROM concerns ORDER BY id")


async def stored_attachments(bot):
    return await bot.rows("SELECT kind, file_ref IS NOT NULL, latitude, longitude FROM concern_attachments ORDER BY id")


async def test_a_typed_concern_is_confirmed_then_saved_with_a_tracking_code(bot):
    await bot.register(LAN, "Bà Lan")
    assert await bot.say(LAN, "📝 Gửi kiến nghị") == ["Kiến nghị của ông/bà về lĩnh vực nào? Xin chọn một mục."]
    assert bot.buttons(LAN)[:2] == ["cc:cat:land", "cc:cat:environment"]
    assert bot.buttons(LAN)[-1] == "cc:cancel"
    prompt = await bot.tap(LAN, "cc:cat:environment")
    assert prompt[0].startswith("Lĩnh vực: Môi trường\n\nXin viết kiến nghị trong vài câu.")
    summary = await bot.say(LAN, "Bãi rác đầu thôn 2 bốc mùi, đề nghị xã thu gom.")
    assert summary[0].splitlines()[:4] == [
        "Xin kiểm tra lại kiến nghị trước khi gửi:", "", "Lĩnh vực: Môi trường",
        "Nội dung: Bãi rác đầu thôn 2 bốc mùi, đề nghị xã thu gom."]
    assert await stored_concerns(bot) == []  # nothing is stored before the resident confirms

    summary_id = bot.fake.chat(LAN)[-1]["message_id"]
    confirmation = await bot.tap(LAN, next(b for b in bot.buttons(LAN) if b.startswith("cc:ok:")))
    code = CODE.search(confirmation[0]).group(1)
    assert confirmation[0].startswith("✅ Kiến nghị của ông/bà đã được tiếp nhận và lưu lại.")
    # The summary became the receipt: code and what was sent, its buttons gone.
    receipt = next(m for m in bot.fake.chat(LAN) if m["message_id"] == summary_id)
    assert receipt["text"].endswith("Lĩnh vực: Môi trường\nNội dung: Bãi rác đầu thôn 2 bốc mùi, đề nghị xã thu gom.")
    assert not receipt.get("reply_markup")
    assert await stored_concerns(bot) == [(code, "environment", "Bãi rác đầu thôn 2 bốc mùi, đề nghị xã thu gom.", "submitted")]
    assert await bot.rows("SELECT action FROM audit_log WHERE subject_type = 'concern'") == [("concern.submitted",)]
    # The confirmation reached the server after the concern was committed: the code it names is stored.
    assert bot.fake.current_reply_keyboard(LAN)[0] == ["📝 Gửi kiến nghị"]


async def test_a_voice_note_alone_is_a_concern(bot):
    await bot.register(LAN, "Bà Lan")
    await bot.say(LAN, "/new")
    await bot.tap(LAN, "cc:cat:land")
    summary = await bot.send(LAN, bot.fake.send_voice(LAN, duration=12))
    assert "Nội dung: (trong tin nhắn thoại)" in summary[0]
    assert "Tin nhắn thoại: 1" in summary[0]
    await bot.tap(LAN, next(b for b in bot.buttons(LAN) if b.startswith("cc:ok:")))
    assert [(c[1], c[2]) for c in await stored_concerns(bot)] == [("land", "")]
    assert await stored_attachments(bot) == [("voice", 1, None, None)]


async def test_a_photo_with_a_caption_gives_text_and_picture(bot):
    await bot.register(LAN, "Bà Lan")
    await bot.say(LAN, "/new")
    await bot.tap(LAN, "cc:cat:development")
    summary = await bot.send(LAN, bot.fake.send_photo(LAN, caption="Cầu tràn thôn 2 bị sạt lở"))
    assert "Nội dung: Cầu tràn thôn 2 bị sạt lở" in summary[0] and "Ảnh: 1" in summary[0]
    await bot.tap(LAN, next(b for b in bot.buttons(LAN) if b.startswith("cc:ok:")))
    assert [c[2] for c in await stored_concerns(bot)] == ["Cầu tràn thôn 2 bị sạt lở"]
    assert await stored_attachments(bot) == [("photo", 1, None, None)]


async def test_a_photo_without_caption_and_a_location_wait_for_the_text(bot):
    await bot.register(LAN, "Bà Lan")
    await bot.say(LAN, "/new")
    await bot.tap(LAN, "cc:cat:land")
    assert await bot.send(LAN, bot.fake.send_photo(LAN)) == ["Đã nhận. Bây giờ xin viết vài dòng mô tả sự việc."]
    assert await bot.send(LAN, bot.fake.send_location(LAN, 11.93, 108.45)) == [
        "Đã nhận. Bây giờ xin viết vài dòng mô tả sự việc."]
    summary = await bot.say(LAN, "Ranh giới thửa đất bị lấn chiếm")
    assert "Ảnh: 1" in summary[0] and "Vị trí: 1" in summary[0]
    await bot.tap(LAN, next(b for b in bot.buttons(LAN) if b.startswith("cc:ok:")))
    assert await stored_attachments(bot) == [("photo", 1, None, None), ("location", 0, 11.93, 108.45)]


async def test_text_typed_again_replaces_the_draft_and_do_not_send_stores_nothing(bot):
    await bot.register(LAN, "Bà Lan")
    await bot.say(LAN, "/new")
    await bot.tap(LAN, "cc:cat:land")
    await bot.say(LAN, "Bản nháp đầu")
    summary = await bot.say(LAN, "Bản nháp thứ hai")
    assert "Nội dung: Bản nháp thứ hai" in summary[0]
    assert await bot.tap(LAN, next(b for b in bot.buttons(LAN) if b.startswith("cc:no:"))) == [
        "Kiến nghị chưa được gửi. Không có gì được lưu."]
    assert await stored_concerns(bot) == []


async def test_a_petition_topic_is_redirected_and_not_recorded(bot):
    await bot.register(LAN, "Bà Lan")
    await bot.say(LAN, "/new")
    replies = await bot.tap(LAN, "cc:cat:petition")
    assert replies[0].startswith("Khiếu nại, tố cáo cần làm đơn không được giải quyết trong buổi đối thoại.")
    assert "Bộ phận Tiếp công dân, trụ sở UBND xã Bảo Lâm" in replies[0]
    assert await bot.say(LAN, "Tôi muốn tố cáo hàng xóm") == [
        "Chưa hiểu ý ông/bà. Để gửi ý kiến đến xã, xin bấm “📝 Gửi kiến nghị”."]
    assert await stored_concerns(bot) == []


async def test_my_concerns_lists_each_with_code_topic_status_and_date_and_history_on_tap(bot):
    await bot.register(LAN, "Bà Lan")
    first = CODE.search((await bot.submit_concern(LAN, "Đường ngập", topic="development"))[0]).group(1)
    second = CODE.search((await bot.submit_concern(LAN, "Chưa nhận trợ cấp", topic="social-policy"))[0]).group(1)
    listing = (await bot.say(LAN, "📋 Kiến nghị của tôi"))[0].splitlines()
    assert listing[0] == "Kiến nghị của ông/bà (mới nhất trước):"
    assert listing[1].startswith(f"• {second} · Chế độ, chính sách · Đã nhận, đang chờ xem xét · ")
    assert listing[2].startswith(f"• {first} · Kinh tế - xã hội, an ninh, hạ tầng · ")
    assert re.search(r"\d{2}/\d{2}/\d{4}$", listing[1])
    assert bot.buttons(LAN) == [f"mine:show:{second}", f"mine:show:{first}"]

    details = (await bot.tap(LAN, f"mine:show:{first}"))[0].splitlines()
    assert details[0] == f"Kiến nghị {first}"
    assert details[2] == "Tình trạng: Đã nhận, đang chờ xem xét"
    assert re.fullmatch(r"Ngày gửi: (Thứ \w+|Chủ Nhật), ngày \d{1,2} tháng \d{1,2} năm \d{4}", details[3])
    assert details[-1].endswith(": Ông/bà gửi kiến nghị này")


async def test_another_residents_code_reads_as_unknown(bot):
    await bot.register(LAN, "Bà Lan")
    code = CODE.search((await bot.submit_concern(LAN, "Đường ngập"))[0]).group(1)
    await bot.register(1002, "Ông Tư")
    replies = await bot.send(1002, bot.fake.press(1002, bot.fake.chat(1002)[-1]["message_id"], f"mine:show:{code}"))
    assert replies == [f"Không tìm thấy kiến nghị mã {code} của ông/bà. Xin kiểm tra lại mã trong mục “Kiến nghị của tôi”."]


async def test_the_cancel_button_under_the_topics_drops_the_draft(bot):
    await bot.register(LAN, "Bà Lan")
    await bot.say(LAN, "/new")
    assert await bot.tap(LAN, "cc:cancel") == ["Kiến nghị chưa được gửi. Không có gì được lưu."]
    assert await bot.say(LAN, "Nội dung sau khi hủy") == [
        "Chưa hiểu ý ông/bà. Để gửi ý kiến đến xã, xin bấm “📝 Gửi kiến nghị”."]


async def test_cancel_mid_flow_drops_the_draft_and_cancel_outside_says_so(bot):
    await bot.register(LAN, "Bà Lan")
    await bot.say(LAN, "/new")
    await bot.tap(LAN, "cc:cat:land")
    assert await bot.say(LAN, "❌ Hủy") == ["Đã dừng. Chưa gửi gì."]
    assert await bot.say(LAN, "Nội dung sau khi hủy") == [
        "Chưa hiểu ý ông/bà. Để gửi ý kiến đến xã, xin bấm “📝 Gửi kiến nghị”."]
    assert await bot.say(LAN, "/cancel") == ["Không có việc gì đang làm để hủy."]
    assert await stored_concerns(bot) == []


async def test_the_language_can_be_switched_and_the_menu_follows(bot):
    await bot.register(LAN, "Bà Lan")
    assert await bot.say(LAN, "🌐 Ngôn ngữ") == ["Xin chọn ngôn ngữ."]
    assert await bot.tap(LAN, "lang:en") == ["The language is now English."]
    assert bot.fake.current_reply_keyboard(LAN)[0] == ["📝 Send a concern"]
    assert (await bot.say(LAN, "📋 My concerns"))[0].startswith("You have not sent any concern yet.")
    assert await bot.rows("SELECT locale FROM people") == [("en",)]
    await bot.say(LAN, "/language")
    assert await bot.tap(LAN, "lang:vi") == ["Ngôn ngữ hiện là tiếng Việt."]


async def test_help_explains_the_buttons(bot):
    await bot.register(LAN, "Bà Lan")
    text = (await bot.say(LAN, "/help"))[0]
    assert "📝 Gửi kiến nghị: gửi ý kiến đến lãnh đạo xã" in text
    assert "bộ phận tiếp công dân" in text


async def test_the_flow_survives_a_restart_of_the_bot(bot):
    await bot.register(LAN, "Bà Lan")
    await bot.say(LAN, "/new")
    await bot.tap(LAN, "cc:cat:land")
    # Written with the update itself (the runtime's position, a stable step name), not only at shutdown.
    [(step, draft)] = await bot.rows("SELECT step, draft FROM dialog_positions WHERE external_id = ?", str(LAN))
    assert step == "concern.text" and '"category": "land"' in draft
    await bot.restart()
    summary = await bot.say(LAN, "Viết sau khi bot khởi động lại")
    assert "Nội dung: Viết sau khi bot khởi động lại" in summary[0]
    # This update's own change to the draft is on disk before the next update arrives.
    assert "Viết sau khi bot khởi động lại" in (await bot.rows("SELECT draft FROM dialog_positions"))[0][0]
    await bot.restart()
    confirmation = await bot.tap(LAN, next(b for b in bot.buttons(LAN) if b.startswith("cc:ok:")))
    assert CODE.search(confirmation[0])
    assert [c[2] for c in await stored_concerns(bot)] == ["Viết sau khi bot khởi động lại"]


async def test_finished_steps_of_a_concern_lose_their_buttons(bot):
    await bot.register(LAN, "Bà Lan")
    await bot.say(LAN, "/new")
    topics = bot.message_with_button(LAN, "cc:cat:land")
    await bot.tap(LAN, "cc:cat:land")
    assert bot.buttons_on(LAN, topics) == ["cc:cancel"]  # the topic question became the text question
    await bot.say(LAN, "Đường vào thôn bị sạt lở")
    assert bot.buttons_on(LAN, topics) == []  # its "Cancel" went once the text came
    first_summary = bot.message_with_button(LAN, next(d for d in bot.buttons(LAN) if d.startswith("cc:ok:")))
    await bot.say(LAN, "Đường vào thôn 2 bị sạt lở sau mưa")
    assert bot.buttons_on(LAN, first_summary) == []  # only the newest summary can be sent
    await bot.tap(LAN, next(d for d in bot.buttons(LAN) if d.startswith("cc:ok:")))
    assert all(not bot.buttons_on(LAN, m["message_id"]) for m in bot.fake.chat(LAN) if m["from_bot"])


async def test_cancel_takes_the_buttons_off_the_step_left(bot):
    await bot.register(LAN, "Bà Lan")
    await bot.say(LAN, "/new")
    await bot.tap(LAN, "cc:cat:land")
    await bot.say(LAN, "Đường vào thôn bị sạt lở")
    summary = bot.message_with_button(LAN, next(d for d in bot.buttons(LAN) if d.startswith("cc:ok:")))
    assert await bot.say(LAN, "/cancel") == ["Đã dừng. Chưa gửi gì."]
    assert bot.buttons_on(LAN, summary) == []


async def old_flow_left_at(bot, state: int, draft: dict) -> None:
    """As a deploy finds someone inside the concern flow Telegram ran itself before /new moved to bot/dialogs:
    the PTB conversation persisted at one of its states, the draft in user_data."""
    from storage import bot_state
    from storage.database import Database

    await bot.stop()
    database = await Database.open(bot.database_path)
    await database.execute_alone(*bot_state.save_conversation_statement("main", (LAN, LAN), state))
    await database.execute_alone(*bot_state.save_user_data_statement(LAN, bot_state.encode({"draft": draft, "locale": "vi"})))
    await database.close()
    await bot.start()


async def test_a_draft_left_in_the_old_telegram_flow_at_a_deploy_goes_on_in_the_shared_flow(bot):
    from handlers.states import CONCERN_CONFIRM, CONCERN_TEXT

    await bot.register(LAN, "Bà Lan")
    await old_flow_left_at(bot, CONCERN_TEXT, {"id": "0123456789abcdef", "category": "land", "body": None,
                                               "attachments": [{"kind": "location", "latitude": 11.9, "longitude": 108.4}]})
    summary = await bot.say(LAN, "Ranh giới thửa đất bị lấn chiếm")  # the text the old flow was waiting for
    assert "Lĩnh vực: Quản lý đất đai" in summary[0] and "Vị trí: 1" in summary[0]
    assert "cc:ok:0123456789abcdef" in bot.buttons(LAN)  # the same draft, the same id
    assert await bot.rows("SELECT state FROM bot_conversations") == []  # the old conversation state is over
    await bot.tap(LAN, "cc:ok:0123456789abcdef")
    assert await stored_attachments(bot) == [("location", 0, 11.9, 108.4)]

    # At the summary: the old message's own “Send” still sends that draft, once.
    draft = {"id": "fedcba9876543210", "category": "environment", "body": "Bãi rác đầu thôn", "attachments": [], "public": True}
    await old_flow_left_at(bot, CONCERN_CONFIRM, draft)
    old_summary = bot.fake.chat(LAN)[-1]["message_id"]
    confirmation = await bot.send(LAN, bot.fake.press(LAN, old_summary, "cc:ok:fedcba9876543210"))
    assert CODE.search(confirmation[0])
    again = await bot.send(LAN, bot.fake.press(LAN, old_summary, "cc:ok:fedcba9876543210"))
    assert again == ["Nút này không còn hiệu lực. Xin dùng các nút bên dưới."]
    assert [(c[1], c[2]) for c in await stored_concerns(bot)][-1] == ("environment", "Bãi rác đầu thôn")
    assert await bot.rows("SELECT text_public FROM concerns ORDER BY id DESC LIMIT 1") == [(1,)]


async def test_someone_not_registered_is_refused_a_concern_and_no_step_opens(bot):
    bot.fake.add_user(1002, "Tư")
    assert await bot.say(1002, "/new") == ["Xin đăng ký trước: gửi /start và chọn thôn của ông/bà."]
    assert await bot.rows("SELECT step FROM dialog_positions WHERE step IS NOT NULL") == []
    assert await bot.send(1002, bot.fake.press(1002, bot.fake.chat(1002)[-1]["message_id"], "cc:cat:land")) == [
        "Nút này không còn hiệu lực. Để bắt đầu, xin gửi /start."]  # no menu: told how to begin


async def test_a_notice_answered_beside_the_summary_leaves_it_and_its_buttons_as_they_were(bot):
    """Telegram shows the summary's buttons all along: 👍 on a result and the stars after it are answered beside
    the concern being written, which is not posted again ("Tiếp tục việc...") nor stripped of its buttons."""
    from storage import outbox

    await bot.register(LAN, "Nguyễn Thị Lan")
    first = CODE.search((await bot.submit_concern(LAN, "Đèn đường đầu thôn hỏng đã lâu"))[0]).group(1)
    await bot.say(LAN, "/new")
    await bot.tap(LAN, "cc:cat:environment")
    await bot.say(LAN, "Bãi rác tự phát cạnh trường học")
    send = next(data for data in bot.buttons(LAN) if data.startswith("cc:ok:"))
    summary = bot.message_with_button(LAN, send)
    lan = (await bot.rows("SELECT id FROM people WHERE external_id = ?", str(LAN)))[0][0]
    async with bot.database.transaction() as db:
        await db.execute("UPDATE concerns SET status = 'resolved' WHERE code = ?", (first,))
        await outbox.enqueue(db, lan, "concern_update", action="resolve", status="resolved", code=first)
    await bot.deliver()
    thanked, rating = await bot.tap(LAN, f"vd:ok:{first}")
    assert thanked.startswith("Cảm ơn ông/bà. Ông/bà đã đồng ý với kết quả trả lời") and first in rating
    assert len(bot.buttons_on(LAN, summary)) == 3  # Send, Do not send, the public board
    assert await bot.tap(LAN, f"rt:{first}:5") == [f"Cảm ơn ông/bà: đã ghi nhận 5 ⭐ cho kiến nghị {first}."]
    assert len(bot.buttons_on(LAN, summary)) == 3
    assert not any("Tiếp tục việc" in text for text in bot.fake.bot_texts(LAN))
    assert "Mã theo dõi: " in (await bot.tap(LAN, send))[0]
    assert await bot.rows("SELECT category, status FROM concerns ORDER BY id") == [("land", "closed"), ("environment", "submitted")]
    assert await bot.rows("SELECT satisfaction FROM concerns WHERE code = ?", first) == [(5,)]


async def test_a_forged_rating_press_is_refused_in_words(bot):
    """Callback data nobody was offered ("rt:<code>:x", stars out of range): a worded refusal, no error."""
    await bot.register(LAN, "Nguyễn Thị Lan")
    code = CODE.search((await bot.submit_concern(LAN, "Đèn đường đầu thôn hỏng đã lâu"))[0]).group(1)
    message_id = bot.fake.chat(LAN)[-1]["message_id"]
    for forged in (f"rt:{code}:x", f"rt:{code}:", f"rt:{code}:9"):
        assert await bot.send(LAN, bot.fake.press(LAN, message_id, forged)) == [
            "Lựa chọn này không còn nữa. Xin chọn lại trong các mục."]
    assert await bot.rows("SELECT satisfaction FROM concerns") == [(None,)]
