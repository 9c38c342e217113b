"""The sandbox's Zalo page in Debian's chromium: a visitor registers as a Zalo resident by typing numbers."""

from __future__ import annotations

from playwright.async_api import expect

from tests.test_chat_page import open_chat_page


async def test_a_visitor_registers_as_a_zalo_resident_by_typing_numbers(fake_api, zalo):
    fake_api.zalo = zalo.fake
    async with open_chat_page(fake_api) as page:
        await expect(page.get_by_test_id("zalo-link")).to_be_visible()
        await page.get_by_test_id("zalo-link").click()
        await page.get_by_test_id("zalo-new-user").fill("Bà Tư")
        await page.get_by_test_id("zalo-new-user-submit").click()
        await expect(page.get_by_test_id("zalo-current-user")).to_have_text("Bà Tư")
        bot_messages = page.locator('.msg[data-from="bot"]')

        async def say(text: str) -> None:
            await page.get_by_test_id("zalo-composer").fill(text)
            await page.get_by_test_id("zalo-send").click()

        await say("xin chào")
        await expect(bot_messages.last).to_contain_text("1. 🇻🇳 Tiếng Việt")
        await expect(page.locator("button", has_text="Tiếng Việt")).to_have_count(0)  # no buttons on Zalo
        await say("1")
        await expect(bot_messages.last).to_contain_text("Ông/bà có đồng ý không?")
        await say("dong y")  # the option's words, without diacritics
        await expect(bot_messages.last).to_contain_text("2. Thôn 2")
        await say("toi o thon hai")  # not one option: the choices again
        await expect(bot_messages.last).to_contain_text("Xin chọn một trong các mục sau:")
        await say("2")
        await expect(bot_messages.last).to_contain_text("Xin viết họ và tên.")
        await say("Trần Thị Tư")
        await expect(bot_messages.last).to_contain_text("1. ⏭")
        await say("1")
        await expect(bot_messages.last).to_contain_text("Trả lời 1, 2, 3, 4 hoặc 5.")
    rows = await zalo.telegram.rows("SELECT r.display_name, r.hamlet_id FROM residents r JOIN people p ON p.id = r.person_id"
                                    " WHERE p.channel = 'zalo'")
    assert rows == [("Trần Thị Tư", "thon-2")]
