"""What the dialogue's notices say, in the reader's language: scheduling, speakers, conclusions."""

from __future__ import annotations

from datetime import date

from bot.communes import Communes
from bot.i18n import Translator
from bot.notices import Rendered, renders
from bot.pages import Page, page_line
from bot.services import paged

def _when(t: Translator, utc_iso: str) -> tuple[str, str]:
    """The meeting's day and local time, as people read them."""
    return t.date(t.local_date(utc_iso)), t.moment(utc_iso).split(" ")[0]


def place_name(communes: Communes, commune_id: str | None, place: str, locale: str) -> str:
    """The commune's hall is named in the reader's language; a place typed by the office as typed."""
    commune = communes.get(commune_id)
    if commune is not None and place in (commune.meeting_place.vi, commune.meeting_place.en):
        return commune.meeting_place(locale)
    return place


def _place(payload: dict, t: Translator, communes: Communes) -> str:
    return place_name(communes, payload.get("commune"), payload["place"], t.locale)


@renders("dialogue_scheduled")
def _dialogue_scheduled(payload: dict, t: Translator, communes: Communes) -> Rendered:
    day, at = _when(t, payload["meeting_at"])
    lines = [t("📅 The commune's direct dialogue will be held on %(date)s at %(time)s, at %(place)s.",
               date=day, time=at, place=_place(payload, t, communes))]
    if payload.get("theme"):
        lines.append(t("Theme: %(theme)s", theme=payload["theme"]))
    if payload.get("speaking"):
        lines += ["", t("Your wish to speak about concern %(codes)s joins this dialogue. "
                        "The office will confirm the order of speakers.", codes=", ".join(payload["speaking"]))]
    if payload.get("agenda"):
        lines += ["", t("Your concern %(codes)s is on its agenda.", codes=", ".join(payload["agenda"]))]
    return Rendered("\n".join(lines))


@renders("dialogue_rescheduled")
def _dialogue_rescheduled(payload: dict, t: Translator, communes: Communes) -> Rendered:
    day, at = _when(t, payload["meeting_at"])
    previous, _ = _when(t, payload["previous_at"])
    return Rendered(t("📅 The dialogue has been moved. It will now be held on %(date)s at %(time)s, at %(place)s "
                      "(it was planned for %(previous)s). Your registration stays valid.",
                      date=day, time=at, place=_place(payload, t, communes), previous=previous))


@renders("dialogue_cancelled")
def _dialogue_cancelled(payload: dict, t: Translator, communes: Communes) -> Rendered:
    day, _ = _when(t, payload["meeting_at"])
    return Rendered(t("The dialogue planned for %(date)s has been cancelled. Your registration and your concerns "
                      "are kept on file for the next dialogue; you will be told when it is scheduled.", date=day))


@renders("speaker_reviewed")
def _speaker_reviewed(payload: dict, t: Translator, communes: Communes) -> Rendered:
    day, _ = _when(t, payload["meeting_at"])
    if payload["approved"] and payload.get("place"):
        return Rendered(t("✅ Your registration to speak about concern %(code)s at the dialogue on %(date)s was approved. "
                          "Your place in the order of speaking: %(place)d of %(total)d so far (the office may still "
                          "change the order; /speak shows it). You will be told here when it is your turn.",
                          code=payload["code"], date=day, place=payload["place"], total=payload["total"]))
    if payload["approved"]:
        return Rendered(t("✅ Your registration to speak about concern %(code)s at the dialogue on %(date)s was approved. "
                          "You will be told here when it is your turn.", code=payload["code"], date=day))
    return Rendered(t("Your registration to speak about concern %(code)s at the dialogue on %(date)s was declined "
                      "by the commune office.\n\nReason: %(reason)s\n\nYour concern itself is still followed as before.",
                      code=payload["code"], date=day, reason=payload.get("reason") or ""))


@renders("speaker_called")
def _speaker_called(payload: dict, t: Translator, communes: Communes) -> Rendered:
    return Rendered(t("🎤 You are next to speak at the dialogue, about concern %(code)s:\n“%(point)s”\n\n"
                      "Please get ready to come to the microphone.", code=payload["code"], point=payload["point"]))


def _due(t: Translator, iso: str | None) -> str:
    return t.date(date.fromisoformat(iso)) if iso else ""


@renders("conclusion_announced")
def _conclusion_announced(payload: dict, t: Translator, communes: Communes) -> Rendered:
    lines = [t("📢 The conclusions of the dialogue have been announced.")]
    if payload["conclusion"] == "answered":
        lines += [t("Concern %(code)s was answered at the dialogue.", code=payload["code"]), "",
                  t("Answer: %(text)s", text=payload.get("text") or "")]
    elif payload["conclusion"] == "assigned":
        lines.append(t("Concern %(code)s is assigned to %(body)s, who must resolve it and answer you in writing by %(date)s.",
                       code=payload["code"], body=communes.body_name(payload.get("body"), t.locale, payload.get("commune")),
                       date=_due(t, payload.get("due_date"))))
        if payload.get("text"):
            lines += ["", t("The chair's conclusion: %(text)s", text=payload["text"])]
    elif payload["conclusion"] == "referred":
        lines.append(t("Concern %(code)s is beyond the commune's power: it was referred to %(body)s. You will be told "
                       "its answer.", code=payload["code"], body=payload.get("body") or ""))
        if payload.get("text"):
            lines += ["", t("The chair's conclusion: %(text)s", text=payload["text"])]
    else:
        lines += [t("Concern %(code)s was not accepted at the dialogue.", code=payload["code"]), "",
                  t("Reason: %(reason)s", reason=payload.get("text") or "")]
    if payload["conclusion"] == "answered":  # the resident may agree with or dispute the answer given (issue 11)
        return Rendered("\n".join(lines), [(t("👍 Satisfied"), f"vd:ok:{payload['code']}"),
                                           (t("👎 Not satisfied"), f"vd:no:{payload['code']}")])
    return Rendered("\n".join(lines))


@renders("hamlet_conclusions")
def _hamlet_conclusions(payload: dict, t: Translator, communes: Communes) -> Rendered:
    return paged.first_page("hamlet_conclusions", payload, t, communes)


# Characters of an answer shown in a hamlet head's list.
MAX_LISTED_TEXT = 150


@paged.page_text("hamlet_conclusions")
def _hamlet_conclusions_page(payload: dict, page: Page, t: Translator, communes: Communes) -> str:
    """A hamlet head's page of the conclusions about the concerns of their hamlet."""
    commune = communes.get(payload.get("commune"))
    hamlet = commune.hamlet(payload["hamlet"]) if commune else None
    day, _ = _when(t, payload["meeting_at"])
    lines = [t("📢 The conclusions of the dialogue of %(date)s for %(hamlet)s:",
               date=day, hamlet=hamlet.name(t.locale) if hamlet else payload["hamlet"])]
    if page_line(page, t):
        lines.append(page_line(page, t))
    for item in page.items:
        # A summary line each (the resident concerned reads the whole answer): a page stays one message.
        text = item.get("text") or ""
        text = text if len(text) <= MAX_LISTED_TEXT else text[: MAX_LISTED_TEXT - 1] + "…"
        if item["conclusion"] == "answered":
            lines.append(t("• %(code)s: answered at the dialogue: %(text)s", code=item["code"], text=text))
        elif item["conclusion"] == "assigned":
            lines.append(t("• %(code)s: assigned to %(body)s, to be answered by %(date)s",
                           code=item["code"], body=communes.body_name(item.get("body"), t.locale, payload.get("commune")),
                           date=_due(t, item.get("due_date"))))
        elif item["conclusion"] == "referred":
            lines.append(t("• %(code)s: referred to %(body)s", code=item["code"], body=item.get("body") or ""))
        else:
            lines.append(t("• %(code)s: not accepted: %(text)s", code=item["code"], text=text))
    return "\n".join(lines)


@renders("announced_assignment")
def _announced_assignment(payload: dict, t: Translator, communes: Communes) -> Rendered:
    commune = communes.get(payload.get("commune"))
    category = commune.category(payload.get("category")) if commune else None
    lines = [
        t("🗂 New assignment from the dialogue: concern %(code)s (%(topic)s).", code=payload["code"],
          topic=category.name(t.locale) if category else payload.get("category") or ""),
        "",
        t("Content: %(body)s", body=payload.get("text") or ""),
    ]
    if payload.get("conclusion"):
        lines.append(t("The chair's conclusion: %(text)s", text=payload["conclusion"]))
    lines += ["", t("Due date: %(date)s (working days left: %(days)d). Your assignments: /tasks",
                    date=_due(t, payload["due_date"]), days=payload["days_left"])]
    return Rendered("\n".join(lines))
