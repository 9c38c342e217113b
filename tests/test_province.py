"""A province of communes: an official of several communes switches with /commune and works with the
roles held there; a resident decides at submission whether the concern's text may be public."""

from __future__ import annotations

import tomllib

import pytest

from bot.communes import parse_communes
from bot.config import DEFAULT_COMMUNES_FILE
from tests.harness import BotUnderTest

ADMIN, OFFICE_B, LAN = 3001, 3002, 1001


def two_communes():
    data = tomllib.loads(DEFAULT_COMMUNES_FILE.read_text(encoding="utf-8"))
    second = dict(data["commune"][0], id="hoa-binh", vi="xã Hòa Bình", en="Hòa Bình commune")
    data["commune"].append(second)
    return parse_communes(data, "test")


@pytest.fixture
async def province(fake_api, tmp_path):
    bot = BotUnderTest(fake_api, tmp_path / "db.sqlite3", two_communes())
    await bot.start()
    yield bot
    await bot.stop()


async def test_an_admin_of_two_communes_switches_and_works_with_the_roles_held_there(province):
    bot = province
    await bot.grant(ADMIN, "Anh Quân", "admin", commune="bao-lam")
    await bot.grant(ADMIN, "Anh Quân", "office", commune="hoa-binh")
    before = await bot.services.staff.actor("telegram", str(ADMIN))
    assert before.commune_id == "bao-lam" and before.roles == {"admin"}

    replies = await bot.say(ADMIN, "/commune")
    assert "xã Bảo Lâm" in replies[0]
    assert bot.buttons(ADMIN) == ["cm:bao-lam", "cm:hoa-binh"]
    replies = await bot.tap(ADMIN, "cm:hoa-binh")
    assert "xã Hòa Bình" in replies[0]
    after = await bot.services.staff.actor("telegram", str(ADMIN))
    assert after.commune_id == "hoa-binh" and after.roles == {"office"}
    # The choice is kept across a restart.
    await bot.restart()
    assert (await bot.services.staff.actor("telegram", str(ADMIN))).commune_id == "hoa-binh"


async def test_an_official_cannot_switch_to_a_commune_where_they_hold_no_role(province):
    bot = province
    await bot.grant(OFFICE_B, "Chị Hà", "office", commune="hoa-binh")
    replies = await bot.say(OFFICE_B, "/commune")
    assert replies == ["Ông/bà chỉ làm việc tại xã Hòa Bình."]
    # A forged button for another commune changes nothing.
    update = bot.fake.press(OFFICE_B, bot.fake.chat(OFFICE_B)[-1]["message_id"], "cm:bao-lam")
    await bot.send(OFFICE_B, update)
    assert (await bot.services.staff.actor("telegram", str(OFFICE_B))).commune_id == "hoa-binh"
    assert await bot.rows("SELECT active_commune_id FROM people WHERE external_id = ?", str(OFFICE_B)) == [(None,)]


async def test_the_text_is_public_only_when_the_resident_agrees_and_can_be_withdrawn(bot):
    await bot.register(LAN, "Bà Lan")
    await bot.submit_concern(LAN, "Riêng tư: cống nhà tôi bị tắc")
    await bot.say(LAN, "/new")
    await bot.tap(LAN, "cc:cat:environment")
    replies = await bot.say(LAN, "Đường liên thôn xuống cấp")
    assert "chỉ hiển thị lĩnh vực và thôn" in replies[-1]
    toggle = next(d for d in bot.buttons(LAN) if d.startswith("cc:pub:"))
    replies = await bot.tap(LAN, toggle)
    assert "hiển thị lĩnh vực, thôn và nội dung" in replies[-1]
    await bot.tap(LAN, next(d for d in bot.buttons(LAN) if d.startswith("cc:ok:")))
    rows = await bot.rows("SELECT code, body, text_public FROM concerns ORDER BY id")
    assert [(body, public) for _, body, public in rows] == [("Riêng tư: cống nhà tôi bị tắc", 0),
                                                           ("Đường liên thôn xuống cấp", 1)]
    public_code = rows[1][0]

    await bot.say(LAN, "/mine")
    await bot.tap(LAN, f"mine:show:{public_code}")
    assert f"mine:priv:{public_code}" in bot.buttons(LAN)
    replies = await bot.tap(LAN, f"mine:priv:{public_code}")
    assert public_code in replies[-1]
    assert await bot.rows("SELECT text_public FROM concerns WHERE code = ?", public_code) == [(0,)]
    await bot.tap(LAN, f"mine:show:{rows[0][0]}")
    assert not any(d.startswith("mine:priv:") for d in bot.buttons(LAN))  # private already: nothing to withdraw
