"""The plan's deadlines, computed in one place (plan section II.3).

- invitations: at least 7 working days before the meeting, so the latest
  send day is the 7th working day before the meeting day;
- conclusions: announced at the latest 10 working days after the meeting;
- resolution: at the latest 20 working days after the conclusions are announced;
- extension: where more time is needed, at most 30 working days after the announcement.

The numbers are the plan's and can be changed per deployment through the
environment; the working days come from :class:`bot.calendar.WorkingCalendar`.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass, fields
from datetime import date, timedelta
from pathlib import Path
from typing import TextIO

from bot.calendar import WorkingCalendar, load_overrides


@dataclass(frozen=True)
class DeadlineRules:
    """How many working days each step of the plan allows."""

    invitation_days: int = 7
    conclusion_days: int = 10
    resolution_days: int = 20
    extension_days: int = 30

    def __post_init__(self) -> None:
        for field in fields(self):
            value = getattr(self, field.name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{field.name} must be a positive whole number, not {value!r}")
        # An extension gives more time than the ordinary resolution deadline, never less.
        if self.extension_days < self.resolution_days:
            raise ValueError(
                f"extension_days ({self.extension_days}) must not be shorter than "
                f"resolution_days ({self.resolution_days})"
            )


@dataclass(frozen=True)
class DialogueDeadlines:
    """One dialogue's deadlines; the last two exist once the conclusions are announced."""

    meeting: date
    invitations_by: date
    conclusions_by: date
    announced: date | None = None
    resolution_by: date | None = None
    extension_by: date | None = None

    def as_json_dict(self) -> dict[str, str]:
        result = {
            "meeting": self.meeting.isoformat(),
            "invitations_by": self.invitations_by.isoformat(),
            "conclusions_by": self.conclusions_by.isoformat(),
        }
        if self.announced is not None:
            assert self.resolution_by is not None and self.extension_by is not None
            result["resolution_by"] = self.resolution_by.isoformat()
            result["extension_by"] = self.extension_by.isoformat()
        return result


def dialogue_deadlines(
    meeting: date,
    *,
    announced: date | None = None,
    calendar: WorkingCalendar,
    rules: DeadlineRules = DeadlineRules(),
) -> DialogueDeadlines:
    """The deadlines of a dialogue held on ``meeting`` whose conclusions were ``announced``."""
    if announced is not None and announced < meeting:
        raise ValueError(
            f"the conclusions cannot be announced ({announced.isoformat()}) "
            f"before the meeting ({meeting.isoformat()})"
        )
    return DialogueDeadlines(
        meeting=meeting,
        invitations_by=calendar.working_days_before(meeting, rules.invitation_days),
        conclusions_by=calendar.working_days_after(meeting, rules.conclusion_days),
        announced=announced,
        resolution_by=resolution_due(announced, calendar=calendar, rules=rules) if announced else None,
        extension_by=extension_limit(announced, calendar=calendar, rules=rules) if announced else None,
    )


def resolution_due(announced: date, *, calendar: WorkingCalendar, rules: DeadlineRules = DeadlineRules()) -> date:
    """An assignment is due the 20th working day after the conclusions are announced (plan II.3.3)."""
    return calendar.working_days_after(announced, rules.resolution_days)


def extension_limit(announced: date, *, calendar: WorkingCalendar, rules: DeadlineRules = DeadlineRules()) -> date:
    """An extension may last at most until the 30th working day after the announcement (plan II.3.3)."""
    return calendar.working_days_after(announced, rules.extension_days)


def earliest_meeting_date(
    today: date, *, calendar: WorkingCalendar, rules: DeadlineRules = DeadlineRules()
) -> date:
    """The earliest meeting day that still gives the full notice if invitations go out today.

    That is the smallest day whose invitation deadline is today or later: the
    day after the ``invitation_days``-th working day counted from today
    (today counts when it is a working day, because the invitations go out on
    it). The day returned is a calendar day and may itself be a weekend or a
    holiday; choosing a suitable meeting day on or after it is up to the office.
    """
    last_notice_day = calendar.working_days_after(today - timedelta(days=1), rules.invitation_days)
    return last_notice_day + timedelta(days=1)


_RULE_VARIABLES = {
    "invitation_days": "DEADLINE_INVITATION_DAYS",
    "conclusion_days": "DEADLINE_CONCLUSION_DAYS",
    "resolution_days": "DEADLINE_RESOLUTION_DAYS",
    "extension_days": "DEADLINE_EXTENSION_DAYS",
}


def rules_from_env(env: Mapping[str, str]) -> DeadlineRules:
    """The deadline rules, with the plan's numbers unless the environment sets others."""
    values: dict[str, int] = {}
    for field_name, variable in _RULE_VARIABLES.items():
        raw = env.get(variable, "").strip()
        if not raw:
            continue
        try:
            value = int(raw)
        except ValueError:
            value = 0
        if value < 1:
            raise ValueError(
                f"{variable} must be a positive whole number of working days, not {raw!r}"
            )
        values[field_name] = value
    try:
        return DeadlineRules(**values)
    except ValueError as error:
        raise ValueError(
            f"{_RULE_VARIABLES['extension_days']} / {_RULE_VARIABLES['resolution_days']}: {error}"
        ) from None


def calendar_from_env(env: Mapping[str, str]) -> WorkingCalendar:
    """The working calendar, with the overrides file named by CALENDAR_OVERRIDES_FILE if set."""
    path = env.get("CALENDAR_OVERRIDES_FILE", "").strip()
    if not path:
        return WorkingCalendar()
    try:
        return WorkingCalendar(load_overrides(Path(path)))
    except ValueError as error:
        raise ValueError(f"CALENDAR_OVERRIDES_FILE: {error}") from None


class _UsageError(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    """argparse raising usage errors, so the command prints one line and returns 2."""

    def __init__(self, *args, out: TextIO, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._out = out

    def error(self, message: str) -> None:  # type: ignore[override]
        raise _UsageError(message)

    def print_help(self, file: TextIO | None = None) -> None:
        super().print_help(file if file is not None else self._out)


def _iso_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date like 2026-05-04") from None


def deadlines_command(
    argv: list[str],
    env: Mapping[str, str] | None = None,
    out: TextIO | None = None,
    err: TextIO | None = None,
) -> int:
    """``python -m bot deadlines --meeting YYYY-MM-DD [--announced YYYY-MM-DD]``: print JSON.

    Returns 0 on success, 2 on bad arguments, 1 on a bad configuration.
    """
    out = out if out is not None else sys.stdout
    err = err if err is not None else sys.stderr
    env = env if env is not None else os.environ
    parser = _Parser(
        prog="python -m bot deadlines",
        out=out,
        description="Print a dialogue's deadlines, counted in working days, as one JSON object.",
    )
    parser.add_argument("--meeting", required=True, type=_iso_date, help="meeting day, YYYY-MM-DD")
    parser.add_argument(
        "--announced", type=_iso_date, help="day the conclusions were announced, YYYY-MM-DD"
    )
    try:
        args = parser.parse_args(argv)
    except _UsageError as error:
        print(f"{parser.prog}: error: {error}", file=err)
        return 2
    except SystemExit as exit_:  # --help
        return exit_.code if isinstance(exit_.code, int) else 0

    try:
        rules = rules_from_env(env)
        calendar = calendar_from_env(env)
    except ValueError as error:
        print(f"{parser.prog}: configuration error: {error}", file=err)
        return 1
    try:
        deadlines = dialogue_deadlines(
            args.meeting, announced=args.announced, calendar=calendar, rules=rules
        )
    except ValueError as error:
        print(f"{parser.prog}: error: {error}", file=err)
        return 2
    print(json.dumps(deadlines.as_json_dict()), file=out)
    return 0


if __name__ == "__main__":
    raise SystemExit(deadlines_command(sys.argv[1:]))
