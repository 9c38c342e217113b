"""A resident opens the bot, picks a language, a hamlet and a name, and gets the main menu."""

from __future__ import annotations

import pytest

from bot.communes import parse_communes
from tests.harness import BotUnderTest

LAN = 1001


SKIP_VI = "⏭ Bỏ qua"


async def _to_name_step(bot, user_id: int, language: str = "vi", hamlet: str = "thon-1") -> None:
    await bot.say(user_id, "/start")
    await bot.tap(user_id, f"ob:lang:{language}")
    await bot.tap(user_id, "ob:consent:yes")
    await bot.tap(user_id, f"ob:hamlet:{hamlet}")


async def test_a_resident_registers_in_vietnamese_and_gets_the_menu(bot):
    bot.fake.add_user(LAN, "Lan", language_code="vi")
    greeting = await bot.say(LAN, "/start")
    assert "Xin chào! Đây là kênh đối thoại trực tiếp" in greeting[0]
    assert "Hello! This is the channel" in greeting[0]  # both languages before a choice
    assert bot.buttons(LAN) == ["ob:lang:vi", "ob:lang:en"]

    # The privacy notice comes first: what is stored, who sees it, how to erase it.
    notice = await bot.tap(LAN, "ob:lang:vi")
    assert notice[0].startswith("Trước khi đăng ký: xã lưu họ tên, thôn, tài khoản nhắn tin")
    assert "/forget" in notice[0] and "/mydata" in notice[0] and "/profile" in notice[0]
    assert bot.buttons(LAN) == ["ob:consent:yes", "ob:consent:no"]
    assert await bot.rows("SELECT COUNT(*) FROM people") == [(0,)]  # nothing stored before consent

    # One commune in the deployment: the commune question is skipped.
    replies = await bot.tap(LAN, "ob:consent:yes")
    assert replies == ["Ông/bà sống ở thôn nào của xã Bảo Lâm?"]
    assert "ob:hamlet:thon-3" in bot.buttons(LAN)

    replies = await bot.tap(LAN, "ob:hamlet:thon-3")
    assert replies == ["Xã nên gọi ông/bà bằng tên gì? Xin viết họ và tên."]

    replies = await bot.say(LAN, "  Nguyễn   Thị Lan ")
    assert replies[0].startswith("Bước cuối, không bắt buộc: cán bộ có thể cần gọi lại")
    markup = bot.fake.reply_keyboard_markup(LAN)["keyboard"]
    assert markup[0][0]["request_contact"] is True and markup[1][0] in (SKIP_VI, {"text": SKIP_VI})
    assert await bot.rows("SELECT COUNT(*) FROM residents") == [(0,)]

    replies = await bot.send(LAN, bot.fake.send_contact(LAN, "84912345678"))
    assert replies[0].startswith("Cảm ơn Nguyễn Thị Lan. Ông/bà đã đăng ký tại thôn 3, xã Bảo Lâm.")
    assert bot.fake.current_reply_keyboard(LAN) == [
        ["📝 Gửi kiến nghị"], ["📋 Kiến nghị của tôi", "🎤 Đăng ký phát biểu"], ["❓ Hướng dẫn", "🌐 Ngôn ngữ"],
    ]
    assert await bot.rows("SELECT r.hamlet_id, r.display_name, r.phone, r.consented_at IS NOT NULL, p.locale"
                          " FROM residents r JOIN people p ON p.id = r.person_id") == [
        ("thon-3", "Nguyễn Thị Lan", "+84912345678", 1, "vi")]

    # Coming back later: greeted by name, no registration again.
    assert await bot.say(LAN, "/start") == ["Xin chào Nguyễn Thị Lan! Ông/bà muốn làm gì?"]


async def test_consent_time_is_stored_in_utc(bot):
    bot.fake.add_user(LAN, "Lan")
    await _to_name_step(bot, LAN)
    await bot.say(LAN, "Lan Nguyễn")
    await bot.say(LAN, SKIP_VI)
    (consented_at,), = await bot.rows("SELECT consented_at FROM residents")
    assert consented_at.endswith("+00:00")


async def test_not_agreeing_stores_nothing_and_says_how_to_come_back(bot):
    bot.fake.add_user(LAN, "Lan")
    await bot.say(LAN, "/start")
    await bot.tap(LAN, "ob:lang:vi")
    replies = await bot.tap(LAN, "ob:consent:no")
    assert replies == ["Đã rõ: không có thông tin nào của ông/bà được lưu. Nếu đổi ý, ông/bà có thể gửi /start bất cứ lúc nào."]
    assert await bot.rows("SELECT COUNT(*) FROM people") == [(0,)]
    assert await bot.rows("SELECT COUNT(*) FROM residents") == [(0,)]
    assert await bot.rows("SELECT COUNT(*) FROM bot_user_data") == [(0,)]  # not even the language chosen
    assert await bot.rows("SELECT COUNT(*) FROM dialog_positions") == [(0,)]  # nor the step they were on
    assert bot.buttons(LAN) == []  # the notice's buttons are gone
    # Coming back: the notice again.
    await bot.say(LAN, "/start")
    assert (await bot.tap(LAN, "ob:lang:vi"))[0].startswith("Trước khi đăng ký")


async def test_the_phone_is_optional(bot):
    bot.fake.add_user(LAN, "Lan")
    await _to_name_step(bot, LAN)
    await bot.say(LAN, "Lan Nguyễn")
    # A number may be typed too (as on Zalo): what is not one is refused, with the contact key still there.
    assert (await bot.say(LAN, "không"))[0] == ("Đây không phải là số điện thoại. Xin gõ số điện thoại chỉ gồm các chữ số "
                                                "(ví dụ 0912345678), hoặc bỏ qua bước này.")
    assert bot.fake.reply_keyboard_markup(LAN)["keyboard"][0][0]["request_contact"] is True
    replies = await bot.say(LAN, SKIP_VI)
    assert replies[0].startswith("Cảm ơn Lan Nguyễn.")
    assert await bot.rows("SELECT display_name, phone FROM residents") == [("Lan Nguyễn", None)]


async def test_someone_elses_contact_is_refused(bot):
    bot.fake.add_user(LAN, "Lan")
    await _to_name_step(bot, LAN)
    await bot.say(LAN, "Lan Nguyễn")
    forwarded = bot.fake._user_message(LAN, {"contact": {"phone_number": "84987654321", "first_name": "Hùng", "user_id": 4242}})
    assert await bot.send(LAN, forwarded) == [
        "Đây là danh bạ của người khác. Chỉ có thể cung cấp số điện thoại của chính ông/bà: xin gửi số của mình, hoặc bỏ qua bước này."]
    no_owner = bot.fake._user_message(LAN, {"contact": {"phone_number": "84987654321", "first_name": "Hùng"}})
    assert (await bot.send(LAN, no_owner))[0].startswith("Đây là danh bạ của người khác.")
    assert await bot.rows("SELECT COUNT(*) FROM residents") == [(0,)]
    assert (await bot.send(LAN, bot.fake.send_contact(LAN, "+84 912 345 678")))[0].startswith("Cảm ơn Lan Nguyễn.")
    assert await bot.rows("SELECT phone FROM residents") == [("+84912345678",)]


async def test_a_sentence_typed_as_the_name_is_asked_about(bot):
    bot.fake.add_user(LAN, "Lan")
    await _to_name_step(bot, LAN)
    replies = await bot.say(LAN, "Tôi muốn phản ánh về đường")
    assert replies[0].startswith("“Tôi muốn phản ánh về đường”: đây có phải là họ tên để xã gọi ông/bà không?")
    assert bot.buttons(LAN) == ["ob:nameok", "ob:nameagain"]
    assert await bot.tap(LAN, "ob:nameagain") == ["Xin viết họ và tên."]
    assert bot.buttons(LAN) == []
    # A plain name goes straight on; the "Use the Telegram name" button of the question is gone.
    assert (await bot.say(LAN, "Trần Văn Hùng"))[0].startswith("Bước cuối")
    assert all(not (m.get("reply_markup") or {}).get("inline_keyboard") for m in bot.fake.chat(LAN) if m["from_bot"])
    await bot.say(LAN, SKIP_VI)
    assert await bot.rows("SELECT display_name FROM residents") == [("Trần Văn Hùng",)]


async def test_a_long_name_can_be_confirmed_as_a_name(bot):
    bot.fake.add_user(LAN, "Lan")
    await _to_name_step(bot, LAN)
    await bot.say(LAN, "Tôn Nữ Thị Hoàng Lan Phương")
    assert (await bot.tap(LAN, "ob:nameok"))[0].startswith("Bước cuối")
    await bot.say(LAN, SKIP_VI)
    assert await bot.rows("SELECT display_name FROM residents") == [("Tôn Nữ Thị Hoàng Lan Phương",)]


async def test_a_resident_can_take_the_name_telegram_knows(bot):
    bot.fake.add_user(LAN, "Jane", language_code="en")
    await bot.say(LAN, "/start")
    await bot.tap(LAN, "ob:lang:en")
    await bot.tap(LAN, "ob:consent:yes")
    await bot.tap(LAN, "ob:hamlet:thon-1")
    await bot.tap(LAN, "ob:name:telegram")
    replies = await bot.say(LAN, "⏭ Skip")
    assert replies[0].startswith("Thank you, Jane. You are registered in Hamlet 1, Bảo Lâm commune.")
    assert bot.fake.current_reply_keyboard(LAN)[0] == ["📝 Send a concern"]


async def test_a_name_too_short_is_asked_again_and_nothing_is_stored(bot):
    bot.fake.add_user(LAN, "Lan")
    await _to_name_step(bot, LAN)
    assert await bot.say(LAN, "L") == ["Xin gửi họ tên dài từ 2 đến 60 ký tự."]
    assert await bot.rows("SELECT COUNT(*) FROM residents") == [(0,)]
    await bot.say(LAN, "Lan Nguyễn")
    assert (await bot.say(LAN, SKIP_VI))[0].startswith("Cảm ơn Lan Nguyễn.")


async def test_typing_instead_of_tapping_a_hamlet_is_answered(bot):
    bot.fake.add_user(LAN, "Lan")
    await bot.say(LAN, "/start")
    await bot.tap(LAN, "ob:lang:vi")
    assert await bot.say(LAN, "đồng ý") == ["Xin chọn một trong các mục dưới đây (hoặc gửi /cancel để dừng)."]
    await bot.tap(LAN, "ob:consent:yes")
    assert await bot.say(LAN, "thôn 2") == ["Xin chọn một trong các mục dưới đây (hoặc gửi /cancel để dừng)."]
    hamlets = bot.message_with_button(LAN, "ob:hamlet:thon-2")
    assert await bot.say(LAN, "/cancel") == ["Đã dừng. Khi sẵn sàng, xin gửi /start."]
    assert bot.buttons_on(LAN, hamlets) == []  # the step left is not left looking live


async def test_a_resident_changes_name_hamlet_and_phone_with_profile(bot):
    await bot.register(LAN, "Bà Lan")
    shown = await bot.say(LAN, "/profile")
    assert shown[0].startswith("Thông tin của ông/bà mà xã đang lưu:\nHọ tên: Bà Lan\nThôn: thôn 2, xã Bảo Lâm\nĐiện thoại: không có")
    assert bot.buttons(LAN) == ["pf:name", "pf:hamlet", "pf:phone"]

    assert await bot.tap(LAN, "pf:name") == ["Xin viết họ và tên."]
    assert bot.buttons(LAN) == []  # the profile's buttons are gone
    assert await bot.say(LAN, "Nguyễn Thị Lan") == ["Đã lưu. Xã sẽ gọi ông/bà là Nguyễn Thị Lan."]

    await bot.say(LAN, "/profile")
    assert await bot.tap(LAN, "pf:hamlet") == ["Ông/bà sống ở thôn nào của xã Bảo Lâm?"]
    labels = [b["text"] for row in bot.fake.last_bot_message(LAN)["reply_markup"]["inline_keyboard"] for b in row]
    assert labels[:2] == ["Thôn 1", "Thôn 2"]  # a button starts with a capital, a sentence writes "thôn 4"
    assert await bot.tap(LAN, "pf:ham:thon-4") == ["Đã lưu. Ông/bà nay đăng ký ở thôn 4, xã Bảo Lâm."]
    assert bot.buttons(LAN) == []

    await bot.say(LAN, "/profile")
    await bot.tap(LAN, "pf:phone")
    forwarded = bot.fake._user_message(LAN, {"contact": {"phone_number": "84987654321", "first_name": "Hùng", "user_id": 4242}})
    assert (await bot.send(LAN, forwarded))[0].startswith("Đây là danh bạ của người khác.")
    assert await bot.send(LAN, bot.fake.send_contact(LAN, "84912000111")) == ["Đã lưu. Số điện thoại của ông/bà là +84912000111."]
    assert await bot.rows("SELECT display_name, hamlet_id, phone FROM residents") == [("Nguyễn Thị Lan", "thon-4", "+84912000111")]

    await bot.say(LAN, "/profile")
    assert bot.buttons(LAN) == ["pf:name", "pf:hamlet", "pf:phone", "pf:phonedel"]
    assert await bot.tap(LAN, "pf:phonedel") == ["Đã xóa số điện thoại của ông/bà."]
    assert await bot.rows("SELECT phone FROM residents") == [(None,)]
    # A forged hamlet changes nothing.
    last_bot_message = [m for m in bot.fake.chat(LAN) if m["from_bot"]][-1]["message_id"]
    forged = bot.fake.press(LAN, last_bot_message, "pf:ham:thon-9")
    assert (await bot.send(LAN, forged))[0] == "Nút này không còn hiệu lực. Xin dùng các nút bên dưới."
    assert await bot.rows("SELECT hamlet_id FROM residents") == [("thon-4",)]


async def test_help_lists_every_resident_command_and_opens_the_profile(bot):
    await bot.register(LAN, "Bà Lan")
    text = (await bot.say(LAN, "/help"))[0]
    for command in ("/new", "/mine", "/speak", "/profile", "/mydata", "/forget", "/cancel", "/language"):
        assert command in text
    assert bot.buttons(LAN) == ["pf:show"]
    assert (await bot.tap(LAN, "pf:show"))[0].startswith("Thông tin của ông/bà mà xã đang lưu:")


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
        await bot.tap(LAN, "ob:lang:vi")
        assert await bot.tap(LAN, "ob:consent:yes") == ["Ông/bà sống ở xã nào?"]
        assert bot.buttons(LAN) == ["ob:commune:an-binh", "ob:commune:phu-my"]
        assert await bot.tap(LAN, "ob:commune:phu-my") == ["Ông/bà sống ở thôn nào của xã phu-my?"]
        await bot.tap(LAN, "ob:hamlet:t1")
        await bot.say(LAN, "Lan")
        await bot.say(LAN, SKIP_VI)
        assert await bot.rows("SELECT commune_id FROM residents") == [("phu-my",)]
    finally:
        await bot.stop()


@pytest.mark.parametrize("language, expected", [("vi", "Bắt đầu, hoặc hiện danh mục"), ("en", "Start, or show the menu")])
async def test_command_menus_are_set_in_each_language(bot, language, expected):
    calls = [c for c in bot.fake.calls_of("setMyCommands") if c.params.get("language_code") == language]
    assert calls, "no command menu was set for " + language
    commands = {c["command"]: c["description"] for c in calls[-1].params["commands"]}
    assert commands["start"] == expected
    assert set(commands) == {"start", "new", "mine", "speak", "profile", "help", "language", "cancel", "mydata", "forget"}


# --- Mid-flow at the deploy that moved first contact and /profile to bot/dialogs ---------------

async def _inside_the_old_flow(bot, user_id: int, state: int, user_data: dict) -> None:
    """What the Telegram-only flows had persisted (their conversation state, their draft in user_data),
    then a restart with this version: the positions are loaded as they were."""
    import json

    async with bot.database.transaction() as db:
        await db.execute("INSERT INTO bot_conversations (name, conversation_key, state) VALUES ('main', ?, ?)",
                         (json.dumps([user_id, user_id]), json.dumps(state)))
        await db.execute("INSERT INTO bot_user_data (user_id, data) VALUES (?, ?)",
                         (user_id, json.dumps(user_data, ensure_ascii=False)))
    await bot.restart()


OLD_DRAFT = {"consented_at": "2026-11-30T08:00:00+00:00", "commune": "bao-lam", "hamlet": "thon-2"}


async def test_someone_asked_their_name_by_the_old_flow_goes_on_from_that_step_after_the_deploy(bot):
    from handlers.states import ONBOARD_NAME

    bot.fake.add_user(LAN, "Lan")
    await _inside_the_old_flow(bot, LAN, ONBOARD_NAME, {"locale": "vi", "onboarding": OLD_DRAFT})
    # What they type now answers the step they were on, with what they had given before.
    assert (await bot.say(LAN, "Nguyễn Thị Lan"))[0].startswith("Bước cuối, không bắt buộc")
    assert bot.fake.reply_keyboard_markup(LAN)["keyboard"][0][0]["request_contact"] is True
    assert (await bot.say(LAN, SKIP_VI))[0] == "Cảm ơn Nguyễn Thị Lan. Ông/bà đã đăng ký tại thôn 2, xã Bảo Lâm."
    assert await bot.rows("SELECT hamlet_id, display_name, consented_at FROM residents") == [
        ("thon-2", "Nguyễn Thị Lan", OLD_DRAFT["consented_at"])]
    assert await bot.rows("SELECT COUNT(*) FROM bot_conversations") == [(0,)]  # the old state is gone
    assert "onboarding" not in bot.application.user_data[LAN]


async def test_a_button_of_the_old_first_contact_pressed_after_the_deploy_still_counts(bot):
    from handlers.states import ONBOARD_HAMLET

    bot.fake.add_user(LAN, "Lan")
    await bot.say(LAN, "/help")  # stands for the old question and its buttons
    old_question = bot.fake.last_bot_message(LAN)["message_id"]
    await _inside_the_old_flow(bot, LAN, ONBOARD_HAMLET,
                               {"locale": "vi", "onboarding": {key: OLD_DRAFT[key] for key in ("consented_at", "commune")}})
    replies = await bot.send(LAN, bot.fake.press(LAN, old_question, "ob:hamlet:thon-4"))
    assert replies == ["Xã nên gọi ông/bà bằng tên gì? Xin viết họ và tên."]
    await bot.say(LAN, "Nguyễn Thị Lan")
    await bot.say(LAN, SKIP_VI)
    assert await bot.rows("SELECT hamlet_id FROM residents") == [("thon-4",)]


async def test_someone_whose_old_state_no_longer_takes_what_they_send_is_asked_that_step_again(bot):
    from handlers.states import ONBOARD_CONSENT

    bot.fake.add_user(LAN, "Lan")
    await _inside_the_old_flow(bot, LAN, ONBOARD_CONSENT, {"locale": "en", "onboarding": {}})
    assert await bot.send(LAN, bot.fake.send_sticker(LAN)) == ["Please choose one of the options below (or send /cancel to stop)."]
    assert bot.buttons(LAN) == ["ob:consent:yes", "ob:consent:no"]
    assert await bot.rows("SELECT COUNT(*) FROM people") == [(0,)]


async def test_a_resident_sharing_a_phone_in_the_old_profile_at_the_deploy_has_it_saved(bot):
    from handlers.states import PROFILE_PHONE

    await bot.register(LAN, "Bà Lan")
    await _inside_the_old_flow(bot, LAN, PROFILE_PHONE, {"locale": "vi"})
    assert await bot.send(LAN, bot.fake.send_contact(LAN, "84912000111")) == ["Đã lưu. Số điện thoại của ông/bà là +84912000111."]
    assert await bot.rows("SELECT phone FROM residents") == [("+84912000111",)]


async def test_a_button_of_an_earlier_step_or_a_forged_one_changes_nothing_during_first_contact(bot):
    bot.fake.add_user(LAN, "Lan")
    await bot.say(LAN, "/start")
    languages = bot.message_with_button(LAN, "ob:lang:vi")
    await bot.tap(LAN, "ob:lang:vi")
    await bot.tap(LAN, "ob:consent:yes")
    stale = "Nút này không còn hiệu lực. Xin trả lời tin nhắn mới nhất."  # no menu promised: there is none yet
    assert await bot.send(LAN, bot.fake.press(LAN, languages, "ob:lang:en")) == [stale]
    hamlets = bot.message_with_button(LAN, "ob:hamlet:thon-2")
    assert await bot.send(LAN, bot.fake.press(LAN, hamlets, "ob:hamlet:thon-99")) == [stale]
    # Still on the hamlet step, in Vietnamese.
    assert await bot.tap(LAN, "ob:hamlet:thon-2") == ["Xã nên gọi ông/bà bằng tên gì? Xin viết họ và tên."]


async def test_the_language_changed_after_registering_is_the_one_profile_speaks(bot):
    await bot.register(LAN, "Bà Lan")
    await bot.say(LAN, "/language")
    assert await bot.tap(LAN, "lang:en") == ["The language is now English."]
    assert bot.fake.current_reply_keyboard(LAN)[0] == ["📝 Send a concern"]
    assert (await bot.say(LAN, "/profile"))[0].startswith("Your details as the commune holds them:")
    assert await bot.say(LAN, "/start") == ["Hello Bà Lan! What would you like to do?"]


MAIN_MENU_VI = [["📝 Gửi kiến nghị"], ["📋 Kiến nghị của tôi", "🎤 Đăng ký phát biểu"], ["❓ Hướng dẫn", "🌐 Ngôn ngữ"]]


def _phone_keys(bot, user_id: int) -> bool:
    markup = bot.fake.reply_keyboard_markup(user_id) or {}
    return any(isinstance(key, dict) and key.get("request_contact") for row in markup.get("keyboard", []) for key in row)


async def test_the_phone_keys_go_when_the_phone_step_is_left_for_another_flow(bot):
    """“Share my number” / “Skip” belong to the phone step only: another command replaces them at once."""
    await bot.register(LAN, "Bà Lan")
    await bot.say(LAN, "/profile")
    await bot.tap(LAN, "pf:phone")
    assert _phone_keys(bot, LAN)
    replies = await bot.say(LAN, "/new")
    assert replies[0] == "Số điện thoại của ông/bà không thay đổi." and replies[1].startswith("Kiến nghị của ông/bà về")
    assert not _phone_keys(bot, LAN) and bot.fake.current_reply_keyboard(LAN) == MAIN_MENU_VI
    await bot.tap(LAN, "cc:cat:land")  # through the next flow and after it
    await bot.say(LAN, "Đèn đường đầu thôn hỏng.")
    await bot.tap(LAN, next(data for data in bot.buttons(LAN) if data.startswith("cc:no:")))
    assert not _phone_keys(bot, LAN) and bot.fake.current_reply_keyboard(LAN) == MAIN_MENU_VI

    # First contact's phone step, left by /speak: a stranger has no menu, so the keys are removed.
    hung = 1002
    bot.fake.add_user(hung, "Hùng")
    await _to_name_step(bot, hung)
    await bot.say(hung, "Trần Văn Hùng")
    assert _phone_keys(bot, hung)
    replies = await bot.say(hung, "/speak")
    assert replies[0] == "Việc đăng ký của ông/bà chưa hoàn tất."
    assert bot.fake.reply_keyboard_markup(hung) is None


async def test_the_phone_keys_go_when_the_phone_step_is_stopped_by_a_stranger(bot):
    bot.fake.add_user(LAN, "Lan")
    await _to_name_step(bot, LAN)
    await bot.say(LAN, "Nguyễn Thị Lan")
    assert _phone_keys(bot, LAN)
    assert await bot.say(LAN, "/cancel") == ["Đã dừng. Khi sẵn sàng, xin gửi /start."]
    assert bot.fake.reply_keyboard_markup(LAN) is None


async def test_a_stale_button_tells_a_stranger_how_to_begin_and_leaves_a_flow_its_keyboard(bot):
    bot.fake.add_user(LAN, "Lan")
    await bot.say(LAN, "/start")
    languages = bot.message_with_button(LAN, "ob:lang:vi")
    await bot.say(LAN, "/cancel")
    assert await bot.send(LAN, bot.fake.press(LAN, languages, "ob:lang:en")) == [
        "Nút này không còn hiệu lực. Để bắt đầu, xin gửi /start."]
    assert bot.fake.last_bot_message(LAN).get("reply_markup") is None  # no menu: a stranger has none

    # A resident in a step with keys of its own (the phone step's) keeps them, not the menu's.
    await bot.register(LAN, "Nguyễn Thị Lan")
    await bot.say(LAN, "/profile")
    profile = bot.message_with_button(LAN, "pf:name")
    await bot.tap(LAN, "pf:phone")
    assert _phone_keys(bot, LAN)
    assert await bot.send(LAN, bot.fake.press(LAN, profile, "pf:name")) == [
        "Nút này không còn hiệu lực. Xin trả lời tin nhắn mới nhất."]
    assert _phone_keys(bot, LAN)
    assert await bot.send(LAN, bot.fake.send_contact(LAN, "84912000111")) == [
        "Đã lưu. Số điện thoại của ông/bà là +84912000111."]  # still on the phone step

    # Outside any flow, the menu is shown again.
    await bot.say(LAN, "/new")
    topics = bot.message_with_button(LAN, "cc:cat:land")
    await bot.tap(LAN, "cc:cancel")
    # Outside any flow, the menu is shown again.
    assert await bot.send(LAN, bot.fake.press(LAN, topics, "cc:cat:land")) == [
        "Nút này không còn hiệu lực. Xin dùng các nút bên dưới."]
    assert bot.fake.current_reply_keyboard(LAN) == MAIN_MENU_VI


async def test_a_shared_contact_with_a_national_number_is_stored_with_the_country_code(bot):
    """Some Android clients send the contact's number as dialled at home: “0912345678” is +84912345678."""
    bot.fake.add_user(LAN, "Lan")
    await _to_name_step(bot, LAN)
    await bot.say(LAN, "Nguyễn Thị Lan")
    assert (await bot.send(LAN, bot.fake.send_contact(LAN, "0912 345 678")))[0].startswith("Cảm ơn Nguyễn Thị Lan.")
    assert await bot.rows("SELECT phone FROM residents") == [("+84912345678",)]
