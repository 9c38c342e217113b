"""Roles and the one table of who may do what. Every official action is checked here, server side."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.i18n import N_



ADMIN, CHAIR, OFFICE, MTTQ, OFFICER, HAMLET_HEAD = "admin", "chair", "office", "mttq", "officer", "hamlet_head"
ROLES = (ADMIN, CHAIR, OFFICE, MTTQ, OFFICER, HAMLET_HEAD)
OFFICIAL_ROLES = frozenset(ROLES)

# A chair grant says which: the Chairman (who chairs, or delegates) or a Vice-chairman (plan II.1).
CHAIRMAN, VICE_CHAIRMAN = "chairman", "vice_chairman"
CHAIR_RANKS = (CHAIRMAN, VICE_CHAIRMAN)

ROLE_LABELS = {
    ADMIN: N_("Administrator"),
    CHAIR: N_("Chair (Chairman or delegated Vice-chairman)"),
    OFFICE: N_("Commune office"),
    MTTQ: N_("Fatherland Front (MTTQ)"),
    OFFICER: N_("Officer"),
    HAMLET_HEAD: N_("Hamlet head"),
}



def role_label(role: str, t, commune=None) -> str:
    """A role as the commune names it in its settings (since 2025), else in the catalog's words.
    `t` is the reader's Translator, `commune` a bot.communes.Commune or None."""
    title = commune.role_title(role) if commune is not None else None
    return title(t.locale) if title is not None else t(ROLE_LABELS[role])


# Every official action and the roles that may take it (DOMAIN.md "Who uses the bot", issue 3).
PERMISSIONS: dict[str, frozenset[str]] = {
    "grant": frozenset({ADMIN}),
    "revoke": frozenset({ADMIN}),
    "staff": frozenset({ADMIN}),
    "schedule_dialogue": frozenset({OFFICE, CHAIR}),
    "view_speakers": frozenset({OFFICE, MTTQ, CHAIR}),
    "review_speakers": frozenset({OFFICE}),
    "run_meeting": frozenset({OFFICE, CHAIR}),
    "conclude": frozenset({CHAIR, OFFICE}),
    "announce": frozenset({OFFICE}),
    "screen": frozenset({OFFICE}),
    "enter_for_resident": frozenset({OFFICE, HAMLET_HEAD}),
    "view_concern": frozenset({ADMIN, CHAIR, OFFICE, MTTQ, OFFICER, HAMLET_HEAD}),
    "assign": frozenset({OFFICE, CHAIR}),
    "work_on_task": frozenset({OFFICER}),
    "close": frozenset({OFFICE}),
    "view_overdue": frozenset({OFFICE, CHAIR, MTTQ}),
    "view_undelivered": frozenset({OFFICE, CHAIR, MTTQ}),
    # Issue 11: reports (a hamlet head's covers their hamlet only), the registers as files, the MTTQ's supervision.
    "report": frozenset({OFFICE, CHAIR, MTTQ, HAMLET_HEAD}),
    "export": frozenset({OFFICE, MTTQ}),
    "list_concerns": frozenset({OFFICE, CHAIR, MTTQ}),
    "supervise": frozenset({MTTQ}),
    "acknowledge_note": frozenset({OFFICE, CHAIR}),
    "confirm_conclusion": frozenset({CHAIR}),
    "record_referral_answer": frozenset({OFFICE}),
    # Issue 10: the review of concerns raised again and again (plan II.3.1), before every dialogue.
    "review": frozenset({OFFICE, CHAIR, MTTQ}),
    "propose_direction": frozenset({OFFICE}),
    "promise": frozenset({CHAIR, OFFICE}),
    "carry_over": frozenset({OFFICE, CHAIR}),
    "hamlet_list": frozenset({HAMLET_HEAD}),
    # Issue 8: the MTTQ compiles and issues the invitations (plan III.3), the office helps compile;
    # hamlet heads propose representatives of their hamlet and carry invitations by hand.
    "view_invitations": frozenset({MTTQ, OFFICE, CHAIR}),
    "compile_invitations": frozenset({MTTQ, OFFICE}),
    "propose_representative": frozenset({MTTQ, OFFICE, HAMLET_HEAD}),
    "issue_invitations": frozenset({MTTQ}),
    "deliver_by_hand": frozenset({HAMLET_HEAD}),
    "announce_meeting": frozenset({OFFICE, MTTQ}),
    "take_attendance": frozenset({OFFICE}),
    "delegate_chair": frozenset({CHAIR}),  # and only the Chairman (bot/services/invitations.py)
    "propose_chair": frozenset({OFFICE}),
    "view_reminders": frozenset({OFFICE, MTTQ}),
}

# Who may see a resident's name and phone (DOMAIN.md "What must never happen"); the assigned
# officer and the head of the resident's own hamlet are added case by case.
IDENTITY_ROLES = frozenset({OFFICE, CHAIR, MTTQ})

# Who may read any concern of the commune by its code (need to know, DOMAIN.md): the office screens
# them, the chair concludes them, the MTTQ supervises everything, the admin runs the deployment.
# A hamlet head reads their own hamlet's, an officer those assigned to them (now or before).
READ_ALL_ROLES = frozenset({OFFICE, CHAIR, MTTQ, ADMIN})


@dataclass(frozen=True)
class Actor:
    """Someone acting in one commune, with the roles they hold there."""

    person_id: int
    commune_id: str
    locale: str
    roles: frozenset[str] = field(default_factory=frozenset)
    body: str | None = None  # the officer's body (cơ quan chuyên môn)
    hamlet_id: str | None = None  # the hamlet head's hamlet
    display_name: str | None = None

    def may(self, action: str) -> bool:
        return bool(self.roles & PERMISSIONS[action])

    @property
    def is_official(self) -> bool:
        return bool(self.roles)

    def reads_concern(self, *, hamlet_id: str, officer_ids: set[int]) -> bool:
        """May this official read a concern of this hamlet, assigned (now or before) to these officers?"""
        return (
            bool(self.roles & READ_ALL_ROLES)
            or (HAMLET_HEAD in self.roles and self.hamlet_id == hamlet_id)
            or (OFFICER in self.roles and self.person_id in officer_ids)
        )

    def sees_identity_of(self, *, hamlet_id: str, assigned_officer_id: int | None) -> bool:
        return (
            bool(self.roles & IDENTITY_ROLES)
            or (OFFICER in self.roles and assigned_officer_id == self.person_id)
            or (HAMLET_HEAD in self.roles and self.hamlet_id == hamlet_id)
        )
