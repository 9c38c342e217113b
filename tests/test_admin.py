"""The administrator grants roles by one-time links (or on the server), withdraws them and lists who holds what."""

from __future__ import annotations

import asyncio
import io
import re
import sqlite3
from datetime import datetime, timedelta

import pytest

from bot.cli_grant import grant_command
from bot.roles import ROLES
from handlers.menus import PRIVACY_COMMANDS, RESIDENT_COMMANDS
from tests.harness import TZ, BotUnderTest

ADMIN = 9001  # in ADMIN_TELEGRAM_IDS, holds no stored role
HOA = 7001  # to become an officer of Địa chính - Xây dựng
NAM = 7002  # to become head of Thôn 2
LAN = 1001  # a resident
STRANGER = 1999  # never used the bot

LINK = re.compile(r"https://t\.me/doithoai_test_bot\?start=([A-Za-z0-9_-]+)")
REFUSED = "Xin lỗi, việc này chỉ dành cho Quản trị viên. Không có gì thay đổi."
LINK_INVALID = ("Đường dẫn mời này không còn hiệu lực (đã dùng, đã thu hồi hoặc đã hết hạn). "
                "Xin đề nghị quản trị viên gửi đường dẫn mới.")
CHOICE_GONE = "Lựa chọn này không còn nữa. Xin chọn lại trong các mục."
STALE = "Nút này không còn hiệu lực. Xin dùng các nút bên dưới."
OFFICER_ROLE = "Công chức Địa chính - Xây dựng"
RESIDENT_MENU = [name for name, _ in RESIDENT_COMMANDS + PRIVACY_COMMANDS]


@pytest.fixture
async def bot(fake_api, tmp_path):
    under_test = BotUnderTest(fake_api, tmp_path / "doithoai.sqlite3", admin_ids=frozenset({ADMIN}))
    await under_test.start()
    fake_api.add_user(ADMIN, "Ông Quản", language_code="vi")
    yield under_test
    await under_test.stop()
OFFER_RESIDENT = "Ông/bà cũng sống tại xã? Để gửi kiến nghị của chính mình hoặc đăng ký phát biểu, xin đăng ký thêm với tư cách người dân."


async def invite(bot: BotUnderTest, role: str, *, body: str | None = None, hamlet: str | None = None) -> tuple[str, str]:
    """Walk /grant as the admin; returns the link's token and the bot's answer carrying it."""
    await bot.say(ADMIN, "/grant")
    replies = await bot.tap(ADMIN, f"ad:role:{role}")
    if body is not None:
        replies = await bot.say(ADMIN, body)
    elif hamlet is not None:
        replies = await bot.tap(ADMIN, f"ad:hamlet:{hamlet}")
    return LINK.search(replies[-1]).group(1), replies[-1]


def chat_commands(bot: BotUnderTest, user_id: int) -> list[str]:
    return [c["command"] for c in bot.fake.my_commands({"type": "chat", "chat_id": user_id})]


def last_message_id(bot: BotUnderTest, user_id: int) -> int:
    return bot.fake.last_bot_message(user_id)["message_id"]


# --- The invitation round trip ------------------------------------------------------------------

async def test_admin_invites_an_officer_who_accepts_once_and_the_admin_is_told(bot):
    assert await bot.say(ADMIN, "/grant") == [
        "Ông/bà muốn cấp vai trò nào? Ông/bà sẽ nhận một đường dẫn dùng một lần để gửi cho người được cấp."]
    assert bot.buttons(ADMIN) == [f"ad:role:{role}" for role in ROLES]
    labels = [row[0]["text"] for row in bot.fake.last_bot_message(ADMIN)["reply_markup"]["inline_keyboard"]]
    # The office, the chair and the MTTQ are named as the commune's settings name them (since 2025).
    assert labels == ["Quản trị viên", "Chủ tịch UBND xã (hoặc Phó Chủ tịch được phân công)", "Văn phòng HĐND và UBND xã",
                      "Ủy ban MTTQ Việt Nam xã", "Công chức chuyên môn", "Trưởng thôn"]
    assert await bot.tap(ADMIN, "ad:role:officer") == [
        "Xin gõ tên cơ quan chuyên môn nơi công chức làm việc: “Phòng Kinh tế”, “Phòng Văn hóa - Xã hội”, “Văn phòng HĐND và UBND xã”."]
    assert await bot.say(ADMIN, "x") == ["Xin gõ tên cơ quan từ 2 đến 60 ký tự, ví dụ “Phòng Kinh tế”."]
    assert await bot.rows("SELECT COUNT(*) FROM role_invitations") == [(0,)]
    replies = await bot.say(ADMIN, "  Địa chính -  Xây dựng ")
    token = LINK.search(replies[0]).group(1)
    assert replies == [
        f"Đường dẫn mời nhận vai trò: {OFFICER_ROLE}\n\nhttps://t.me/doithoai_test_bot?start={token}\n\n"
        "Xin gửi đường dẫn này cho người được cấp. Khi họ mở đường dẫn và bấm Bắt đầu (Start), họ sẽ nhận vai trò. "
        "Đường dẫn chỉ dùng được một lần, hết hạn sau 72 giờ, và ông/bà có thể thu hồi bằng lệnh /revoke.\n\n"
        "Nếu đường dẫn không mở được (ví dụ trong môi trường thử nghiệm), người được cấp có thể gửi cho bot dòng sau:\n"
        f"/start {token}"]
    [(role, body, hamlet, created, expires)] = await bot.rows(
        "SELECT role, body, hamlet_id, created_at, expires_at FROM role_invitations")
    assert (role, body, hamlet) == ("officer", "Địa chính - Xây dựng", None)
    assert datetime.fromisoformat(expires) - datetime.fromisoformat(created) == timedelta(hours=72)

    bot.fake.add_user(HOA, "Chị Hoa", language_code="vi")
    welcome = await bot.say(HOA, f"/start {token}")
    assert welcome == [
        f"Chào mừng Chị Hoa! Ông/bà đã nhận vai trò: {OFFICER_ROLE}, tại xã Bảo Lâm.\n\n"
        "Các kiến nghị được giao cho ông/bà sẽ được gửi tới đây kèm hạn giải quyết; ông/bà xem tại nút “🗂 Việc của tôi”.\n\n"
        "Các nút của ông/bà ở bên dưới, và các lệnh nằm trong menu (nút “/” cạnh ô nhập tin nhắn)."]
    assert ["🗂 Việc của tôi"] in bot.fake.current_reply_keyboard(HOA)
    assert await bot.rows(
        "SELECT r.role, r.body, r.hamlet_id, p.display_name, r.revoked_at FROM roles r JOIN people p ON p.id = r.person_id"
        " WHERE p.external_id = ?", str(HOA)) == [("officer", "Địa chính - Xây dựng", None, "Chị Hoa", None)]
    # The officer's own command menu, in Vietnamese: the resident's commands, then the officer's.
    commands = bot.fake.my_commands({"type": "chat", "chat_id": HOA})
    assert [c["command"] for c in commands] == RESIDENT_MENU + ["tasks", "concern"]
    assert {"command": "tasks", "description": "Việc được giao cho tôi"} in commands
    # The admin who made the link is told, in the same update.
    assert bot.fake.bot_texts(ADMIN)[-1] == f"Chị Hoa (id 7001) đã nhận vai trò: {OFFICER_ROLE}."
    assert await bot.rows("SELECT action FROM audit_log WHERE action LIKE 'role.%' ORDER BY id") == [
        ("role.invited",), ("role.granted",)]

    # Single use: the same link opened again, by anyone, grants nothing.
    assert (await bot.say(HOA, f"/start {token}"))[0] == LINK_INVALID
    bot.fake.add_user(7003, "Người khác", language_code="vi")
    replies = await bot.say(7003, f"/start {token}")
    assert replies[0] == LINK_INVALID
    assert "Xin chào! Đây là kênh đối thoại trực tiếp" in replies[1]  # and onboarding goes on as usual
    assert await bot.rows("SELECT COUNT(*) FROM roles") == [(1,)]


async def test_a_hamlet_head_is_invited_for_thon_2_and_a_resident_may_take_the_role(bot):
    await bot.register(LAN, "Bà Lan", hamlet="thon-3")
    await bot.say(ADMIN, "/grant")
    assert await bot.tap(ADMIN, "ad:role:hamlet_head") == ["Trưởng thôn của thôn nào?"]
    assert bot.buttons(ADMIN) == [f"ad:hamlet:thon-{n}" for n in range(1, 6)]
    # Typing instead of choosing, and a forged hamlet, are answered and change nothing.
    assert await bot.say(ADMIN, "Thôn 2") == ["Xin chọn một nút ở trên (hoặc bấm /cancel để dừng)."]
    forged = bot.fake.press(ADMIN, bot.message_with_button(ADMIN, "ad:hamlet:thon-2"), "ad:hamlet:thon-9")
    assert await bot.send(ADMIN, forged) == [CHOICE_GONE]
    assert await bot.rows("SELECT COUNT(*) FROM role_invitations") == [(0,)]
    replies = await bot.tap(ADMIN, "ad:hamlet:thon-2")
    assert replies[0].startswith("Đường dẫn mời nhận vai trò: Trưởng thôn 2\n\n")
    token = LINK.search(replies[0]).group(1)
    assert await bot.rows("SELECT role, body, hamlet_id FROM role_invitations") == [("hamlet_head", None, "thon-2")]

    welcome = await bot.say(LAN, f"/start {token}")
    assert welcome[0].startswith("Chào mừng Bà Lan! Ông/bà đã nhận vai trò: Trưởng thôn 2, tại xã Bảo Lâm.\n\n"
                                 "Ông/bà có thể nhập kiến nghị giúp người dân trong thôn không có điện thoại")
    assert bot.fake.current_reply_keyboard(LAN) == [
        ["📝 Gửi kiến nghị"], ["📋 Kiến nghị của tôi", "🎤 Đăng ký phát biểu"], ["✍️ Nhập giúp người dân", "🏘 Thôn của tôi"],
        ["❓ Hướng dẫn", "🌐 Ngôn ngữ"]]
    assert chat_commands(bot, LAN) == RESIDENT_MENU + ["enter", "hamlet", "concern", "report", "answer"]
    assert await bot.rows("SELECT role, hamlet_id FROM roles") == [("hamlet_head", "thon-2")]
    assert await bot.rows("SELECT hamlet_id, display_name FROM residents") == [("thon-3", "Bà Lan")]  # still a resident
    assert bot.fake.bot_texts(ADMIN)[-1] == "Bà Lan (id 1001) đã nhận vai trò: Trưởng thôn 2."


async def test_an_expired_link_and_a_withdrawn_link_are_refused(bot):
    expired, _ = await invite(bot, "office")
    withdrawn, _ = await invite(bot, "mttq")
    async with bot.database.transaction() as db:
        await db.execute("UPDATE role_invitations SET expires_at = '2026-01-01T00:00:00+00:00' WHERE token = ?", (expired,))

    await bot.say(ADMIN, "/revoke")
    assert bot.buttons(ADMIN) == [f"ad:ri:{withdrawn}"]  # the expired one is no longer offered
    [(expires,)] = await bot.rows("SELECT expires_at FROM role_invitations WHERE token = ?", withdrawn)
    until = datetime.fromisoformat(expires).astimezone(TZ).strftime("%H:%M %d/%m/%Y")
    assert await bot.tap(ADMIN, f"ad:ri:{withdrawn}") == [
        f"Thu hồi đường dẫn mời nhận vai trò “Ủy ban MTTQ Việt Nam xã” (còn hiệu lực đến {until})? Đường dẫn sẽ không dùng được nữa."]
    assert await bot.tap(ADMIN, f"ad:riy:{withdrawn}") == [
        "Đã thu hồi đường dẫn mời nhận vai trò “Ủy ban MTTQ Việt Nam xã”: đường dẫn không còn dùng được."]
    assert await bot.rows("SELECT revoked_at IS NOT NULL FROM role_invitations WHERE token = ?", withdrawn) == [(1,)]

    bot.fake.add_user(HOA, "Chị Hoa", language_code="vi")
    for token in (expired, withdrawn):
        replies = await bot.say(HOA, f"/start {token}")
        assert replies[0] == LINK_INVALID
        assert "Xin chào! Đây là kênh đối thoại trực tiếp" in replies[1]
    assert await bot.rows("SELECT COUNT(*) FROM roles") == [(0,)]
    assert await bot.rows("SELECT COUNT(*) FROM outbox WHERE kind = 'role_accepted'") == [(0,)]


async def test_a_bad_link_does_not_stop_anyone_registering_as_a_resident(bot):
    bot.fake.add_user(LAN, "Bà Lan", language_code="vi")
    replies = await bot.say(LAN, "/start hello")
    assert replies[0] == LINK_INVALID
    assert bot.buttons(LAN) == ["ob:lang:vi", "ob:lang:en"]
    await bot.tap(LAN, "ob:lang:vi")
    await bot.tap(LAN, "ob:consent:yes")
    await bot.tap(LAN, "ob:hamlet:thon-2")
    await bot.say(LAN, "Bà Lan")
    assert (await bot.say(LAN, "⏭ Bỏ qua"))[0].startswith("Cảm ơn Bà Lan. Ông/bà đã đăng ký tại thôn 2, xã Bảo Lâm.")
    # A registered resident with a stale link: the refusal, then the usual greeting.
    assert await bot.say(LAN, "/start " + "A" * 24) == [LINK_INVALID, "Xin chào Bà Lan! Ông/bà muốn làm gì?"]


async def test_the_role_button_pressed_twice_makes_one_link(bot):
    await bot.say(ADMIN, "/grant")
    message_id = bot.message_with_button(ADMIN, "ad:role:chair")
    assert LINK.search((await bot.tap(ADMIN, "ad:role:chair"))[0])
    assert await bot.send(ADMIN, bot.fake.press(ADMIN, message_id, "ad:role:chair")) == [STALE]
    assert await bot.rows("SELECT role FROM role_invitations") == [("chair",)]


# --- Withdrawing a role --------------------------------------------------------------------------

async def test_admin_withdraws_a_role_the_person_is_told_and_their_menu_shrinks(bot):
    await bot.grant(HOA, "Chị Hoa", "officer", body="Địa chính - Xây dựng")
    await bot.grant(NAM, "Anh Nam", "hamlet_head", hamlet="thon-2")
    await bot.say(HOA, "/start")
    assert chat_commands(bot, HOA) == RESIDENT_MENU + ["tasks", "concern"]
    [(hoa_role,)] = await bot.rows("SELECT id FROM roles WHERE role = 'officer'")
    [(nam_role,)] = await bot.rows("SELECT id FROM roles WHERE role = 'hamlet_head'")

    assert await bot.say(ADMIN, "/revoke") == ["Ông/bà muốn thu hồi vai trò hoặc đường dẫn mời nào?"]
    assert bot.buttons(ADMIN) == [f"ad:rv:{nam_role}", f"ad:rv:{hoa_role}"]
    labels = [row[0]["text"] for row in bot.fake.last_bot_message(ADMIN)["reply_markup"]["inline_keyboard"]]
    assert labels == ["Anh Nam (id 7002) · Trưởng thôn 2", f"Chị Hoa (id 7001) · {OFFICER_ROLE}"]
    assert await bot.tap(ADMIN, f"ad:rv:{hoa_role}") == [f"Thu hồi vai trò “{OFFICER_ROLE}” của Chị Hoa (id 7001)?"]
    assert bot.buttons(ADMIN) == [f"ad:rvy:{hoa_role}", "ad:rvn"]
    assert await bot.tap(ADMIN, "ad:rvn") == ["Không thu hồi gì cả."]
    assert await bot.rows("SELECT COUNT(*) FROM roles WHERE revoked_at IS NULL") == [(2,)]

    await bot.say(ADMIN, "/revoke")
    await bot.tap(ADMIN, f"ad:rv:{hoa_role}")
    message_id = bot.message_with_button(ADMIN, f"ad:rvy:{hoa_role}")
    assert await bot.tap(ADMIN, f"ad:rvy:{hoa_role}") == [
        f"Đã thu hồi vai trò “{OFFICER_ROLE}” của Chị Hoa (id 7001). Người này đã được báo tin."]
    assert await bot.rows("SELECT role FROM roles WHERE revoked_at IS NULL") == [("hamlet_head",)]
    assert bot.fake.bot_texts(HOA)[-1] == f"Vai trò “{OFFICER_ROLE}” của ông/bà đã được quản trị viên thu hồi."
    assert chat_commands(bot, HOA) == RESIDENT_MENU
    # The confirmation delivered again changes nothing and says so.
    assert await bot.send(ADMIN, bot.fake.press(ADMIN, message_id, f"ad:rvy:{hoa_role}")) == [CHOICE_GONE]
    assert await bot.rows("SELECT COUNT(*) FROM audit_log WHERE action = 'role.revoked'") == [(1,)]


async def test_forged_admin_buttons_change_nothing(bot):
    await bot.grant(HOA, "Chị Hoa", "officer", body="Địa chính - Xây dựng")
    await bot.say(ADMIN, "/staff")
    message_id = last_message_id(bot, ADMIN)
    for data in ("ad:rv:abc", "ad:rvy:", "ad:role:resident", "ad:hamlet:a:b", "ad:ri:short", "ad:grantx"):
        assert await bot.send(ADMIN, bot.fake.press(ADMIN, message_id, data)) == [STALE], data
    for data in ("ad:rv:99999", "ad:rvy:99999", "ad:ri:" + "x" * 24, "ad:riy:" + "x" * 24):
        assert await bot.send(ADMIN, bot.fake.press(ADMIN, message_id, data)) == [CHOICE_GONE], data
    assert await bot.rows("SELECT role, revoked_at FROM roles") == [("officer", None)]
    assert await bot.rows("SELECT COUNT(*) FROM role_invitations") == [(0,)]
    # Every button press got exactly one answer (the fake refuses a second one, which would show as an error).
    presses = [c for c in bot.fake.calls_of("answerCallbackQuery") if not c.ok]
    assert presses == []


# --- The staff list ------------------------------------------------------------------------------

async def test_staff_lists_role_holders_and_open_links_in_local_time(bot):
    assert (await bot.say(ADMIN, "/staff")) == [
        "Vai trò tại xã Bảo Lâm:\nChưa có ai được cấp vai trò.\n\nĐường dẫn mời chưa được dùng:\nKhông có."]
    await bot.grant(HOA, "Chị Hoa", "officer", body="Địa chính - Xây dựng")
    await bot.grant(NAM, "Anh Nam", "hamlet_head", hamlet="thon-2")
    await bot.grant(8001, "Ông Tâm", "chair")
    chair_link, _ = await invite(bot, "office")
    used, _ = await invite(bot, "mttq")
    bot.fake.add_user(8002, "Bà Mai", language_code="vi")
    await bot.say(8002, f"/start {used}")
    [(expires,)] = await bot.rows("SELECT expires_at FROM role_invitations WHERE token = ?", chair_link)
    until = datetime.fromisoformat(expires).astimezone(TZ).strftime("%H:%M %d/%m/%Y")

    assert await bot.say(ADMIN, "👥 Cán bộ") == [
        "Vai trò tại xã Bảo Lâm:\n"
        "• Ông Tâm (id 8001): Chủ tịch UBND xã (hoặc Phó Chủ tịch được phân công)\n"
        "• Anh Nam (id 7002): Trưởng thôn 2\n"
        "• Bà Mai (id 8002): Ủy ban MTTQ Việt Nam xã\n"
        f"• Chị Hoa (id 7001): {OFFICER_ROLE}\n\n"
        "Đường dẫn mời chưa được dùng:\n"
        f"• Văn phòng HĐND và UBND xã, còn hiệu lực đến {until}"]
    assert bot.buttons(ADMIN) == ["ad:grant", "ad:revoke"]
    assert await bot.tap(ADMIN, "ad:grant") == [
        "Ông/bà muốn cấp vai trò nào? Ông/bà sẽ nhận một đường dẫn dùng một lần để gửi cho người được cấp."]


# --- Who may do it ---------------------------------------------------------------------------------

async def test_residents_and_strangers_are_refused_every_admin_action_and_refusals_are_audited(bot):
    await bot.grant(HOA, "Chị Hoa", "officer", body="Địa chính - Xây dựng")
    token, _ = await invite(bot, "office")
    [(role_id,)] = await bot.rows("SELECT id FROM roles")
    await bot.register(LAN, "Bà Lan")
    bot.fake.add_user(STRANGER, "Người lạ", language_code="vi")
    typed = ["/grant", "/staff", "/revoke", "➕ Cấp vai trò", "👥 Cán bộ"]
    pressed = ["ad:grant", "ad:revoke", "ad:role:chair", "ad:hamlet:thon-2", f"ad:rv:{role_id}", f"ad:rvy:{role_id}",
               "ad:rvn", f"ad:ri:{token}", f"ad:riy:{token}"]
    for user in (LAN, STRANGER, HOA):
        for text in typed:
            assert await bot.say(user, text) == [REFUSED], (user, text)
        message_id = last_message_id(bot, user)
        for data in pressed:
            assert await bot.send(user, bot.fake.press(user, message_id, data)) == [REFUSED], (user, data)
    assert await bot.rows("SELECT role, revoked_at FROM roles") == [("officer", None)]
    assert await bot.rows("SELECT role, used_at, revoked_at FROM role_invitations") == [("office", None, None)]
    refusals = await bot.rows(
        "SELECT p.external_id, COUNT(*) FROM audit_log a JOIN people p ON p.id = a.actor_person_id"
        " WHERE a.action = 'refused' GROUP BY p.external_id ORDER BY p.external_id")
    # The stranger has no record to hang a refusal on; the resident and the officer are audited each time.
    assert refusals == [(str(LAN), len(typed) + len(pressed)), (str(HOA), len(typed) + len(pressed))]
    assert [c for c in bot.fake.calls_of("answerCallbackQuery") if not c.ok] == []


async def test_a_refused_command_leaves_the_residents_draft_as_it_was(bot):
    await bot.register(LAN, "Bà Lan")
    await bot.say(LAN, "/new")
    await bot.tap(LAN, "cc:cat:land")
    assert await bot.say(LAN, "/grant") == [REFUSED]
    replies = await bot.say(LAN, "Đường vào thôn bị sạt lở")
    assert "Đường vào thôn bị sạt lở" in replies[0]  # the draft's summary: still writing the concern
    assert any(d.startswith("cc:ok:") for d in bot.buttons(LAN))


async def test_an_env_admin_and_a_stored_admin_see_their_menu_on_start(bot):
    greeting = await bot.say(ADMIN, "/start")
    assert greeting == ["Xin chào Ông Quản! Ông/bà đang dùng bot với vai trò: Quản trị viên. "
                        "Xin chọn một nút bên dưới, hoặc một lệnh trong menu.", OFFER_RESIDENT]
    assert ["👥 Cán bộ", "➕ Cấp vai trò"] in bot.fake.current_reply_keyboard(ADMIN)
    assert chat_commands(bot, ADMIN) == RESIDENT_MENU + ["staff", "grant", "concern", "revoke"]
    assert await bot.rows("SELECT COUNT(*) FROM residents") == [(0,)]  # not registered as a resident

    await bot.grant(8003, "Bà Thu", "admin", language="en")
    assert (await bot.say(8003, "/start"))[0] == (
        "Hello Bà Thu! You are here as: Administrator. Choose a button below, or a command from the menu.")
    commands = bot.fake.my_commands({"type": "chat", "chat_id": 8003})
    assert {"command": "grant", "description": "Grant a role by invitation link"} in commands
    assert (await bot.say(8003, "/grant"))[0] == (
        "Which role do you want to grant? You will get a one-time link to send to the person.")


# --- On the server ----------------------------------------------------------------------------------

def run_grant(argv: list[str], env: dict) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = grant_command(argv, env, out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def test_the_server_grant_command_grants_and_prints_one_line(tmp_path):
    env = {"DATABASE_PATH": str(tmp_path / "d.sqlite3")}
    code, out, err = run_grant(["--role", "officer", "--telegram-id", "5551", "--name", " Anh  Khoa", "--body",
                                " Địa chính -  Xây dựng"], env)
    assert (code, err) == (0, "")
    assert out == ("granted officer of Địa chính - Xây dựng in bao-lam to Anh Khoa, Telegram user 5551 (role #1);"
                   " they get its menu when they next send /start\n")
    code, out, _ = run_grant(["--role", "hamlet_head", "--telegram-id", "5552", "--name", "Ông Hải", "--hamlet", "thon-2",
                              "--commune", "bao-lam"], env)
    assert code == 0 and out.startswith("granted hamlet_head of thon-2 in bao-lam to Ông Hải, Telegram user 5552 (role #2)")
    with sqlite3.connect(tmp_path / "d.sqlite3") as db:
        rows = db.execute("SELECT p.external_id, r.commune_id, r.role, r.body, r.hamlet_id FROM roles r"
                          " JOIN people p ON p.id = r.person_id ORDER BY r.id").fetchall()
        audit = db.execute("SELECT action, details FROM audit_log ORDER BY id").fetchall()
    assert rows == [("5551", "bao-lam", "officer", "Địa chính - Xây dựng", None), ("5552", "bao-lam", "hamlet_head", None, "thon-2")]
    assert audit == [("role.granted", '{"role": "officer", "via": "server"}'),
                     ("role.granted", '{"role": "hamlet_head", "via": "server"}')]


NAMED = ["--name", "Ông Nam"]


@pytest.mark.parametrize(("argv", "env", "message"), [
    (["--role", "boss", "--telegram-id", "5551", *NAMED], {}, "argument --role: invalid choice: 'boss'"),
    (["--role", "chair", *NAMED], {}, "the following arguments are required: --telegram-id"),
    (["--role", "chair", "--telegram-id", "5551"], {}, "the following arguments are required: --name"),
    (["--role", "chair", "--telegram-id", "5551", "--name", " "], {}, "--name needs the person's name"),
    (["--role", "chair", "--telegram-id", "abc", *NAMED], {}, "'abc' is not a Telegram user id"),
    (["--role", "officer", "--telegram-id", "5551", *NAMED], {}, "--role officer needs --body"),
    (["--role", "hamlet_head", "--telegram-id", "5551", *NAMED, "--hamlet", "thon-9"], {}, "--role hamlet_head needs --hamlet, one of: thon-1,"),
    (["--role", "chair", "--telegram-id", "5551", *NAMED, "--body", "Địa chính"], {}, "--role chair takes --body chairman or --body vice_chairman"),
    (["--role", "chair", "--telegram-id", "5551", *NAMED, "--commune", "xyz"], {}, "unknown commune 'xyz'; known: bao-lam"),
    (["--role", "chair", "--telegram-id", "5551", *NAMED], {"ADMIN_TELEGRAM_IDS": "me"}, "ADMIN_TELEGRAM_IDS must be"),
])
def test_the_server_grant_command_refuses_bad_input_in_one_line(tmp_path, argv, env, message):
    database = tmp_path / "d.sqlite3"
    code, out, err = run_grant(argv, {"DATABASE_PATH": str(database), **env})
    assert code == 2 and out == ""
    assert err.startswith("python -m bot grant: error: ") and message in err
    assert err.count("\n") == 1
    assert not database.exists()  # nothing opened, nothing stored


async def test_someone_granted_on_the_server_gets_the_menu_on_start(bot):
    env = {"DATABASE_PATH": str(bot.database_path)}
    code, _, _ = await asyncio.to_thread(run_grant, ["--role", "office", "--telegram-id", "5553", "--name", "Chị Vân"], env)
    assert code == 0
    bot.fake.add_user(5553, "Chị Vân", language_code="vi")
    assert await bot.say(5553, "/start") == [
        "Xin chào Chị Vân! Ông/bà đang dùng bot với vai trò: Văn phòng HĐND và UBND xã. Xin chọn một nút bên dưới, hoặc một lệnh trong menu.",
        OFFER_RESIDENT]
    assert chat_commands(bot, 5553) == RESIDENT_MENU + ["inbox", "dialogue", "speakers", "next", "conclude", "announce",
                                                        "overdue", "enter", "review", "concern", "assign", "close",
                                                        "promise", "report", "export", "concerns", "referred", "answer"]
    assert ["📥 Kiến nghị mới", "🗓 Buổi đối thoại", "🎙 Điều hành đối thoại…"] in bot.fake.current_reply_keyboard(5553)
    # Their Telegram name now shows in the staff list.
    assert "• Chị Vân (id 5553): Văn phòng HĐND và UBND xã" in (await bot.say(ADMIN, "/staff"))[0]


async def test_withdrawing_an_officer_tells_the_office_which_concerns_to_reassign(fake_api, tmp_path):
    from storage import assignments

    bot = BotUnderTest(fake_api, tmp_path / "d.sqlite3", admin_ids=frozenset({ADMIN}))
    await bot.start()
    try:
        await bot.grant(5001, "Chị Hoa", "office")
        await bot.grant(5002, "Anh Khoa", "officer", body="Địa chính - Xây dựng")
        await bot.register(5003, "Bà Lan")
        code = re.search(r"Mã theo dõi: (\d{3}-\d{3})", (await bot.submit_concern(5003, "Đường ngập"))[0]).group(1)
        officer = (await bot.rows("SELECT id FROM people WHERE external_id = '5002'"))[0][0]
        async with bot.database.transaction() as db:
            concern_id = (await (await db.execute("SELECT id FROM concerns WHERE code = ?", (code,))).fetchone())[0]
            await assignments.assign(db, concern_id=concern_id, officer_person_id=officer, body="Địa chính - Xây dựng",
                                     assigned_by=None, due_date="2030-01-01")
            await db.execute("UPDATE concerns SET status = 'in_progress' WHERE id = ?", (concern_id,))
        grant = (await bot.rows("SELECT id FROM roles WHERE role = 'officer'"))[0][0]
        bot.fake.add_user(ADMIN, "Quản trị")
        await bot.say(ADMIN, "/revoke")
        await bot.tap(ADMIN, f"ad:rv:{grant}")
        await bot.tap(ADMIN, f"ad:rvy:{grant}")
        assert bot.fake.bot_texts(5001)[-1] == (
            "Vai trò công chức của Anh Khoa (Địa chính - Xây dựng) đã được thu hồi. Các kiến nghị sau vẫn đang do người này "
            f"giải quyết và cần giao cho công chức khác: {code}. Xin dùng /assign MÃ cho từng kiến nghị.")
    finally:
        await bot.stop()
