"""Who may do what: every official command, menu button and button, as every role and as a stranger.

The expected answer is derived from bot/roles.PERMISSIONS, the one table the services check;
this test proves the Telegram side cannot get around it and that a refusal changes nothing."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pytest

from bot.errors import NotAllowed, describe
from bot.roles import PERMISSIONS, ROLES
from handlers.menus import OFFICIAL_COMMANDS

ADMIN, CHAIR, OFFICE, MTTQ, OFFICER, HEAD, RESIDENT, STRANGER = range(4001, 4009)
PEOPLE = {
    ADMIN: ("Anh Quân", "admin"), CHAIR: ("Ông Thành", "chair"), OFFICE: ("Chị Hoa", "office"),
    MTTQ: ("Bà Mai", "mttq"), OFFICER: ("Anh Khoa", "officer"), HEAD: ("Anh Dũng", "hamlet_head"),
    RESIDENT: ("Bà Lan", None), STRANGER: ("Người lạ", None),
}
CODE = re.compile(r"Mã theo dõi: (\d{3}-\d{3})")

# Each official command and the permission it needs (typed-only ones take a concern code).
COMMAND_ACTIONS = {
    "inbox": "screen", "dialogue": "schedule_dialogue", "speakers": "view_speakers", "next": "run_meeting",
    "conclude": "conclude", "announce": "announce", "overdue": "view_overdue", "tasks": "work_on_task",
    "enter": "enter_for_resident", "staff": "staff", "grant": "grant", "revoke": "revoke",
    "concern {code}": "view_concern", "assign {code}": "assign", "close {code}": "close",
    "undelivered": "view_undelivered",
    "report": "report", "export": "export", "confirm": "confirm_conclusion", "referred": "list_concerns", "concerns": "list_concerns",
    "answer {code}": "enter_for_resident", "follow": "confirm_conclusion",
    "note {code} Xin làm rõ tiến độ": "supervise",
    "review": "review", "hamlet": "hamlet_list", "promise {code} 31/12/2030 thay đèn": "promise",
    # Issue 8: a hamlet head's /invitations is their hamlet's list; the others' the dashboard.
    "invitations": ("view_invitations", "deliver_by_hand"), "attendance": "take_attendance",
    "walkin Ông Tư; thon-2; Xin đèn đường": "take_attendance", "reminders": "view_reminders",
    "invite Ông Tư; thon-2": "propose_representative",
}
# Button data each action's handlers accept (forged here: nobody was shown them), by action.
BUTTONS = {
    "screen": ["cw:mi:{code}:{code}", "cw:acc:{code}", "cw:mrg:{code}", "cw:oos:{code}", "cw:oosy:{code}", "cw:rej:{code}", "cw:nx:{code}"],
    "close": ["cw:cls:{code}", "cw:reo:{code}"],
    "assign": ["tk:as:{code}:{officer_grant}"],
    "work_on_task": ["tk:note:{code}", "tk:ext:{code}", "tk:res:{code}"],
    "grant": ["ad:grant", "ad:role:office", "ad:hamlet:thon-1"],
    "revoke": ["ad:revoke", "ad:rv:{officer_grant}", "ad:rvy:{officer_grant}"],
    "schedule_dialogue": ["dl:re:{dialogue}", "dl:cx:{dialogue}", "dl:cxy:{dialogue}"],
    "review_speakers": ["sk:ok:{registration}", "sk:no:{registration}", "sk:up:{registration}:1"],
    "run_meeting": ["mt:nx:{dialogue}:0"],
    "conclude": ["cl:pg:2", "cl:pick:{concern_id}", "cl:asg:{concern_id}", "cl:ans:{concern_id}", "cl:off:{concern_id}:1"],
    "announce": ["an:ok:{dialogue}"],
    "report": ["rp:p:2026", "rp:d:{dialogue}"],
    "export": ["ex:p:2026-Q4", "ex:d:{dialogue}"],
    "confirm_conclusion": ["cf:ok:{dialogue}", "cf:pg:2"],
    "record_referral_answer": ["rf:{concern_id}"],
    "acknowledge_note": ["nt:ack:1"],
    "list_concerns": ["ls:0:1:0:0:0", "rf:pg:2"],
    "enter_for_resident": ["ab:ok:{code}", "ab:no:{code}"],
    "review": ["rv:-:-:pg:1", "rv:land:-:pg:2", "rv:ft:-:-", "rv:fh:land:-"],
    "propose_direction": ["rv:dir:{code}"],
    "carry_over": ["rv:co:{dialogue}"],
    "promise": ["rv:pr:{code}"],
    "hamlet_list": ["hl:pg:1"],
    "compile_invitations": ["iv:compile"],
    "issue_invitations": ["iv:issue"],
    "announce_meeting": ["iv:public", "iv:radio"],
    "deliver_by_hand": ["iv:hand:1", "iv:hd:pg:2"],
    "take_attendance": ["iv:here:1", "iv:ah:thon-2", "iv:at:pg:2"],
    "view_invitations": ["iv:db:pg:2", "iv:nr:thon-2", "iv:nr:thon-2:pg:2"],
    "view_reminders": ["iv:rm:pg:2"],
    "delegate_chair": ["iv:chair:1"],
}
# Actions reached only through a flow (tested in their own files), not by a forged button.
UNREACHABLE_BY_TYPING = {"propose_chair", "view_concern"}
STALE = "Nút này không còn hiệu lực. Xin dùng các nút bên dưới."


def roles_of(user_id: int) -> set[str]:
    role = PEOPLE[user_id][1]
    return {role} if role else set()


def permitted(action) -> frozenset[str]:
    """The roles allowed an action, or any of several (a command that shows each role its own screen)."""
    actions = (action,) if isinstance(action, str) else action
    return frozenset().union(*(PERMISSIONS[a] for a in actions))


def refusal(bot, action) -> str:
    action = action if isinstance(action, str) else action[0]
    allowed = tuple(r for r in ROLES if r in PERMISSIONS[action])
    return describe(NotAllowed(roles=allowed), bot.application.bot_data["i18n"].for_locale("vi"))


async def snapshot(bot) -> list:
    """Everything an official action could change."""
    return [
        await bot.rows("SELECT code, status, dialogue_id, conclusion FROM concerns ORDER BY id"),
        await bot.rows("SELECT person_id, role, revoked_at FROM roles ORDER BY id"),
        await bot.rows("SELECT concern_id, officer_person_id, due_date, ended_at FROM assignments ORDER BY id"),
        await bot.rows("SELECT meeting_at, status, announced_on, current_position FROM dialogues ORDER BY id"),
        await bot.rows("SELECT status, review, position FROM speaker_registrations ORDER BY id"),
        await bot.rows("SELECT COUNT(*) FROM role_invitations"),
        await bot.rows("SELECT * FROM invitations ORDER BY id"),
        await bot.rows("SELECT invitations_issued_at, chair_person_id, public_notice_at FROM dialogues ORDER BY id"),
        await bot.rows("SELECT COUNT(*) FROM outbox"),
    ]


@pytest.fixture
async def commune(bot):
    """Every role held by someone; a concern with a speaker registration on a scheduled dialogue."""
    for user_id, (name, role) in PEOPLE.items():
        if role == "officer":
            await bot.grant(user_id, name, role, body="Địa chính - Xây dựng")
        elif role == "hamlet_head":
            await bot.grant(user_id, name, role, hamlet="thon-2")
        elif role:
            await bot.grant(user_id, name, role)
    await bot.register(RESIDENT, "Bà Lan")
    bot.fake.add_user(STRANGER, "Người lạ")
    code = CODE.search((await bot.submit_concern(RESIDENT, "Đường ngập"))[0]).group(1)
    await bot.say(RESIDENT, "/speak")
    await bot.tap(RESIDENT, "sp:new")
    await bot.tap(RESIDENT, f"sp:pick:{code}")
    await bot.say(RESIDENT, "Xin làm mương")
    await bot.tap(RESIDENT, "sp:ok")
    meeting = (datetime.now(timezone.utc) + timedelta(days=60)).replace(microsecond=0)
    async with bot.database.transaction() as db:
        await db.execute("INSERT INTO dialogues (commune_id, meeting_at, place, created_at) VALUES ('bao-lam', ?, 'Hội trường', ?)",
                         (meeting.isoformat(), meeting.isoformat()))
        await db.execute("UPDATE speaker_registrations SET dialogue_id = 1")
    values = {
        "code": code,
        "concern_id": (await bot.rows("SELECT id FROM concerns"))[0][0],
        "officer_grant": (await bot.rows("SELECT id FROM roles WHERE role = 'officer'"))[0][0],
        "dialogue": 1,
        "registration": (await bot.rows("SELECT id FROM speaker_registrations"))[0][0],
    }
    return values


async def test_every_official_command_answers_each_role_by_the_permission_table(bot, commune):
    checked = 0
    for command, action in COMMAND_ACTIONS.items():
        text = "/" + command.format(**commune)
        for user_id in PEOPLE:
            before = await snapshot(bot)
            replies = await bot.say(user_id, text)
            allowed = bool(roles_of(user_id) & permitted(action))
            if allowed:
                assert replies and refusal(bot, action) not in replies, (text, PEOPLE[user_id])
            else:
                assert replies == [refusal(bot, action)], (text, PEOPLE[user_id])
                assert await snapshot(bot) == before, (text, PEOPLE[user_id])
            await bot.say(user_id, "/cancel")
            checked += 1
    assert checked == len(COMMAND_ACTIONS) * len(PEOPLE)
    for action in PERMISSIONS:  # every action in the table is reached by a command or a button (or both)
        assert action in BUTTONS or any(action == a or action in a for a in COMMAND_ACTIONS.values()) \
            or action in UNREACHABLE_BY_TYPING, action


async def test_typing_an_official_menu_button_is_checked_the_same_way(bot, commune):
    i18n = bot.application.bot_data["i18n"]
    for command in OFFICIAL_COMMANDS:
        action = COMMAND_ACTIONS[command.command]
        label = i18n.for_locale("vi")(command.label)
        for user_id in PEOPLE:
            replies = await bot.say(user_id, label)
            if roles_of(user_id) & PERMISSIONS[action]:
                assert replies and refusal(bot, action) not in replies, (label, PEOPLE[user_id])
            else:
                assert replies == [refusal(bot, action)], (label, PEOPLE[user_id])
            await bot.say(user_id, "/cancel")


async def test_no_button_lets_a_role_act_beyond_its_permissions(bot, commune):
    """Forged or forwarded buttons: refused (or stale), and nothing in the database moves."""
    before = await snapshot(bot)
    refusals_before = (await bot.rows("SELECT COUNT(*) FROM audit_log WHERE action = 'refused'"))[0][0]
    pressed = refused = 0
    for action, patterns in BUTTONS.items():
        for pattern in patterns:
            data = pattern.format(**commune)
            for user_id in PEOPLE:
                if roles_of(user_id) & PERMISSIONS[action]:
                    continue
                if not bot.fake.chat(user_id):
                    await bot.say(user_id, "/help")
                message_id = bot.fake.chat(user_id)[-1]["message_id"]
                replies = await bot.send(user_id, bot.fake.press(user_id, message_id, data))
                assert len(replies) == 1 and replies[0] in (refusal(bot, action), STALE), (data, PEOPLE[user_id], replies)
                refused += replies[0] == refusal(bot, action)
                pressed += 1
    assert await snapshot(bot) == before
    assert pressed > 150
    # Most are refused by the permission check itself, and each of those is in the audit log.
    refusals_after = (await bot.rows("SELECT COUNT(*) FROM audit_log WHERE action = 'refused'"))[0][0]
    assert refused > pressed // 2
    assert refusals_after - refusals_before == refused
