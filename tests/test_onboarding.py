"""A resident opens the bot, picks a language, a hamlet and a name, and gets the main menu."""

from __future__ import annotations

import pytest

from bot.communes import parse_communes
from tests.harness import BotUnderTest

LAN = 1001


async def test_a_resident_registers_in_vietnamese_and_gets_the_menu(bot):
    bot.fake.add_user(LAN, "Lan", language_code="vi")
    greeting = await bot.say(LAN, "/start")
    assert "Xin chào! Đây là kênh đối thoại trực tiếp" in greeting[0]
    assert "Hello! This is the channel" in greeting[0]  # both languages before a choice
    assert bot.buttons(LAN) == ["ob:lang:vi", "ob:lang:en"]

    # One commune in the deployment: the commune question is skipped.
    replies = await bot.tap(LAN, "ob:lang:vi")
    assert replies == ["Ông/bà sống ở thôn nào của xã Bảo Lâm?"]
    assert "ob:hamlet:thon-3" in bot.buttons(LAN)

    replies = await bot.tap(LAN, "ob:hamlet:thon-3")
    assert replies == ["Xã nên gọi ông/bà bằng tên gì? Xin viết họ và tên."]

    replies = await bot.say(LAN, "  Nguyễn   Thị Lan ")
    assert replies[0].startswith("Cảm ơn Nguyễn Thị Lan. Ông/bà đã đăng ký ở thôn 3, xã Bảo Lâm.")
    assert bot.fake.current_reply_keyboard(LAN) == [
        ["📝 Gửi kiến nghị"], ["📋 Kiến nghị của tôi", "🎤 Đăng ký phát biểu"], ["❓ Hướng dẫn", "🌐 Ngôn ngữ"],
    ]
    assert await bot.rows("SELECT r.hamlet_id, r.display_name, p.locale FROM residents r JOIN people p ON p.id = r.person_id") == [
        ("thon-3", "Nguyễn Thị Lan", "vi")]

    # Coming back later: greeted by name, no registration again.
    assert await bot.say(LAN, "/start") == ["Xin chào Nguyễn Thị Lan! Ông/bà muốn làm gì?"]


async def test_a_resident_can_take_the_name_telegram_knows(bot):
    bot.fake.add_user(LAN, "Jane", language_code="en")
    await bot.say(LAN, "/start")
    await bot.tap(LAN, "ob:lang:en")
    await bot.tap(LAN, "ob:hamlet:thon-1")
    replies = await bot.tap(LAN, "ob:name:telegram")
    assert replies[0].startswith("Thank you, Jane. You are registered in Hamlet 1, Bảo Lâm commune.")
    assert bot.fake.current_reply_keyboard(LAN)[0] == ["📝 Send a concern"]


async def test_a_name_too_short_is_asked_again_and_nothing_is_stored(bot):
    bot.fake.add_user(LAN, "Lan")
    await bot.say(LAN, "/start")
    await bot.tap(LAN, "ob:lang:vi")
    await bot.tap(LAN, "ob:hamlet:thon-1")
    assert await bot.say(LAN, "L") == ["Xin gửi họ tên dài từ 2 đến 60 ký tự."]
    assert await bot.rows("SELECT COUNT(*) FROM residents") == [(0,)]
    assert (await bot.say(LAN, "Lan Nguyễn"))[0].startswith("Cảm ơn Lan Nguyễn.")


async def test_typing_instead_of_tapping_a_hamlet_is_answered(bot):
    bot.fake.add_user(LAN, "Lan")
    await bot.say(LAN, "/start")
    await bot.tap(LAN, "ob:lang:vi")
    assert await bot.say(LAN, "thôn 2") == ["Xin chọn một nút ở trên (hoặc bấm /cancel để dừng)."]


async def test_with_several_communes_the_resident_picks_one(fake_api, tmp_path):
    communes = parse_communes({"commune": [
        {"id": cid, "vi": f"Xã {cid}", "en": f"{cid} commune", "citizen_reception_vi": "Tiếp công dân",
         "citizen_reception_en": "Citizen reception", "meeting_place_vi": "Hội trường", "meeting_place_en": "Hall",
         "hamlets": [{"id": "t1", "vi": "Thôn 1", "en": "Hamlet 1"}],
         "categories": [{"key": "land", "vi": "Đất đai", "en": "Land"}]}
        for cid in ("an-binh", "phu-my")
    ]}, "test")
    bot = BotUnderTest(fake_api, tmp_path / "d.sqlite3", communes)
    await bot.start()
    try:
        bot.fake.add_user(LAN, "Lan")
        await bot.say(LAN, "/start")
        assert await bot.tap(LAN, "ob:lang:vi") == ["Ông/bà sống ở xã nào?"]
        assert bot.buttons(LAN) == ["ob:commune:an-binh", "ob:commune:phu-my"]
        assert await bot.tap(LAN, "ob:commune:phu-my") == ["Ông/bà sống ở thôn nào của xã phu-my?"]
        await bot.tap(LAN, "ob:hamlet:t1")
        await bot.say(LAN, "Lan")
        assert await bot.rows("SELECT commune_id FROM residents") == [("phu-my",)]
    finally:
        await bot.stop()


@pytest.mark.parametrize("language, expected", [("vi", "Bắt đầu, hoặc hiện danh mục"), ("en", "Start, or show the menu")])
async def test_command_menus_are_set_in_each_language(bot, language, expected):
    calls = [c for c in bot.fake.calls_of("setMyCommands") if c.params.get("language_code") == language]
    assert calls, "no command menu was set for " + language
    commands = {c["command"]: c["description"] for c in calls[-1].params["commands"]}
    assert commands["start"] == expected
    assert set(commands) == {"start", "new", "mine", "speak", "help", "language", "cancel", "mydata", "forget"}
