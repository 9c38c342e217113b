"""The fake Bot API server, driven through a real PTB Application (polling) and Bot."""

from __future__ import annotations

import asyncio
import datetime as dtm
import json
import warnings
from contextlib import asynccontextmanager

import httpx
import pytest
from telegram import (
    BotCommand,
    BotCommandScopeChat,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    MenuButtonCommands,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    Update,
)
from telegram.error import BadRequest, EndPointNotFound, Forbidden, InvalidToken, NetworkError, RetryAfter
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot.sandbox.fake_bot_api import ApiCall, FakeBotApi, _make_png

LAN = 1001
MINH = 1002
KEYBOARD = [["Phản ánh", "Hỏi đáp"], [KeyboardButton("📍 Gửi vị trí", request_location=True)]]


@pytest.fixture
async def fake():
    api = FakeBotApi()
    await api.start()
    api.add_user(LAN, "Lan", last_name="Nguyễn", username="lan_ng")
    api.add_user(MINH, "Minh", language_code="en")
    yield api
    await api.stop()


def build_app(fake: FakeBotApi) -> tuple[Application, list[Update]]:
    """A small bot: records every update, /start sends a reply keyboard and an inline
    keyboard, buttons are answered and edited, texts are echoed."""
    app = (
        ApplicationBuilder()
        .token(fake.token)
        .base_url(fake.base_url)
        .base_file_url(fake.base_file_url)
        .build()
    )
    received: list[Update] = []

    async def record(update: Update, context) -> None:
        received.append(update)

    async def start(update: Update, context) -> None:
        await update.message.reply_text(
            "<b>Xin chào</b> " + update.effective_user.first_name,
            parse_mode="HTML",
            reply_markup=ReplyKeyboardMarkup(KEYBOARD, resize_keyboard=True),
        )
        await update.message.reply_text(
            "Chọn chủ đề:",
            reply_markup=InlineKeyboardMarkup(
                [[InlineKeyboardButton("Đường sá", callback_data="topic:road"),
                  InlineKeyboardButton("Điện", callback_data="topic:power")]]
            ),
        )  # fmt: skip

    async def button(update: Update, context) -> None:
        query = update.callback_query
        await query.answer(f"Đã chọn {query.data}")
        await query.edit_message_text(f"Chủ đề: {query.data}")

    async def done(update: Update, context) -> None:
        await update.message.reply_text("Cảm ơn!", reply_markup=ReplyKeyboardRemove())

    async def echo(update: Update, context) -> None:
        await update.message.reply_text("Bạn nói: " + update.message.text)

    app.add_handler(TypeHandler(Update, record), group=-1)
    app.add_handler(CommandHandler("start", start))
    app.add_handler(CommandHandler("done", done))
    app.add_handler(CallbackQueryHandler(button))
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, echo))
    return app, received


@asynccontextmanager
async def polling(app: Application):
    await app.initialize()
    await app.start()
    await app.updater.start_polling(poll_interval=0, timeout=1)
    try:
        yield app
    finally:
        await app.updater.stop()
        await app.stop()
        await app.shutdown()


@pytest.fixture
async def bot_app(fake):
    app, received = build_app(fake)
    async with polling(app):
        yield app, received


async def raw(fake: FakeBotApi, method: str, token: str | None = None, **kwargs) -> httpx.Response:
    async with httpx.AsyncClient() as client:
        return await client.post(f"{fake.base_url}{token or fake.token}/{method}", **kwargs)


def seconds(obj: object, attribute: str) -> float:
    """An int-or-timedelta PTB attribute (PTB 22 is migrating them to timedelta)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        value = getattr(obj, attribute)
    return value.total_seconds() if isinstance(value, dtm.timedelta) else value


# ------------------------------------------------------------------ basics


async def test_bootstrap_calls_and_get_me(fake, bot_app):
    app, _ = bot_app
    await fake.wait_for_call("getUpdates")
    assert [c.method for c in fake.calls[:3]] == ["getMe", "deleteWebhook", "getUpdates"]
    assert app.bot.username == "doithoai_test_bot"
    assert app.bot.id == 123456
    me = fake.calls[0].result
    assert me["is_bot"] is True and me["can_join_groups"] is True
    assert me["supports_inline_queries"] is False
    assert fake.calls[2].params["timeout"] == 1
    assert isinstance(fake.calls[0], ApiCall) and fake.calls[0].status == 200


async def test_wrong_token_unknown_method_and_missing_params(fake):
    resp = await raw(fake, "getMe", token="999:WRONG")
    assert resp.status_code == 401
    assert resp.json() == {"ok": False, "error_code": 401, "description": "Unauthorized"}

    resp = await raw(fake, "sendTelepathy", data={"chat_id": LAN})
    assert resp.status_code == 404
    assert resp.json() == {"ok": False, "error_code": 404, "description": "Not Found"}

    resp = await raw(fake, "sendMessage", data={"chat_id": LAN})
    assert resp.status_code == 400
    assert resp.json()["description"] == "Bad Request: message text is empty"
    resp = await raw(fake, "sendMessage", data={"text": "hi"})
    assert resp.json()["description"] == "Bad Request: chat_id is empty"
    resp = await raw(fake, "sendMessage", data={"chat_id": 4242, "text": "hi"})
    assert resp.json()["description"] == "Bad Request: chat not found"
    # method names are case-insensitive, like Telegram's
    resp = await raw(fake, "GETME")
    assert resp.json()["result"]["username"] == "doithoai_test_bot"
    assert [c.status for c in fake.calls] == [401, 404, 400, 400, 400, 200]

    wrong = ApplicationBuilder().token("999:WRONG").base_url(fake.base_url).build().bot
    with pytest.raises(InvalidToken, match="was rejected by the server"):
        await wrong.initialize()  # getMe -> 401
    assert fake.calls[-1].method == "getMe" and fake.calls[-1].status == 401


async def test_do_api_request_unknown_method(fake):
    async with ApplicationBuilder().token(fake.token).base_url(fake.base_url).build().bot as bot:
        with pytest.raises(EndPointNotFound):
            await bot.do_api_request("sendTelepathy", api_kwargs={"chat_id": LAN})


async def test_json_and_multipart_bodies(fake):
    resp = await raw(fake, "sendMessage", json={
        "chat_id": LAN, "text": "123",
        "reply_markup": {"inline_keyboard": [[{"text": "A", "callback_data": "a"}]]},
    })  # fmt: skip
    assert resp.status_code == 200
    call = fake.calls_of("sendMessage")[-1]
    assert call.params["text"] == "123"  # stays a string
    assert call.params["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "a"

    png = _make_png(8, 6)
    resp = await raw(fake, "sendPhoto", data={"chat_id": str(LAN), "caption": "ảnh"},
                     files={"photo": ("p.png", png, "image/png")})  # fmt: skip
    body = resp.json()
    assert body["ok"] is True
    sizes = body["result"]["photo"]
    assert sizes[-1]["width"] == 8 and sizes[-1]["height"] == 6
    assert body["result"]["caption"] == "ảnh"
    assert fake.calls_of("sendPhoto")[-1].files["photo"]["size"] == len(png)
    assert fake.file_bytes(sizes[-1]["file_id"]) == png

    resp = await raw(fake, "sendPhoto", data={"chat_id": LAN},
                     files={"photo": ("p.png", b"not an image", "image/png")})  # fmt: skip
    assert resp.json()["description"] == "Bad Request: IMAGE_PROCESS_FAILED"


# ------------------------------------------------------------------ getUpdates


async def test_offset_confirms_updates_raw(fake):
    u1 = fake.send_text(LAN, "một")
    u2 = fake.send_text(LAN, "hai")
    assert u2["update_id"] == u1["update_id"] + 1
    first = (await raw(fake, "getUpdates")).json()["result"]
    assert [u["update_id"] for u in first] == [u1["update_id"], u2["update_id"]]
    again = (await raw(fake, "getUpdates", data={"offset": u1["update_id"]})).json()["result"]
    assert [u["message"]["text"] for u in again] == ["một", "hai"]  # not confirmed yet
    after = (await raw(fake, "getUpdates", data={"offset": u2["update_id"] + 1})).json()["result"]
    assert after == []
    assert fake.pending_updates == 0
    # a re-pushed duplicate is delivered although its update_id is below the offset...
    fake.push_update(u1)
    dup = (await raw(fake, "getUpdates", data={"offset": u2["update_id"] + 1})).json()["result"]
    assert dup == [u1]
    # ...and confirmed like any other update
    assert (await raw(fake, "getUpdates", data={"offset": u1["update_id"] + 1})).json()["result"] == []
    assert fake.pending_updates == 0

    for i in range(5):
        fake.send_text(MINH, f"m{i}")
    limited = (await raw(fake, "getUpdates", data={"limit": 2})).json()["result"]
    assert [u["message"]["text"] for u in limited] == ["m0", "m1"]
    last = (await raw(fake, "getUpdates", data={"offset": -1})).json()["result"]
    assert [u["message"]["text"] for u in last] == ["m4"]
    assert fake.pending_updates == 1


async def test_long_poll_returns_as_soon_as_an_update_arrives(fake):
    task = asyncio.create_task(raw(fake, "getUpdates", data={"timeout": 50}))
    call = await fake.wait_for_call("getUpdates")
    assert call.result is None and call.status == 0  # still pending
    fake.send_text(LAN, "dậy đi")
    resp = await asyncio.wait_for(task, 10)  # far below the 50 s poll timeout
    assert [u["message"]["text"] for u in resp.json()["result"]] == ["dậy đi"]
    assert call.status == 200 and len(call.result) == 1


async def test_concurrent_get_updates_conflict_and_webhook(fake):
    first = asyncio.create_task(raw(fake, "getUpdates", data={"timeout": 50}))
    await fake.wait_for_call("getUpdates")
    second = asyncio.create_task(raw(fake, "getUpdates", data={"timeout": 0}))
    resp = await asyncio.wait_for(first, 10)
    assert resp.status_code == 409
    assert resp.json()["description"].startswith("Conflict: terminated by other getUpdates")
    assert (await second).json() == {"ok": True, "result": []}

    fake.send_text(LAN, "x")
    assert (await raw(fake, "setWebhook", data={"url": "https://example.org/hook"})).json()["ok"]
    info = (await raw(fake, "getWebhookInfo")).json()["result"]
    assert info["url"] == "https://example.org/hook" and info["pending_update_count"] == 1
    resp = await raw(fake, "getUpdates")
    assert resp.status_code == 409 and "webhook is active" in resp.json()["description"]
    await raw(fake, "deleteWebhook", data={"drop_pending_updates": "true"})
    assert fake.pending_updates == 0
    assert (await raw(fake, "getWebhookInfo")).json()["result"]["url"] == ""


async def test_allowed_updates_filters_types(fake):
    fake.send_text(LAN, "tin nhắn")
    resp = await raw(fake, "getUpdates", data={"allowed_updates": json.dumps(["callback_query"])})
    assert resp.json()["result"] == []
    bot_msg = (await raw(fake, "sendMessage", data={
        "chat_id": LAN, "text": "?",
        "reply_markup": json.dumps({"inline_keyboard": [[{"text": "Có", "callback_data": "yes"}]]}),
    })).json()["result"]  # fmt: skip
    fake.press(LAN, bot_msg["message_id"], "yes")
    result = (await raw(fake, "getUpdates")).json()["result"]  # the setting persists
    assert [list(u)[1] for u in result] == ["callback_query"]


async def test_bot_receives_each_update_once_and_confirms(fake, bot_app):
    app, received = bot_app
    sent = [fake.send_text(LAN, f"câu {i}") for i in range(3)]
    await fake.wait_until(lambda: len(fake.bot_texts(LAN)) == 3)
    assert fake.bot_texts(LAN) == ["Bạn nói: câu 0", "Bạn nói: câu 1", "Bạn nói: câu 2"]
    await fake.wait_until(lambda: fake.pending_updates == 0)
    assert [u.update_id for u in received] == [u["update_id"] for u in sent]
    offsets = [c.params.get("offset") for c in fake.calls_of("getUpdates")]
    assert sent[-1]["update_id"] + 1 in offsets
    assert offsets == sorted(offsets, key=lambda o: o or 0)


async def test_duplicate_update_is_delivered_twice(fake, bot_app):
    app, received = bot_app
    update = fake.send_text(LAN, "trùng")
    await fake.wait_until(lambda: len(received) == 1 and fake.pending_updates == 0)
    again = fake.push_update(update)
    assert again["update_id"] == update["update_id"]
    await fake.wait_until(lambda: len(received) == 2)
    assert received[0].update_id == received[1].update_id == update["update_id"]
    assert received[1].message.text == "trùng"
    await fake.wait_until(lambda: len(fake.bot_texts(LAN)) == 2)
    assert fake.bot_texts(LAN) == ["Bạn nói: trùng", "Bạn nói: trùng"]  # this bot doesn't dedupe


async def test_push_update_assigns_id(fake):
    update = fake.push_update({"message": {"message_id": 1, "date": 0, "text": "raw",
                                           "chat": {"id": LAN, "type": "private"}}})  # fmt: skip
    assert isinstance(update["update_id"], int)
    got = (await raw(fake, "getUpdates")).json()["result"]
    assert got == [update]


# ------------------------------------------------------------------ conversation


async def test_start_keyboards_and_callback_round_trip(fake, bot_app):
    app, received = bot_app
    fake.send_text(LAN, "/start")
    await fake.wait_until(lambda: len(fake.bot_texts(LAN)) == 2)
    assert received[0].message.text == "/start"
    assert received[0].message.entities[0].type == "bot_command"
    assert fake.bot_texts(LAN) == ["Xin chào Lan", "Chọn chủ đề:"]
    assert fake.current_reply_keyboard(LAN) == [["Phản ánh", "Hỏi đáp"], ["📍 Gửi vị trí"]]

    first_call = fake.calls_of("sendMessage", chat_id=LAN)[0]
    assert first_call.params["parse_mode"] == "HTML"
    assert first_call.params["reply_markup"]["resize_keyboard"] is True  # JSON decoded
    assert first_call.params["reply_markup"]["keyboard"][1][0]["request_location"] is True

    user_msg, greeting, menu = fake.chat(LAN)
    assert [m["message_id"] for m in (user_msg, greeting, menu)] == [1, 2, 3]
    assert user_msg["from_bot"] is False and greeting["from_bot"] is True
    assert greeting["entities"] == [{"type": "bold", "offset": 0, "length": 8}]
    assert "reply_markup" not in greeting  # Telegram only echoes inline keyboards
    assert greeting["reply_keyboard"]["keyboard"][0][0] == {"text": "Phản ánh"}
    assert menu["reply_markup"]["inline_keyboard"][0][1]["callback_data"] == "topic:power"
    assert greeting["from"]["username"] == "doithoai_test_bot"
    assert greeting["chat"] == {"id": LAN, "first_name": "Lan", "last_name": "Nguyễn",
                                "username": "lan_ng", "type": "private"}  # fmt: skip

    n = len(fake.calls)
    press = fake.press(LAN, menu["message_id"], "topic:power")
    edit = await fake.wait_for_call("editMessageText", chat_id=LAN, after=n)
    assert edit.status == 200 and edit.params["message_id"] == 3
    query = received[-1].callback_query
    assert query.data == "topic:power" and query.message.message_id == 3
    assert query.from_user.id == LAN and query.id == press["callback_query"]["id"]
    assert fake.callback_answer(press) == {"text": "Đã chọn topic:power"}
    assert fake.bot_texts(LAN) == ["Xin chào Lan", "Chủ đề: topic:power"]
    edited = fake.chat(LAN)[-1]
    assert "reply_markup" not in edited  # edited without reply_markup -> keyboard gone
    assert edited["edit_date"] >= edited["date"]
    assert len(fake.chat(LAN)) == 3

    fake.send_text(LAN, "/done")
    await fake.wait_until(lambda: fake.bot_texts(LAN)[-1] == "Cảm ơn!")
    assert fake.current_reply_keyboard(LAN) is None


async def test_one_time_keyboard_hides_after_use(fake):
    await raw(fake, "sendMessage", data={
        "chat_id": MINH, "text": "Có hay không?",
        "reply_markup": json.dumps({"keyboard": [["Có", "Không"]], "one_time_keyboard": True}),
    })  # fmt: skip
    assert fake.current_reply_keyboard(MINH) == [["Có", "Không"]]
    fake.send_text(MINH, "Có")
    assert fake.current_reply_keyboard(MINH) is None


async def test_media_updates_parse_into_ptb_objects(fake, bot_app):
    app, received = bot_app
    png = _make_png(1000, 500)
    fake.send_photo(LAN, caption="ổ gà", data=png)
    fake.send_location(LAN, 11.9404, 108.4583)
    fake.send_voice(LAN, duration=7)
    fake.send_document(LAN, file_name="don.pdf")
    fake.send_sticker(LAN)
    fake.send_contact(LAN, "84901234567")
    await fake.wait_until(lambda: len(received) == 6)
    photo, location, voice, document, sticker, contact = (u.message for u in received)

    assert photo.caption == "ổ gà"
    assert [(p.width, p.height) for p in photo.photo] == [(90, 45), (320, 160), (800, 400),
                                                          (1000, 500)]  # fmt: skip
    assert len({p.file_id for p in photo.photo}) == 4
    assert location.location.latitude == 11.9404 and location.location.longitude == 108.4583
    assert seconds(voice.voice, "duration") == 7
    assert voice.voice.mime_type == "audio/ogg"
    assert document.document.file_name == "don.pdf"
    assert document.document.mime_type == "application/pdf"
    assert sticker.sticker.emoji == "👍" and sticker.sticker.type == "regular"
    assert contact.contact.phone_number == "84901234567" and contact.contact.user_id == LAN
    assert [m["message_id"] for m in fake.chat(LAN)] == [1, 2, 3, 4, 5, 6]

    data = await (await app.bot.get_file(photo.photo[-1].file_id)).download_as_bytearray()
    assert bytes(data) == png
    assert fake.calls_of("getFile")[-1].result["file_path"].startswith("photos/")
    doc = await (await document.document.get_file()).download_as_bytearray()
    assert bytes(doc).startswith(b"%PDF")


async def test_bot_sends_media(fake, bot_app):
    app, _ = bot_app
    png = _make_png(50, 40)
    msg = await app.bot.send_photo(LAN, png, caption="<i>ảnh</i>", parse_mode="HTML")
    assert msg.photo[-1].width == 50 and msg.caption == "ảnh"
    assert msg.caption_entities[0].type == "italic"
    again = await app.bot.send_photo(MINH, msg.photo[-1].file_id)  # resend by file_id
    assert again.photo[-1].file_unique_id == msg.photo[-1].file_unique_id
    downloaded = await (await app.bot.get_file(again.photo[-1].file_id)).download_as_bytearray()
    assert bytes(downloaded) == png

    doc = await app.bot.send_document(LAN, b"col1,col2\n", filename="bao_cao.csv")
    assert doc.document.file_name == "bao_cao.csv" and doc.document.file_size == 10
    loc = await app.bot.send_location(LAN, 11.94, 108.45)
    assert loc.location.latitude == 11.94
    voice = await app.bot.send_voice(LAN, b"OggS" + bytes(50), duration=2)
    assert seconds(voice.voice, "duration") == 2
    assert await app.bot.send_chat_action(LAN, "typing") is True
    assert fake.bot_texts(LAN) == ["ảnh"]  # location/voice/doc have no text
    assert [m.get("caption") for m in fake.chat(LAN)] == ["ảnh", None, None, None]
    with pytest.raises(BadRequest, match="Wrong file identifier"):
        await app.bot.send_photo(LAN, "no-such-file-id")


# ------------------------------------------------------------------ errors


async def test_retry_after_429(fake, bot_app):
    app, _ = bot_app
    fake.fail_next("sendMessage", 429, retry_after=7)
    with pytest.raises(RetryAfter) as err:
        await app.bot.send_message(LAN, "chào")
    assert seconds(err.value, "retry_after") == 7
    failed = fake.calls_of("sendMessage")[-1]
    assert failed.status == 429 and failed.error == "Too Many Requests: retry after 7"
    assert fake.bot_texts(LAN) == []
    await app.bot.send_message(LAN, "chào")  # only the next one failed
    assert fake.bot_texts(LAN) == ["chào"]

    fake.fail_next("sendMessage", 429, retry_after=3)
    resp = await raw(fake, "sendMessage", data={"chat_id": LAN, "text": "x"})
    assert resp.status_code == 429
    assert resp.json() == {"ok": False, "error_code": 429,
                           "description": "Too Many Requests: retry after 3",
                           "parameters": {"retry_after": 3}}  # fmt: skip


async def test_forbidden_and_server_errors(fake, bot_app):
    app, received = bot_app
    fake.fail_next("sendMessage", 403, count=2)
    for _ in range(2):
        with pytest.raises(Forbidden, match="bot was blocked by the user"):
            await app.bot.send_message(LAN, "x")
    fake.fail_next("sendMessage", 502)
    with pytest.raises(NetworkError, match="Bad Gateway"):
        await app.bot.send_message(LAN, "x")
    fake.fail_next("editMessageText", 500)
    with pytest.raises(NetworkError, match="Internal Server Error"):
        await app.bot.edit_message_text("y", chat_id=LAN, message_id=1)
    assert [c.status for c in fake.calls_of("sendMessage")] == [403, 403, 502]

    update = fake.block_bot(MINH)
    with pytest.raises(Forbidden, match="bot was blocked by the user"):
        await app.bot.send_message(MINH, "x")
    await fake.wait_until(lambda: any(u.my_chat_member for u in received))
    member = received[-1].my_chat_member
    assert member.new_chat_member.status == "kicked" and member.from_user.id == MINH
    assert received[-1].update_id == update["update_id"]
    fake.unblock_bot(MINH)
    await app.bot.send_message(MINH, "ok")


async def test_message_limits_and_edit_errors(fake, bot_app):
    app, _ = bot_app
    await app.bot.send_message(LAN, "a" * 4096)
    with pytest.raises(BadRequest) as err:
        await app.bot.send_message(LAN, "a" * 4097)
    assert err.value.message == "Message is too long"
    await app.bot.send_message(LAN, "😀" * 2048)  # 4096 UTF-16 code units
    with pytest.raises(BadRequest, match="Message is too long"):
        await app.bot.send_message(LAN, "😀" * 2049)
    with pytest.raises(BadRequest, match="Message text is empty"):
        await app.bot.send_message(LAN, "  \n ")
    with pytest.raises(BadRequest, match="Message caption is too long"):
        await app.bot.send_photo(LAN, _make_png(4, 4), caption="c" * 1025)

    markup = InlineKeyboardMarkup([[InlineKeyboardButton("A", callback_data="a")]])
    msg = await app.bot.send_message(LAN, "gốc", reply_markup=markup)
    await app.bot.edit_message_text("mới", chat_id=LAN, message_id=msg.message_id,
                                    reply_markup=markup)  # fmt: skip
    with pytest.raises(BadRequest) as err:
        await app.bot.edit_message_text("mới", chat_id=LAN, message_id=msg.message_id,
                                        reply_markup=markup)  # fmt: skip
    assert err.value.message.startswith("Message is not modified: specified new message content")
    with pytest.raises(BadRequest, match="Message is not modified"):
        await app.bot.edit_message_reply_markup(LAN, msg.message_id, reply_markup=markup)
    edited = await app.bot.edit_message_reply_markup(LAN, msg.message_id)  # removes it
    assert edited.reply_markup is None
    with pytest.raises(BadRequest, match="Message to edit not found"):
        await app.bot.edit_message_text("x", chat_id=LAN, message_id=999)
    fake.send_text(LAN, "của tôi")
    user_mid = fake.chat(LAN)[-1]["message_id"]
    with pytest.raises(BadRequest, match="Message can't be edited"):
        await app.bot.edit_message_text("x", chat_id=LAN, message_id=user_mid)

    assert await app.bot.delete_message(LAN, msg.message_id) is True
    assert msg.message_id not in [m["message_id"] for m in fake.chat(LAN)]
    with pytest.raises(BadRequest, match="Message to delete not found"):
        await app.bot.delete_message(LAN, msg.message_id)
    with pytest.raises(BadRequest, match="Button_data_invalid"):
        await app.bot.send_message(LAN, "x", reply_markup=InlineKeyboardMarkup(
            [[InlineKeyboardButton("dài", callback_data="x" * 65)]]))  # fmt: skip
    with pytest.raises(BadRequest, match="Query is too old"):
        await app.bot.answer_callback_query("12345")


async def test_formatting_is_parsed_like_telegram(fake, bot_app):
    app, _ = bot_app
    msg = await app.bot.send_message(LAN, "  <b>Chào</b> <a href='https://x.vn'>Lan</a> &amp; bạn\n",
                                     parse_mode="HTML")  # fmt: skip
    assert msg.text == "Chào Lan & bạn"  # tags parsed, whitespace trimmed
    assert [(e.type, e.offset, e.length) for e in msg.entities] == [("bold", 0, 4),
                                                                   ("text_link", 5, 3)]  # fmt: skip
    assert msg.entities[1].url == "https://x.vn"
    with pytest.raises(BadRequest, match='unsupported start tag "br" at byte offset 5'):
        await app.bot.send_message(LAN, "dòng<br>hai", parse_mode="HTML")
    with pytest.raises(BadRequest, match="character '.' is reserved"):
        await app.bot.send_message(LAN, "Xong.", parse_mode="MarkdownV2")
    ok = await app.bot.send_message(LAN, "*Xong*\\.", parse_mode="MarkdownV2")
    assert ok.text == "Xong." and ok.entities[0].type == "bold"
    auto = await app.bot.send_message(LAN, "Xem https://xa.gov.vn hoặc /help")
    assert [e.type for e in auto.entities] == ["url", "bot_command"]


async def test_commands_menu_button_and_misc(fake, bot_app):
    app, _ = bot_app
    await app.bot.set_my_commands([BotCommand("start", "Bắt đầu"), BotCommand("help", "Trợ giúp")])
    await app.bot.set_my_commands([BotCommand("start", "Start")], language_code="en")
    await app.bot.set_my_commands([BotCommand("admin", "Quản trị")],
                                  scope=BotCommandScopeChat(LAN))  # fmt: skip
    assert [c.command for c in await app.bot.get_my_commands()] == ["start", "help"]
    assert [c.description for c in await app.bot.get_my_commands(language_code="en")] == ["Start"]
    assert fake.my_commands({"type": "chat", "chat_id": LAN}) == [
        {"command": "admin", "description": "Quản trị"}]  # fmt: skip
    assert fake.calls_of("setMyCommands")[0].params["commands"][1]["command"] == "help"
    await app.bot.delete_my_commands(language_code="en")
    assert await app.bot.get_my_commands(language_code="en") == ()
    with pytest.raises(BadRequest, match="Bot_command_invalid"):
        await app.bot.set_my_commands([BotCommand("Bad-Name", "x")])

    await app.bot.set_chat_menu_button(LAN, MenuButtonCommands())
    assert fake.menu_button(LAN) == {"type": "commands"}
    assert (await app.bot.get_chat_menu_button(LAN)).type == "commands"
    chat = await app.bot.get_chat(LAN)
    assert chat.first_name == "Lan" and chat.type == "private"
    await app.bot.set_my_description("Kênh đối thoại xã")
    assert (await app.bot.get_my_description()).description == "Kênh đối thoại xã"
    assert await app.bot.log_out() is True


async def test_wait_helpers(fake):
    with pytest.raises(TimeoutError, match=r"wait_until\(.*never"):
        await fake.wait_until(lambda: False, timeout=0.2, message="never")
    with pytest.raises(TimeoutError, match="no sendMessage call for chat_id=1001"):
        await fake.wait_for_call("sendMessage", chat_id=LAN, timeout=0.2)
    await raw(fake, "sendMessage", data={"chat_id": MINH, "text": "a"})
    n = len(fake.calls)
    task = asyncio.create_task(fake.wait_for_call("sendMessage", after=n))
    await raw(fake, "sendMessage", data={"chat_id": LAN, "text": "b"})
    call = await asyncio.wait_for(task, 10)
    assert call.params["text"] == "b" and fake.calls.index(call) == n
    assert fake.calls_of("sendmessage", chat_id=MINH)[0].params["text"] == "a"


async def test_restartable_instances_and_many_updates():
    for _ in range(2):
        fake = FakeBotApi()
        await fake.start()
        assert fake.port > 0 and fake.page_url == f"http://127.0.0.1:{fake.port}/"
        app, received = build_app(fake)
        async with polling(app):
            for i in range(300):
                fake.send_text(2000 + i % 7, f"m{i}")
            await fake.wait_until(lambda: len(fake.calls_of("sendMessage")) == 300, timeout=60)
        await fake.stop()
        await fake.stop()  # idempotent
        assert fake.pending_updates == 0
        assert [u.message.text for u in received] == [f"m{i}" for i in range(300)]
        assert fake.bot_texts(2003)[0] == "Bạn nói: m3"
