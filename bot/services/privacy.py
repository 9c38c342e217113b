"""A person's own data: everything stored about them (/mydata), and erasing their identity (/forget).

The export names nobody else: officials who acted on a concern appear by their role
("Commune office", "Officer of Phòng Kinh tế"), never by name or id.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.calendar import WorkingCalendar
from bot.communes import Communes
from bot.deadlines import DeadlineRules
from bot.domain import HISTORY_LABELS, STATUS_LABELS
from bot.errors import DomainError
from bot.i18n import N_, Translator
from bot.notices import role_name
from bot.roles import ADMIN, CHAIR, HAMLET_HEAD, MTTQ, OFFICE, OFFICER
from bot.services.base import COMMUNE_TIMEZONE, CommuneService
from bot.services.staff import StaffService
from bot.text import PHONE_NUMBER, identity_pattern
from storage import audit, dialogs, privacy
from storage.database import Database, utc_now

# When an official holds several roles, the one a resident knows them by.
ROLE_PRECEDENCE = (CHAIR, OFFICE, MTTQ, OFFICER, HAMLET_HEAD, ADMIN)

# Details of a history entry the person may read (never another person's identity).
READABLE_DETAILS = ("text", "due_date", "extended_to", "into_code", "dialogue_date")

ACCOUNT_LABELS = {
    "person.locale_set": N_("You chose a language"),
    "resident.registered": N_("You registered as a resident"),
}


# A language by its own name: the reader recognises it whatever language the bot speaks to them.
LANGUAGE_NAMES = {"vi": "Tiếng Việt", "en": "English"}

# A registration to speak, in the words of the summary.
REGISTRATION_LABELS = {
    "pending": N_("waiting for the office's review"),
    "approved": N_("approved"),
    "declined": N_("declined"),
    "withdrawn": N_("withdrawn by you"),
}


class NothingStored(DomainError):
    message = N_("I have nothing stored about you: you have not used this bot before. Send /start to begin.")


@dataclass(frozen=True)
class PersonalData:
    """Everything stored about one person, as read from the database."""

    person: dict
    resident: dict | None
    concerns: list[dict]  # each with its attachments, assignments and history
    speaker_registrations: list[dict]
    roles: list[dict]
    account_history: list[dict]
    notices: list[dict]
    # Roles of the officials who acted on the person's concerns, to name them by role.
    officials: dict[int, list[dict]] = field(default_factory=dict)


@dataclass(frozen=True)
class ForgetSummary:
    concerns: int
    roles: int
    attachments: int = 0


FORGET_LIMITS = N_("Not in the bot's power: messages already delivered to officials stay in their chats, "
                   "and the commune's backup copies keep your data until they are replaced (within days).")


class PrivacyService(CommuneService):
    def __init__(self, database: Database, communes: Communes, staff: StaffService, calendar: WorkingCalendar,
                 rules: DeadlineRules, *, timezone: ZoneInfo = COMMUNE_TIMEZONE,
                 clock: Callable[[], datetime] | None = None) -> None:
        super().__init__(database, communes, staff, calendar, rules, timezone=timezone, clock=clock)

    async def my_data(self, channel: str, external_id: str) -> PersonalData:
        """Everything stored about the person behind a chat identity."""
        async with self._database.read() as db:
            person = await privacy.person(db, channel, external_id)
            if person is None:
                raise NothingStored()
            person_id = person["id"]
            concerns = await privacy.concerns(db, person_id)
            for concern in concerns:
                concern["attachments"] = await privacy.attachments(db, concern["id"])
                concern["assignments"] = await privacy.assignments(db, concern["id"])
                concern["history"] = await privacy.concern_history(db, concern["id"])
            actors = {entry["actor_person_id"] for concern in concerns for entry in concern["history"]}
            actors -= {None, person_id}
            return PersonalData(
                person=person,
                resident=await privacy.resident(db, person_id),
                concerns=concerns,
                speaker_registrations=await privacy.speaker_registrations(db, person_id),
                roles=await privacy.roles(db, person_id),
                account_history=await privacy.person_history(db, person_id),
                notices=await privacy.notices(db, person_id),
                officials=await privacy.roles_of_people(db, actors),
            )

    async def forget_summary(self, channel: str, external_id: str) -> ForgetSummary:
        """What /forget would keep (the concerns) and withdraw (the roles), before the person confirms."""
        data = await self.my_data(channel, external_id)
        return ForgetSummary(concerns=len(data.concerns), roles=sum(1 for r in data.roles if r["revoked_at"] is None),
                             attachments=sum(len(c["attachments"]) for c in data.concerns))

    async def forget(self, channel: str, external_id: str) -> ForgetSummary:
        """Erase the person's identity (name, phone, chat id, roles) and the photos, voice notes, documents and
        locations they sent; phone numbers are scrubbed from what they wrote. Kept, for the commune's record of
        the dialogue: each concern's text (nameless), topic, hamlet and status, and the officials' answers.

        The same chat identity coming back later is a new person."""
        async with self._database.transaction() as db:
            person = await privacy.person(db, channel, external_id)
            if person is None:
                raise NothingStored()
            resident = await privacy.resident(db, person["id"])
            names, phones = await privacy.identity_values(db, person["id"])
            counts = await privacy.forget(db, person["id"], identity=identity_pattern(names, phones), any_phone=PHONE_NUMBER)
            await dialogs.forget(db, channel, external_id)
            await audit.record(db, commune_id=resident["commune_id"] if resident else None, actor_person_id=person["id"],
                               action="person.forgotten", subject_type="person", subject_id=person["id"], details=counts)
        return ForgetSummary(concerns=counts["concerns_kept"], roles=counts["roles_revoked"],
                             attachments=counts["attachments_erased"])

    # --- the summary a person reads in the chat ----------------------------------------------------

    def summary(self, data: PersonalData, t: Translator, *, with_file: bool) -> list[str]:
        """The main points of the export, as lines to read on a phone (the file, where the channel can send
        one, has every detail)."""
        person, resident = data.person, data.resident
        lines = [t("📄 What this bot stores about you"), ""]
        name = (resident or {}).get("display_name") or person["display_name"]
        lines.append(t("Name: %(name)s", name=name) if name else t("Name: not given"))
        if resident:
            lines.append(t("Hamlet: %(hamlet)s", hamlet=t("%(hamlet)s, %(commune)s",
                                                          hamlet=self._hamlet_name(resident["commune_id"], resident["hamlet_id"], t),
                                                          commune=self._commune_name(resident["commune_id"], t))))
            lines.append(t("Phone: %(phone)s", phone=resident["phone"]) if resident.get("phone") else t("Phone: not given"))
        lines.append(t("Language: %(language)s", language=LANGUAGE_NAMES.get(person["locale"], person["locale"])))
        live_roles = [self._role(grant, t)["role_name"] for grant in data.roles if grant["revoked_at"] is None]
        lines.append(t("Roles: %(roles)s", roles=", ".join(live_roles)) if live_roles else t("Roles: none (resident)"))

        lines += ["", t("Your concerns: %(count)d", count=len(data.concerns))]
        for concern in data.concerns:
            status = STATUS_LABELS.get(concern["status"])
            lines.append(t("• %(code)s, %(topic)s: %(status)s (sent on %(date)s)", code=concern["code"],
                           topic=self._topic_name(concern, t), status=t(status) if status else concern["status"],
                           date=t.short_date(t.local_date(concern["submitted_at"]))))
        if data.speaker_registrations:
            lines += ["", t("Your registrations to speak: %(count)d", count=len(data.speaker_registrations))]
            for registration in data.speaker_registrations:
                state = "withdrawn" if registration["status"] == "withdrawn" else registration["review"]
                label = REGISTRATION_LABELS.get(state)
                words = t("• concern %(code)s: %(state)s", code=registration["concern_code"],
                          state=t(label) if label else state)
                if registration["meeting_at"] and registration["status"] != "withdrawn":
                    words += " " + t("(dialogue on %(date)s)", date=t.short_date(t.local_date(registration["meeting_at"])))
                lines.append(words)
        if with_file:
            lines += ["", t("Every detail (each concern's history, the answers, the notices sent to you) is in the file "
                            "below. To erase your identity, send /forget.")]
        else:
            lines += ["", t("To erase your identity, send /forget.")]
        return lines

    def _topic_name(self, concern: dict, t: Translator) -> str:
        commune = self._communes.get(concern["commune_id"])
        category = commune.category(concern["category"]) if commune else None
        return category.name(t.locale) if category else concern["category"]

    # --- the document ---------------------------------------------------------------------------

    def document(self, data: PersonalData, t: Translator) -> dict:
        """The export as a JSON-ready dict: raw values for machines, plain words for the person."""
        person, resident = data.person, data.resident
        return {
            "about": t("Everything the commune dialogue bot stores about you. Other people appear only by their role."),
            "exported_at": utc_now(),
            "person": {
                "channel": person["channel"],
                "account_id": person["external_id"],
                "language": person["locale"],
                "first_seen_at": person["created_at"],
                "name_shown_to_officials": person["display_name"],
            },
            "resident": self._resident(resident, t) if resident else None,
            "concerns": [self._concern(c, data, t) for c in data.concerns],
            "speaker_registrations": [self._registration(r, t) for r in data.speaker_registrations],
            "roles": [self._role(r, t) for r in data.roles],
            "account_history": [self._account_entry(entry, t) for entry in data.account_history],
            "notifications": [dict(n) for n in data.notices],
        }

    @staticmethod
    def _account_entry(entry: dict, t: Translator) -> dict:
        action = entry["action"]
        label = ACCOUNT_LABELS.get(action)
        return {"at": entry["at"], "when": t.moment(entry["at"]), "what": t(label) if label else action, "action": action}

    def _commune_name(self, commune_id: str | None, t: Translator) -> str | None:
        commune = self._communes.get(commune_id)
        return commune.name(t.locale) if commune else commune_id

    def _hamlet_name(self, commune_id: str | None, hamlet_id: str | None, t: Translator) -> str | None:
        commune = self._communes.get(commune_id)
        hamlet = commune.hamlet(hamlet_id) if commune else None
        return hamlet.name(t.locale) if hamlet else hamlet_id

    def _resident(self, resident: dict, t: Translator) -> dict:
        return {
            "commune": self._commune_name(resident["commune_id"], t),
            "commune_id": resident["commune_id"],
            "hamlet": self._hamlet_name(resident["commune_id"], resident["hamlet_id"], t),
            "hamlet_id": resident["hamlet_id"],
            "name": resident["display_name"],
            "phone": resident["phone"],
            "registered_at": resident["registered_at"],
            "consented_at": resident["consented_at"],
        }

    def _concern(self, concern: dict, data: PersonalData, t: Translator) -> dict:
        commune = self._communes.get(concern["commune_id"])
        category = commune.category(concern["category"]) if commune else None
        status_label = STATUS_LABELS.get(concern["status"])
        return {
            "code": concern["code"],
            "topic": category.name(t.locale) if category else concern["category"],
            "topic_key": concern["category"],
            "text": concern["body"],
            "status": concern["status"],
            "status_text": t(status_label) if status_label else concern["status"],
            "hamlet": self._hamlet_name(concern["commune_id"], concern["hamlet_id"], t),
            "submitted_at": concern["submitted_at"],
            "updated_at": concern["updated_at"],
            "entered_by_an_official": bool(concern["entered_by_official"]),
            "raised_count": concern["raised_count"],
            "merged_into": concern["duplicate_of_code"],
            "conclusion": concern["conclusion"],
            "conclusion_text": concern["conclusion_text"],
            "screening_note": concern["screening_note"],
            "attachments": [
                {k: v for k, v in a.items() if v is not None} for a in concern["attachments"]
            ],
            "assignments": [
                {"body": a["body"], "assigned_at": a["assigned_at"], "due_date": a["due_date"], "extended_to": a["extended_to"],
                 "extension_reason": a["extension_reason"], "resolved_at": a["resolved_at"], "result": a["result"],
                 "ended_at": a["ended_at"]}
                for a in concern["assignments"]
            ],
            "history": [self._history_entry(entry, data, t) for entry in concern["history"]],
        }

    def _history_entry(self, entry: dict, data: PersonalData, t: Translator) -> dict:
        label = HISTORY_LABELS.get(entry["action"])
        item = {
            "at": entry["at"],
            "when": t.moment(entry["at"]),
            "what": t(label) if label else entry["action"],
            "by": self._actor_word(entry["actor_person_id"], entry["commune_id"], data, t),
            "action": entry["action"],
        }
        item.update({key: entry["details"][key] for key in READABLE_DETAILS if entry["details"].get(key) is not None})
        return item

    def _actor_word(self, actor_id: int | None, commune_id: str | None, data: PersonalData, t: Translator) -> str:
        """Who acted, as a role word: never an official's name or id."""
        if actor_id is None:
            return t("the bot, automatically")
        if actor_id == data.person["id"]:
            return t("you")
        grants = data.officials.get(actor_id, [])
        grants = [g for g in grants if g["commune_id"] == commune_id] or grants
        for role in ROLE_PRECEDENCE:
            grant = next((g for g in grants if g["role"] == role), None)
            if grant is not None:
                return role_name({"role": role, "body": grant["body"], "hamlet": grant["hamlet_id"]}, t, self._communes,
                                 grant["commune_id"])
        return t("a commune official")

    def _registration(self, registration: dict, t: Translator) -> dict:
        return {
            "concern_code": registration["concern_code"],
            "point": registration["point"],
            "status": registration["status"],
            "review": registration["review"],
            "decline_reason": registration["decline_reason"],
            "position": registration["position"],
            "registered_at": registration["registered_at"],
            "withdrawn_at": registration["withdrawn_at"],
            "called_at": registration["called_at"],
            "dialogue": (
                {"meeting_at": registration["meeting_at"], "when": t.moment(registration["meeting_at"]),
                 "place": registration["place"], "status": registration["dialogue_status"]}
                if registration["meeting_at"] else None
            ),
        }

    def _role(self, grant: dict, t: Translator) -> dict:
        return {
            "role": grant["role"],
            "role_name": role_name({"role": grant["role"], "body": grant["body"], "hamlet": grant["hamlet_id"]}, t,
                                   self._communes, grant["commune_id"]),
            "commune": self._commune_name(grant["commune_id"], t),
            "body": grant["body"],
            "hamlet_id": grant["hamlet_id"],
            "granted_at": grant["granted_at"],
            "revoked_at": grant["revoked_at"],
        }
