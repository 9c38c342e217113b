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
