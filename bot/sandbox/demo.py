"""The sandbox's people, and a demo commune in the middle of its dialogue cycle (`python -m bot sandbox --demo`).

Personas hold every role in the first commune, so a visitor of the chat page can switch
users and try each one. The demo is written with the services where they exist (residents
register, concerns are submitted, residents register to speak, roles are granted on the
server) and with SQL for what the officials did in the past (sandbox-only code: dates are
set back so that a dialogue was held weeks ago and an assignment is overdue today).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import aiosqlite

from bot.roles import CHAIR, OFFICE, OFFICER
from bot.services import Services
from bot.services.lifecycle import change
from storage import audit
from storage import concerns as concern_store
from storage.people import get_person


@dataclass(frozen=True)
class Persona:
    """Someone a sandbox visitor can talk as: a resident, or an official holding one role."""

    user_id: int
    name: str  # how the commune knows them
    language: str = "vi"
    role: str | None = None
    body: str | None = None  # an officer's body
    hamlet_id: str | None = None  # a hamlet head's hamlet
    label: str | None = None  # shown after the name on the chat page, e.g. the role

    @property
    def page_name(self) -> str:
        return f"{self.name} ({self.label})" if self.label else self.name


# Residents the demo adds to the sandbox's own personas.
DEMO_PERSONAS = (
    Persona(1005, "Chị Hằng"),
    Persona(1006, "Bác Sáu"),
)
# Where the demo's residents live (those not listed stay unregistered: they can try the onboarding).
DEMO_HOMES = {1001: "thon-2", 1002: "thon-1", 1003: "thon-3", 1005: "thon-1", 1006: "thon-2"}
DEMO_PHONES = {1001: "0912 345 678", 1005: "0987 654 321"}


class DemoRefused(Exception):
    """The demo is only loaded into an empty database; the message says why, in one line."""


async def ensure_personas(services: Services, personas: tuple[Persona, ...], commune_id: str) -> None:
    """Give each official persona their role in the commune, once (a restart changes nothing)."""
    commune = services.communes.get(commune_id)
    assert commune is not None
    for persona in personas:
        if persona.role is None:
            continue
        # Another communes file may name its hamlets differently: the first one will do.
        hamlet_id = persona.hamlet_id if commune.hamlet(persona.hamlet_id) else commune.hamlets[0].id
        held = False
        async with services.database.read() as db:
            person = await get_person(db, "telegram", str(persona.user_id))
            if person is not None:
                held = bool(await (await db.execute(
                    "SELECT 1 FROM roles WHERE person_id = ? AND commune_id = ? AND role = ? AND revoked_at IS NULL",
                    (person.id, commune_id, persona.role))).fetchone())
        if not held:
            await services.staff.grant_on_server("telegram", str(persona.user_id), commune_id=commune_id, role=persona.role,
                                                 body=persona.body, hamlet_id=hamlet_id if persona.hamlet_id else None)
        # The chat page reaches every persona, so none is shown as "has not opened the bot yet".
        async with services.database.transaction() as db:
            await db.execute(
                "UPDATE people SET display_name = COALESCE(display_name, ?), locale = ?, started_at = COALESCE(started_at, created_at)"
                " WHERE channel = 'telegram' AND external_id = ?",
                (persona.name, persona.language, str(persona.user_id)))


async def _is_empty(db: aiosqlite.Connection) -> bool:
    for table in ("residents", "concerns", "roles", "dialogues", "speaker_registrations"):
        if await (await db.execute(f"SELECT 1 FROM {table} LIMIT 1")).fetchone():
            return False
    return True


@dataclass(frozen=True)
class DemoSummary:
    meeting: date
    announced: date
    due: date
    codes: dict[str, str]  # story key -> tracking code


class _Clock:
    """Local days of the demo's story, stored as UTC like everything else."""

    def __init__(self, tz: ZoneInfo) -> None:
        self.tz = tz

    def at(self, day: date, hour: int, minute: int = 0) -> str:
        return datetime.combine(day, time(hour, minute), tzinfo=self.tz).astimezone(timezone.utc).isoformat()


async def load_demo(services: Services, personas: tuple[Persona, ...], *, tz: ZoneInfo,
                    today: date | None = None) -> DemoSummary:
    """A small commune mid-cycle: a dialogue held weeks ago with its conclusions announced, assignments
    (one overdue, one extended, one resolved and waiting for the resident's answer), and new concerns
    for the next dialogue, some with wishes to speak."""
    async with services.database.read() as db:
        if not await _is_empty(db):
            raise DemoRefused("the demo is loaded only into an empty database, and this one already holds "
                              "residents, concerns or roles; remove DATABASE_PATH to use a fresh one")
    commune = services.communes.items[0]
    calendar, rules = services.calendar, services.rules
    today = today or datetime.now(tz).date()
    clock = _Clock(tz)
    # The meeting was held long enough ago that the 20 working days after the announcement are over.
    meeting = calendar.working_days_before(today, rules.resolution_days + 10)
    announced = calendar.working_days_after(meeting, 4)
    due = calendar.working_days_after(announced, rules.resolution_days)
    extended_to = calendar.working_days_after(announced, rules.extension_days)

    everyone = {p.user_id: p for p in (*personas, *DEMO_PERSONAS)}
    officials = {p.role: p for p in personas if p.role}
    await ensure_personas(services, personas, commune.id)

    residents = {}
    for user_id, hamlet_id in DEMO_HOMES.items():
        persona = everyone[user_id]
        hamlet = commune.hamlet(hamlet_id) or commune.hamlets[0]
        residents[user_id] = await services.residents.register(
            "telegram", str(user_id), locale=persona.language, commune_id=commune.id, hamlet_id=hamlet.id,
            display_name=persona.name)
    # Another communes file may list other topics: the stories then take the first ones in the dialogue's scope.
    topics = [c.key for c in commune.categories if not c.petition]

    stories = {
        # key: (resident, topic, text, local day sent)
        "overdue": (1001, "land", "Ranh giới thửa đất nhà tôi với đường liên thôn chưa được cắm mốc, "
                    "xin xã cho đo đạc lại.", calendar.working_days_before(meeting, 12)),
        "resolved": (1002, "environment", "Bãi rác tự phát cuối thôn 1 gây ô nhiễm, xin xã bố trí điểm tập kết "
                     "và xe thu gom.", calendar.working_days_before(meeting, 11)),
        "answered": (1003, "development", "Đèn đường trục chính thôn 3 hỏng đã ba tháng, buổi tối đi lại rất nguy hiểm.",
                     calendar.working_days_before(meeting, 10)),
        "extended": (1005, "compensation", "Tiền bồi thường giải phóng mặt bằng đường tránh của gia đình tôi "
                     "chưa được chi trả đủ phần cây trồng.", calendar.working_days_before(meeting, 9)),
        "not_accepted": (1006, "other", "Xin cho gia đình tôi xây nhà ở trên phần đất trồng lúa.",
                         calendar.working_days_before(meeting, 8)),
        "inbox": (1001, "environment", "Mương thoát nước trước nhà văn hóa thôn 2 bị tắc, mưa là ngập đường.",
                  today - timedelta(days=3)),
        "on_file": (1003, "development", "Đường bê tông thôn 3 xuống cấp, nhiều ổ gà, xe máy hay ngã.",
                    today - timedelta(days=5)),
        "next_agenda": (1002, "social-policy", "Xin xã hướng dẫn thủ tục cấp thẻ bảo hiểm y tế cho hộ cận nghèo.",
                        today - timedelta(days=6)),
        "merged": (1006, "environment", "Mương thôn 2 tắc, nước tràn vào nhà dân.", today - timedelta(days=2)),
        "petition": (1005, "land", "Tôi tố cáo hộ bên cạnh lấn chiếm đất và đề nghị xã xử lý.", today - timedelta(days=4)),
    }
    codes: dict[str, str] = {}
    sent_at: dict[str, str] = {}
    for key, (user_id, topic, text, day) in stories.items():
        topic = topic if topic in topics else topics[0]
        concern = await services.concerns.submit(residents[user_id], category=topic, body=text, attachments=(),
                                                 submission_key=f"demo-{key}")
        codes[key] = concern.code
        sent_at[key] = clock.at(day, 9, 30)

    # Wishes to speak: four were heard at the meeting, two wait for the next dialogue.
    speakers = {
        "overdue": "Đề nghị xã cử cán bộ xuống đo đạc, cắm mốc ranh giới.",
        "resolved": "Xin bố trí xe thu gom rác mỗi tuần hai lần.",
        "answered": "Xin sửa đèn đường trước mùa mưa.",
        "on_file": "Đề nghị đưa đường thôn 3 vào kế hoạch sửa chữa năm tới.",
        "next_agenda": "Xin hướng dẫn cụ thể giấy tờ cần nộp.",
    }
    for key, point in speakers.items():
        await services.speaking.register(residents[stories[key][0]], codes[key], point)

    office = await _person_id(services, officials[OFFICE])
    chair = await _person_id(services, officials[CHAIR])
    officer_persona = officials[OFFICER]
    officer = await _person_id(services, officer_persona)

    async with services.database.transaction() as db:
        story = _Story(db)
        for key, when in sent_at.items():
            concern = await concern_store.by_code(db, codes[key])
            await db.execute("UPDATE concerns SET submitted_at = ?, updated_at = ? WHERE id = ?", (when, when, concern.id))
            await db.execute("UPDATE audit_log SET at = ? WHERE subject_type = 'concern' AND subject_id = ?", (when, concern.id))
            await db.execute("UPDATE speaker_registrations SET registered_at = ? WHERE concern_id = ?", (when, concern.id))

        cursor = await db.execute(
            "INSERT INTO dialogues (commune_id, meeting_at, place, theme, status, created_at, chair_person_id, announced_on)"
            " VALUES (?, ?, ?, ?, 'held', ?, ?, ?)",
            (commune.id, clock.at(meeting, 8), commune.meeting_place.vi, "Quản lý đất đai và vệ sinh môi trường",
             clock.at(calendar.working_days_before(meeting, 15), 10), chair, announced.isoformat()))
        dialogue = cursor.lastrowid
        await _audit_at(db, clock.at(calendar.working_days_before(meeting, 15), 10), commune_id=commune.id,
                        actor_person_id=office, action="dialogue.scheduled", subject_type="dialogue", subject_id=dialogue,
                        details={"meeting": meeting.isoformat()})

        # Screening before the meeting, then the speakers in order.
        for key in ("overdue", "resolved", "answered", "extended", "not_accepted"):
            await story.step(codes[key], "accept", clock.at(calendar.working_days_before(meeting, 6), 14), office,
                             dialogue_id=dialogue)
        for position, key in enumerate(("overdue", "resolved", "answered"), start=1):
            await db.execute(
                "UPDATE speaker_registrations SET dialogue_id = ?, review = 'approved', position = ?, called_at = ?"
                " WHERE concern_id = (SELECT id FROM concerns WHERE code = ?)",
                (dialogue, position, clock.at(meeting, 8, 10 * position), codes[key]))

        # The chair's conclusions at the meeting.
        assigned = {
            "overdue": "Giao Phòng Kinh tế đo đạc, cắm mốc ranh giới và trả lời bằng văn bản.",
            "resolved": "Giao Phòng Kinh tế phối hợp thôn bố trí điểm tập kết rác.",
            "extended": "Giao Phòng Kinh tế rà soát hồ sơ bồi thường phần cây trồng.",
        }
        for key, text in assigned.items():
            concern_id = await story.step(codes[key], "conclude_assigned", clock.at(meeting, 10), chair, text=text,
                                          details={"dialogue": dialogue, "body": officer_persona.body},
                                          conclusion="assigned", conclusion_text=text, dialogue_id=dialogue)
            await db.execute(
                "INSERT INTO assignments (concern_id, officer_person_id, body, assigned_by, assigned_at, due_date)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (concern_id, officer, officer_persona.body, chair, clock.at(meeting, 10), due.isoformat()))
        answer = "Xã đã thay 12 bóng đèn trục chính thôn 3 ngay sau hội nghị; điện lực bảo trì hằng quý."
        await story.step(codes["answered"], "conclude_answered", clock.at(meeting, 10, 30), chair, text=answer,
                         details={"dialogue": dialogue}, conclusion="answered", conclusion_text=answer, dialogue_id=dialogue)
        reason = ("Đất trồng lúa không được xây nhà ở theo quy hoạch. Ông có thể làm thủ tục chuyển mục đích "
                  "sử dụng đất tại Bộ phận một cửa của xã.")
        await story.step(codes["not_accepted"], "conclude_not_accepted", clock.at(meeting, 10, 45), chair, text=reason,
                         details={"dialogue": dialogue}, conclusion="not_accepted", conclusion_text=reason,
                         dialogue_id=dialogue)

        # The announcement starts the 20 working days of every assignment.
        for key in ("overdue", "resolved", "answered", "extended", "not_accepted"):
            concern = await concern_store.by_code(db, codes[key])
            conclusion = {"dialogue": dialogue, "conclusion": concern.conclusion}
            if concern.conclusion == "assigned":
                conclusion["due_date"] = due.isoformat()
            await _audit_at(db, clock.at(announced, 15), commune_id=commune.id, actor_person_id=office,
                            action="concern.announced", subject_type="concern", subject_id=concern.id, details=conclusion)
        await _audit_at(db, clock.at(announced, 15), commune_id=commune.id, actor_person_id=office,
                        action="dialogue.announced", subject_type="dialogue", subject_id=dialogue,
                        details={"announced_on": announced.isoformat(), "concerns": 5, "assignments": 3, "late_days": 0})

        # After the announcement: progress, an extension, a result.
        await story.step(codes["overdue"], "note", clock.at(calendar.working_days_after(announced, 8), 16), officer,
                         text="Đã xuống hiện trường, đang chờ đơn vị đo đạc của huyện cũ bàn giao bản đồ địa chính.")
        reply = ("Hồ sơ bồi thường cần đối chiếu với biên bản kiểm đếm năm 2023. Phòng Kinh tế "
                 "sẽ làm việc với Ban bồi thường và trả lời bằng văn bản trước ngày gia hạn.")
        await story.step(codes["extended"], "extend", clock.at(calendar.working_days_after(announced, 15), 11), officer,
                         text=reply, details={"extended_to": extended_to.isoformat(), "due_date": due.isoformat()})
        await db.execute("UPDATE assignments SET extended_to = ?, extension_reason = ? WHERE concern_id ="
                         " (SELECT id FROM concerns WHERE code = ?)", (extended_to.isoformat(), reply, codes["extended"]))
        resolved_day = calendar.working_days_after(announced, 18)
        result = "Đã bố trí điểm tập kết rác tại cuối thôn 1; xe thu gom chạy thứ Ba và thứ Sáu hằng tuần."
        await story.step(codes["resolved"], "resolve", clock.at(resolved_day, 10), officer, text=result)
        await db.execute("UPDATE assignments SET resolved_at = ?, result = ? WHERE concern_id ="
                         " (SELECT id FROM concerns WHERE code = ?)", (clock.at(resolved_day, 10), result, codes["resolved"]))

        # The new cycle: screening of the concerns sent since.
        recent = calendar.working_days_before(today, 1)
        await story.step(codes["next_agenda"], "accept", clock.at(recent, 9), office)
        inbox = await concern_store.by_code(db, codes["inbox"])
        await story.step(codes["merged"], "merge", clock.at(recent, 9, 15), office, details={"into_code": codes["inbox"]},
                         duplicate_of=inbox.id)
        await concern_store.raise_again(db, inbox.id)
        note = "Tố cáo cần làm đơn gửi Bộ phận Tiếp công dân của xã để được giải quyết theo quy định."
        await story.step(codes["petition"], "out_of_scope", clock.at(recent, 9, 30), office, text=note, screening_note=note)

        for user_id, phone in DEMO_PHONES.items():
            await db.execute("UPDATE residents SET phone = ? WHERE person_id = ?", (phone, residents[user_id].person_id))
    return DemoSummary(meeting=meeting, announced=announced, due=due, codes=codes)


async def _person_id(services: Services, persona: Persona) -> int:
    async with services.database.read() as db:
        person = await get_person(db, "telegram", str(persona.user_id))
    assert person is not None, f"persona {persona.user_id} has no person"
    return person.id


async def _audit_at(db: aiosqlite.Connection, at: str, **row) -> None:
    await audit.record(db, **row)
    await db.execute("UPDATE audit_log SET at = ? WHERE id = (SELECT MAX(id) FROM audit_log)", (at,))


class _Story:
    """A concern's past, told step by step: each change goes through the lifecycle, then is set back in time."""

    def __init__(self, db: aiosqlite.Connection) -> None:
        self._db = db

    async def step(self, code: str, action: str, at: str, actor_person_id: int, **kwargs) -> int:
        concern = await concern_store.by_code(self._db, code)
        assert concern is not None
        # The residents already had these notices long ago: nothing is queued for them now.
        await change(self._db, concern, action, actor_person_id=actor_person_id, notify_resident=False, **kwargs)
        await self._db.execute("UPDATE audit_log SET at = ? WHERE id = (SELECT MAX(id) FROM audit_log)", (at,))
        await self._db.execute("UPDATE concerns SET updated_at = ? WHERE id = ?", (at, concern.id))
        return concern.id

