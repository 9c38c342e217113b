"""Wrong input gets a clear, translated answer and changes nothing; the bot never dies on one update."""

from __future__ import annotations

import re

LAN, TU = 1001, 1002
CODE = re.compile(r"Mã theo dõi: (\d{3}-\d{3})")
STALE = "Nút này không còn hiệu lực. Xin dùng các nút bên dưới."
STALE_IN_A_FLOW = "Nút này không còn hiệu lực. Xin trả lời tin nhắn mới nhất."  # the flow's own keyboard stays


async def count(bot, table: str) -> int:
    return (await bot.rows(f"SELECT COUNT(*) FROM {table}"))[0][0]


async def start_draft(bot, user_id=LAN):
    await bot.register(user_id, "Bà Lan")
    await bot.say(user_id, "/new")
    await bot.tap(user_id, "cc:cat:land")


async def test_a_4096_character_text_is_refused_and_the_draft_goes_on(bot):
    await start_draft(bot)
    assert await bot.say(LAN, "đ" * 4096) == [
        "Nội dung quá dài (4096 ký tự). Xin viết ngắn hơn 2000 ký tự."]
    assert await count(bot, "concerns") == 0
    assert "Nội dung: Ngắn gọn" in (await bot.say(LAN, "Ngắn gọn"))[0]


async def test_a_sticker_or_an_unknown_command_is_answered(bot):
    await start_draft(bot)
    assert await bot.send(LAN, bot.fake.send_sticker(LAN)) == [
        "Nội dung này không dùng được ở đây. Xin viết kiến nghị, hoặc gửi ảnh, tin nhắn thoại hay vị trí."]
    assert await bot.say(LAN, "/xyz") == ["Không có lệnh này. Xin dùng các nút bên dưới, hoặc bấm /help."]
    assert await bot.send(LAN, bot.fake.send_sticker(LAN)) == [
        "Nội dung này không dùng được ở đây. Xin viết kiến nghị, hoặc gửi ảnh, tin nhắn thoại hay vị trí."]
    await bot.say(LAN, "/cancel")
    assert await bot.send(LAN, bot.fake.send_sticker(LAN)) == [
        "Chưa hiểu ý ông/bà. Để gửi ý kiến đến xã, xin bấm “📝 Gửi kiến nghị”."]


async def test_a_stranger_gets_pointed_to_start(bot):
    bot.fake.add_user(TU, "Tư")
    assert await bot.say(TU, "xin chào") == ["Xin chào! Xin bấm /start để đăng ký trước."]
    # No buttons to point to: a stranger is told how to begin.
    assert await bot.say(TU, "/foo") == ["Không có lệnh này. Để bắt đầu, xin bấm /start."]


async def test_forged_button_data_changes_nothing(bot):
    await bot.register(LAN, "Bà Lan")
    message_id = bot.fake.chat(LAN)[-1]["message_id"]
    for forged in ("cc:ok:0123456789abcdef", "cc:cat:land", "ob:hamlet:thon-9", "lang:fr", "zzz", "sp:pick:123-456"):
        replies = await bot.send(LAN, bot.fake.press(LAN, message_id, forged))
        assert replies == [STALE], forged
    assert await bot.send(LAN, bot.fake.press(LAN, message_id, "mine:show:999-999")) == [
        "Không tìm thấy kiến nghị mã 999-999 của ông/bà. Xin kiểm tra lại mã trong mục “Kiến nghị của tôi”."]
    assert await bot.send(LAN, bot.fake.press(LAN, message_id, "sp:wdy:424242")) == [STALE]
    assert (await count(bot, "concerns"), await count(bot, "speaker_registrations")) == (0, 0)
    answers = [c for c in bot.fake.calls_of("answerCallbackQuery") if c.ok]
    assert len(answers) >= 8  # every press was answered, so no button spins forever


async def test_a_confirm_from_an_older_draft_is_stale(bot):
    await start_draft(bot)
    await bot.say(LAN, "Bản nháp một")
    old_confirm = next(b for b in bot.buttons(LAN) if b.startswith("cc:ok:"))
    old_message = bot.message_with_button(LAN, old_confirm)
    await bot.say(LAN, "/new")  # a new draft replaces the old one
    await bot.tap(LAN, "cc:cat:environment")
    await bot.say(LAN, "Bản nháp hai")
    replies = await bot.send(LAN, bot.fake.press(LAN, old_message, old_confirm))
    assert replies == [STALE_IN_A_FLOW]
    assert await count(bot, "concerns") == 0


async def test_the_same_update_delivered_twice_is_handled_once(bot):
    await start_draft(bot)
    await bot.say(LAN, "Đường ngập")
    confirm = next(b for b in bot.buttons(LAN) if b.startswith("cc:ok:"))
    press = bot.fake.press(LAN, bot.message_with_button(LAN, confirm), confirm)
    await bot.handled(press)
    before = len(bot.fake.calls)
    again = bot.fake.push_update(dict(press))
    assert again["update_id"] == press["update_id"]
    await bot.handled(again)
    assert [c.method for c in bot.fake.calls[before:] if c.method != "getUpdates"] == []
    assert await count(bot, "concerns") == 1

    await bot.restart()  # still recognised after a restart
    replay = bot.fake.push_update(dict(press))
    await bot.handled(replay)
    assert await count(bot, "concerns") == 1
    assert len([t for t in bot.fake.bot_texts(LAN) if t.startswith("✅ Kiến nghị")]) == 1


async def test_a_double_tap_on_confirm_stores_one_concern(bot):
    await start_draft(bot)
    await bot.say(LAN, "Đường ngập")
    confirm = next(b for b in bot.buttons(LAN) if b.startswith("cc:ok:"))
    message_id = bot.message_with_button(LAN, confirm)
    first = bot.fake.press(LAN, message_id, confirm)
    second = bot.fake.press(LAN, message_id, confirm)  # a new update for the same button
    await bot.handled(first)
    await bot.handled(second)
    assert await count(bot, "concerns") == 1
    assert bot.fake.bot_texts(LAN)[-1] == STALE


async def test_an_edited_message_is_not_taken_as_new_input(bot):
    await start_draft(bot)
    sent = bot.fake.send_text(LAN, "Bản gốc")
    await bot.handled(sent)
    edit = {"update_id": sent["update_id"] + 1000, "edited_message": {**sent["message"], "text": "Bản sửa", "edit_date": sent["message"]["date"] + 5}}
    replies = await bot.send(LAN, bot.fake.push_update(edit))
    assert replies == ["Tin nhắn đã sửa sẽ không được đọc. Nếu muốn thay đổi, xin gửi lại tin mới."]


async def test_telegram_asking_to_slow_down_is_obeyed_and_the_message_still_arrives(bot):
    await bot.register(LAN, "Bà Lan")
    bot.fake.fail_next("sendMessage", 429, retry_after=1)
    assert await bot.say(LAN, "/help") != []
    sends = [c for c in bot.fake.calls_of("sendMessage") if "kênh này" in (c.params.get("text") or "").lower()]
    assert [c.status for c in sends] == [429, 200]


async def test_a_blocked_bot_or_a_server_error_does_not_stop_the_bot(bot, caplog):
    await bot.register(LAN, "Bà Lan")
    await bot.register(TU, "Ông Tư")
    bot.fake.fail_next("sendMessage", 403)
    await bot.say(LAN, "/help")
    assert "update" in caplog.text and "failed" in caplog.text
    bot.fake.fail_next("sendMessage", 502)
    replies = await bot.say(TU, "/help")
    # The help text failed; the apology went out; the next update is handled normally.
    assert replies == ["Xin lỗi, hệ thống vừa gặp sự cố. Những gì ông/bà đã gửi trước đó vẫn được lưu an toàn. Xin thử lại."]
    assert (await bot.say(TU, "/help"))[0].startswith("Kênh này giúp ông/bà")
    assert bot.fake.calls_of("getUpdates")  # still polling


async def test_the_token_is_never_logged(bot, caplog):
    import logging

    from bot.runner import SecretFilter

    caplog.set_level(logging.DEBUG)
    await bot.register(LAN, "Bà Lan")
    await bot.say(LAN, "/help")
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "calling %s", (bot.fake.base_url + bot.fake.token,), None)
    SecretFilter([bot.fake.token]).filter(record)
    assert bot.fake.token not in record.getMessage()
    assert "***" in record.getMessage()
