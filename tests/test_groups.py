"""The bot works in private chats only: groups, supergroups and channels never see personal data."""

from __future__ import annotations

import logging
import re

CODE = re.compile(r"Mã theo dõi: (\d{3}-\d{3})")
LAN, OFFICE, ADMIN = 1001, 2003, 2006
GROUP, CHANNEL = -1001234567890, -1009876543210
PERSONAL = ("Nguyễn Thị Lan", "0912345678", "Đường vào thôn 2 ngập nước", "Chị Hoa")


def sent_to(bot, chat_id: int) -> list:
    """Every call the bot made that names this chat (sends, edits, leaving...)."""
    return [call for call in bot.fake.calls if str(call.params.get("chat_id")) == str(chat_id)]


async def test_commands_from_a_group_show_no_personal_data_and_the_bot_answers_once(bot):
    await bot.register(LAN, "Nguyễn Thị Lan")
    async with bot.database.transaction() as db:
        await db.execute("UPDATE residents SET phone = '0912345678'")
    code = CODE.search((await bot.submit_concern(LAN, "Đường vào thôn 2 ngập nước"))[0]).group(1)
    await bot.grant(OFFICE, "Chị Hoa", "office")
    await bot.grant(ADMIN, "Anh Quân", "admin")
    bot.fake.add_group(GROUP, "Nhóm thôn 2", type="supergroup")
    before = len(bot.fake.calls)

    await bot.handled(bot.fake.add_bot_to_group(GROUP, by_user_id=OFFICE))
    for user_id, text in ((LAN, "/mydata"), (LAN, "/mine"), (LAN, "/start"), (LAN, "Xin chào"),
                          (OFFICE, f"/concern {code}"), (OFFICE, f"/concern@doithoai_test_bot {code}"),
                          (OFFICE, "/tasks"), (OFFICE, "/overdue"), (OFFICE, "/inbox"), (ADMIN, "/staff"), (ADMIN, "/help")):
        await bot.handled(bot.fake.send_group_text(GROUP, text, user_id=user_id))

    in_group = sent_to(bot, GROUP)
    [said] = [call for call in in_group if call.method != "leaveChat"]
    assert said.method == "sendMessage"
    assert said.params["text"] == ("Tôi chỉ làm việc trong trò chuyện riêng, để thông tin của người dân không hiện ra "
                                   "trước cả nhóm. Xin nhắn riêng cho tôi: @doithoai_test_bot")
    assert GROUP in bot.fake.left_chats()
    # Nothing went anywhere else because of the group either (no export sent privately, no document at all).
    later = bot.fake.calls[before:]
    assert [call for call in later if call.method in ("sendDocument", "sendPhoto", "editMessageText")] == []
    assert [call for call in later if call.method == "sendMessage"] == [said]
    assert not any(word in str(call.params) for call in later for word in PERSONAL + (code,))


async def test_posts_without_a_sender_and_channel_posts_neither_crash_nor_make_the_bot_post(bot, caplog):
    await bot.register(LAN, "Nguyễn Thị Lan")
    bot.fake.add_group(CHANNEL, "Kênh xã Bảo Lâm", type="channel")
    bot.fake.add_group(GROUP, "Nhóm thôn 2", type="supergroup")
    caplog.set_level(logging.INFO)

    post = bot.fake.channel_post(CHANNEL, "/mydata")
    await bot.handled(post)
    await bot.handled(bot.fake.channel_post(CHANNEL, "/help", edit_of=post["channel_post"]["message_id"]))
    await bot.handled(bot.fake.channel_post(CHANNEL, "Thông báo lịch tiếp dân"))
    # In a group: a message sent as the group itself, one sent as a channel, one with no sender at all.
    await bot.handled(bot.fake.send_group_text(GROUP, "/mydata", sender_chat={"id": GROUP, "type": "supergroup", "title": "Nhóm thôn 2"}))
    await bot.handled(bot.fake.send_group_text(GROUP, "/mine", sender_chat={"id": CHANNEL, "type": "channel", "title": "Kênh xã"}))
    await bot.handled(bot.fake.send_group_text(GROUP, "/start"))

    assert [call.method for call in sent_to(bot, CHANNEL)] == ["leaveChat"]
    assert [call.method for call in sent_to(bot, GROUP) if call.method != "leaveChat"] == ["sendMessage"]
    assert [r for r in caplog.records if r.levelno >= logging.ERROR] == []
    # The bot still works in private afterwards.
    assert await bot.say(LAN, "/help")
