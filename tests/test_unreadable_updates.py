"""An update python-telegram-bot cannot read is skipped once; the updates around it are handled."""

from __future__ import annotations

import logging

LAN, MINH = 1001, 1002

# A poll as an older self-hosted Bot API server sends it: its options lack a field PTB 22.8 requires.
OLD_POLL = {
    "id": "5123",
    "question": "Ông Nguyễn Văn Bảy có nên làm trưởng thôn không?",
    "options": [{"text": "Đồng ý", "voter_count": 3}, {"text": "Không", "voter_count": 1}],
    "total_voter_count": 4, "is_closed": False, "is_anonymous": False, "type": "regular",
    "allows_multiple_answers": False,
}


async def test_an_unreadable_update_between_two_good_ones_is_skipped_once(bot, caplog):
    caplog.set_level(logging.INFO)
    bot.fake.add_user(LAN, "Bà Lan")
    bot.fake.add_user(MINH, "Anh Minh")

    first = bot.fake.send_text(LAN, "/help")
    bad = bot.fake.push_update({"poll": OLD_POLL})
    second = bot.fake.send_text(MINH, "/help")
    await bot.handled(first)
    await bot.handled(second)
    # Once more after it, so the poll had every chance to come back.
    assert await bot.say(LAN, "/help")

    assert bot.fake.bot_texts(LAN) and bot.fake.bot_texts(MINH)
    delivered = [call for call in bot.fake.calls_of("getUpdates")
                 if any(u["update_id"] == bad["update_id"] for u in call.result or [])]
    assert len(delivered) == 1
    about = [r.getMessage() for r in caplog.records if str(bad["update_id"]) in r.getMessage()]
    assert about == [f"update {bad['update_id']} (poll) could not be read by python-telegram-bot (TypeError); skipped"]
    for record in caplog.records:
        text = record.getMessage() + str(record.exc_info or "")
        assert "Nguyễn Văn Bảy" not in text and "Đồng ý" not in text
