"""Logs are quiet by default (LOG_LEVEL), libraries never log below WARNING, and no line carries the token."""

from __future__ import annotations

import contextlib
import logging

import pytest

from bot.config import ConfigError, load_settings
from bot.runner import LIBRARY_LOGGERS, configure_logging

TOKEN = "123456789:AAHfakeTokenForTestsOnly_abcdefghijk"


@contextlib.contextmanager
def configured(env: dict[str, str]):
    """Logging as `python -m bot` configures it from `env`; then the test process's logging as it was."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    levels = {name: logging.getLogger(name).level for name in LIBRARY_LOGGERS}
    root.handlers = []
    try:
        configure_logging([TOKEN], load_settings(env).log_level)
        yield
    finally:
        for handler in root.handlers:
            handler.close()
        root.handlers, root.level = handlers, level
        for name, saved in levels.items():
            logging.getLogger(name).setLevel(saved)


def log_a_busy_minute() -> None:
    logging.getLogger("apscheduler.executors.default").info('Running job "_deliver_notices" (scheduled at 2026-12-01)')
    logging.getLogger("apscheduler.executors.default").info('Job "_deliver_notices" executed successfully')
    logging.getLogger("telegram.ext.Application").info("Application started")
    logging.getLogger("telegram.ext.Application").debug("Processing update Update(message=Message(text='Nguyễn Thị Lan'))")
    logging.getLogger("httpx").info(f"HTTP Request: POST https://api.telegram.org/bot{TOKEN}/getUpdates")
    logging.getLogger("bot.app").debug("a detail for whoever debugs the bot")
    logging.getLogger("bot.app").info("queued 3 reminders and escalations")
    logging.getLogger("telegram.ext.Updater").warning(f"Exception happened while polling for updates: /bot{TOKEN}/")


def lines(capsys) -> list[str]:
    return [line.split(" ", 2)[2] for line in capsys.readouterr().err.splitlines()]


def test_by_default_only_the_bots_own_lines_and_library_warnings_are_logged(capsys):
    with configured({}):
        log_a_busy_minute()
    assert lines(capsys) == [
        "INFO bot.app: queued 3 reminders and escalations",
        "WARNING telegram.ext.Updater: Exception happened while polling for updates: /bot***/",
    ]


def test_debug_shows_more_of_the_bot_but_never_the_updates_python_telegram_bot_would_log(capsys):
    with configured({"LOG_LEVEL": "debug"}):
        log_a_busy_minute()
    assert lines(capsys) == [
        "DEBUG bot.app: a detail for whoever debugs the bot",
        "INFO bot.app: queued 3 reminders and escalations",
        "WARNING telegram.ext.Updater: Exception happened while polling for updates: /bot***/",
    ]


def test_warning_keeps_only_warnings(capsys):
    with configured({"LOG_LEVEL": "WARNING"}):
        log_a_busy_minute()
    assert lines(capsys) == ["WARNING telegram.ext.Updater: Exception happened while polling for updates: /bot***/"]


def test_an_unknown_log_level_is_refused_in_one_line():
    with pytest.raises(ConfigError, match="^LOG_LEVEL must be one of DEBUG, INFO, WARNING, ERROR$"):
        load_settings({"LOG_LEVEL": "loud"})
