"""`python -m bot report`: the registers (XLSX), the documents (DOCX) and the charts (PNG) of a dialogue or a
period written into a folder, for the office's computer and for automation. Prints the files' names, one a
line; a missing setting, an unknown commune or dialogue, or an unreadable period is one line on stderr."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import TextIO

from bot.config import ConfigError, load_settings

PROG = "python -m bot report"


class _UsageError(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        raise _UsageError(message)


def _parser() -> _Parser:
    parser = _Parser(prog=PROG, description="Write a dialogue's or a period's registers, documents and charts into a folder.")
    parser.add_argument("--commune", required=True, help="commune id from the communes file, e.g. bao-lam")
    parser.add_argument("--dialogue", help="'latest' (the default without --period) or a dialogue's id")
    parser.add_argument("--period", help="2026 (a year), 2026-Q4, 2026-6M, 2026-9M (first months) or 2026-11 (a month)")
    parser.add_argument("--out", required=True, type=Path, help="the folder to write the files into")
    return parser


def report_command(argv: list[str], env: Mapping[str, str] | None = None, out: TextIO = sys.stdout,
                   err: TextIO = sys.stderr) -> int:
    try:
        args = _parser().parse_args(argv)
        if args.dialogue is not None and args.period is not None:
            raise _UsageError("give --dialogue or --period, not both")
        settings = load_settings(env)
    except _UsageError as error:
        print(f"{PROG}: {error}", file=err)
        return 2
    except ConfigError as error:
        print(f"doithoai: {error}", file=err)
        return 2
    if settings.communes.get(args.commune) is None:
        known = ", ".join(c.id for c in settings.communes.items)
        print(f"{PROG}: no commune {args.commune!r} in {settings.communes_file} (it lists: {known})", file=err)
        return 2
    try:
        written = asyncio.run(_write(settings, args))
    except _Refused as error:
        print(f"{PROG}: {error}", file=err)
        return 1
    for path in written:
        print(path.name, file=out)
    return 0


class _Refused(Exception):
    pass


async def _write(settings, args) -> list[Path]:
    from bot.communes import DOCUMENT_SETTINGS
    from bot.documents import write_report_files
    from bot.errors import DomainError, UnknownChoice
    from bot.i18n import I18n
    from bot.reports.periods import PeriodUnreadable
    from bot.services.reports import DocumentSettingsMissing, NoDialogueToReport, ReportService
    from bot.services.staff import StaffService
    from storage.database import Database

    database = await Database.open(settings.database_path)
    try:
        staff = StaffService(database, settings.communes, settings.admin_ids)
        service = ReportService(database, settings.communes, staff, settings.calendar, settings.rules,
                                timezone=settings.timezone)
        try:
            report = await service.build(args.commune, dialogue=args.dialogue, period=args.period)
        except DocumentSettingsMissing:
            missing = settings.communes.get(args.commune).documents.missing()
            wanted = "; ".join(f"{key} ({DOCUMENT_SETTINGS[key]})" for key in missing)
            raise _Refused(f"commune {args.commune!r} in {settings.communes_file} lacks what the documents need: {wanted}") from None
        except NoDialogueToReport:
            raise _Refused(f"commune {args.commune!r} has held no dialogue yet: give --period instead") from None
        except PeriodUnreadable:
            raise _Refused(f"--period {args.period!r} is not 2026, 2026-Q4, 2026-6M, 2026-9M or 2026-11") from None
        except UnknownChoice:
            raise _Refused(f"commune {args.commune!r} has no dialogue {args.dialogue!r}") from None
        except DomainError as error:
            raise _Refused(str(error)) from None
        # The documents are the commune's papers, in Vietnamese; so are the registers and charts made on its server.
        vietnamese = I18n(settings.timezone).for_locale("vi")
        return write_report_files(report, vietnamese, args.out)
    finally:
        await database.close()
