"""A resident registers to speak about a concern, sees the registration, and withdraws it."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

LAN = 1001
CODE = re.compile(r"Mã theo dõi: (\d{3}-\d{3})")


async def test_with_no_dialogue_scheduled_the_wish_is_kept_on_file(bot):
    await bot.register(LAN, "Bà Lan")
    code = CODE.search((await bot.submit_concern(LAN, "Đường ngập"))[0]).group(1)
    overview = (await bot.say(LAN, "🎤 Đăng ký phát biểu"))[0]
    assert overview.startswith("Xã chưa lên lịch buổi đối thoại. Ông/bà vẫn có thể đăng ký")
    assert bot.buttons(LAN) == ["sp:new"]
    assert await bot.tap(LAN, "sp:new") == ["Ông/bà muốn phát biểu về kiến nghị nào?"]
    assert bot.buttons(LAN) == [f"sp:pick:{code}"]
    assert (await bot.tap(LAN, f"sp:pick:{code}"))[0].startswith(f"Ông/bà muốn nêu ý kiến gì về kiến nghị {code}?")
    assert (await bot.say(LAN, "Xin xã sớm làm mương thoát nước"))[0].startswith(
        f"Ông/bà sẽ đăng ký phát biểu về kiến nghị {code}:\n“Xin xã sớm làm mương thoát nước”")
    assert await bot.tap(LAN, "sp:ok") == [
        f"✅ Nguyện vọng phát biểu về kiến nghị {code} đã được lưu lại. Ông/bà sẽ được báo khi xã lên lịch buổi đối thoại."]
    assert await bot.rows("SELECT point, status, dialogue_id FROM speaker_registrations") == [
        ("Xin xã sớm làm mương thoát nước", "registered", None)]

    overview = (await bot.say(LAN, "/speak"))[0]
    assert f"• {code}: Xin xã sớm làm mương thoát nước" in overview
    assert bot.buttons(LAN) == [f"sp:wd:{1}"]  # the only concern is taken: no "register" button


async def test_a_registration_joins_the_scheduled_dialogue_and_can_be_withdrawn(bot):
    await bot.register(LAN, "Bà Lan")
    code = CODE.search((await bot.submit_concern(LAN, "Đường ngập"))[0]).group(1)
    meeting = (datetime.now(timezone.utc) + timedelta(days=30)).replace(hour=1, minute=30, second=0, microsecond=0)
    async with bot.database.transaction() as db:
        await db.execute("INSERT INTO dialogues (commune_id, meeting_at, place, created_at) VALUES (?, ?, ?, ?)",
                         ("bao-lam", meeting.isoformat(), "Hội trường UBND xã", meeting.isoformat()))
    overview = (await bot.say(LAN, "/speak"))[0]
    assert overview.startswith("Buổi đối thoại tới: Thứ ")
    assert "lúc 08:30, tại Hội trường UBND xã." in overview  # 01:30 UTC shown in Asia/Ho_Chi_Minh
    await bot.tap(LAN, "sp:new")
    await bot.tap(LAN, f"sp:pick:{code}")
    await bot.say(LAN, "Mương thoát nước")
    confirmation = (await bot.tap(LAN, "sp:ok"))[0]
    assert confirmation.startswith(f"✅ Ông/bà đã đăng ký phát biểu về kiến nghị {code} tại buổi đối thoại Thứ ")
    assert await bot.rows("SELECT dialogue_id FROM speaker_registrations") == [(1,)]

    overview = (await bot.say(LAN, "/speak"))[0]
    assert "Đang chờ Văn phòng HĐND và UBND xã duyệt." in overview
    overview_id = bot.message_with_button(LAN, "sp:wd:1")
    assert await bot.tap(LAN, "sp:wd:1") == ["Rút đăng ký phát biểu này?"]
    assert bot.buttons_on(LAN, overview_id) == []  # the overview's buttons are gone
    assert await bot.tap(LAN, "sp:wdn") == ["Đăng ký của ông/bà vẫn được giữ."]
    assert bot.buttons(LAN) == []
    await bot.say(LAN, "/speak")
    assert await bot.tap(LAN, "sp:wd:1") == ["Rút đăng ký phát biểu này?"]
    message_id = bot.message_with_button(LAN, "sp:wdy:1")
    assert await bot.tap(LAN, "sp:wdy:1") == [f"Đã rút đăng ký phát biểu về kiến nghị {code}."]
    assert await bot.rows("SELECT status FROM speaker_registrations") == [("withdrawn",)]
    # The same withdraw button delivered again (a double tap) changes nothing and says so.
    assert await bot.send(LAN, bot.fake.press(LAN, message_id, "sp:wdy:1")) == [
        "Nút này không còn hiệu lực. Xin dùng các nút bên dưới."]
    actions = await bot.rows("SELECT action FROM audit_log WHERE subject_type = 'concern' ORDER BY id")
    assert actions == [("concern.submitted",), ("speaker.registered",), ("speaker.withdrawn",)]


async def test_without_a_concern_the_resident_is_told_to_send_one_first(bot):
    await bot.register(LAN, "Bà Lan")
    overview = (await bot.say(LAN, "/speak"))[0]
    assert overview.endswith("Để phát biểu, trước hết xin gửi kiến nghị (chọn “📝 Gửi kiến nghị”).")
    assert bot.buttons(LAN) == []


async def test_someone_not_registered_is_sent_to_start(bot):
    bot.fake.add_user(LAN, "Lan")
    assert await bot.say(LAN, "/speak") == ["Xin đăng ký trước: gửi /start và chọn thôn của ông/bà."]
    assert await bot.say(LAN, "/new") == ["Xin đăng ký trước: gửi /start và chọn thôn của ông/bà."]
    assert await bot.say(LAN, "/mine") == ["Xin đăng ký trước: gửi /start và chọn thôn của ông/bà."]


async def test_speak_on_telegram_runs_the_shared_dialog_steps(bot):
    """/speak is drawn from bot/dialogs on Telegram too: positions in the runtime's table, the point typed with only Cancel below."""
    await bot.register(LAN, "Bà Lan")
    code = CODE.search((await bot.submit_concern(LAN, "Đường ngập"))[0]).group(1)
    await bot.say(LAN, "🎤 Đăng ký phát biểu")
    await bot.tap(LAN, "sp:new")
    await bot.tap(LAN, f"sp:pick:{code}")
    assert await bot.rows("SELECT step FROM dialog_positions WHERE channel = 'telegram' AND external_id = ?", str(LAN)) == [
        ("speak.point",)]
    assert bot.fake.current_reply_keyboard(LAN) == [["❌ Hủy"]]
    await bot.say(LAN, "Mương thoát nước")
    assert await bot.tap(LAN, "sp:no") == ["Chưa đăng ký gì."]
    assert bot.fake.current_reply_keyboard(LAN)[0] == ["📝 Gửi kiến nghị"]
    assert await bot.rows("SELECT COUNT(*) FROM speaker_registrations") == [(0,)]
