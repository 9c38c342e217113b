"""How concerns and registrations read in a chat (shared by the resident's handlers)."""

from __future__ import annotations

from bot.communes import Commune
from bot.domain import HISTORY_LABELS, STATUS_LABELS
from bot.i18n import N_, Translator
from storage.records import Attachment, Concern, HistoryEntry

ATTACHMENT_LINES = {
    "photo": N_("Photos: %(count)d"),
    "voice": N_("Voice notes: %(count)d"),
    "location": N_("Locations: %(count)d"),
    "document": N_("Files: %(count)d"),
}


def category_name(commune: Commune, key: str, t: Translator) -> str:
    category = commune.category(key)
    return category.name(t.locale) if category else key


def attachment_lines(attachments: tuple[Attachment, ...] | list[Attachment], t: Translator) -> list[str]:
    lines = []
    for kind, line in ATTACHMENT_LINES.items():
        count = sum(1 for a in attachments if a.kind == kind)
        if count:
            lines.append(t(line, count=count))
    return lines


def body_text(body: str, t: Translator) -> str:
    return body if body else t("(in the voice note)")


def draft_lines(commune: Commune, draft: dict, attachments: tuple[Attachment, ...], t: Translator) -> list[str]:
    return [
        t("Topic: %(topic)s", topic=category_name(commune, draft["category"], t)),
        t("Content: %(body)s", body=body_text(draft.get("body") or "", t)),
        *attachment_lines(attachments, t),
    ]


ADD_MORE = N_("You may still add a photo, a voice note or a location, or type the text again to replace it.")
# A channel that receives photos only (Zalo: voice notes and locations arrive as "unsupported").
ADD_PHOTO = N_("You may still add a photo, or type the text again to replace it.")


def draft_summary(commune: Commune, draft: dict, attachments: tuple[Attachment, ...], t: Translator,
                  add_more: str = ADD_MORE) -> str:
    lines = [
        t("Please check your concern before sending it:"),
        "",
        *draft_lines(commune, draft, attachments, t),
        "",
        t(add_more),
    ]
    return "\n".join(lines)


def concern_line(commune: Commune, concern: Concern, t: Translator) -> str:
    return t(
        "• %(code)s · %(topic)s · %(status)s · %(date)s",
        code=concern.code, topic=category_name(commune, concern.category, t),
        status=t(STATUS_LABELS[concern.status]), date=t.short_date(t.local_date(concern.submitted_at)),
    )


def history_entry_text(entry: HistoryEntry, t: Translator) -> str | None:
    """One step in plain words, with the official's own written words (reason, answer, result) under it."""
    label = HISTORY_LABELS.get(entry.action)
    if label is None:  # internal steps (e.g. the meeting's calls) are not the resident's history
        return None
    line = t("• %(when)s: %(what)s", when=t.moment(entry.at), what=t(label))
    text = entry.details.get("text")
    return f"{line}\n   “{text}”" if text else line


def concern_details(commune: Commune, concern: Concern, history: list[HistoryEntry], t: Translator) -> str:
    lines = [
        t("Concern %(code)s", code=concern.code),
        t("Topic: %(topic)s", topic=category_name(commune, concern.category, t)),
        t("Status: %(status)s", status=t(STATUS_LABELS[concern.status])),
        t("Sent on: %(date)s", date=t.date(t.local_date(concern.submitted_at))),
        t("Content: %(body)s", body=body_text(concern.body, t)),
        *attachment_lines(concern.attachments, t),
        "",
        t("History:"),
        *(line for line in (history_entry_text(entry, t) for entry in history) if line),
    ]
    return "\n".join(lines)


ATTACHMENTS_DATA = "cw:files:"


def attachments_button(concern: Concern, t: Translator) -> tuple[str, str]:
    """📎 Open the attachments: the same button wherever an official reads a concern."""
    return (t("📎 Open the attachments (%(count)d)", count=len(concern.attachments)), f"{ATTACHMENTS_DATA}{concern.code}")


def official_name(t: Translator, name: str | None, *, started: bool = True) -> str:
    """An official as others pick them: the name, marked when they have not opened the bot (Telegram
    delivers nothing to them until they do)."""
    shown = name or t("(name not known yet)")
    return shown if started else t("%(name)s (has not opened the bot yet)", name=shown)


def person_label(t: Translator, name: str | None, username: str | None, external_id: str | None) -> str:
    """Someone as an administrator must tell them apart: name, @username and Telegram id."""
    shown = name or t("(name not known yet)")
    if username:
        return t("%(name)s (@%(username)s, id %(id)s)", name=shown, username=username, id=external_id or "?")
    return t("%(name)s (id %(id)s)", name=shown, id=external_id or "?")


def not_started_warning(t: Translator, name: str | None) -> str:
    return t("⚠️ %(name)s has not opened the bot yet, so Telegram cannot deliver the notice. Please tell them to open "
             "the bot and send /start.", name=name or t("(name not known yet)"))
