"""The plan's deadlines (section II.3), their settings and the `deadlines` command.

Expected dates were counted by hand on the 2024-2026 official calendars; the
count is in each comment.
"""

import io
import json
from datetime import date, timedelta

import pytest

from bot.calendar import WorkingCalendar
from bot.deadlines import (
    DeadlineRules,
    DialogueDeadlines,
    calendar_from_env,
    deadlines_command,
    dialogue_deadlines,
    earliest_meeting_date,
    rules_from_env,
)


@pytest.fixture(scope="module")
def calendar() -> WorkingCalendar:
    return WorkingCalendar()


# --- the plan's deadlines ------------------------------------------------------------


def test_invitations_are_due_seven_working_days_before_the_meeting(calendar):
    # DOMAIN.md worked example, meeting Monday 4/5/2026, counting back:
    # Fri 1/5 and Thu 30/4 holidays, Wed 29 (1), Tue 28 (2), Mon 27/4 Giỗ Tổ given back,
    # Fri 24 (3), Thu 23 (4), Wed 22 (5), Tue 21 (6), Mon 20/4 (7).
    deadlines = dialogue_deadlines(date(2026, 5, 4), calendar=calendar)
    assert deadlines.invitations_by == date(2026, 4, 20)


def test_conclusions_are_announced_ten_working_days_after_the_meeting_even_over_tet(calendar):
    # DOMAIN.md worked example, meeting Monday 20/1/2025: Tue 21 (1), Wed 22 (2),
    # Thu 23 (3), Fri 24 (4), Tết off Sat 25/1 - Sun 2/2, Mon 3/2 (5), Tue 4 (6),
    # Wed 5 (7), Thu 6 (8), Fri 7 (9), Mon 10/2/2025 (10).
    deadlines = dialogue_deadlines(date(2025, 1, 20), calendar=calendar)
    assert deadlines.conclusions_by == date(2025, 2, 10)


def test_conclusions_of_an_ordinary_may_meeting(calendar):
    # Meeting Monday 4/5/2026: 5-8/5 (1-4), 11-15/5 (5-9), Mon 18/5/2026 (10).
    deadlines = dialogue_deadlines(date(2026, 5, 4), calendar=calendar)
    assert deadlines.conclusions_by == date(2026, 5, 18)


def test_resolution_is_due_twenty_and_an_extension_thirty_working_days_after_the_announcement(
    calendar,
):
    # Announced Wednesday 26/8/2026: Thu 27 (1), Fri 28 (2), Mon 31/8 swapped off,
    # 1-2/9 Quốc khánh, Thu 3 (3), Fri 4 (4), 7-11/9 (5-9), 14-18/9 (10-14),
    # 21-25/9 (15-19), Mon 28/9 (20); then 29, 30/9, 1, 2/10 (21-24), 5-9/10 (25-29),
    # Mon 12/10/2026 (30).
    deadlines = dialogue_deadlines(date(2026, 5, 4), announced=date(2026, 8, 26), calendar=calendar)
    assert deadlines.announced == date(2026, 8, 26)
    assert deadlines.resolution_by == date(2026, 9, 28)
    assert deadlines.extension_by == date(2026, 10, 12)


def test_resolution_deadlines_wait_for_the_announcement(calendar):
    deadlines = dialogue_deadlines(date(2026, 5, 4), calendar=calendar)
    assert deadlines.announced is None
    assert deadlines.resolution_by is None
    assert deadlines.extension_by is None


def test_conclusions_cannot_be_announced_before_the_meeting(calendar):
    with pytest.raises(ValueError, match="before the meeting"):
        dialogue_deadlines(date(2026, 5, 4), announced=date(2026, 5, 1), calendar=calendar)


def test_the_numbers_of_working_days_are_configurable(calendar):
    rules = DeadlineRules(invitation_days=5, conclusion_days=3)
    deadlines = dialogue_deadlines(date(2026, 5, 4), calendar=calendar, rules=rules)
    # 5th working day before Mon 4/5/2026: 29/4 (1), 28 (2), 24 (3), 23 (4), Wed 22/4 (5).
    assert deadlines.invitations_by == date(2026, 4, 22)
    # 3rd working day after it: Tue 5 (1), Wed 6 (2), Thu 7/5 (3).
    assert deadlines.conclusions_by == date(2026, 5, 7)


def test_the_plans_numbers_are_the_defaults():
    assert DeadlineRules() == DeadlineRules(
        invitation_days=7, conclusion_days=10, resolution_days=20, extension_days=30
    )


@pytest.mark.parametrize(
    "kwargs",
    [{"invitation_days": 0}, {"conclusion_days": -1}, {"resolution_days": 35}],
)
def test_rules_must_be_positive_and_an_extension_never_shorter_than_resolution(kwargs):
    with pytest.raises(ValueError):
        DeadlineRules(**kwargs)


def test_deadlines_as_json_list_the_dates_in_the_plans_order(calendar):
    without = dialogue_deadlines(date(2026, 5, 4), calendar=calendar).as_json_dict()
    assert list(without.items()) == [
        ("meeting", "2026-05-04"),
        ("invitations_by", "2026-04-20"),
        ("conclusions_by", "2026-05-18"),
    ]
    with_announcement = dialogue_deadlines(
        date(2026, 5, 4), announced=date(2026, 8, 26), calendar=calendar
    ).as_json_dict()
    assert list(with_announcement.items()) == [
        ("meeting", "2026-05-04"),
        ("invitations_by", "2026-04-20"),
        ("conclusions_by", "2026-05-18"),
        ("resolution_by", "2026-09-28"),
        ("extension_by", "2026-10-12"),
    ]


def test_deadlines_are_a_frozen_value(calendar):
    deadlines = dialogue_deadlines(date(2026, 5, 4), calendar=calendar)
    assert isinstance(deadlines, DialogueDeadlines)
    with pytest.raises(AttributeError):
        deadlines.meeting = date(2026, 5, 5)  # type: ignore[misc]


# --- earliest meeting date ------------------------------------------------------------


def test_the_earliest_meeting_leaves_seven_working_days_from_today(calendar):
    # Invitations out on Monday 20/4/2026: 20 (1), 21, 22, 23, 24 (5), Mon 27 off,
    # 28 (6), Wed 29/4 (7); the meeting can be on the next day, Thursday 30/4 (a holiday:
    # the office picks a suitable day on or after it).
    assert earliest_meeting_date(date(2026, 4, 20), calendar=calendar) == date(2026, 4, 30)
    # Check against the invitation rule: 30/4 needs invitations by 20/4, 29/4 by 17/4.
    assert dialogue_deadlines(date(2026, 4, 30), calendar=calendar).invitations_by == date(
        2026, 4, 20
    )
    assert dialogue_deadlines(date(2026, 4, 29), calendar=calendar).invitations_by == date(
        2026, 4, 17
    )


def test_invitations_sent_on_a_saturday_count_from_monday(calendar):
    # Saturday 14/3/2026: working days Mon 16 (1) ... Fri 20 (5), Mon 23 (6), Tue 24 (7);
    # earliest meeting Wednesday 25/3/2026.
    assert earliest_meeting_date(date(2026, 3, 14), calendar=calendar) == date(2026, 3, 25)


def test_the_earliest_meeting_is_the_first_day_whose_invitations_are_not_yet_late(calendar):
    rules = DeadlineRules()
    for offset in range(0, 400, 5):
        today = date(2025, 12, 1) + timedelta(days=offset)
        earliest = earliest_meeting_date(today, calendar=calendar, rules=rules)
        day_before = earliest - timedelta(days=1)
        assert calendar.working_days_before(earliest, rules.invitation_days) >= today
        assert calendar.working_days_before(day_before, rules.invitation_days) < today


# --- settings from the environment -----------------------------------------------------


def test_rules_from_an_empty_environment_are_the_plans():
    assert rules_from_env({}) == DeadlineRules()
    assert rules_from_env({"DEADLINE_INVITATION_DAYS": "  "}) == DeadlineRules()


def test_rules_are_read_from_the_environment():
    env = {
        "DEADLINE_INVITATION_DAYS": "5",
        "DEADLINE_CONCLUSION_DAYS": "8",
        "DEADLINE_RESOLUTION_DAYS": "15",
        "DEADLINE_EXTENSION_DAYS": " 25 ",
    }
    assert rules_from_env(env) == DeadlineRules(5, 8, 15, 25)


@pytest.mark.parametrize("value", ["abc", "0", "-3", "7.5"])
@pytest.mark.parametrize(
    "variable",
    [
        "DEADLINE_INVITATION_DAYS",
        "DEADLINE_CONCLUSION_DAYS",
        "DEADLINE_RESOLUTION_DAYS",
        "DEADLINE_EXTENSION_DAYS",
    ],
)
def test_a_bad_number_of_days_is_named_in_one_line(variable, value):
    with pytest.raises(ValueError, match=variable) as raised:
        rules_from_env({variable: value})
    assert "\n" not in str(raised.value)


def test_an_extension_shorter_than_resolution_names_both_variables():
    with pytest.raises(ValueError, match="DEADLINE_EXTENSION_DAYS.*DEADLINE_RESOLUTION_DAYS"):
        rules_from_env({"DEADLINE_EXTENSION_DAYS": "10"})


def test_the_calendar_has_no_overrides_unless_a_file_is_named():
    assert calendar_from_env({}).overrides == {}
    assert calendar_from_env({"CALENDAR_OVERRIDES_FILE": ""}).overrides == {}


def test_the_calendar_reads_the_overrides_file_named_in_the_environment(tmp_path):
    path = tmp_path / "overrides.toml"
    path.write_text("[[day]]\ndate = 2026-03-10\nworking = false\n", encoding="utf-8")
    calendar = calendar_from_env({"CALENDAR_OVERRIDES_FILE": str(path)})
    assert not calendar.is_working_day(date(2026, 3, 10))


def test_a_missing_overrides_file_is_a_configuration_error(tmp_path):
    with pytest.raises(ValueError, match="CALENDAR_OVERRIDES_FILE.*missing.toml"):
        calendar_from_env({"CALENDAR_OVERRIDES_FILE": str(tmp_path / "missing.toml")})


# --- python -m bot deadlines ------------------------------------------------------------


def run(argv, env=None):
    out, err = io.StringIO(), io.StringIO()
    code = deadlines_command(argv, env if env is not None else {}, out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def test_the_command_prints_the_deadlines_as_one_json_object():
    code, out, err = run(["--meeting", "2026-05-04"])
    assert code == 0 and err == ""
    assert out.count("\n") == 1
    assert list(json.loads(out).items()) == [
        ("meeting", "2026-05-04"),
        ("invitations_by", "2026-04-20"),
        ("conclusions_by", "2026-05-18"),
    ]


def test_the_command_adds_resolution_and_extension_once_announced():
    code, out, _ = run(["--meeting", "2026-05-04", "--announced", "2026-08-26"])
    assert code == 0
    assert list(json.loads(out)) == [
        "meeting",
        "invitations_by",
        "conclusions_by",
        "resolution_by",
        "extension_by",
    ]
    assert json.loads(out)["resolution_by"] == "2026-09-28"
    assert json.loads(out)["extension_by"] == "2026-10-12"


def test_the_command_uses_the_rules_and_overrides_from_the_environment(tmp_path):
    path = tmp_path / "overrides.toml"
    # Pretend the government gives Tuesday 21/4/2026 off.
    path.write_text("[[day]]\ndate = 2026-04-21\nworking = false\n", encoding="utf-8")
    env = {"DEADLINE_INVITATION_DAYS": "5", "CALENDAR_OVERRIDES_FILE": str(path)}
    code, out, _ = run(["--meeting", "2026-05-04"], env)
    assert code == 0
    # 5th working day before Mon 4/5/2026 is Wed 22/4 (see above); 21/4 lies beyond it,
    # so only the rule changes the result.
    assert json.loads(out)["invitations_by"] == "2026-04-22"
    env["DEADLINE_INVITATION_DAYS"] = "7"
    # 7 days: 29, 28, 24, 23, 22 (5), 21/4 now off, Mon 20 (6), Fri 17/4/2026 (7).
    code, out, _ = run(["--meeting", "2026-05-04"], env)
    assert json.loads(out)["invitations_by"] == "2026-04-17"


@pytest.mark.parametrize(
    "argv, expected",
    [
        (["--meeting", "2026-13-04"], "2026-13-04"),
        (["--meeting", "4/5/2026"], "4/5/2026"),
        (["--meeting", "2026-05-04", "--announced", "tomorrow"], "tomorrow"),
        ([], "--meeting"),
        (["--meeting", "2026-05-04", "--announced", "2026-05-01"], "before the meeting"),
    ],
)
def test_bad_dates_print_one_clear_line_and_return_2(argv, expected):
    code, out, err = run(argv)
    assert code == 2
    assert out == ""
    assert err.count("\n") == 1 and expected in err


def test_a_bad_setting_prints_one_line_and_returns_1():
    code, out, err = run(["--meeting", "2026-05-04"], {"DEADLINE_CONCLUSION_DAYS": "ten"})
    assert code == 1 and out == ""
    assert err.count("\n") == 1 and "DEADLINE_CONCLUSION_DAYS" in err


def test_the_command_reads_the_process_environment_by_default(monkeypatch):
    for variable in ("CONCLUSION", "RESOLUTION", "EXTENSION"):
        monkeypatch.delenv(f"DEADLINE_{variable}_DAYS", raising=False)
    monkeypatch.delenv("CALENDAR_OVERRIDES_FILE", raising=False)
    monkeypatch.setenv("DEADLINE_INVITATION_DAYS", "5")
    out = io.StringIO()
    assert deadlines_command(["--meeting", "2026-05-04"], out=out, err=io.StringIO()) == 0
    assert json.loads(out.getvalue())["invitations_by"] == "2026-04-22"

