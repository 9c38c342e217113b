"""The sandbox chat page with the real bot: a visitor switches to a resident persona, registers and
sends a concern, all by tapping and typing in Debian's chromium (never a downloaded browser)."""

from __future__ import annotations

import re

from playwright.async_api import Page, expect

from tests.test_chat_page import open_chat_page
from tests.test_sandbox import running_sandbox

MINH = 1003


def bot_bubbles(page: Page):
    return page.locator('[data-testid="msg"][data-from="bot"]')


async def tap_inline(page: Page, label: str) -> None:
    """Press the newest inline button with this label."""
    await page.get_by_test_id("inline-btn").filter(has_text=label).last.click()


async def type_and_send(page: Page, text: str) -> None:
    composer = page.get_by_test_id("composer")
    await composer.fill(text)
    await composer.press("Enter")


async def test_a_visitor_registers_and_sends_a_concern_on_the_chat_page(tmp_path):
    async with running_sandbox(tmp_path / "sandbox.sqlite3") as sandbox:
        async with open_chat_page(sandbox.fake, width=1280, height=900) as page:
            await page.get_by_test_id(f"user-{MINH}").click()
            await expect(page.get_by_test_id(f"user-{MINH}")).to_have_attribute("aria-selected", "true")
            await expect(page.get_by_test_id("current-user")).to_contain_text("Anh Minh")
            # The officials are there to switch to as well.
            await expect(page.get_by_test_id("user-2003")).to_contain_text("Chị Hoa (Văn phòng)")
            await expect(page.get_by_test_id("user-2004")).to_contain_text("Ông Thành (Chủ tịch)")

            await type_and_send(page, "/start")
            await expect(bot_bubbles(page).last).to_contain_text("Xin chào!")
            await tap_inline(page, "Tiếng Việt")
            await expect(bot_bubbles(page).last).to_contain_text("Trước khi đăng ký")
            await tap_inline(page, "Tôi đồng ý")
            await expect(bot_bubbles(page).last).to_contain_text("Ông/bà sống ở thôn nào của xã Bảo Lâm?")
            await tap_inline(page, "Thôn 3")
            await expect(bot_bubbles(page).last).to_contain_text("Xin viết họ và tên.")
            await type_and_send(page, "Lê Văn Minh")
            await expect(bot_bubbles(page).last).to_contain_text("Bước cuối, không bắt buộc")
            # Telegram's own contact button: the page sends the persona's contact, as the app would.
            await page.get_by_test_id("reply-btn").filter(has_text="📱 Gửi số điện thoại của tôi").click()
            await expect(bot_bubbles(page).filter(has_text="Cảm ơn Lê Văn Minh. Ông/bà đã đăng ký tại thôn 3")).to_have_count(1)
            await expect(bot_bubbles(page).last).to_contain_text("Xin chào Lê Văn Minh! Ông/bà muốn làm gì?")

            await page.get_by_test_id("reply-btn").filter(has_text="📝 Gửi kiến nghị").click()
            await tap_inline(page, "Kinh tế - xã hội, an ninh, hạ tầng")
            await expect(page.get_by_test_id("messages")).to_contain_text("Xin viết kiến nghị trong vài câu.")
            await type_and_send(page, "Đường bê tông Thôn 3 có nhiều ổ gà, xin xã sửa.")
            await expect(bot_bubbles(page).last).to_contain_text("Xin kiểm tra lại kiến nghị trước khi gửi:")
            await tap_inline(page, "✅ Gửi đến xã")

            confirmation = bot_bubbles(page).filter(has_text="Mã theo dõi")
            await expect(confirmation).to_have_count(1)
            code = re.search(r"Mã theo dõi: (\d{3}-\d{3})", await confirmation.inner_text()).group(1)

        assert await sandbox.rows(
            "SELECT c.code, c.category, c.body, c.status, r.display_name, r.hamlet_id FROM concerns c"
            " JOIN residents r ON r.person_id = c.resident_id") == [
            (code, "development", "Đường bê tông Thôn 3 có nhiều ổ gà, xin xã sửa.", "submitted", "Lê Văn Minh", "thon-3")]
        assert await sandbox.rows("SELECT phone IS NOT NULL, consented_at IS NOT NULL FROM residents") == [(1, 1)]
