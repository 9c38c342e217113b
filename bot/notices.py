"""What a notification says, per kind, in the reader's language; channels add only the delivery.

A renderer returns the text and optional actions: (button label, opaque action data) pairs
that a channel shows as buttons and routes back to its handlers.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from bot.communes import Communes
from bot.i18n import N_, Translator
from bot.roles import role_label


@dataclass(frozen=True)
class Rendered:
    text: str
    actions: list[tuple[str, str]] = field(default_factory=list)


Renderer = Callable[[dict, Translator, Communes], Rendered]
RENDERERS: dict[str, Renderer] = {}


def renders(kind: str) -> Callable[[Renderer], Renderer]:
    def register(function: Renderer) -> Renderer:
        if kind in RENDERERS:
            raise RuntimeError(f"two renderers for notice kind {kind!r}")
        RENDERERS[kind] = function
        return function
    return register


def render(kind: str, payload: dict, t: Translator, communes: Communes) -> Rendered:
    return RENDERERS[kind](payload, t, communes)


def render_for(kind: str, payload: dict, t: Translator, communes: Communes, on_behalf_of: str | None) -> Rendered:
    """What one addressee reads, whatever the channel: for a resident without a phone, the official who
    entered their concern passes it on (the actions are the resident's, so none is shown)."""
    rendered = render(kind, payload, t, communes)
    if on_behalf_of is None:
        return rendered
    return Rendered(t("For %(name)s, who has no phone (you entered their concern) — please pass this on:",
                      name=on_behalf_of) + "\n\n" + rendered.text)


def role_name(payload: dict, t: Translator, communes: Communes, commune_id: str | None = None) -> str:
    """A role as people say it: the officer's body, the hamlet head's hamlet."""
    role = payload["role"]
    if role == "officer" and payload.get("body"):
        return t("Officer of %(body)s", body=communes.body_name(payload["body"], t.locale, commune_id))
    if role == "hamlet_head" and payload.get("hamlet"):
        for commune in communes.items:
            hamlet = commune.hamlet(payload["hamlet"])
            if hamlet is not None and (commune_id is None or commune.id == commune_id):
                return t("Head of %(hamlet)s", hamlet=hamlet.name(t.locale))
    commune = communes.get(commune_id) if commune_id else communes.single
    return role_label(role, t, commune)


@renders("role_accepted")
def _role_accepted(payload: dict, t: Translator, communes: Communes) -> Rendered:
    name = payload["name"]
    if payload.get("username"):
        name = t("%(name)s (@%(username)s, id %(id)s)", name=name, username=payload["username"], id=payload.get("external_id"))
    elif payload.get("external_id"):
        name = t("%(name)s (id %(id)s)", name=name, id=payload["external_id"])
    return Rendered(t("%(name)s accepted the role: %(role)s.", name=name, role=role_name(payload, t, communes)))


@renders("role_revoked")
def _role_revoked(payload: dict, t: Translator, communes: Communes) -> Rendered:
    return Rendered(t("Your role “%(role)s” was withdrawn by the administrator.", role=role_name(payload, t, communes)))




# What the resident reads when a body's công chức acted on their concern: the body acts.
BY_BODY = {
    "assign": N_("Concern %(code)s: assigned to %(body)s to resolve."),
    "note": N_("Concern %(code)s: %(body)s reported progress."),
    "extend": N_("Concern %(code)s: %(body)s extended the time to resolve it, with a written reply."),
    "resolve": N_("Concern %(code)s: %(body)s answered in writing."),
    "referral_answered": N_("Concern %(code)s: %(body)s, to which it was referred, answered."),
}


@renders("concern_update")
def _concern_update(payload: dict, t: Translator, communes: Communes) -> Rendered:
    """What happened to the resident's concern, in plain words, with the official's own text if any."""
    from bot.domain import HISTORY_LABELS, STATUS_LABELS

    what = HISTORY_LABELS["concern." + payload["action"]]
    status = STATUS_LABELS[payload["status"]]
    by_body = BY_BODY.get(payload["action"]) if payload.get("body") else None
    if by_body is not None:
        # The answer is the body's (plan II.3.3: "cơ quan được giao"), not the công chức's own.
        lines = [t(by_body, code=payload["code"], body=communes.body_name(payload["body"], t.locale))]
    else:
        lines = [t("Concern %(code)s: %(what)s.", code=payload["code"], what=t(what))]
    if payload.get("into_code"):
        lines.append(t("Please follow concern %(code)s from now on.", code=payload["into_code"]))
    in_force = payload.get("extended_to") or payload.get("due_date")
    if in_force:
        from datetime import date

        day = t.date(date.fromisoformat(in_force))
        if payload["action"] == "extend":
            lines.append(t("New date for the answer: %(date)s.", date=day))
        elif payload.get("due_unchanged"):
            lines.append(t("The date for the answer does not change: %(date)s.", date=day))
        else:
            lines.append(t("To be answered by: %(date)s.", date=day))
    if payload.get("text"):
        lines += ["", payload["text"]]
    if t(status) != t(what):  # "Accepted onto the agenda" is not said twice
        lines += ["", t("Status: %(status)s", status=t(status))]
    actions = []
    if payload["action"] in ("resolve", "referral_answered"):  # a follower answers like the first sender (issue 10)
        actions = [(t("👍 Satisfied"), f"vd:ok:{payload['code']}"), (t("👎 Not satisfied"), f"vd:no:{payload['code']}")]
    return Rendered("\n".join(lines), actions)


@renders("tasks_orphaned")
def _tasks_orphaned(payload: dict, t: Translator, communes: Communes) -> Rendered:
    """The office learns which concerns to reassign after an officer's role was withdrawn."""
    return Rendered(t("The officer role of %(name)s (%(body)s) was withdrawn. These concerns are still open with them "
                      "and need another officer: %(codes)s. Use /assign CODE for each.",
                      name=payload["name"], body=payload.get("body") or "—", codes=", ".join(payload["codes"])))
