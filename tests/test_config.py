"""Settings come from the environment; a bad one stops start-up with one line and never the token."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.config import DEFAULT_BASE_URL, ConfigError, load_settings

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "123456789:AAHfakeTokenForTestsOnly_abcdefghijk"


def test_defaults_run_the_sandbox_with_the_sample_commune():
    settings = load_settings({})
    assert settings.sandbox and settings.token is None
    assert settings.base_url == DEFAULT_BASE_URL
    assert settings.base_file_url == "https://api.telegram.org/file/bot"
    assert str(settings.timezone) == "Asia/Ho_Chi_Minh"
    assert settings.database_path == Path("data/doithoai.sqlite3")
    assert [c.id for c in settings.communes.items] == ["bao-lam"]


def test_every_setting_is_read_from_the_environment(tmp_path):
    settings = load_settings({
        "TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_BASE_URL": "http://127.0.0.1:8081/bot",
        "DATABASE_PATH": str(tmp_path / "x.db"), "ADMIN_TELEGRAM_IDS": "11, 22", "BOT_TIMEZONE": "UTC",
    })
    assert settings.token == TOKEN and not settings.sandbox
    assert settings.base_file_url == "http://127.0.0.1:8081/file/bot"
    assert settings.admin_ids == {11, 22}
    assert TOKEN not in repr(settings)


def test_the_outbox_limits_are_settings_with_telegrams_defaults():
    assert (load_settings({}).chat_rate_per_second, load_settings({}).group_rate_per_minute,
            load_settings({}).notice_max_attempts, load_settings({}).notices_in_flight) == (1, 20, 8, 16)
    settings = load_settings({"TELEGRAM_CHAT_RATE_LIMIT": "0.5", "TELEGRAM_GROUP_RATE_LIMIT": "0",
                              "NOTICE_MAX_ATTEMPTS": "3", "NOTICES_IN_FLIGHT": "4"})
    assert (settings.chat_rate_per_second, settings.group_rate_per_minute, settings.notice_max_attempts,
            settings.notices_in_flight) == (0.5, 0, 3, 4)
    assert load_settings({}).notice_http_client == "lean"
    assert load_settings({"NOTICE_HTTP_CLIENT": "HTTPX"}).notice_http_client == "httpx"


@pytest.mark.parametrize("env, fragment", [
    ({"TELEGRAM_BOT_TOKEN": "nonsense"}, "TELEGRAM_BOT_TOKEN"),
    ({"TELEGRAM_BASE_URL": "ftp://x"}, "TELEGRAM_BASE_URL"),
    ({"ADMIN_TELEGRAM_IDS": "12,abc"}, "ADMIN_TELEGRAM_IDS"),
    ({"BOT_TIMEZONE": "Mars/Olympus"}, "BOT_TIMEZONE"),
    ({"COMMUNES_FILE": "/nonexistent/communes.toml"}, "COMMUNES_FILE"),
    ({"TELEGRAM_RATE_LIMIT": "fast"}, "TELEGRAM_RATE_LIMIT"),
    ({"TELEGRAM_CHAT_RATE_LIMIT": "-1"}, "TELEGRAM_CHAT_RATE_LIMIT"),
    ({"TELEGRAM_GROUP_RATE_LIMIT": "many"}, "TELEGRAM_GROUP_RATE_LIMIT"),
    ({"NOTICE_MAX_ATTEMPTS": "0"}, "NOTICE_MAX_ATTEMPTS"),
    ({"NOTICES_IN_FLIGHT": "2.5"}, "NOTICES_IN_FLIGHT"),
    ({"NOTICE_HTTP_CLIENT": "curl"}, "NOTICE_HTTP_CLIENT"),
])
def test_a_bad_setting_is_refused_in_one_line(env, fragment):
    with pytest.raises(ConfigError) as refusal:
        load_settings(env)
    assert fragment in str(refusal.value)
    assert "\n" not in str(refusal.value)


def test_a_malformed_communes_file_names_the_problem(tmp_path):
    path = tmp_path / "communes.toml"
    path.write_text('[[commune]]\nid = "x"\nvi = "Xã X"\nen = "X"\nhamlets = []\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="no hamlets"):
        load_settings({"COMMUNES_FILE": str(path)})
    path.write_text("[[commune]\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_settings({"COMMUNES_FILE": str(path)})


def test_start_up_with_a_bad_setting_prints_one_line_and_no_traceback(tmp_path):
    env = {**os.environ, "TELEGRAM_BOT_TOKEN": TOKEN, "BOT_TIMEZONE": "Nowhere/Land",
           "DATABASE_PATH": str(tmp_path / "d.sqlite3")}
    result = subprocess.run([sys.executable, "-m", "bot"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0
    assert "BOT_TIMEZONE" in result.stderr and "Traceback" not in result.stderr
    assert TOKEN not in result.stderr + result.stdout


def test_the_reminder_hour_is_a_setting_and_never_at_night():
    from datetime import time

    assert load_settings({}).reminder_time == time(7, 30)
    assert load_settings({"REMINDER_TIME": "08:15"}).reminder_time == time(8, 15)
    for bad in ("22:00", "3:00", "soon"):
        with pytest.raises(ConfigError, match="REMINDER_TIME"):
            load_settings({"REMINDER_TIME": bad})
