"""A resident on Zalo: numbered choices, typed answers, the same services and records as on Telegram."""

from __future__ import annotations

LAN = "zl-lan-0001"


async def test_a_zalo_resident_registers_with_numbered_choices(zalo):
    await zalo.register(LAN, "Nguyễn Thị Lan")
    texts = zalo.fake.texts_to(LAN)
    print(zalo.fake.transcript_of(LAN))
    assert "Trả lời 1 hoặc 2." in texts[0]
    rows = await zalo.telegram.rows("SELECT p.channel, r.display_name, r.hamlet_id, r.phone FROM residents r "
                                    "JOIN people p ON p.id = r.person_id")
    assert rows == [("zalo", "Nguyễn Thị Lan", "thon-2", "+84912345678")]


OFFICE, OFFICER = 3001, 2001
LAND_BODY = "Phòng Kinh tế"


async def test_a_zalo_residents_whole_path_with_the_office_on_telegram(zalo, bot):
    """Register, a concern with a photo, accepted and assigned on Telegram, answered, rated: every notice on Zalo."""
    await bot.grant(OFFICE, "Chị Thu", "office")
    await bot.grant(OFFICER, "Anh Minh", "officer", body=LAND_BODY)
    await zalo.register(LAN, "Nguyễn Thị Lan")

    await zalo.choose(LAN, "Gửi kiến nghị")
    await zalo.say(LAN, "dat dai")  # the topic's words typed without diacritics
    assert "Xin tải ảnh" not in zalo.fake.texts_to(LAN)[-1]
    summary = (await zalo.send_photo(LAN, "Mương thoát nước thôn 2 bị lấp, mưa là ngập."))[-1]
    assert "Ảnh: 1" in summary and "1. ✅ Gửi đến xã" in summary
    sent = (await zalo.say(LAN, "1"))[-1]
    print(zalo.fake.transcript_of(LAN)[-1500:])
    code = sent.split("Mã theo dõi: ")[1][:7]
    assert await bot.rows("SELECT status FROM concerns WHERE code = ?", code) == [("submitted",)]

    # The office on Telegram accepts it and opens its photo: the bytes kept from Zalo.
    await bot.say(OFFICE, "/inbox")
    await bot.tap(OFFICE, f"cw:acc:{code}")
    assert (await zalo.say(LAN, "menu"))  # nothing pending: the menu again
    assert any(text.startswith(f"Kiến nghị {code}: Đã đưa vào nội dung đối thoại.") for text in zalo.fake.texts_to(LAN))
    await bot.say(OFFICE, f"/concern {code}")
    await bot.tap(OFFICE, f"cw:files:{code}")
    photo = [call for call in bot.fake.calls if call.method == "sendPhoto" and str(call.params.get("chat_id")) == str(OFFICE)]
    assert photo and photo[-1].ok

    # Concluded "to be assigned" at a dialogue, assigned, answered in writing.
    async with bot.database.transaction() as db:
        cursor = await db.execute(
            "INSERT INTO dialogues (commune_id, meeting_at, place, created_at, announced_on) VALUES (?, ?, ?, ?, ?)",
            ("bao-lam", "2026-08-10T01:30:00+00:00", "Hội trường UBND xã", "2026-07-01T00:00:00+00:00", "2026-08-26"))
        await db.execute("UPDATE concerns SET status = 'assigned', conclusion = 'assigned', dialogue_id = ? WHERE code = ?",
                         (cursor.lastrowid, code))
    grant = (await bot.rows("SELECT r.id FROM roles r JOIN people p ON p.id = r.person_id WHERE p.external_id = ?"
                            " AND r.role = 'officer'", str(OFFICER)))[0][0]
    await bot.say(OFFICE, f"/assign {code}")
    await bot.tap(OFFICE, f"tk:as:{code}:{grant}")
    await zalo.deliver()
    assert zalo.fake.texts_to(LAN)[-1].startswith(f"Kiến nghị {code}: đã giao {LAND_BODY} giải quyết.")
    await bot.tap(OFFICER, f"tk:res:{code}")
    await bot.say(OFFICER, "Đã nạo vét mương dài 120 m; nước đã chảy thông.")
    await bot.tap(OFFICER, f"tk:rok:{code}")
    await zalo.deliver()
    answer = zalo.fake.texts_to(LAN)[-1]
    assert answer.startswith(f"Kiến nghị {code}: {LAND_BODY} đã trả lời bằng văn bản.")
    assert "1. 👍" in answer and "2. 👎" in answer

    # "1" answers the notice: satisfied, the concern is closed.
    assert (await zalo.say(LAN, "1"))[0].startswith("Cảm ơn ông/bà. Ông/bà đã đồng ý với kết quả trả lời")
    assert await bot.rows("SELECT status FROM concerns WHERE code = ?", code) == [("closed",)]
    print(zalo.fake.transcript_of(LAN))


async def test_wrong_answers_are_told_the_choices_again_and_words_stop_or_help_mid_flow(zalo, bot):
    await zalo.register(LAN, "Nguyễn Thị Lan")
    await zalo.say(LAN, "/new")
    for wrong in ("12", "xin chào", "Đất"):  # "Đất" alone is not one option's words (two topics hold it? no: see below)
        replies = await zalo.say(LAN, wrong)
        if wrong != "Đất":
            assert replies[0].startswith("Xin chọn một trong các mục sau:")
            assert "1. Quản lý đất đai" in replies[0] and "Trả lời 1, 2, 3" in replies[0]
    assert await bot.rows("SELECT count(*) FROM concerns") == [(0,)]
    # "trợ giúp" mid-flow: the help, and the flow is over; "menu": the menu; "huỷ": stopped.
    assert "Complaints" not in (await zalo.say(LAN, "tro giup"))[0]
    assert (await zalo.say(LAN, "/new"))[0].startswith("Kiến nghị của ông/bà về lĩnh vực nào?")
    stopped = await zalo.say(LAN, "huỷ")
    assert stopped[0] == "Đã dừng. Chưa gửi gì." and stopped[1].startswith("Xin chào Nguyễn Thị Lan!")
    await zalo.say(LAN, "/new")
    assert (await zalo.say(LAN, "menu"))[0].startswith("Xin chào Nguyễn Thị Lan!")
    # A number that means nothing now: the choices again, never a silent drop.
    assert (await zalo.say(LAN, "7"))[0].startswith("Xin chọn một trong các mục sau:")


async def test_a_petition_topic_is_redirected_and_the_flow_ends(zalo, bot):
    await zalo.register(LAN, "Nguyễn Thị Lan")
    await zalo.say(LAN, "/new")
    replies = await zalo.say(LAN, "khieu nai to cao")  # typed without diacritics
    assert "tiếp công dân" in replies[0].lower()
    assert (await zalo.say(LAN, "Đường hỏng"))[0] == "Hệ thống chưa hiểu ý ông/bà. Ông/bà có thể:"


async def test_a_long_text_is_sent_in_parts_of_at_most_two_thousand_characters(zalo, bot):
    await zalo.register(LAN, "Nguyễn Thị Lan")
    await zalo.say(LAN, "/new")
    await zalo.say(LAN, "1")
    body = ("Mương thoát nước thôn 2 bị lấp nhiều năm nay, mỗi khi mưa lớn là nước tràn vào nhà dân. " * 22).strip()
    assert 1900 < len(body) <= 2000
    parts = await zalo.say(LAN, body)
    assert len(parts) == 2 and all(len(part) <= 2000 for part in parts)
    assert parts[-1].endswith("Trả lời 1, 2 hoặc 3.")  # send, do not send, the public board
    assert "1. ✅ Gửi đến xã" in parts[-1]


async def test_a_redelivered_message_changes_nothing(zalo, bot):
    await zalo.register(LAN, "Nguyễn Thị Lan")
    await zalo.say(LAN, "/new")
    await zalo.say(LAN, "1")
    await zalo.say(LAN, "Đèn đường đầu thôn hỏng đã lâu.")
    confirm = zalo.fake.say(LAN, "1")
    await zalo.handled(confirm)
    assert await zalo.resend(LAN, confirm) == []
    assert await bot.rows("SELECT count(*) FROM concerns") == [(1,)]


async def test_a_draft_survives_a_restart_mid_flow(zalo, bot):
    await zalo.register(LAN, "Nguyễn Thị Lan")
    await zalo.say(LAN, "/new")
    await zalo.say(LAN, "moi truong")
    await zalo.restart()
    summary = (await zalo.say(LAN, "Bãi rác tự phát cạnh trường học."))[-1]
    assert "Lĩnh vực: Môi trường" in summary and "Nội dung: Bãi rác tự phát cạnh trường học." in summary
    await zalo.say(LAN, "1")
    assert await bot.rows("SELECT category, body FROM concerns") == [("environment", "Bãi rác tự phát cạnh trường học.")]


async def test_a_voice_note_or_location_is_answered_with_what_the_bot_can_receive(zalo, bot):
    await zalo.register(LAN, "Nguyễn Thị Lan")
    await zalo.say(LAN, "/new")
    await zalo.say(LAN, "1")
    replies = await zalo.send_unsupported(LAN)
    assert replies[0] == ("Tại đây hệ thống không đọc được tin nhắn thoại, tệp hay vị trí. "
                          "Hệ thống nhận được tin nhắn chữ và ảnh.")
    assert replies[1] == "Xin gõ câu trả lời bằng chữ (hoặc gửi /cancel để dừng)."  # still on the text step


async def test_a_notice_is_retried_after_a_server_error_and_a_timeout(zalo, bot):
    await bot.grant(OFFICE, "Chị Thu", "office")
    await zalo.register(LAN, "Nguyễn Thị Lan")
    await zalo.say(LAN, "/new")
    await zalo.say(LAN, "1")
    await zalo.say(LAN, "Đèn đường đầu thôn hỏng đã lâu.")
    code = (await zalo.say(LAN, "1"))[-1].split("Mã theo dõi: ")[1][:7]
    zalo.fake.fail_next("sendMessage", 502)
    zalo.fake.fail_next("sendMessage", "timeout")
    await bot.say(OFFICE, "/inbox")
    await bot.tap(OFFICE, f"cw:acc:{code}")
    await zalo.deliver()
    assert not any(text.startswith(f"Kiến nghị {code}: Đã đưa") for text in zalo.fake.texts_to(LAN))
    await zalo.later(10)  # the first backoff: the timeout
    await zalo.later(20)  # the second: delivered
    assert zalo.fake.texts_to(LAN)[-1].startswith(f"Kiến nghị {code}: Đã đưa vào nội dung đối thoại.")
    assert await bot.rows("SELECT sent_at IS NOT NULL, attempts FROM outbox o JOIN people p ON p.id = o.person_id"
                          " WHERE p.channel = 'zalo'") == [(1, 2)]


async def test_a_resident_who_cannot_be_reached_on_zalo_is_passed_to_the_hamlet_head(zalo, bot):
    await bot.grant(OFFICE, "Chị Thu", "office")
    await bot.grant(4001, "Anh Dũng", "hamlet_head", hamlet="thon-2")
    await zalo.register(LAN, "Nguyễn Thị Lan")
    await zalo.say(LAN, "/new")
    await zalo.say(LAN, "1")
    await zalo.say(LAN, "Đèn đường đầu thôn hỏng đã lâu.")
    code = (await zalo.say(LAN, "1"))[-1].split("Mã theo dõi: ")[1][:7]
    zalo.fake.unreachable.add(LAN)
    await bot.say(OFFICE, "/inbox")
    await bot.tap(OFFICE, f"cw:acc:{code}")
    await zalo.deliver()
    await zalo.deliver()  # the hamlet head's notice, queued by the failure
    assert any("Nguyễn Thị Lan" in text for text in bot.fake.bot_texts(4001))
    rows = await bot.rows("SELECT sent_at, given_up_at IS NOT NULL, passed_to IS NOT NULL FROM outbox o"
                          " JOIN people p ON p.id = o.person_id WHERE p.channel = 'zalo'")
    assert rows == [(None, 1, 1)]


async def test_the_webhook_refuses_a_request_without_the_right_secret(bot, fake_zalo):
    import httpx

    from tests.zalo_harness import ZaloUnderTest

    zalo = ZaloUnderTest(fake_zalo, bot, webhook_url="https://bot.example.vn/zalo", webhook_secret="s3cret-zalo-hook",
                         listen_port=0)
    await zalo.start()
    try:
        assert fake_zalo.webhook == {"url": "https://bot.example.vn/zalo", "secret_token": "s3cret-zalo-hook"}
        url = f"http://127.0.0.1:{zalo.channel.webhook_port}/zalo"
        update = fake_zalo._message(LAN, "message.text.received", text="xin chào")  # built, not queued
        async with httpx.AsyncClient() as client:
            missing = await client.post(url, json=update)
            wrong = await client.post(url, json=update, headers={"X-Bot-Api-Secret-Token": "s3cret-zalo-hooK"})
            assert (missing.status_code, wrong.status_code) == (403, 403)
            assert fake_zalo.texts_to(LAN) == []
            assert await bot.rows("SELECT count(*) FROM received_updates WHERE channel = 'zalo'") == [(0,)]
            assert await bot.rows("SELECT count(*) FROM handled_updates WHERE channel = 'zalo'") == [(0,)]
            right = await client.post(url, json=update, headers={"X-Bot-Api-Secret-Token": "s3cret-zalo-hook"})
            assert right.status_code == 200
        assert (await fake_zalo.wait_texts(LAN, 1))[0].startswith("Xin chào! Đây là kênh đối thoại trực tiếp")
    finally:
        await zalo.stop()


async def test_only_a_zalo_token_serves_zalo_alone(fake_zalo, tmp_path):
    import asyncio

    from bot.config import load_settings
    from bot.runner import serve

    settings = load_settings({"ZALO_BOT_TOKEN": fake_zalo.token, "ZALO_BASE_URL": fake_zalo.base_url,
                              "DATABASE_PATH": str(tmp_path / "zalo.sqlite3"), "LISTEN_PORT": "0"})
    assert not settings.sandbox and settings.token is None
    assert fake_zalo.token not in repr(settings)
    stop, told = asyncio.Event(), []

    async def on_ready(fake_telegram, application):
        assert fake_telegram is None and application is None  # no Telegram, no sandbox
        fake_zalo.say(LAN, "xin chào")
        told.extend(await fake_zalo.wait_texts(LAN, 1))
        stop.set()

    await asyncio.wait_for(serve(settings, stop=stop, announce=told.append, on_ready=on_ready), 20)
    assert told[0].startswith("doithoai is running on Zalo as doithoai_bot")
    assert told[1].startswith("Xin chào! Đây là kênh đối thoại trực tiếp")


async def test_long_lists_come_eight_at_a_time_and_9_shows_more(zalo, bot):
    await zalo.register(LAN, "Nguyễn Thị Lan")
    for number in range(10):
        await zalo.say(LAN, "/new")
        await zalo.say(LAN, "1")
        await zalo.say(LAN, f"Kiến nghị số {number + 1} về đất đai.")
        await zalo.say(LAN, "1")
    listing = (await zalo.say(LAN, "/mine"))[0]
    assert "8. 📄" in listing and "9. Xem tiếp…" in listing and listing.endswith("Gõ 9 để xem tiếp.")
    more = (await zalo.say(LAN, "9"))[0]
    assert more.startswith("Các lựa chọn tiếp theo:") and "2. 📄" in more and "3. 📄" not in more
    oldest = (await bot.rows("SELECT code FROM concerns ORDER BY id LIMIT 1"))[0][0]
    details = (await zalo.say(LAN, "2"))[0]
    assert oldest in details and "Kiến nghị số 1 về đất đai." in details


async def test_a_zalo_resident_registers_to_speak_withdraws_and_disputes_a_result(zalo, bot):
    await zalo.register(LAN, "Nguyễn Thị Lan")
    await zalo.say(LAN, "/new")
    await zalo.say(LAN, "1")
    await zalo.say(LAN, "Đèn đường đầu thôn hỏng đã lâu.")
    code = (await zalo.say(LAN, "1"))[-1].split("Mã theo dõi: ")[1][:7]
    await zalo.say(LAN, "/speak")
    await zalo.choose(LAN, "Đăng ký phát biểu về")
    await zalo.choose(LAN, code)
    await zalo.say(LAN, "Xin xã sửa đèn trước Tết.")
    assert (await zalo.say(LAN, "1"))[0].startswith(f"✅ Nguyện vọng phát biểu về kiến nghị {code}")
    overview = (await zalo.say(LAN, "/speak"))[0]
    assert f"{code}: Xin xã sửa đèn trước Tết." in overview
    await zalo.choose(LAN, f"Rút đăng ký {code}")
    assert (await zalo.say(LAN, "co rut dang ky"))[0].startswith(f"Đã rút đăng ký phát biểu về kiến nghị {code}")

    # A result answered in writing, opened from /mine and disputed with a reason.
    async with bot.database.transaction() as db:
        await db.execute("UPDATE concerns SET status = 'resolved' WHERE code = ?", (code,))
    await zalo.say(LAN, "/mine")
    details = (await zalo.say(LAN, "1"))[0]
    assert "1. 👍" in details and "2. 👎" in details
    asked = (await zalo.say(LAN, "chua dong y"))[0]
    assert asked.startswith("Xin ông/bà cho biết ngắn gọn vì sao chưa đồng ý")
    assert (await zalo.say(LAN, "Đèn vẫn chưa sáng."))[0].startswith("Cảm ơn ông/bà.")
    assert await bot.rows("SELECT status FROM concerns WHERE code = ?", code) == [("disputed",)]


def test_zalo_settings_are_checked_once_and_the_secrets_never_shown():
    import pytest

    from bot.config import ConfigError, load_settings

    token, secret = "1234567890:zaloSecretPartABCDEF", "hook-secret-123"
    settings = load_settings({"ZALO_BOT_TOKEN": token, "ZALO_WEBHOOK_URL": "https://bot.example.vn/zalo",
                              "ZALO_WEBHOOK_SECRET": secret, "LISTEN_PORT": "9000"})
    assert (settings.zalo_base_url, settings.listen_port) == ("https://bot-api.zaloplatforms.com/bot", 9000)
    assert token not in repr(settings) and secret not in repr(settings)
    assert set(settings.secrets) == {token, secret}
    for env, words in (({"ZALO_BOT_TOKEN": "not a token"}, "ZALO_BOT_TOKEN does not look like"),
                       ({"ZALO_BOT_TOKEN": token, "ZALO_WEBHOOK_URL": "https://bot.example.vn/zalo"}, "go together"),
                       ({"ZALO_BOT_TOKEN": token, "ZALO_WEBHOOK_URL": "http://bot.example.vn/zalo",
                         "ZALO_WEBHOOK_SECRET": secret}, "public https URL"),
                       ({"ZALO_BOT_TOKEN": token, "ZALO_WEBHOOK_URL": "https://bot.example.vn/zalo",
                         "ZALO_WEBHOOK_SECRET": "short"}, "8 to 256")):
        with pytest.raises(ConfigError) as error:
            load_settings(env)
        assert words in str(error.value) and token not in str(error.value)


async def test_forget_on_zalo_erases_the_kept_photo_and_the_draft(zalo, bot):
    await zalo.register(LAN, "Nguyễn Thị Lan")
    await zalo.say(LAN, "/new")
    await zalo.say(LAN, "1")
    await zalo.send_photo(LAN, "Cầu tràn bị sạt.")
    await zalo.say(LAN, "1")
    assert await bot.rows("SELECT count(*) FROM stored_files") == [(1,)]
    await zalo.say(LAN, "/forget")
    assert (await zalo.say(LAN, "dong y xoa"))[0].startswith("Thông tin cá nhân của ông/bà đã được xóa")
    assert await bot.rows("SELECT count(*) FROM stored_files") == [(0,)]
    assert await bot.rows("SELECT count(*) FROM dialog_positions WHERE external_id = ?", LAN) == [(0,)]
    assert (await zalo.say(LAN, "xin chào"))[0].startswith("Xin chào! Đây là kênh đối thoại trực tiếp")


async def test_language_on_zalo(zalo, bot):
    await zalo.register(LAN, "Nguyễn Thị Lan")
    await zalo.say(LAN, "/language")
    assert (await zalo.say(LAN, "english"))[0].startswith("Hello Nguyễn Thị Lan! What would you like to do?")
    assert await bot.rows("SELECT locale FROM people WHERE external_id = ?", LAN) == [("en",)]


async def test_the_sandbox_runs_a_fake_zalo_beside_the_fake_telegram(tmp_path):
    from tests.test_sandbox import running_sandbox

    async with running_sandbox(tmp_path / "sandbox.sqlite3") as sandbox:
        zalo = sandbox.fake.zalo
        assert zalo is not None and zalo.names == {"zalo-1005": "Chị Bích"}
        zalo.say("zalo-1005", "xin chào")
        greeting = (await zalo.wait_texts("zalo-1005", 1, timeout=20))[0]
        assert "1. 🇻🇳 Tiếng Việt" in greeting and greeting.endswith("Trả lời 1 hoặc 2.")


async def test_profile_on_zalo_changes_the_hamlet_and_the_typed_phone(zalo, bot):
    await zalo.register(LAN, "Nguyễn Thị Lan")
    details = (await zalo.say(LAN, "/profile"))[0]
    assert "Điện thoại: +84912345678" in details
    await zalo.choose(LAN, "thôn")
    assert (await zalo.say(LAN, "thon 4"))[0] == "Đã lưu. Ông/bà nay đăng ký ở thôn 4, xã Bảo Lâm."
    await zalo.say(LAN, "/profile")
    await zalo.choose(LAN, "điện thoại")
    assert (await zalo.say(LAN, "số của tôi"))[0].startswith("Đây không phải là số điện thoại.")
    assert (await zalo.say(LAN, "0987 654 321"))[0] == "Đã lưu. Số điện thoại của ông/bà là +84987654321."
    assert await bot.rows("SELECT hamlet_id, phone FROM residents") == [("thon-4", "+84987654321")]


async def test_an_english_speaker_reads_the_numbered_hints_in_english_before_registering(zalo, bot):
    await zalo.say(LAN, "hello")
    consent = (await zalo.say(LAN, "english"))[0]
    assert consent.startswith("Before you register:") and consent.endswith("Reply 1 or 2.")


async def test_a_zalo_resident_answers_an_invitation_with_numbered_replies(zalo, bot):
    """The invitation's answers are notice actions of the runtime: "1" (I will come)."""
    await zalo.register(LAN, "Nguyễn Thị Lan")
    invitation_id = await _invited(zalo, bot)
    notice = zalo.fake.texts_to(LAN)[-1]
    assert notice.startswith("✉️ GIẤY MỜI") and "1. ✅" in notice and "3. 👤" in notice
    assert await zalo.say(LAN, "1") == ["Cảm ơn ông/bà: đã ghi nhận ông/bà sẽ đến dự."]
    assert await bot.rows("SELECT answer FROM invitations WHERE id = ?", invitation_id) == [("yes",)]


async def test_a_zalo_resident_satisfied_with_a_result_rates_it_by_number(zalo, bot):
    """👍 from /mine closes the concern, then the rating is asked as on Telegram: a number answers it."""
    await zalo.register(LAN, "Nguyễn Thị Lan")
    await zalo.say(LAN, "/new")
    await zalo.say(LAN, "1")
    await zalo.say(LAN, "Đèn đường đầu thôn hỏng đã lâu.")
    code = (await zalo.say(LAN, "1"))[-1].split("Mã theo dõi: ")[1][:7]
    async with bot.database.transaction() as db:
        await db.execute("UPDATE concerns SET status = 'resolved' WHERE code = ?", (code,))
    await zalo.say(LAN, "/mine")
    await zalo.say(LAN, "1")
    closed, rating = await zalo.say(LAN, "1")
    assert closed == f"Cảm ơn ông/bà. Ông/bà đã đồng ý với kết quả trả lời, kiến nghị {code} đã kết thúc."
    assert "5. " in rating
    assert await zalo.say(LAN, "5") == [f"Cảm ơn ông/bà: đã ghi nhận 5 ⭐ cho kiến nghị {code}."]
    assert await bot.rows("SELECT details FROM audit_log WHERE action = 'concern.rated'") == [('{"satisfaction": 5}',)]


async def test_a_zalo_resident_is_offered_similar_concerns_and_joins_one_by_number(zalo, bot):
    """Issue 10's step is in the shared concern flow: similar concerns come as numbered choices after Send / Do not send."""
    await bot.register(1001, "Bà Hoa")
    code = (await bot.submit_concern(1001, "Đèn đường thôn 2 bị hỏng cả tháng nay, buổi tối đi lại rất tối",
                                     topic="development"))[0].split("Mã theo dõi: ")[1][:7]
    await zalo.register(LAN, "Nguyễn Thị Lan")
    await zalo.say(LAN, "/new")
    await zalo.choose(LAN, "Kinh tế - xã hội")
    summary = (await zalo.say(LAN, "den duong thon 2 hong ca thang roi, toi di lai toi om"))[0]
    assert summary.startswith("Người dân khác đã nêu ý kiến tương tự:")
    assert f"3. 🙋 Đây cũng là ý kiến của tôi: {code}" in summary and "1. ✅" in summary
    joined = await zalo.say(LAN, "3")
    assert joined[0].startswith(f"🙋 Cảm ơn ông/bà: ông/bà đã được tính vào kiến nghị {code}, nay đã được nêu 2 lần.")
    assert await bot.rows("SELECT COUNT(*) FROM concerns") == [(1,)]


# --- A message is journaled before it is handled (issue 9: a message that crashes mid-handling is not lost) ---

async def _at_the_concerns_text(zalo) -> None:
    await zalo.register(LAN, "Nguyễn Thị Lan")
    await zalo.say(LAN, "/new")
    await zalo.say(LAN, "1")


async def _zalo_journal(bot) -> list[tuple]:
    await bot.services.journal.flush()
    return await bot.rows("SELECT count(*) FROM received_updates WHERE channel = 'zalo'")


async def test_a_message_whose_handling_failed_is_handled_when_zalo_delivers_it_again(zalo, bot):
    await _at_the_concerns_text(zalo)
    runtime, calls = zalo.channel.bot.runtime, []
    handle = runtime.handle

    async def failing_once(inbound, **kwargs):
        calls.append(inbound.text)
        if len(calls) == 1:
            raise RuntimeError("a bug")
        return await handle(inbound, **kwargs)

    runtime.handle = failing_once
    update = zalo.fake.say(LAN, "Đèn đường đầu thôn hỏng đã lâu.")
    await zalo.handled(update)
    assert zalo.fake.texts_to(LAN)[-1] == ("Xin lỗi, hệ thống vừa gặp sự cố. Những gì ông/bà đã gửi trước đó vẫn được "
                                           "lưu an toàn. Xin thử lại.")
    assert await bot.rows("SELECT count(*) FROM handled_updates WHERE channel = 'zalo' AND update_id = ?",
                          update["message"]["message_id"]) == [(0,)]
    replies = await zalo.resend(LAN, update)  # Zalo delivers the same message_id again: this time it counts
    assert "Nội dung: Đèn đường đầu thôn hỏng đã lâu." in replies[-1]
    assert await zalo.resend(LAN, update) == []  # and once handled, a redelivery changes nothing
    assert await _zalo_journal(bot) == [(0,)]


async def test_a_message_cut_short_by_a_stop_is_handled_at_the_next_start(zalo, bot):
    import asyncio

    await _at_the_concerns_text(zalo)
    entered = asyncio.Event()

    async def hanging(inbound, **kwargs):
        entered.set()
        await asyncio.Event().wait()  # the process stops meanwhile

    zalo.channel.bot.runtime.handle = hanging
    before = len(zalo.fake.texts_to(LAN))
    zalo.fake.say(LAN, "Bãi rác tự phát cạnh trường học.")
    await asyncio.wait_for(entered.wait(), 10)
    assert await bot.rows("SELECT count(*) FROM received_updates WHERE channel = 'zalo'") == [(1,)]
    await zalo.restart()
    texts = await zalo.fake.wait_texts(LAN, before + 1)
    assert "Nội dung: Bãi rác tự phát cạnh trường học." in texts[before]
    assert len(zalo.fake.texts_to(LAN)) == before + 1
    await zalo.say(LAN, "1")
    assert await bot.rows("SELECT body FROM concerns") == [("Bãi rác tự phát cạnh trường học.",)]
    assert await _zalo_journal(bot) == [(0,)]


async def test_a_message_handled_but_whose_reply_was_cut_short_gets_its_reply_at_the_next_start_once(zalo, bot):
    import asyncio

    await _at_the_concerns_text(zalo)
    await zalo.say(LAN, "Đèn đường đầu thôn hỏng đã lâu.")
    client, entered = zalo.channel.client, asyncio.Event()

    async def hanging(chat_id, text):
        entered.set()
        await asyncio.Event().wait()  # the process stops while the tracking code is on its way

    client.send_message = hanging
    before = len(zalo.fake.texts_to(LAN))
    zalo.fake.say(LAN, "1")
    await asyncio.wait_for(entered.wait(), 10)
    assert await bot.rows("SELECT count(*) FROM concerns") == [(1,)]
    await zalo.restart()
    texts = await zalo.fake.wait_texts(LAN, before + 1)
    assert texts[before].startswith("✅ Kiến nghị của ông/bà đã được tiếp nhận")
    # Not handled again: a "1" with no flow open would have been answered "not understood" and the menu.
    await zalo.say(LAN, "/mine")
    assert len(zalo.fake.texts_to(LAN)) == before + 2
    assert await bot.rows("SELECT count(*) FROM concerns") == [(1,)]
    assert await _zalo_journal(bot) == [(0,)]


# --- A notice's numbered choices and an open flow: a number answers the list shown last ------------------

async def _invited(zalo, bot) -> int:
    """An invitation to the next dialogue, issued and delivered to LAN (its list: 1. come, 2. cannot, 3. someone)."""
    from datetime import time

    from bot.services.dialogues import DialoguePlan
    from tests.dates import future_monday

    await bot.grant(1201, "Bà Mai", "mttq")
    await bot.grant(1202, "Chị Thu", "office")
    await bot.grant(1203, "Ông Thành", "chair", body="chairman")
    chairman = (await bot.rows("SELECT id FROM people WHERE external_id = '1203'"))[0][0]
    office = await bot.services.staff.actor("telegram", "1202")
    await bot.services.dialogues.schedule(office, DialoguePlan(
        future_monday(bot.services.calendar), time(8, 0), "Hội trường UBND xã", "Đất đai", chairman))
    mttq = await bot.services.staff.actor("telegram", "1201")
    lan = (await bot.rows("SELECT id FROM people WHERE channel = 'zalo' AND external_id = ?", LAN))[0][0]
    invitation = await bot.services.invitations.add_resident(mttq, lan)
    await bot.services.invitations.issue(mttq)
    await zalo.deliver()
    assert zalo.fake.texts_to(LAN)[-1].startswith("✉️ GIẤY MỜI")
    return invitation.id


async def test_a_number_typed_after_a_notice_answers_it_and_the_open_flow_is_taken_up_again(zalo, bot):
    await _at_the_concerns_text(zalo)
    summary = (await zalo.say(LAN, "Đèn đường đầu thôn hỏng đã lâu."))[-1]
    assert "1. ✅ Gửi đến xã" in summary
    invitation = await _invited(zalo, bot)  # shown after the summary: its list is the last one
    answered, taken_up = await zalo.say(LAN, "1")
    assert answered == "Cảm ơn ông/bà: đã ghi nhận ông/bà sẽ đến dự."
    assert taken_up.startswith("Tiếp tục việc ông/bà đang làm dở:\n\n")
    assert "Nội dung: Đèn đường đầu thôn hỏng đã lâu." in taken_up and "1. ✅ Gửi đến xã" in taken_up
    assert await bot.rows("SELECT answer FROM invitations WHERE id = ?", invitation) == [("yes",)]
    assert await bot.rows("SELECT count(*) FROM concerns") == [(0,)]
    # Now the summary's list is the last one shown: "1" sends the concern, the invitation stays answered.
    assert "Mã theo dõi: " in (await zalo.say(LAN, "1"))[0]
    assert await bot.rows("SELECT body FROM concerns") == [("Đèn đường đầu thôn hỏng đã lâu.",)]
    assert await bot.rows("SELECT answer FROM invitations WHERE id = ?", invitation) == [("yes",)]


async def test_a_notice_passed_over_by_the_open_flow_is_offered_again_when_the_flow_ends(zalo, bot):
    await _at_the_concerns_text(zalo)
    invitation = await _invited(zalo, bot)
    # The resident goes on writing the concern: the text is no answer to the invitation, the flow takes it,
    # and the summary's list, shown after the invitation's, is the one a number answers now.
    summary = (await zalo.say(LAN, "Đèn đường đầu thôn hỏng đã lâu."))[-1]
    assert "1. ✅ Gửi đến xã" in summary
    sent, offered = await zalo.say(LAN, "1")
    assert "Mã theo dõi: " in sent
    assert await bot.rows("SELECT answer FROM invitations WHERE id = ?", invitation) == [(None,)]
    assert offered.startswith("Ông/bà chưa trả lời tin nhắn này:\n✉️ GIẤY MỜI")
    assert "1. ✅" in offered and "2. ❌" in offered and offered.endswith("Trả lời 1, 2 hoặc 3.")
    assert await zalo.say(LAN, "2") == ["Cảm ơn ông/bà: đã ghi nhận ông/bà không đến được."]
    assert await bot.rows("SELECT answer FROM invitations WHERE id = ?", invitation) == [("no",)]


async def test_a_notice_answer_that_asks_a_question_comes_first_then_the_open_flow_is_taken_up(zalo, bot):
    """👎 on a result asks why (a step of its own); the concern being written waits, then comes back."""
    from tests.test_zalo_pending import _result_notice, _sent_concern

    code = await _sent_concern(zalo)
    await zalo.say(LAN, "/new")
    await zalo.choose(LAN, "Môi trường")  # writing a second concern when the first one's result arrives
    await _result_notice(zalo, bot, code)
    assert (await zalo.say(LAN, "2"))[0].startswith("Xin ông/bà cho biết ngắn gọn vì sao chưa đồng ý")
    thanked, taken_up = await zalo.say(LAN, "Đèn vẫn chưa sáng.")
    assert thanked.startswith("Cảm ơn ông/bà.")
    assert taken_up.startswith("Tiếp tục việc ông/bà đang làm dở:\n\nLĩnh vực: Môi trường")
    assert await bot.rows("SELECT status FROM concerns WHERE code = ?", code) == [("disputed",)]
    assert "1. ✅ Gửi đến xã" in (await zalo.say(LAN, "Bãi rác tự phát cạnh trường học."))[-1]
    await zalo.say(LAN, "1")
    assert await bot.rows("SELECT category, status FROM concerns ORDER BY id") == [
        ("land", "disputed"), ("environment", "submitted")]


async def test_a_reply_zalo_did_not_take_is_sent_again(zalo, bot):
    """A server error or a timeout on a reply (not a notice: the outbox retries those) loses no answer."""
    await zalo.register(LAN, "Nguyễn Thị Lan")
    zalo.fake.fail_next("sendMessage", 502)
    zalo.fake.fail_next("sendMessage", "timeout")
    replies = await zalo.say(LAN, "/new")
    assert len(replies) == 1 and replies[0].startswith("Kiến nghị của ông/bà về lĩnh vực nào?")
    # A person who cannot be reached is not tried again: nothing more to do for a reply.
    zalo.fake.unreachable.add(LAN)
    before = zalo.fake.calls.count("sendMessage")
    await zalo.say(LAN, "menu")
    assert zalo.fake.calls.count("sendMessage") == before + 1


async def test_a_photo_zalo_cannot_hand_over_is_asked_again_not_called_unreadable(zalo, bot):
    await _at_the_concerns_text(zalo)
    zalo.fake.fail_next("photo", 502)
    update = zalo.fake.send_photo(LAN, "Cầu tràn bị sạt.")
    await zalo.handled(update)
    assert zalo.fake.texts_to(LAN)[-1] == "Chưa nhận được ảnh của ông/bà. Xin gửi lại."
    summary = (await zalo.resend(LAN, update))[-1]  # the same message again: this time the photo comes
    assert "Ảnh: 1" in summary and "Nội dung: Cầu tràn bị sạt." in summary


async def test_a_notice_never_comes_between_a_message_and_its_replies(zalo, bot):
    """The Zalo sender waits for the resident's message being handled: the list on screen last is the one
    a number answers (the notice's here), and a notice's choices are never overwritten by that message."""
    import asyncio

    await _at_the_concerns_text(zalo)
    runtime, entered, release = zalo.channel.bot.runtime, asyncio.Event(), asyncio.Event()
    handle = runtime.handle

    async def slow(inbound, **kwargs):
        entered.set()
        await release.wait()
        return await handle(inbound, **kwargs)

    runtime.handle = slow
    update = zalo.fake.say(LAN, "Đèn đường đầu thôn hỏng đã lâu.")
    await asyncio.wait_for(entered.wait(), 10)
    runtime.handle = handle
    inviting = asyncio.create_task(_invited(zalo, bot))
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 10
    while zalo.channel.bot._waiting.get(LAN) != 2:  # the notice waits for the message being handled
        assert loop.time() < deadline, "the notice did not wait for the resident's message"
        await asyncio.sleep(0.01)
    release.set()
    await zalo.handled(update)
    invitation = await asyncio.wait_for(inviting, 10)
    summary, notice = zalo.fake.texts_to(LAN)[-2:]
    assert "1. ✅ Gửi đến xã" in summary and notice.startswith("✉️ GIẤY MỜI")
    answered, taken_up = await zalo.say(LAN, "1")
    assert answered == "Cảm ơn ông/bà: đã ghi nhận ông/bà sẽ đến dự."
    assert taken_up.startswith("Tiếp tục việc ông/bà đang làm dở:")
    assert await bot.rows("SELECT answer FROM invitations WHERE id = ?", invitation) == [("yes",)]


async def test_a_number_not_on_the_summarys_list_is_asked_again_and_does_not_replace_the_text(zalo, bot):
    """The summary takes typed text (it replaces the concern's text) and numbers: "4" or "9" is a wrong choice."""
    await _at_the_concerns_text(zalo)
    await zalo.say(LAN, "Đèn đường đầu thôn hỏng đã lâu.")
    for wrong in ("4", "9", "12"):
        again = await zalo.say(LAN, wrong)
        assert len(again) == 1 and again[0].startswith("Xin chọn một trong các mục sau:") and "1. ✅ Gửi đến xã" in again[0]
    assert "Mã theo dõi: " in (await zalo.choose(LAN, "Gửi đến xã"))[0]
    assert await bot.rows("SELECT body FROM concerns") == [("Đèn đường đầu thôn hỏng đã lâu.",)]


async def test_zero_where_no_cancel_is_offered_shows_the_list_again(zalo, bot):
    """The menu offers no "0. Cancel": "0" there is a wrong choice, not "Stopped. Nothing was sent."."""
    await zalo.register(LAN, "Nguyễn Thị Lan")
    menu = (await zalo.say(LAN, "menu"))[0]
    assert "0. " not in menu
    again = await zalo.say(LAN, "0")
    assert len(again) == 1 and again[0].startswith("Xin chọn một trong các mục sau:") and "1. 📝 Gửi kiến nghị" in again[0]
    assert (await zalo.say(LAN, "1"))[0].startswith("Kiến nghị của ông/bà về lĩnh vực nào?")


async def test_gui_typed_at_the_summary_sends_it_and_khong_gui_does_not(zalo, bot):
    """A word in two options ("gửi" in “✅ Gửi đến xã” and “❌ Không gửi”) is the one without "không", unless typed."""
    await _at_the_concerns_text(zalo)
    await zalo.say(LAN, "Đèn đường đầu thôn hỏng đã lâu.")
    assert "Mã theo dõi: " in (await zalo.say(LAN, "gui"))[0]
    await zalo.say(LAN, "/new")
    await zalo.choose(LAN, "Môi trường")
    await zalo.say(LAN, "Bãi rác tự phát cạnh trường học.")
    assert (await zalo.say(LAN, "khong gui"))[0] == "Kiến nghị chưa được gửi. Không có gì được lưu."
    assert await bot.rows("SELECT body FROM concerns") == [("Đèn đường đầu thôn hỏng đã lâu.",)]
