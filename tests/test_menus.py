"""What officials and residents see: resident buttons for officials who are not residents, the
keyboard and the command menu after /language, and after a role is withdrawn."""

from __future__ import annotations

import pytest

from handlers.menus import PRIVACY_COMMANDS, RESIDENT_COMMANDS
from tests.harness import BotUnderTest

ADMIN = 9001
HOA = 2003  # office
LAN = 1001  # a resident who is also made head of thôn 2
SKIP_VI = "⏭ Bỏ qua"
RESIDENT_MENU = [name for name, _ in RESIDENT_COMMANDS + PRIVACY_COMMANDS]
RESIDENT_KEYBOARD_VI = [["📝 Gửi kiến nghị"], ["📋 Kiến nghị của tôi", "🎤 Đăng ký phát biểu"], ["❓ Hướng dẫn", "🌐 Ngôn ngữ"]]


@pytest.fixture
async def bot(fake_api, tmp_path):
    under_test = BotUnderTest(fake_api, tmp_path / "doithoai.sqlite3", admin_ids=frozenset({ADMIN}))
    await under_test.start()
    fake_api.add_user(ADMIN, "Ông Quản", language_code="vi")
    yield under_test
    await under_test.stop()


def chat_menu(bot: BotUnderTest, user_id: int) -> dict[str, str]:
    """The command menu set for one chat: command -> description."""
    return {c["command"]: c["description"] for c in bot.fake.my_commands({"type": "chat", "chat_id": user_id})}


def keyboard_texts(bot: BotUnderTest, user_id: int) -> list[str]:
    return [text for row in bot.fake.current_reply_keyboard(user_id) or [] for text in row]


# --- An official who is not a resident -------------------------------------------------------

async def test_an_official_who_is_not_a_resident_gets_no_resident_buttons_and_no_loop(bot):
    await bot.grant(HOA, "Chị Hoa", "office")
    greeting = await bot.say(HOA, "/start")
    assert greeting[1].startswith("Ông/bà cũng sống tại xã?")
    assert bot.buttons(HOA) == ["ob:resident"]
    texts = keyboard_texts(bot, HOA)
    assert "📥 Kiến nghị mới" in texts
    assert not {"📝 Gửi kiến nghị", "📋 Kiến nghị của tôi", "🎤 Đăng ký phát biểu"} & set(texts)
    # A resident command typed anyway (it is in the command menu): the registration is offered, not "/start".
    for command in ("/new", "/mine", "/speak", "/profile"):
        replies = await bot.say(HOA, command)
        assert replies == ["Ông/bà cũng sống tại xã? Để gửi kiến nghị của chính mình hoặc đăng ký phát biểu, "
                           "xin đăng ký thêm với tư cách người dân."], command
        assert bot.buttons(HOA) == ["ob:resident"]
    assert not any("bấm /start" in text for text in bot.fake.bot_texts(HOA))


async def test_an_official_registers_as_a_resident_of_their_hamlet_from_start(bot):
    await bot.grant(HOA, "Chị Hoa", "office")
    await bot.say(HOA, "/start")
    offer = bot.message_with_button(HOA, "ob:resident")
    notice = await bot.tap(HOA, "ob:resident")
    assert notice[0].startswith("Trước khi đăng ký")
    assert bot.buttons_on(HOA, bot.message_with_button(HOA, "ob:consent:yes")) == ["ob:consent:yes", "ob:consent:no"]
    await bot.tap(HOA, "ob:consent:yes")
    await bot.tap(HOA, "ob:hamlet:thon-1")
    await bot.say(HOA, "Nguyễn Thị Hoa")
    assert (await bot.say(HOA, SKIP_VI))[0].startswith("Cảm ơn Nguyễn Thị Hoa. Ông/bà đã đăng ký tại thôn 1, xã Bảo Lâm.")
    texts = keyboard_texts(bot, HOA)
    assert "📝 Gửi kiến nghị" in texts and "📥 Kiến nghị mới" in texts
    assert (await bot.say(HOA, "/new"))[0] == "Kiến nghị của ông/bà về lĩnh vực nào? Xin chọn một mục."
    assert await bot.rows("SELECT hamlet_id, display_name FROM residents") == [("thon-1", "Nguyễn Thị Hoa")]
    # /start now greets a resident; the offer is not made again.
    assert await bot.say(HOA, "/start") == ["Xin chào Nguyễn Thị Hoa! Ông/bà muốn làm gì?"]
    # The old offer pressed again registers nobody twice: the menu.
    assert await bot.send(HOA, bot.fake.press(HOA, offer, "ob:resident")) == ["Xin chào Nguyễn Thị Hoa! Ông/bà muốn làm gì?"]
    assert await bot.rows("SELECT COUNT(*) FROM residents") == [(1,)]


# --- /language -------------------------------------------------------------------------------

async def test_language_changes_an_officials_keyboard_and_command_menu_at_once(bot):
    await bot.grant(HOA, "Chị Hoa", "office")
    await bot.say(HOA, "/start")
    assert chat_menu(bot, HOA)["inbox"] == "Kiến nghị mới cần xem xét"
    await bot.say(HOA, "/language")
    before = len(bot.fake.calls_of("setMyCommands"))
    assert await bot.tap(HOA, "lang:en") == ["The language is now English."]
    assert len(bot.fake.calls_of("setMyCommands")) == before + 1
    menu = chat_menu(bot, HOA)
    assert menu["inbox"] == "New concerns to screen" and menu["start"] == "Start, or show the menu"
    assert "📥 Inbox" in keyboard_texts(bot, HOA) and "📥 Kiến nghị mới" not in keyboard_texts(bot, HOA)


async def test_language_changes_a_residents_keyboard_and_command_menu_at_once(bot):
    await bot.register(LAN, "Bà Lan")
    await bot.say(LAN, "/language")
    await bot.tap(LAN, "lang:en")
    assert chat_menu(bot, LAN)["new"] == "Send a concern to the commune"
    assert bot.fake.current_reply_keyboard(LAN)[0] == ["📝 Send a concern"]


# --- A role withdrawn ------------------------------------------------------------------------

async def _revoke(bot: BotUnderTest, user_id: int) -> None:
    (grant_id,), = await bot.rows("SELECT r.id FROM roles r JOIN people p ON p.id = r.person_id"
                                  " WHERE p.external_id = ? AND r.revoked_at IS NULL", str(user_id))
    await bot.say(ADMIN, "/revoke")
    await bot.tap(ADMIN, f"ad:rv:{grant_id}")
    await bot.tap(ADMIN, f"ad:rvy:{grant_id}")


async def test_a_revoked_official_who_is_a_resident_gets_the_resident_keyboard_and_menu(bot):
    await bot.register(LAN, "Bà Lan")
    await bot.grant(LAN, "Bà Lan", "hamlet_head", hamlet="thon-2")
    await bot.say(LAN, "/start")
    assert "✍️ Nhập giúp người dân" in keyboard_texts(bot, LAN)
    assert "enter" in chat_menu(bot, LAN)
    await _revoke(bot, LAN)
    assert bot.fake.current_reply_keyboard(LAN) == RESIDENT_KEYBOARD_VI
    assert list(chat_menu(bot, LAN)) == RESIDENT_MENU
    # One message: the news of the withdrawal carries the new keyboard.
    assert bot.fake.last_bot_message(LAN)["text"].startswith("Vai trò “Trưởng thôn 2” của ông/bà đã được quản trị viên thu hồi.")


async def test_a_revoked_official_who_is_not_a_resident_loses_the_keyboard(bot):
    await bot.grant(HOA, "Chị Hoa", "office")
    await bot.say(HOA, "/start")
    assert "📥 Kiến nghị mới" in keyboard_texts(bot, HOA)
    await _revoke(bot, HOA)
    assert bot.fake.current_reply_keyboard(HOA) is None
    assert bot.fake.last_bot_message(HOA)["text"].startswith("Vai trò “Văn phòng HĐND và UBND xã” của ông/bà đã được quản trị viên thu hồi.")
    assert list(chat_menu(bot, HOA)) == RESIDENT_MENU
