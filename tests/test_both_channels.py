"""Scenarios written once with neutral verbs (register, choose a topic, write, confirm, list my concerns,
send a command, choose an option by its words), run on Telegram (buttons) and on Zalo (typed numbers):
the same rules, the same words, the same records."""

from __future__ import annotations

import re

import pytest

CODE = re.compile(r"Mã theo dõi: (\d{3}-\d{3})")


class TelegramResident:
    channel = "telegram"

    def __init__(self, bot) -> None:
        self.bot, self.id = bot, 1001

    async def register(self, name: str) -> None:
        await self.bot.register(self.id, name)

    async def start_concern(self) -> list[str]:
        return await self.bot.say(self.id, "/new")

    async def choose_topic(self, key: str) -> list[str]:
        return await self.bot.tap(self.id, f"cc:cat:{key}")

    async def write(self, text: str) -> list[str]:
        return await self.bot.say(self.id, text)

    async def confirm(self) -> list[str]:
        return await self.bot.tap(self.id, next(d for d in self.bot.buttons(self.id) if d.startswith("cc:ok:")))

    async def choose(self, label: str) -> list[str]:
        return await self.bot.tap_label(self.id, label)

    async def send_photo(self, caption: str | None = None) -> list[str]:
        return await self.bot.send(self.id, self.bot.fake.send_photo(self.id, caption=caption))

    async def my_concerns(self) -> list[str]:
        return await self.bot.say(self.id, "/mine")

    async def send(self, command: str) -> list[str]:
        self.bot.fake.add_user(self.id, "Lan", language_code="vi")
        return await self.bot.say(self.id, command)

    async def notices(self) -> list[str]:
        """The notices the outbox holds for the resident, delivered now."""
        await self.bot.deliver()
        return self.bot.fake.bot_texts(self.id)


class ZaloResident:
    channel = "zalo"

    def __init__(self, zalo) -> None:
        self.zalo, self.id = zalo, "zl-both-0001"

    async def register(self, name: str) -> None:
        await self.zalo.register(self.id, name)

    async def start_concern(self) -> list[str]:
        return await self.zalo.say(self.id, "/new")

    async def choose_topic(self, key: str) -> list[str]:
        label = self.zalo.telegram.communes.items[0].category(key).name("vi")
        return await self.zalo.choose(self.id, label)

    async def write(self, text: str) -> list[str]:
        return await self.zalo.say(self.id, text)

    async def confirm(self) -> list[str]:
        return await self.zalo.choose(self.id, "Gửi đến xã")

    async def choose(self, label: str) -> list[str]:
        return await self.zalo.choose(self.id, label)

    async def send_photo(self, caption: str | None = None) -> list[str]:
        return await self.zalo.send_photo(self.id, caption)

    async def my_concerns(self) -> list[str]:
        return await self.zalo.say(self.id, "/mine")

    async def send(self, command: str) -> list[str]:
        self.zalo.fake.names.setdefault(self.id, "Lan")
        return await self.zalo.say(self.id, command)

    async def notices(self) -> list[str]:
        await self.zalo.deliver()
        return self.zalo.fake.texts_to(self.id)


@pytest.fixture(params=["telegram", "zalo"])
async def resident(request, bot, fake_zalo):
    if request.param == "telegram":
        yield TelegramResident(bot)
        return
    from tests.zalo_harness import ZaloUnderTest

    zalo = ZaloUnderTest(fake_zalo, bot)
    await zalo.start()
    yield ZaloResident(zalo)
    await zalo.stop()


async def test_a_concern_is_sent_and_listed_with_its_code(resident, bot):
    await resident.register("Nguyễn Thị Lan")
    await resident.start_concern()
    await resident.choose_topic("environment")
    summary = (await resident.write("Bãi rác tự phát cạnh trường học."))[-1]
    assert "Lĩnh vực: Môi trường" in summary and "Nội dung: Bãi rác tự phát cạnh trường học." in summary
    code = CODE.search((await resident.confirm())[-1]).group(1)
    assert await bot.rows("SELECT p.channel, c.category, c.status FROM concerns c JOIN people p ON p.id = c.resident_id"
                          " WHERE c.code = ?", code) == [(resident.channel, "environment", "submitted")]
    listing = (await resident.my_concerns())[0]
    assert listing.startswith("Kiến nghị của ông/bà (mới nhất trước):") and code in listing


async def test_a_complaint_is_redirected_to_the_citizen_reception_with_the_same_words(resident, bot):
    await resident.register("Nguyễn Thị Lan")
    await resident.start_concern()
    refusal = (await resident.choose_topic("petition"))[0]
    assert refusal.startswith("Khiếu nại, tố cáo cần làm đơn không được giải quyết trong buổi đối thoại.")
    assert await bot.rows("SELECT count(*) FROM concerns") == [(0,)]


async def test_an_empty_concern_is_refused_and_the_step_stays(resident, bot):
    await resident.register("Nguyễn Thị Lan")
    await resident.start_concern()
    await resident.choose_topic("land")
    assert (await resident.write("   ")) == ["Xin viết vài dòng mô tả."]
    summary = (await resident.write("Đường vào thôn 2 bị sạt lở."))[-1]
    assert "Nội dung: Đường vào thôn 2 bị sạt lở." in summary


async def steps_open(bot, resident) -> list[tuple]:
    """The concern steps the resident is still on (Zalo shows its menu after a flow stops, as a step)."""
    return await bot.rows("SELECT step FROM dialog_positions WHERE channel = ? AND step LIKE 'concern.%'", resident.channel)


async def test_a_photo_with_a_caption_gives_the_text_and_the_picture(resident, bot):
    await resident.register("Nguyễn Thị Lan")
    await resident.start_concern()
    await resident.choose_topic("development")
    summary = (await resident.send_photo("Cầu tràn thôn 2 bị sạt lở"))[-1]
    assert "Nội dung: Cầu tràn thôn 2 bị sạt lở" in summary and "Ảnh: 1" in summary
    await resident.confirm()
    assert await bot.rows("SELECT c.body, a.kind, a.file_ref IS NOT NULL FROM concerns c"
                          " JOIN concern_attachments a ON a.concern_id = c.id") == [("Cầu tràn thôn 2 bị sạt lở", "photo", 1)]


async def test_a_photo_without_a_caption_waits_for_the_text(resident, bot):
    await resident.register("Nguyễn Thị Lan")
    await resident.start_concern()
    await resident.choose_topic("land")
    assert await resident.send_photo() == ["Đã nhận. Bây giờ xin viết vài dòng mô tả sự việc."]
    summary = (await resident.write("Ranh giới thửa đất bị lấn chiếm"))[-1]
    assert "Nội dung: Ranh giới thửa đất bị lấn chiếm" in summary and "Ảnh: 1" in summary


async def test_the_text_goes_on_the_public_board_only_when_the_resident_chooses_so(resident, bot):
    await resident.register("Nguyễn Thị Lan")
    await resident.start_concern()
    await resident.choose_topic("environment")
    summary = (await resident.write("Đường liên thôn xuống cấp"))[-1]
    assert "chỉ hiển thị lĩnh vực và thôn" in summary
    assert "Bấm" not in summary and "bấm" not in summary  # no gesture one channel lacks
    summary = (await resident.choose("Đồng ý công khai nội dung"))[-1]
    assert "hiển thị lĩnh vực, thôn và nội dung" in summary
    await resident.confirm()
    assert await bot.rows("SELECT body, text_public FROM concerns") == [("Đường liên thôn xuống cấp", 1)]


async def test_do_not_send_stores_nothing(resident, bot):
    await resident.register("Nguyễn Thị Lan")
    await resident.start_concern()
    await resident.choose_topic("land")
    await resident.write("Bản nháp")
    assert (await resident.choose("Không gửi"))[0] == "Kiến nghị chưa được gửi. Không có gì được lưu."
    assert await bot.rows("SELECT count(*) FROM concerns") == [(0,)]
    assert await steps_open(bot, resident) == []


async def test_the_cancel_choice_under_the_topics_drops_the_draft(resident, bot):
    await resident.register("Nguyễn Thị Lan")
    await resident.start_concern()
    assert (await resident.choose("Hủy"))[0] == "Kiến nghị chưa được gửi. Không có gì được lưu."
    assert await steps_open(bot, resident) == []


async def test_cancel_while_writing_drops_the_draft(resident, bot):
    await resident.register("Nguyễn Thị Lan")
    await resident.start_concern()
    await resident.choose_topic("land")
    assert (await resident.write("/cancel"))[0] == "Đã dừng. Chưa gửi gì."
    assert await steps_open(bot, resident) == []
    assert await bot.rows("SELECT count(*) FROM concerns") == [(0,)]


async def test_a_resident_shown_a_similar_concern_joins_it_and_nothing_new_is_sent(resident, bot):
    await bot.register(1002, "Bà Hoa")
    code = CODE.search((await bot.submit_concern(1002, "Đèn đường thôn 2 bị hỏng cả tháng nay, buổi tối đi lại rất tối",
                                                 topic="development"))[0]).group(1)
    await resident.register("Nguyễn Thị Lan")
    await resident.start_concern()
    await resident.choose_topic("development")
    summary = (await resident.write("den duong thon 2 hong ca thang roi, toi di lai toi om"))[-1]
    assert summary.startswith("Người dân khác đã nêu ý kiến tương tự:") and code in summary and "Bà Hoa" not in summary
    joined = await resident.choose(f"Đây cũng là ý kiến của tôi: {code}")
    assert joined[0].startswith(f"🙋 Cảm ơn ông/bà: ông/bà đã được tính vào kiến nghị {code}, nay đã được nêu 2 lần.")
    assert await bot.rows("SELECT count(*), max(raised_count) FROM concerns") == [(1, 2)]


async def test_a_concern_takes_at_most_ten_attachments(resident, bot):
    await resident.register("Nguyễn Thị Lan")
    await resident.start_concern()
    await resident.choose_topic("land")
    for _ in range(10):
        assert await resident.send_photo() == ["Đã nhận. Bây giờ xin viết vài dòng mô tả sự việc."]
    assert await resident.send_photo("Ảnh thứ mười một") == ["Kiến nghị này đã có 10 tệp đính kèm, là số tối đa."]
    summary = (await resident.write("Ranh giới thửa đất bị lấn chiếm"))[-1]
    assert "Ảnh: 10" in summary and "Nội dung: Ranh giới thửa đất bị lấn chiếm" in summary


async def test_first_contact_asks_consent_then_hamlet_name_and_a_typed_phone(resident, bot):
    greeting = (await resident.send("/start"))[0]
    assert "Xin chào! Đây là kênh đối thoại trực tiếp" in greeting and "Hello! This is the channel" in greeting
    assert (await resident.choose("Tiếng Việt"))[0].startswith("Trước khi đăng ký: xã lưu họ tên, thôn, tài khoản nhắn tin")
    assert await bot.rows("SELECT COUNT(*) FROM people") == [(0,)]  # nothing stored before consent
    assert (await resident.choose("Tôi đồng ý"))[0].startswith("Ông/bà sống ở thôn nào của xã Bảo Lâm?")
    assert (await resident.choose("Thôn 3"))[0].startswith("Xã nên gọi ông/bà bằng tên gì? Xin viết họ và tên.")
    assert (await resident.write("Tôi muốn phản ánh về đường"))[0].startswith(
        "“Tôi muốn phản ánh về đường”: đây có phải là họ tên để xã gọi ông/bà không?")
    assert (await resident.choose("Viết lại"))[0].startswith("Xin viết họ và tên.")
    assert (await resident.write("Nguyễn Thị Lan"))[0].startswith("Bước cuối, không bắt buộc")
    assert (await resident.write("số của tôi"))[0].startswith("Đây không phải là số điện thoại.")
    assert await bot.rows("SELECT COUNT(*) FROM residents") == [(0,)]
    done = await resident.write("0912 345 678")
    assert done[0] == "Cảm ơn Nguyễn Thị Lan. Ông/bà đã đăng ký tại thôn 3, xã Bảo Lâm."
    assert done[1].startswith("Xin chào Nguyễn Thị Lan! Ông/bà muốn làm gì?")
    assert await bot.rows("SELECT p.channel, p.locale, r.hamlet_id, r.display_name, r.phone FROM residents r"
                          " JOIN people p ON p.id = r.person_id") == [
        (resident.channel, "vi", "thon-3", "Nguyễn Thị Lan", "+84912345678")]


async def test_refusing_consent_keeps_nothing(resident, bot):
    await resident.send("/start")
    await resident.choose("English")
    refused = await resident.choose("I do not agree")
    assert refused[0] == "Understood: nothing about you was stored. If you change your mind, send /start at any time."
    for table in ("people", "residents", "dialog_positions", "bot_user_data"):
        assert await bot.rows(f"SELECT COUNT(*) FROM {table}") == [(0,)], table


async def test_a_resident_changes_the_hamlet_and_the_phone_with_profile(resident, bot):
    await resident.register("Nguyễn Thị Lan")
    details = (await resident.send("/profile"))[0]
    assert details.startswith("Thông tin của ông/bà mà xã đang lưu:\nHọ tên: Nguyễn Thị Lan\nThôn: thôn 2, xã Bảo Lâm")
    assert (await resident.choose("Đổi thôn"))[0].startswith("Ông/bà sống ở thôn nào của xã Bảo Lâm?")
    assert (await resident.choose("Thôn 4"))[0] == "Đã lưu. Ông/bà nay đăng ký ở thôn 4, xã Bảo Lâm."
    await resident.send("/profile")
    assert (await resident.choose("Đổi số điện thoại"))[0].startswith("Xin gõ số điện thoại của ông/bà.")
    assert (await resident.write("số của tôi"))[0].startswith("Đây không phải là số điện thoại.")
    assert (await resident.write("0987 654 321"))[0] == "Đã lưu. Số điện thoại của ông/bà là +84987654321."
    await resident.send("/profile")
    assert (await resident.choose("Sửa họ tên"))[0].startswith("Xin viết họ và tên.")
    assert (await resident.write("Nguyễn Thị Lan Anh"))[0] == "Đã lưu. Xã sẽ gọi ông/bà là Nguyễn Thị Lan Anh."
    assert await bot.rows("SELECT display_name, hamlet_id, phone FROM residents") == [
        ("Nguyễn Thị Lan Anh", "thon-4", "+84987654321")]


async def test_my_data_promises_a_file_only_on_the_channel_that_sends_one(resident, bot):
    await resident.register("Nguyễn Thị Lan")
    replies = await resident.write("/mydata")
    assert "Họ tên: Nguyễn Thị Lan" in replies[0] and "Muốn xóa thông tin cá nhân, xin gửi /forget." in replies[0]
    if resident.channel == "telegram":
        assert "có trong tệp dưới đây" in replies[0]
        assert replies[1] == "Toàn bộ thông tin, đầy đủ chi tiết, trong một tệp (mở bằng máy tính). Xin giữ kín tệp này."
    else:  # Zalo sends no documents: nothing may promise one
        assert not any("tệp" in reply for reply in replies)


GESTURES = ("bấm", "nút", "chạm", "tap", "button")  # what a channel without buttons (Zalo) lacks


def gestureless(texts: list[str]) -> bool:
    return not any(gesture in text.lower() for text in texts for gesture in GESTURES)


async def test_help_speaking_and_the_speakers_notice_name_no_gesture(resident, bot):
    """What both channels show a resident: commands are sent (typed), a menu item is chosen, never pressed."""
    from storage import outbox

    await resident.register("Nguyễn Thị Lan")
    helped = await resident.send("/help")
    assert "Gửi /cancel bất cứ lúc nào để dừng việc đang làm" in helped[0] and gestureless(helped)
    speaking = await resident.send("/speak")
    assert speaking[0].endswith("Để phát biểu, trước hết xin gửi kiến nghị (chọn “📝 Gửi kiến nghị”).")
    assert gestureless(speaking)
    person = (await bot.rows("SELECT id FROM people WHERE channel = ?", resident.channel))[0][0]
    async with bot.database.transaction() as db:
        await outbox.enqueue(db, person, "speaker_reviewed", approved=True, place=2, total=5, code="123-456",
                             meeting_at="2026-12-21T01:00:00+00:00")
    notice = (await resident.notices())[-1]
    assert "Thứ tự phát biểu của ông/bà hiện là 2 trên 5" in notice and "gửi /speak để xem" in notice
    assert gestureless([notice])


async def test_a_given_name_that_folds_to_a_stop_word_is_a_name_not_a_stop(resident, bot):
    """"Dũng", "Dung", "Huy": common names that read "dừng"/"huỷ" without marks. Typed as the answer to a
    question, they answer it; "huỷ" with its marks still stops."""
    await resident.send("/start")
    await resident.choose("Tiếng Việt")
    await resident.choose("Tôi đồng ý")
    await resident.choose("Thôn 3")
    assert (await resident.write("Dũng"))[0].startswith("Bước cuối, không bắt buộc")
    assert (await resident.write("0912 345 678"))[0] == "Cảm ơn Dũng. Ông/bà đã đăng ký tại thôn 3, xã Bảo Lâm."
    await resident.send("/profile")
    assert (await resident.choose("Sửa họ tên"))[0].startswith("Xin viết họ và tên.")
    assert (await resident.write("Huy"))[0] == "Đã lưu. Xã sẽ gọi ông/bà là Huy."
    await resident.send("/profile")
    await resident.choose("Sửa họ tên")
    assert (await resident.write("huỷ"))[0] == "Đã dừng. Chưa gửi gì."
    assert await bot.rows("SELECT display_name FROM residents") == [("Huy",)]


async def test_a_photo_sent_before_the_topic_is_told_where_it_goes_not_that_photos_are_unreadable(resident, bot):
    await resident.register("Nguyễn Thị Lan")
    await resident.start_concern()
    replies = await resident.send_photo("Cầu tràn thôn 2 bị sạt lở")
    assert replies[0] in ("Ảnh được nhận khi ông/bà viết kiến nghị, sau khi chọn lĩnh vực.",
                          "Ảnh, tin nhắn thoại, tệp và vị trí được nhận khi ông/bà viết kiến nghị, sau khi chọn lĩnh vực.")
    assert not any("không đọc được" in reply for reply in replies)
    # The choices again, with words that fit where each channel puts them: buttons below, a numbered list after.
    assert replies[-1].startswith({"telegram": "Xin chọn một trong các mục dưới đây (hoặc gửi /cancel để dừng).",
                                   "zalo": "Xin chọn một trong các mục sau:\n\n1. "}[resident.channel])
    await resident.choose_topic("development")
    summary = (await resident.send_photo("Cầu tràn thôn 2 bị sạt lở"))[-1]
    assert "Ảnh: 1" in summary


async def test_a_language_chosen_before_registering_stores_nothing(resident, bot):
    """/language before first contact: the choice holds for the conversation, but nothing about the person is
    stored before consent, and refusing consent then leaves nothing behind."""
    await resident.send("/language")
    answer = (await resident.choose("English"))[0]
    assert answer == "The language is now English." or answer.startswith("Before you register: the commune stores")
    assert await bot.rows("SELECT COUNT(*) FROM people") == [(0,)]
    await resident.send("/start")
    await resident.choose("English")
    await resident.choose("I do not agree")
    for table in ("people", "residents", "dialog_positions", "bot_user_data", "audit_log"):
        assert await bot.rows(f"SELECT COUNT(*) FROM {table}") == [(0,)], table


async def test_a_concern_of_only_digits_or_emoji_is_refused_and_the_step_stays(resident, bot):
    """"0" or "9" (a number typed where the text is asked), "🙂🙂" or "???": nothing for the office to read."""
    await resident.register("Nguyễn Thị Lan")
    await resident.start_concern()
    await resident.choose_topic("land")
    for nothing in ("9", "🙂🙂", "???"):
        assert (await resident.write(nothing)) == ["Xin viết vài dòng mô tả."]
    assert (await resident.send_photo("🙂"))[0] == "Xin viết vài dòng mô tả."
    summary = (await resident.write("Đường vào thôn 2 bị sạt lở."))[-1]
    assert "Nội dung: Đường vào thôn 2 bị sạt lở." in summary
    await resident.confirm()
    assert await bot.rows("SELECT body FROM concerns") == [("Đường vào thôn 2 bị sạt lở.",)]


async def test_stopping_the_question_a_notice_asked_brings_back_the_concern_being_written(resident, bot):
    """👎 on a result asks why (set beside the concern being written); "huỷ" there stops that question only."""
    from storage import outbox

    await resident.register("Nguyễn Thị Lan")
    await resident.start_concern()
    await resident.choose_topic("land")
    await resident.write("Đèn đường đầu thôn hỏng đã lâu.")
    code = CODE.search((await resident.confirm())[0]).group(1)
    await resident.start_concern()
    await resident.choose_topic("environment")
    await resident.write("Bãi rác tự phát cạnh trường học.")
    person = (await bot.rows("SELECT id FROM people WHERE channel = ?", resident.channel))[0][0]
    async with bot.database.transaction() as db:
        await db.execute("UPDATE concerns SET status = 'resolved' WHERE code = ?", (code,))
        await outbox.enqueue(db, person, "concern_update", action="resolve", status="resolved", code=code)
    await resident.notices()
    assert (await resident.choose("Chưa đồng ý"))[0].startswith("Xin ông/bà cho biết ngắn gọn vì sao chưa đồng ý")
    stopped, taken_up = await resident.write("huỷ")
    assert stopped == "Đã dừng. Chưa gửi gì."
    assert taken_up.startswith("Tiếp tục việc ông/bà đang làm dở:") and "Nội dung: Bãi rác tự phát cạnh trường học." in taken_up
    await resident.confirm()
    assert await bot.rows("SELECT category, status FROM concerns ORDER BY id") == [("land", "resolved"), ("environment", "submitted")]


LEFT_UNSENT = "Kiến nghị ông/bà đang viết chưa được gửi."


async def test_a_command_that_leaves_a_concern_being_written_says_it_was_not_sent(resident, bot):
    """Another command, "menu" or "trợ giúp" typed while a concern is written: the resident is told, never
    left to believe it went to the commune; a topic list with nothing chosen yet loses nothing."""
    await resident.register("Nguyễn Thị Lan")
    for command in ("/speak", "/new", "/profile", "/forget", "menu", "trợ giúp"):
        await resident.start_concern()
        await resident.choose_topic("land")
        if command in ("/new", "menu"):
            await resident.write("Đèn đường đầu thôn hỏng đã lâu.")  # the summary shown, not yet sent
        replies = await resident.send(command)
        assert replies[0] == LEFT_UNSENT and LEFT_UNSENT not in replies[1:], command
        assert len(replies) > 1, command  # what the command opens follows
    await resident.send("/cancel")
    await resident.start_concern()
    assert LEFT_UNSENT not in await resident.send("/speak")
    assert await bot.rows("SELECT count(*) FROM concerns") == [(0,)]
