"""`python -m bot grant`: whoever runs the server grants a role directly (the bootstrap of a commune's officials).

The name is required: until the person opens the bot, it is all the others see of them in pickers and
lists (marked "has not opened the bot yet", since Telegram delivers nothing to them before).
The person gets the role's buttons and command menu the next time they send /start.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Mapping
from typing import TextIO

from bot.config import ConfigError, Settings, load_settings
from bot.roles import CHAIR, CHAIR_RANKS, HAMLET_HEAD, OFFICER, ROLES
from bot.services.staff import MAX_BODY_LENGTH, StaffService

PROG = "python -m bot grant"
MAX_NAME_LENGTH = 80


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


def _telegram_id(text: str) -> int:
    if not text.isdigit() or int(text) <= 0:
        raise argparse.ArgumentTypeError(f"{text!r} is not a Telegram user id (a positive whole number)")
    return int(text)


def _parser(out: TextIO) -> _Parser:
    parser = _Parser(prog=PROG, out=out, description="Grant a role in a commune to a Telegram user, directly on the server.")
    parser.add_argument("--role", required=True, choices=ROLES, help="the role to grant")
    parser.add_argument("--telegram-id", required=True, type=_telegram_id, help="the person's Telegram user id")
    parser.add_argument("--name", required=True, help="the person's name as colleagues know it, e.g. \"Nguyễn Văn An\"")
    parser.add_argument("--commune", help="commune id from the communes file (needed when it lists several)")
    parser.add_argument("--body", help="for --role officer: the body, e.g. \"Phòng Kinh tế\" (a key or name from the communes file)")
    parser.add_argument("--hamlet", help="for --role hamlet_head: the hamlet id from the communes file, e.g. thon-2")
    return parser


def _checked(args: argparse.Namespace, settings: Settings) -> tuple[str, str | None, str | None]:
    """(commune id, body, hamlet id) for the grant, or a usage error saying what is wrong."""
    communes = settings.communes
    if args.commune is None:
        if communes.single is None:
            raise _UsageError(f"--commune is needed: this deployment serves {', '.join(c.id for c in communes.items)}")
        commune = communes.single
    else:
        commune = communes.get(args.commune)
        if commune is None:
            raise _UsageError(f"unknown commune {args.commune!r}; known: {', '.join(c.id for c in communes.items)}")
    name = " ".join((args.name or "").split())
    if not 2 <= len(name) <= MAX_NAME_LENGTH:
        raise _UsageError(f"--name needs the person's name (2 to {MAX_NAME_LENGTH} characters)")
    args.name = name
    body = " ".join((args.body or "").split()) or None
    if args.role == OFFICER:
        if body is None or not 2 <= len(body) <= MAX_BODY_LENGTH:
            raise _UsageError(f"--role officer needs --body with the body's name (2 to {MAX_BODY_LENGTH} characters)")
    elif args.role == CHAIR and body not in (None, *CHAIR_RANKS):
        raise _UsageError("--role chair takes --body chairman or --body vice_chairman")
    elif body is not None and args.role != CHAIR:
        raise _UsageError("--body is only for --role officer (or chairman / vice_chairman for --role chair)")
    if args.role == HAMLET_HEAD:
        if commune.hamlet(args.hamlet) is None:
            raise _UsageError(f"--role hamlet_head needs --hamlet, one of: {', '.join(h.id for h in commune.hamlets)}")
    elif args.hamlet is not None:
        raise _UsageError("--hamlet is only for --role hamlet_head")
    return commune.id, body, args.hamlet


async def _grant(settings: Settings, telegram_id: int, name: str, role: str, commune_id: str, body: str | None,
                 hamlet_id: str | None) -> int:
    from bot.services import Services
    from storage.database import Database

    database = await Database.open(settings.database_path)
    try:
        # Services.create also records the communes of the communes file, which the grant refers to.
        services = await Services.create(database, settings.communes, settings.admin_ids, calendar=settings.calendar,
                                         rules=settings.rules, dialogues_per_year=settings.dialogues_per_year)
        staff: StaffService = services.staff
        grant = await staff.grant_on_server("telegram", str(telegram_id), commune_id=commune_id, role=role,
                                            body=body, hamlet_id=hamlet_id, display_name=name)
    finally:
        await database.close()
    return grant.id


def grant_command(argv: list[str], env: Mapping[str, str] | None = None,
                  out: TextIO | None = None, err: TextIO | None = None) -> int:
    """`python -m bot grant --role ROLE --telegram-id N --name NAME [--commune C] [--body B] [--hamlet H]`:
    0 when granted, 2 on bad input."""
    out = out if out is not None else sys.stdout
    err = err if err is not None else sys.stderr
    parser = _parser(out)
    try:
        args = parser.parse_args(argv)
    except _UsageError as error:
        print(f"{PROG}: error: {error}", file=err)
        return 2
    except SystemExit as exit_:  # --help
        return exit_.code if isinstance(exit_.code, int) else 0
    try:
        settings = load_settings(env)
        commune_id, body, hamlet_id = _checked(args, settings)
    except (ConfigError, _UsageError) as error:
        print(f"{PROG}: error: {error}", file=err)
        return 2
    grant_id = asyncio.run(_grant(settings, args.telegram_id, args.name, args.role, commune_id, body, hamlet_id))
    what = args.role + (f" of {body}" if body else "") + (f" of {hamlet_id}" if hamlet_id else "")
    print(f"granted {what} in {commune_id} to {args.name}, Telegram user {args.telegram_id} (role #{grant_id});"
          " they get its menu when they next send /start", file=out)
    return 0


if __name__ == "__main__":
    raise SystemExit(grant_command(sys.argv[1:]))
