"""Text typed by people is cleaned in one place (bot/text.py): invisible, control and direction characters go."""

from __future__ import annotations

import pytest

from bot.errors import NameInvalid, TextEmpty, TextTooLong
from bot.services.residents import ResidentService
from bot.text import clean, clean_text
from handlers.keyboards import PHONE_SKIP

ZERO_WIDTH = "\u200b\u200c\u200d\u2060\ufeff"
RIGHT_TO_LEFT_OVERRIDE = "\u202e"
LAN = 1001


def test_invisible_direction_and_control_characters_are_removed():
    assert clean(f"{ZERO_WIDTH}Đường{RIGHT_TO_LEFT_OVERRIDE} ngập\x00 nước\u200e\u2066") == "Đường ngập nước"


def test_text_is_stored_in_nfc_so_one_letter_typed_two_ways_is_the_same():
    decomposed = "Nguye\u0302\u0303n"  # "Nguyễn" as base letters plus combining marks
    assert clean(decomposed) == "Nguyễn" and len(clean(decomposed)) == 6


def test_a_text_keeps_its_lines_and_tabs_a_single_line_does_not():
    assert clean("  Dòng 1\r\nDòng 2\u2028Dòng\t3  ") == "Dòng 1\nDòng 2\nDòng\t3"
    assert clean(" Hội trường\n\tthôn 2\u2029 ", single_line=True) == "Hội trường thôn 2"


def test_text_made_only_of_invisible_characters_is_empty_and_refused():
    for invisible in (ZERO_WIDTH, RIGHT_TO_LEFT_OVERRIDE * 3, "\x00\x00", "\u3164\u2800 \u200b", " \n\t "):
        assert clean(invisible) == ""
        with pytest.raises(TextEmpty):
            clean_text(invisible, 100)
    assert clean_text(ZERO_WIDTH, 100, required=False) == ""


def test_the_limit_counts_what_is_left_after_cleaning():
    assert clean_text("ab" + ZERO_WIDTH * 50, 5) == "ab"
    with pytest.raises(TextTooLong):
        clean_text("abcdef", 5)


def test_a_name_of_invisible_characters_or_spoofed_by_an_override_is_cleaned_or_refused():
    assert ResidentService.clean_name(f"Lan{RIGHT_TO_LEFT_OVERRIDE}nấuN") == "LannấuN"
    for name in (ZERO_WIDTH, f"{ZERO_WIDTH}L{ZERO_WIDTH}", "\ufeff\ufeff\ufeff"):
        with pytest.raises(NameInvalid):
            ResidentService.clean_name(name)


# --- end to end: what a resident types reaches the database cleaned -------------------------------


async def test_invisible_name_and_concern_text_are_refused_and_a_spoofed_name_is_stored_clean(bot):
    bot.fake.add_user(LAN, "Lan")
    await bot.say(LAN, "/start")
    await bot.tap(LAN, "ob:lang:vi")
    await bot.tap(LAN, "ob:consent:yes")
    await bot.tap(LAN, "ob:hamlet:thon-2")
    assert await bot.say(LAN, ZERO_WIDTH * 4) == ["Xin gửi họ tên dài từ 2 đến 60 ký tự."]
    assert await bot.say(LAN, f"\ufeff{RIGHT_TO_LEFT_OVERRIDE}\x00") == ["Xin gửi họ tên dài từ 2 đến 60 ký tự."]
    assert await bot.rows("SELECT COUNT(*) FROM residents") == [(0,)]
    await bot.say(LAN, f"Nguye\u0302\u0303n Thị{RIGHT_TO_LEFT_OVERRIDE} Lan\u200b")
    await bot.say(LAN, bot.label("vi", PHONE_SKIP))  # the residents' row is written once the phone step is done
    assert await bot.rows("SELECT display_name FROM residents") == [("Nguyễn Thị Lan",)]

    await bot.say(LAN, "/new")
    await bot.tap(LAN, "cc:cat:land")
    assert await bot.say(LAN, f"{ZERO_WIDTH}{RIGHT_TO_LEFT_OVERRIDE}\x00") == ["Xin viết vài dòng mô tả."]
    assert not any(b.startswith("cc:ok:") for b in bot.buttons(LAN))
    await bot.say(LAN, f"Đường\u200b thôn 2\x00 ngập{RIGHT_TO_LEFT_OVERRIDE}")
    await bot.tap(LAN, next(d for d in bot.buttons(LAN) if d.startswith("cc:ok:")))
    assert await bot.rows("SELECT body FROM concerns") == [("Đường thôn 2 ngập",)]


async def test_a_dialogue_place_of_invisible_characters_is_refused_and_an_override_removed(bot):
    with pytest.raises(TextEmpty):
        bot.services.dialogues.check_place(ZERO_WIDTH)
    assert bot.services.dialogues.check_place(f"Hội trường{RIGHT_TO_LEFT_OVERRIDE} xã") == "Hội trường xã"


def test_lines_are_split_into_messages_under_the_limit_between_lines():
    from bot.text import split_message

    lines = [f"dòng {n:02d} " + "x" * 10 for n in range(10)]  # 18 characters each
    parts = split_message(lines, 40)
    assert parts == ["\n".join(lines[i:i + 2]) for i in range(0, 10, 2)]
    assert split_message(["a" * 95], 40) == ["a" * 40, "a" * 40, "a" * 15]
    assert split_message([], 40) == []
