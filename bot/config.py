"""Settings read once from the environment at start-up; a bad value stops start-up with one clear line."""

from __future__ import annotations

import os
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import time
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.calendar import WorkingCalendar
from bot.communes import Communes, CommunesFileError, load_communes
from bot.deadlines import DeadlineRules, calendar_from_env, rules_from_env

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_BASE_URL = "https://api.telegram.org/bot"
DEFAULT_ZALO_BASE_URL = "https://bot-api.zaloplatforms.com/bot"
DEFAULT_COMMUNES_FILE = PROJECT_ROOT / "config" / "communes.toml"
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
_TOKEN_SHAPE = re.compile(r"^\d{3,20}:[A-Za-z0-9_-]{20,}$")
_SECRET_SHAPE = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
_ZALO_TOKEN_SHAPE = re.compile(r"^[A-Za-z0-9_-]{1,64}:[A-Za-z0-9_-]{8,}$")


class ConfigError(Exception):
    """A missing or malformed setting. Its message is one line and never contains a secret."""


@dataclass(frozen=True)
class Settings:
    token: str | None = field(repr=False)  # never shown in logs or reprs
    base_url: str
    base_file_url: str
    database_path: Path
    admin_ids: frozenset[int]
    timezone: ZoneInfo
    communes_file: Path
    communes: Communes
    # Telegram allows about 30 messages a second; 0 turns the throughput cap off
    # (the fake Bot API of the sandbox and the tests has no limit). 429s are retried either way.
    rate_limit_per_second: int = 30
    # Telegram allows about 1 message a second to one person and 20 a minute to one group (0 = no cap).
    chat_rate_per_second: float = 1.0
    group_rate_per_minute: float = 20.0
    # A notice that keeps failing is tried this many times (with growing waits), then given up.
    notice_max_attempts: int = 8
    # Requests of the outbox sender in flight at once: also the most notices a crash can send twice.
    notices_in_flight: int = 16
    # How notices reach Telegram: "lean" (the project's keep-alive client, a tenth of httpx's CPU a notice)
    # or "httpx" (python-telegram-bot's own, as replies use): a way back without a deploy.
    notice_http_client: str = "lean"
    calendar: WorkingCalendar = field(default_factory=WorkingCalendar, repr=False, compare=False)
    rules: DeadlineRules = field(default_factory=DeadlineRules)
    # The plan holds one dialogue a year (II.4); the 2025 Law on Local Government allows more.
    dialogues_per_year: int = 1
    reminder_time: time = time(7, 30)  # REMINDER_TIME: when the daily reminders go out (commune time)
    # doithoai's own log lines from this level up; libraries log warnings and errors only.
    log_level: str = "INFO"
    # Webhook mode when set: Telegram posts updates to this public https URL (a reverse proxy
    # terminates TLS and forwards to LISTEN_HOST:LISTEN_PORT); otherwise the bot polls.
    webhook_url: str | None = None
    webhook_secret: str | None = field(default=None, repr=False)  # checked on every webhook request; never shown
    # The one web server of the process (webhooks, /healthz, /board/<commune id>).
    listen_host: str = "127.0.0.1"
    listen_port: int = 8090
    listen_port_set: bool = False
    backup_dir: Path | None = None  # None: "backups" next to the database
    backup_keep: int = 7
    backup_hour: int = 2  # the daily automatic backup, at this hour of BOT_TIMEZONE
    # Zalo (residents only): polling, or a webhook when both URL and secret are set.
    zalo_token: str | None = field(default=None, repr=False)
    zalo_base_url: str = DEFAULT_ZALO_BASE_URL
    zalo_webhook_url: str | None = None
    zalo_webhook_secret: str | None = field(default=None, repr=False)
    env: Mapping[str, str] = field(default_factory=dict, repr=False, compare=False)

    @property
    def sandbox(self) -> bool:
        """No token of any channel: the local sandbox with fake Telegram and fake Zalo."""
        return self.token is None and self.zalo_token is None

    @property
    def secrets(self) -> list[str]:
        return [s for s in (self.token, self.webhook_secret, self.zalo_token, self.zalo_webhook_secret) if s]

    @property
    def backups(self) -> Path:
        return self.backup_dir or self.database_path.parent / "backups"


def _file_url(base_url: str) -> str:
    # https://api.telegram.org/bot -> https://api.telegram.org/file/bot
    head, sep, tail = base_url.rstrip("/").rpartition("/")
    return f"{head}/file/{tail}" if sep else base_url + "/file"


def load_settings(env: Mapping[str, str] | None = None) -> Settings:
    env = dict(os.environ if env is None else env)

    token = env.get("TELEGRAM_BOT_TOKEN", "").strip() or None
    if token is not None and not _TOKEN_SHAPE.match(token):
        raise ConfigError("TELEGRAM_BOT_TOKEN does not look like a bot token (digits:letters from @BotFather)")

    base_url = env.get("TELEGRAM_BASE_URL", "").strip() or DEFAULT_BASE_URL
    if not re.match(r"^https?://[^\s/]+(/\S*)?$", base_url):
        raise ConfigError(f"TELEGRAM_BASE_URL must be an http(s) URL such as {DEFAULT_BASE_URL}")

    admin_ids: set[int] = set()
    for part in env.get("ADMIN_TELEGRAM_IDS", "").split(","):
        part = part.strip()
        if not part:
            continue
        if not part.isdigit():
            raise ConfigError(f"ADMIN_TELEGRAM_IDS must be Telegram user ids separated by commas; {part!r} is not one")
        admin_ids.add(int(part))

    tz_name = env.get("BOT_TIMEZONE", "").strip() or "Asia/Ho_Chi_Minh"
    try:
        timezone = ZoneInfo(tz_name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"BOT_TIMEZONE {tz_name!r} is not a known time zone (e.g. Asia/Ho_Chi_Minh)") from None

    communes_file = Path(env.get("COMMUNES_FILE", "").strip() or DEFAULT_COMMUNES_FILE)
    try:
        communes = load_communes(communes_file)
    except CommunesFileError as error:
        raise ConfigError(str(error)) from None

    rate = env.get("TELEGRAM_RATE_LIMIT", "").strip() or "30"
    if not rate.isdigit():
        raise ConfigError("TELEGRAM_RATE_LIMIT must be a whole number of messages per second (0 = no cap)")

    sending = {}
    for name, key, whole, least in (("TELEGRAM_CHAT_RATE_LIMIT", "chat_rate_per_second", False, 0),
                                    ("TELEGRAM_GROUP_RATE_LIMIT", "group_rate_per_minute", False, 0),
                                    ("NOTICE_MAX_ATTEMPTS", "notice_max_attempts", True, 1),
                                    ("NOTICES_IN_FLIGHT", "notices_in_flight", True, 1)):
        raw = env.get(name, "").strip()
        if not raw:
            continue
        try:
            value = int(raw) if whole else float(raw)
        except ValueError:
            value = None
        if value is None or value < least or value != value or value == float("inf"):
            kind = "a whole number" if whole else "a number"
            raise ConfigError(f"{name} must be {kind} of at least {least}")
        sending[key] = value

    try:
        rules = rules_from_env(env)
        calendar = calendar_from_env(env)
    except ValueError as error:
        raise ConfigError(str(error).splitlines()[0]) from None

    reminder_raw = env.get("REMINDER_TIME", "").strip() or "07:30"
    try:
        reminder_time = time.fromisoformat(reminder_raw)
    except ValueError:
        reminder_time = None
    if reminder_time is None or not time(5, 0) <= reminder_time < time(20, 0):
        raise ConfigError("REMINDER_TIME must be a time of day between 05:00 and 19:59, e.g. 07:30")
    sending["reminder_time"] = reminder_time

    client = env.get("NOTICE_HTTP_CLIENT", "").strip().lower() or "lean"
    if client not in ("lean", "httpx"):
        raise ConfigError("NOTICE_HTTP_CLIENT must be lean or httpx")
    sending["notice_http_client"] = client

    per_year = env.get("DIALOGUES_PER_YEAR", "").strip() or "1"
    if not per_year.isdigit() or int(per_year) < 1:
        raise ConfigError("DIALOGUES_PER_YEAR must be a whole number of at least 1")

    log_level = env.get("LOG_LEVEL", "").strip().upper() or "INFO"
    if log_level not in LOG_LEVELS:
        raise ConfigError(f"LOG_LEVEL must be one of {', '.join(LOG_LEVELS)}")

    webhook_url = env.get("TELEGRAM_WEBHOOK_URL", "").strip() or None
    if webhook_url is not None and not re.match(r"^https://[^\s/]+(/\S*)?$", webhook_url) \
            and not re.match(r"^http://(127\.0\.0\.1|localhost)(:\d+)?(/\S*)?$", webhook_url):
        raise ConfigError("TELEGRAM_WEBHOOK_URL must be the public https URL Telegram posts updates to, "
                          "e.g. https://bot.example.vn/telegram")
    webhook_secret = env.get("TELEGRAM_WEBHOOK_SECRET", "").strip() or None
    if webhook_secret is not None and not _SECRET_SHAPE.match(webhook_secret):
        # Never echo the value: it is a secret.
        raise ConfigError("TELEGRAM_WEBHOOK_SECRET must be 1-256 characters A-Z, a-z, 0-9, _ or - (Telegram's rule)")
    if webhook_url is not None and webhook_secret is None:
        webhook_secret = secrets.token_urlsafe(32)  # a fresh one each start; setWebhook tells Telegram

    listen_host = env.get("LISTEN_HOST", "").strip() or "127.0.0.1"
    port_text = env.get("LISTEN_PORT", "").strip()
    if port_text and (not port_text.isdigit() or int(port_text) > 65535):
        raise ConfigError("LISTEN_PORT must be a port number (0-65535)")
    keep = env.get("BACKUP_KEEP", "").strip() or "7"
    if not keep.isdigit() or int(keep) < 1:
        raise ConfigError("BACKUP_KEEP must be a whole number of at least 1")
    hour = env.get("BACKUP_HOUR", "").strip() or "2"
    if not hour.isdigit() or int(hour) > 23:
        raise ConfigError("BACKUP_HOUR must be an hour of the day, 0-23")
    backup_dir = env.get("BACKUP_DIR", "").strip()
    zalo = _zalo_settings(env)

    return Settings(
        webhook_url=webhook_url,
        webhook_secret=webhook_secret,
        listen_host=listen_host,
        listen_port=int(port_text) if port_text else 8090,
        listen_port_set=bool(port_text),
        backup_dir=Path(backup_dir) if backup_dir else None,
        backup_keep=int(keep),
        backup_hour=int(hour),
        token=token,
        base_url=base_url,
        base_file_url=_file_url(base_url),
        database_path=Path(env.get("DATABASE_PATH", "").strip() or "data/doithoai.sqlite3"),
        admin_ids=frozenset(admin_ids),
        timezone=timezone,
        communes_file=communes_file,
        communes=communes,
        rate_limit_per_second=int(rate),
        calendar=calendar,
        rules=rules,
        dialogues_per_year=int(per_year),
        log_level=log_level,
        env=env,
        **sending,
        **zalo,
    )


def _zalo_settings(env: Mapping[str, str]) -> dict:
    zalo_token = env.get("ZALO_BOT_TOKEN", "").strip() or None
    if zalo_token is not None and not _ZALO_TOKEN_SHAPE.match(zalo_token):
        raise ConfigError("ZALO_BOT_TOKEN does not look like a Zalo bot token (bot id:secret from Zalo Bot Creator)")
    base_url = env.get("ZALO_BASE_URL", "").strip() or DEFAULT_ZALO_BASE_URL
    if not re.match(r"^https?://[^\s/]+(/\S*)?$", base_url):
        raise ConfigError(f"ZALO_BASE_URL must be an http(s) URL such as {DEFAULT_ZALO_BASE_URL}")
    webhook_url = env.get("ZALO_WEBHOOK_URL", "").strip() or None
    webhook_secret = env.get("ZALO_WEBHOOK_SECRET", "").strip() or None
    if (webhook_url is None) != (webhook_secret is None):
        raise ConfigError("ZALO_WEBHOOK_URL and ZALO_WEBHOOK_SECRET go together: set both (webhook) or neither (polling)")
    if webhook_url is not None and not re.match(r"^https://[^\s/]+(/\S*)?$", webhook_url):
        raise ConfigError("ZALO_WEBHOOK_URL must be the public https URL Zalo posts to, e.g. https://bot.example.vn/zalo")
    if webhook_secret is not None and not re.match(r"^[A-Za-z0-9_-]{8,256}$", webhook_secret):
        raise ConfigError("ZALO_WEBHOOK_SECRET must be 8 to 256 letters, digits, '-' or '_'")
    return dict(zalo_token=zalo_token, zalo_base_url=base_url, zalo_webhook_url=webhook_url,
                zalo_webhook_secret=webhook_secret)
