"""Scenarios written once with neutral verbs (register, choose a topic, write, confirm, list my concerns),
run on Telegram (buttons) and on Zalo (typed numbers): the same rules, the same words, the same records."""

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

    async def my_concerns(self) -> list[str]:
        return await self.bot.say(self.id, "/mine")


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

    async def my_concerns(self) -> list[str]:
        return await self.zalo.say(self.id, "/mine")


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
