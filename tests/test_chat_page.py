"""The sandbox chat page, driven in Debian's chromium against the fake Bot API and a
small PTB bot.

Reuse: ``open_chat_page(fake)`` launches chromium and yields a page on the chat page;
the ``sandbox`` fixture composes it with ``fake_api`` and whatever ``sandbox_bot``
fixture is in scope (here an echo bot; override ``sandbox_bot`` to use the real one).
"""

from __future__ import annotations

import os
from contextlib import asynccontextmanager
from typing import AsyncIterator

import pytest
from playwright.async_api import Page, async_playwright, expect
from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    Update,
)
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    MessageHandler,
    filters,
)

from bot.sandbox.fake_bot_api import FakeBotApi, _make_png

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
LAN, MINH = 1001, 1002


@asynccontextmanager
async def open_chat_page(
    fake: FakeBotApi, *, width: int = 390, height: int = 800, user_id: int | None = None
) -> AsyncIterator[Page]:
    """Chromium (headless) on the fake server's chat page; fails if chromium is missing."""
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: apt-get install -y chromium")
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        try:
            context = await browser.new_context(viewport={"width": width, "height": height})
            page = await context.new_page()
            errors: list[str] = []
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            url = fake.page_url + (f"#user={user_id}" if user_id is not None else "")
            await page.goto(url)
            yield page
            assert errors == [], f"JavaScript errors on the chat page: {errors}"
        finally:
            await browser.close()


def build_echo_bot(fake: FakeBotApi) -> Application:
    app = (
        ApplicationBuilder()
        .token(fake.token)
        .base_url(fake.base_url)
        .base_file_url(fake.base_file_url)
        .build()
    )

    async def start(update: Update, context) -> None:
        await update.message.reply_text(
            f"Xin chào <b>{update.effective_user.first_name}</b>!",
            parse_mode="HTML",
            reply_markup=ReplyKeyboardMarkup(
                [["Phản ánh", "Hỏi đáp"], [KeyboardButton("Gửi vị trí", request_location=True)]],
                resize_keyboard=True,
            ),
        )
        await update.message.reply_text(
            "Chọn lĩnh vực:",
            reply_markup=InlineKeyboardMarkup(
                [[InlineKeyboardButton("Đường sá", callback_data="road"),
                  InlineKeyboardButton("Điện", callback_data="power")]]
            ),
        )  # fmt: skip

    async def choose(update: Update, context) -> None:
        query = update.callback_query
        await query.answer(f"Đã chọn: {query.data}")
        await query.edit_message_text(f"Lĩnh vực: {query.data}")

    async def echo(update: Update, context) -> None:
        await context.bot.send_chat_action(update.effective_chat.id, "typing")
        markup = ReplyKeyboardRemove() if update.message.text == "Hỏi đáp" else None
        await update.message.reply_text("Bạn nói: " + update.message.text, reply_markup=markup)

    async def media(update: Update, context) -> None:
        msg = update.message
        if msg.photo:
            data = await (await msg.photo[-1].get_file()).download_as_bytearray()
            await msg.reply_photo(bytes(data), caption=f"Đã nhận ảnh: {msg.caption or ''}")
        elif msg.location:
            await msg.reply_text(f"Vị trí: {msg.location.latitude:.4f}, {msg.location.longitude:.4f}")
        elif msg.voice:
            await msg.reply_text(f"Ghi âm {msg.voice.file_size} byte")
        elif msg.sticker:
            await msg.reply_text("Nhãn dán " + (msg.sticker.emoji or ""))

    app.add_handler(CommandHandler("start", start))
    app.add_handler(CallbackQueryHandler(choose))
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, echo))
    app.add_handler(MessageHandler(filters.PHOTO | filters.LOCATION | filters.VOICE
                                   | filters.Sticker.ALL, media))  # fmt: skip
    return app


@pytest.fixture
async def fake_api() -> AsyncIterator[FakeBotApi]:
    fake = FakeBotApi()
    await fake.start()
    fake.add_user(LAN, "Lan", language_code="vi")
    fake.add_user(MINH, "Minh", language_code="en")
    yield fake
    await fake.stop()


@pytest.fixture
async def sandbox_bot(fake_api: FakeBotApi) -> AsyncIterator[Application]:
    app = build_echo_bot(fake_api)
    await app.initialize()
    await app.start()
    await app.updater.start_polling(poll_interval=0, timeout=1)
    yield app
    await app.updater.stop()
    await app.stop()
    await app.shutdown()


@pytest.fixture
async def sandbox(fake_api: FakeBotApi, sandbox_bot: Application):
    """(fake server, page) with the bot polling and the page on the first user's chat."""
    async with open_chat_page(fake_api) as page:
        yield fake_api, page


def bubbles(page: Page, who: str | None = None):
    sel = '[data-testid="msg"]' + (f'[data-from="{who}"]' if who else "")
    return page.locator(sel)


async def test_conversation_in_the_browser(sandbox, tmp_path):
    fake, page = sandbox
    await expect(page.get_by_test_id(f"user-{LAN}")).to_have_attribute("aria-selected", "true")
    await expect(page.get_by_test_id("current-user")).to_contain_text("Lan")

    composer = page.get_by_test_id("composer")
    await composer.fill("/start")
    await composer.press("Enter")
    await expect(bubbles(page, "bot")).to_have_count(2)
    await expect(bubbles(page, "user").first).to_contain_text("/start")
    greeting = bubbles(page, "bot").first.get_by_test_id("msg-text")
    await expect(greeting).to_have_text("Xin chào Lan!")
    await expect(greeting.locator("b")).to_have_text("Lan")  # entities rendered
    await expect(composer).to_have_value("")
    assert fake.chat(LAN)[0]["text"] == "/start"

    # reply keyboard
    reply_buttons = page.get_by_test_id("reply-btn")
    await expect(reply_buttons).to_have_count(3)
    await reply_buttons.filter(has_text="Phản ánh").click()
    await expect(bubbles(page, "bot").last).to_contain_text("Bạn nói: Phản ánh")
    assert fake.chat(LAN)[3]["text"] == "Phản ánh" and fake.chat(LAN)[3]["from_bot"] is False

    # inline keyboard -> callback query -> toast + message edited in place
    menu = bubbles(page, "bot").nth(1)
    await menu.get_by_test_id("inline-btn").filter(has_text="Điện").click()
    await expect(page.get_by_test_id("toast")).to_contain_text("Đã chọn: power")
    await expect(menu.get_by_test_id("msg-text")).to_have_text("Lĩnh vực: power")
    await expect(menu.get_by_test_id("inline-btn")).to_have_count(0)
    await expect(menu.get_by_test_id("msg-edited")).to_be_visible()
    await expect(bubbles(page)).to_have_count(5)
    assert fake.callback_answer(fake.calls_of("answerCallbackQuery")[0].params["callback_query_id"])

    # location through the request_location reply button
    await reply_buttons.filter(has_text="Gửi vị trí").click()
    await expect(page.get_by_test_id("location-panel")).to_be_visible()
    await expect(page.get_by_test_id("location-input")).to_have_value("11.9404, 108.4583")
    await page.get_by_test_id("location-send").click()
    await expect(bubbles(page, "user").last.get_by_test_id("msg-location")).to_be_visible()
    await expect(bubbles(page, "bot").last).to_contain_text("Vị trí: 11.9404, 108.4583")

    # voice and sticker
    await page.get_by_test_id("voice-btn").click()
    await expect(bubbles(page, "user").last.get_by_test_id("msg-voice")).to_be_visible()
    await expect(bubbles(page, "bot").last).to_contain_text("Ghi âm")
    await page.get_by_test_id("sticker-btn").click()
    await expect(bubbles(page, "user").last.get_by_test_id("msg-sticker")).to_have_text("👍")
    await expect(bubbles(page, "bot").last).to_contain_text("Nhãn dán 👍")

    # photo with the composer text as caption; the bot sends it back
    png_path = tmp_path / "o_ga.png"
    png_path.write_bytes(_make_png(120, 90))
    await composer.fill("ổ gà")
    await page.get_by_test_id("file-input").set_input_files(str(png_path))
    bot_photo = bubbles(page, "bot").last.get_by_test_id("msg-photo")
    await expect(bot_photo).to_be_visible()
    await expect(bubbles(page, "bot").last).to_contain_text("Đã nhận ảnh: ổ gà")
    assert await bot_photo.evaluate("img => img.naturalWidth") == 120
    sent = [m for m in fake.chat(LAN) if "photo" in m]
    assert [m["from_bot"] for m in sent] == [False, True] and sent[0]["caption"] == "ổ gà"

    # "Hỏi đáp" removes the reply keyboard
    await reply_buttons.filter(has_text="Hỏi đáp").click()
    await expect(bubbles(page, "bot").last).to_contain_text("Bạn nói: Hỏi đáp")
    await expect(page.get_by_test_id("reply-keyboard")).to_have_count(0)
    assert fake.current_reply_keyboard(LAN) is None
    await expect(page.get_by_test_id("bot-status")).to_be_visible()

    # messages from tests show up too (the page polls)
    fake.send_text(LAN, "gửi từ test")
    await expect(bubbles(page, "user").last).to_contain_text("gửi từ test")
    await expect(bubbles(page, "bot").last).to_contain_text("Bạn nói: gửi từ test")
    await page.screenshot(path=str(tmp_path / "mid_conversation.png"))


async def test_users_switch_and_add(sandbox):
    fake, page = sandbox
    await page.get_by_test_id(f"user-{MINH}").click()
    await expect(page.get_by_test_id(f"user-{MINH}")).to_have_attribute("aria-selected", "true")
    await page.get_by_test_id("composer").fill("hello")
    await page.get_by_test_id("send-btn").click()
    await expect(bubbles(page, "bot").get_by_test_id("msg-text")).to_have_text(["Bạn nói: hello"])
    assert fake.bot_texts(MINH) == ["Bạn nói: hello"] and fake.bot_texts(LAN) == []

    await page.get_by_test_id(f"user-{LAN}").click()
    await expect(bubbles(page)).to_have_count(0)

    await page.get_by_test_id("add-user-toggle").click()
    await page.get_by_test_id("new-user-name").fill("Hoa")
    await page.get_by_test_id("new-user-lang").select_option("en")
    await page.get_by_test_id("new-user-submit").click()
    hoa = next(u for u in fake.users if u["first_name"] == "Hoa")
    assert hoa["language_code"] == "en" and hoa["id"] not in (LAN, MINH)
    await expect(page.get_by_test_id(f"user-{hoa['id']}")).to_have_attribute("aria-selected", "true")
    await page.get_by_test_id("composer").fill("/start")
    await page.get_by_test_id("composer").press("Enter")
    await expect(bubbles(page, "bot").first).to_contain_text("Xin chào Hoa!")
    assert fake.chat(hoa["id"])[0]["from"]["language_code"] == "en"


async def test_desktop_layout_shows_user_list(fake_api, sandbox_bot):
    async with open_chat_page(fake_api, width=1280, height=800, user_id=MINH) as page:
        await expect(page.get_by_test_id(f"user-{MINH}")).to_have_attribute("aria-selected", "true")
        box_users = await page.locator("#sidebar").bounding_box()
        box_chat = await page.locator("#chat").bounding_box()
        assert box_users["x"] + box_users["width"] <= box_chat["x"] + 1  # side by side
        fake_api.send_text(MINH, "/start")
        await expect(page.get_by_test_id("reply-btn")).to_have_count(3)
