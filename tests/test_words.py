"""The words people read: counts in the reader's plural form, administrative style, the commune's own names."""

from __future__ import annotations

from datetime import datetime, time, timedelta, timezone

import pytest

from tests.dates import today_local
from tests.test_dialogue import CHAIR, OFFICE, TZ, concern, move_meeting, schedule

LAN, BINH = 1001, 1002


def meeting_late_by_one_working_day(bot) -> datetime:
    """A past meeting whose conclusions were due (10 working days after it) one working day before today."""
    calendar, today = bot.services.calendar, today_local()
    day = today - timedelta(days=1)
    while calendar.working_days_between(calendar.working_days_after(day, 10), today) != 1:
        day -= timedelta(days=1)
    return datetime.combine(day, time(8), TZ)


@pytest.mark.parametrize("count", [1, 2])
async def test_english_counts_agree_with_their_number(bot, count):
    await bot.grant(OFFICE, "Hoa", "office", language="en")
    await bot.grant(CHAIR, "Nam", "chair", language="en")
    codes = []
    for user_id, name, text in [(LAN, "Bà Lan", "Đường ngập"), (BINH, "Ông Bình", "Sổ đỏ chậm")][:count]:
        await bot.register(user_id, name)
        codes.append(await concern(bot, user_id, text))
    await schedule(bot)
    await move_meeting(bot, meeting_late_by_one_working_day(bot))
    ids = dict(await bot.rows("SELECT code, id FROM concerns"))
    for code in codes:
        await bot.say(CHAIR, "/conclude")
        await bot.tap(CHAIR, f"cl:pick:{ids[code]}")
        await bot.tap(CHAIR, f"cl:ans:{ids[code]}")
        await bot.say(CHAIR, "The ditch will be dredged.")

    noun = "1 concern" if count == 1 else "2 concerns"
    preview = (await bot.say(OFFICE, "/announce"))[0]
    assert f": {noun}, 0 of them assigned" in preview
    assert "⚠️ This is late by 1 working day: the plan required it by " in preview
    done = (await bot.tap(OFFICE, "an:ok:1"))[0]
    assert f": {noun}. The residents concerned and 0 hamlet heads were told." in done
    assert "⚠️ The announcement is late by 1 working day: the plan required it by " in done
    assert "working days" not in preview + done
