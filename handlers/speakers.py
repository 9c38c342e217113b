"""The speakers at the dialogue, for the office and the chair: review, order, and call them at the meeting."""

from __future__ import annotations

from telegram import Update

from bot.errors import DomainError, TextEmpty, TextTooLong
from bot.i18n import Translator
from bot.pages import Page, window
from bot.services.dialogues import SpeakerCall, SpeakerList
from handlers.context import BotContext, answer, drop_buttons, replace_message
from handlers.keyboards import flow_menu, inline
from handlers.presenters import category_name
from handlers.pages import answer_page_press, asked_page, page_line, page_row
from handlers.states import END
from handlers.dialogue_common import (
    SPEAKER_DECLINE_REASON, SPEAKERS_PER_PAGE, MAX_BUTTON_ROWS, MAX_MESSAGE, REVIEW_LABELS, _refuse, _pressed, _meeting, _short,
)


# --- speakers -----------------------------------------------------------------------------------

def _speaker_lines(context: BotContext, t: Translator, listing: SpeakerList, commune_id: str, page: Page) -> list[str]:
    """One page of the speaking order; the declined ones follow on the last page."""
    commune = context.services.communes.get(commune_id)
    if listing.dialogue is None:
        return [t("No dialogue is scheduled. Wishes to speak kept on file: %(count)d. They will join the dialogue "
                  "when it is scheduled.", count=listing.on_file)]
    day, _ = _meeting(t, listing.dialogue.meeting_at)
    if not listing.order and not listing.declined:
        return [t("Nobody has registered to speak at the dialogue of %(date)s yet.", date=day)]
    lines = [t("🎙 Speakers at the dialogue of %(date)s, in the order of speaking:", date=day)]
    if page_line(page, t):
        lines.append(page_line(page, t))
    first = (page.number - 1) * SPEAKERS_PER_PAGE + 1
    for number, slot in enumerate(page.items, start=first):
        lines.append(t("%(number)d. %(name)s · %(code)s · %(topic)s · %(review)s\n    “%(point)s”",
                       number=number, name=slot.resident_name or "—", code=slot.concern_code,
                       topic=category_name(commune, slot.category, t), review=t(REVIEW_LABELS[slot.review]),
                       point=_short(slot.point)))
    if listing.declined and page.number == page.pages:
        lines += ["", t("Declined:")]
        for slot in listing.declined:
            lines.append(t("• %(name)s · %(code)s: %(reason)s", name=slot.resident_name or "—", code=slot.concern_code,
                           reason=_short(slot.decline_reason or "")))
    return lines


def _speaker_buttons(t: Translator, listing: SpeakerList, page: Page) -> list[list[tuple[str, str]]]:
    rows = []
    last = len(listing.order)
    first = (page.number - 1) * SPEAKERS_PER_PAGE + 1
    for number, slot in enumerate(page.items, start=first):
        row = []
        if slot.review != "approved":
            row.append((t("✅ %(number)d", number=number), f"sk:ok:{slot.id}"))
        row.append((t("❌ %(number)d", number=number), f"sk:no:{slot.id}"))
        if number > 1:
            row.append((f"⬆️ {number}", f"sk:up:{slot.id}:{number}"))
        if number < last:
            row.append((f"⬇️ {number}", f"sk:dn:{slot.id}:{number}"))
        rows.append(row)
    if page.number == page.pages:
        for slot in listing.declined[: max(0, MAX_BUTTON_ROWS - len(rows))]:
            rows.append([(t("✅ Approve %(code)s after all", code=slot.concern_code), f"sk:ok:{slot.id}")])
    return rows


async def _show_speakers(update: Update, context: BotContext, t: Translator, asked: int = 1, *,
                         in_place: bool = False) -> None:
    """The speaking order as one message, a page at a time (`in_place`: edit the pressed message)."""
    actor = await context.actor(update)
    try:
        listing = await context.services.dialogues.speakers(actor)
    except DomainError as refusal:
        if in_place:
            await update.callback_query.answer()
        await _refuse(update, context, t, refusal)
        return
    number, pages, offset = window(len(listing.order), asked, SPEAKERS_PER_PAGE)
    page = Page(listing.order[offset:offset + SPEAKERS_PER_PAGE], len(listing.order), number, pages, asked)
    # Only the office reviews and orders; the others see the list (the service checks each action anyway).
    rows = _speaker_buttons(t, listing, page) if actor.may("review_speakers") and listing.dialogue else []
    navigation = page_row("sk", page, t)
    if navigation:
        rows.append(navigation)
    text = "\n".join(_speaker_lines(context, t, listing, actor.commune_id, page))[:MAX_MESSAGE]
    if in_place:
        await answer_page_press(update, page, t)
        await replace_message(update, text, inline(rows) if rows else None)
    else:
        await answer(update, text, reply_markup=inline(rows) if rows else None)


async def speakers_page(update: Update, context: BotContext) -> None:
    """◀️ / ▶️ on /speakers: the same message shows another page, read afresh."""
    t = await context.translator(update)
    await _show_speakers(update, context, t, asked_page(update.callback_query.data), in_place=True)


async def show_speakers(update: Update, context: BotContext) -> int:
    """/speakers: the registrations in the order of speaking, with the office's buttons."""
    await _show_speakers(update, context, await context.translator(update))
    return END


async def approve_speaker(update: Update, context: BotContext) -> None:
    """✅: the registration is approved and the resident told; the list is shown again."""
    t, parts = await _pressed(update, context)
    try:
        slot = await context.services.dialogues.approve(await context.actor(update), int(parts[2]))
    except DomainError as refusal:
        await _refuse(update, context, t, refusal)
        return
    await drop_buttons(update)
    await answer(update, t("✅ Approved: %(name)s, concern %(code)s. The resident was told.",
                           name=slot.resident_name or "—", code=slot.concern_code))
    await _show_speakers(update, context, t)


async def decline_ask(update: Update, context: BotContext) -> int:
    """❌: ask for the reason, which the resident will read."""
    t, parts = await _pressed(update, context)
    try:
        slot = await context.services.dialogues.check_declinable(await context.actor(update), int(parts[2]))
    except DomainError as refusal:
        await _refuse(update, context, t, refusal)
        return END
    await drop_buttons(update)
    context.user_data["declining"] = slot.id
    await answer(update, t("Why is the registration about concern %(code)s declined? Please type the reason; "
                           "the resident will read it.", code=slot.concern_code), reply_markup=flow_menu(t))
    return SPEAKER_DECLINE_REASON


async def decline_reason(update: Update, context: BotContext) -> int:
    """The reason was typed: declined, the resident told."""
    t = await context.translator(update)
    registration_id = context.user_data.get("declining")
    if registration_id is None:
        return END
    try:
        slot = await context.services.dialogues.decline(await context.actor(update), registration_id,
                                                        update.effective_message.text)
    except DomainError as refusal:
        retry = isinstance(refusal, (TextEmpty, TextTooLong))
        await _refuse(update, context, t, refusal, menu=not retry)
        if retry:
            return SPEAKER_DECLINE_REASON
        context.user_data.pop("declining", None)
        return END
    context.user_data.pop("declining", None)
    await answer(update, t("Declined: %(name)s, concern %(code)s. The resident was told the reason.",
                           name=slot.resident_name or "—", code=slot.concern_code),
                 reply_markup=await context.main_menu(update, t))
    await _show_speakers(update, context, t)
    return END


async def move_speaker(update: Update, context: BotContext) -> None:
    """⬆️/⬇️: one place up or down in the order of speaking."""
    t, parts = await _pressed(update, context)
    try:
        await context.services.dialogues.move(await context.actor(update), int(parts[2]), -1 if parts[1] == "up" else 1,
                                               int(parts[3]))
    except DomainError as refusal:
        await _refuse(update, context, t, refusal)
        return
    await drop_buttons(update)
    await _show_speakers(update, context, t)


# --- the meeting --------------------------------------------------------------------------------

async def _show_call(update: Update, context: BotContext, t: Translator, call: SpeakerCall) -> None:
    here = f"{call.dialogue.id}:{call.position}"
    if call.slot is None:
        await answer(update, t("Nobody is left on the list of speakers (%(total)d approved).", total=call.total),
                     reply_markup=inline([[(t("↩️ Back"), f"mt:bk:{here}")]]))
        return
    commune = context.services.communes.get(call.dialogue.commune_id)
    slot = call.slot
    await answer(update, t("🎤 Speaker %(position)d of %(total)d: %(name)s\nConcern %(code)s · %(topic)s\nPoint: “%(point)s”\n\n"
                           "They were told they are next.", position=call.position, total=call.total,
                           name=slot.resident_name or "—", code=slot.concern_code,
                           topic=category_name(commune, slot.category, t), point=slot.point),
                 reply_markup=inline([[(t("⏭ Next speaker"), f"mt:nx:{here}")],
                                      [(t("⏩ Skip: not here"), f"mt:sk:{here}")],
                                      [(t("↩️ Back"), f"mt:bk:{here}")]]))


async def next_speaker(update: Update, context: BotContext) -> int:
    """/next: call the next approved speaker."""
    t = await context.translator(update)
    try:
        call = await context.services.dialogues.call(await context.actor(update), "next")
    except DomainError as refusal:
        await _refuse(update, context, t, refusal)
        return END
    await _show_call(update, context, t, call)
    return END


async def meeting_button(update: Update, context: BotContext) -> None:
    """⏭ next, ⏩ skip, ↩️ back: only from where the list stood when the buttons were shown."""
    t, parts = await _pressed(update, context)
    move = {"nx": "next", "sk": "skip", "bk": "back"}[parts[1]]
    try:
        call = await context.services.dialogues.call(await context.actor(update), move, dialogue_id=int(parts[2]),
                                                     expected=int(parts[3]))
    except DomainError as refusal:
        await _refuse(update, context, t, refusal)
        return
    await drop_buttons(update)
    await _show_call(update, context, t, call)
