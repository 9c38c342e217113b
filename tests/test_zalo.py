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
