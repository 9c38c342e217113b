"""Entry point: `python -m bot` runs the bot (the sandbox without a token); sub-commands for officials and ops."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys

from bot.config import ConfigError, load_settings


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] == "deadlines":
        from bot.deadlines import deadlines_command

        return deadlines_command(argv[1:])
    if argv and argv[0] == "grant":
        from bot.cli_grant import grant_command

        return grant_command(argv[1:])

    if argv and argv[0] == "report":
        from bot.cli_report import report_command

        return report_command(argv[1:])

    parser = argparse.ArgumentParser(prog="python -m bot", description="doithoai: the commune dialogue bot")
    sub = parser.add_subparsers(dest="command")
    sub.add_parser("run", help="run the bot (the sandbox when TELEGRAM_BOT_TOKEN is not set)")
    sandbox = sub.add_parser("sandbox", help="run the local fake Telegram with a chat page")
    sandbox.add_argument("--port", type=int, default=None, help="default $SANDBOX_PORT or 8080")
    sandbox.add_argument("--host", default="127.0.0.1")
    sandbox.add_argument("--demo", action="store_true",
                         help="load a demo commune mid-cycle (into a fresh temporary database unless DATABASE_PATH is set)")
    sub.add_parser("migrate", help="apply database migrations and exit (after backing up a database they change)")
    backup = sub.add_parser("backup", help="a consistent, checked copy of the database, also while the bot runs")
    backup.add_argument("file", nargs="?", help="where to write it (default: a dated file in BACKUP_DIR)")
    restore = sub.add_parser("restore", help="put a backup in place of the database (the bot must be stopped)")
    restore.add_argument("file")
    sub.add_parser("status", help="notices, the last reminder sweep, update and backup, the database size")
    sub.add_parser("grant", help="grant a role on the server: grant --role ROLE --telegram-id N [--commune C] [--body B] [--hamlet H]")
    sub.add_parser("report", help="a dialogue's or a period's registers, documents and charts: report --commune ID "
                                  "[--dialogue latest|ID] [--period 2026|2026-Q4|2026-11] --out DIR")
    sub.add_parser("deadlines", help="the plan's deadlines for a meeting: deadlines --meeting YYYY-MM-DD [--announced YYYY-MM-DD]")
    args = parser.parse_args(argv)

    try:
        settings = load_settings()
    except ConfigError as error:
        print(f"doithoai: {error}", file=sys.stderr)
        return 2

    from bot.i18n import CatalogMissing
    from bot.runner import StartupError, TokenRejected, configure_logging, serve

    configure_logging(settings.secrets, settings.log_level)
    if args.command == "migrate":
        return asyncio.run(_migrate(settings))
    if args.command in ("backup", "restore", "status"):
        return _ops_command(args, settings)
    if args.command == "sandbox" and (settings.token or settings.zalo_token):
        settings = _without_token(settings)
    demo = bool(getattr(args, "demo", False))
    if demo:
        settings = demo_settings(settings)
    from bot.sandbox.demo import DemoRefused

    try:
        port = getattr(args, "port", None)
        if port is None:  # 0 is a real choice: any free port
            port = int(os.environ.get("SANDBOX_PORT", "") or 8080)
        asyncio.run(serve(settings, sandbox_port=port, sandbox_host=getattr(args, "host", "127.0.0.1"), demo=demo))
    except TokenRejected as error:
        print(f"doithoai: {error}", file=sys.stderr)
        return 3
    except (CatalogMissing, DemoRefused, StartupError) as error:
        print(f"doithoai: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        pass
    return 0


def demo_settings(settings):
    """The demo goes into a fresh temporary database, never the real one, unless DATABASE_PATH names one."""
    import tempfile
    from dataclasses import replace
    from pathlib import Path

    if not settings.env.get("COMMUNES_FILE", "").strip():
        # A province of two communes, so that an admin of both can try /commune.
        from bot.communes import load_communes
        from bot.config import PROJECT_ROOT

        demo_file = PROJECT_ROOT / "config" / "demo_province.toml"
        settings = replace(settings, communes_file=demo_file, communes=load_communes(demo_file))
    if settings.env.get("DATABASE_PATH", "").strip():
        return settings
    return replace(settings, database_path=Path(tempfile.mkdtemp(prefix="doithoai-demo-")) / "demo.sqlite3")


def _without_token(settings):
    from dataclasses import replace

    return replace(settings, token=None, zalo_token=None, zalo_webhook_url=None, zalo_webhook_secret=None)


def _ops_command(args, settings) -> int:
    """backup, restore, status: one line on stderr and status 2 when they cannot be done."""
    from pathlib import Path

    from bot.backup import BackupError, backup_database, restore, scheduled_backup
    from bot.status import status_lines

    import sqlite3

    try:
        if args.command == "backup":
            if args.file:
                result = backup_database(settings.database_path, Path(args.file))
            else:
                result = scheduled_backup(settings.database_path, settings.backups, settings.backup_keep)
            print(f"backup {result.path}: {result.size} bytes, schema version {result.schema_version}, integrity ok")
        elif args.command == "restore":
            kept = restore(Path(args.file), settings.database_path)
            aside = f"; the replaced database is kept as {kept}" if kept else ""
            print(f"restored {args.file} as {settings.database_path}{aside}")
        else:
            print("\n".join(status_lines(settings.database_path, settings.backups, settings.timezone)))
    except BackupError as error:
        print(f"doithoai: {error}", file=sys.stderr)
        return 2
    except (sqlite3.Error, OSError) as error:
        from bot.runner import describe_os_error

        print(f"doithoai: cannot use the database {settings.database_path}: {describe_os_error(error)}", file=sys.stderr)
        return 2
    return 0


async def _migrate(settings) -> int:
    from storage.database import Database

    import sqlite3

    from bot.backup import BackupError, prepare_for_migrations
    from bot.runner import describe_os_error

    try:
        prepare_for_migrations(settings.database_path, settings.backups, settings.backup_keep)
    except BackupError as error:
        print(f"doithoai: {error}", file=sys.stderr)
        return 2
    except (sqlite3.Error, OSError) as error:
        print(f"doithoai: cannot use the database {settings.database_path}: {describe_os_error(error)}", file=sys.stderr)
        return 2
    try:
        database = await Database.open(settings.database_path, migrate=False)
        try:
            applied = await database.migrate()
            print(f"database {settings.database_path}: applied {len(applied)} migration(s), now at version {await database.schema_version()}")
        finally:
            await database.close()
    except (sqlite3.Error, OSError) as error:
        print(f"doithoai: cannot use the database {settings.database_path}: {describe_os_error(error)}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
