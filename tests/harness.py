"""Drives the real python-telegram-bot Application (polling) against the project's fake Bot API."""

from __future__ import annotations

import asyncio
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.app import DoithoaiApplication, build_application
from bot.communes import Communes, load_communes
from bot.config import DEFAULT_COMMUNES_FILE
from bot.i18n import I18n
from bot.sandbox.fake_bot_api import FakeBotApi
from handlers.keyboards import PHONE_SHARE, PHONE_SKIP
from bot.services import Services
from storage.database import Database

TZ = ZoneInfo("Asia/Ho_Chi_Minh")


class TrackedApplication(DoithoaiApplication):
    """Tells the test when each update has been fully handled, so no test sleeps or guesses."""

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.handled_updates: set[int] = set()
        self.handled_changed = asyncio.Condition()

    async def process_update(self, update: object) -> None:
        try:
            await super().process_update(update)
        finally:
            async with self.handled_changed:
                self.handled_updates.add(getattr(update, "update_id", -1))
                self.handled_changed.notify_all()


class ManualClock:
    """The outbox sender's clock in tests: time moves only when the test says so (no real sleeps)."""

    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


class RunningClock:
    """Moves a ManualClock on by `step` every 10 ms while in use: with an overall rate set, replies wait
    for that clock (bot.services.sender.SharedRate), so a test registering users under a rate runs it."""

    def __init__(self, clock: ManualClock, step: float = 0.2) -> None:
        self.clock = clock
        self.step = step
        self._task: asyncio.Task | None = None

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(0.01)
            self.clock.now += self.step

    def __enter__(self) -> "RunningClock":
        self._task = asyncio.create_task(self._run())
        return self

    def __exit__(self, *exc) -> None:
        self._task.cancel()


class BotUnderTest:
    """The bot as deployed (database, services, handlers, persistence), polling the fake server."""

    def __init__(self, fake: FakeBotApi, database_path: Path, communes: Communes | None = None, *,
                 admin_ids: frozenset[int] = frozenset(), dialogues_per_year: int = 1,
                 write_timeout: float | None = None, sending: dict | None = None) -> None:
        self.fake = fake
        self.admin_ids = admin_ids
        self.dialogues_per_year = dialogues_per_year
        self.database_path = database_path
        self.write_timeout = write_timeout
        self.communes = communes or load_communes(DEFAULT_COMMUNES_FILE)
        self.application: TrackedApplication | None = None
        self.database: Database | None = None
        self.clock = ManualClock()
        # The outbox sender's limits: none by default, so a test waits for nothing; a test of the limits sets them.
        self.sending = dict(rate_limit_per_second=0, chat_rate_per_second=0, group_rate_per_minute=0) | (sending or {})

    async def start(self) -> None:
        timeout = {} if self.write_timeout is None else {"write_timeout": self.write_timeout}
        self.database = await Database.open(self.database_path, **timeout)
        services = await Services.create(self.database, self.communes, self.admin_ids,
                                         dialogues_per_year=self.dialogues_per_year)
        self.services = services
        await services.notifications.recover_interrupted()  # as bot/runner.serve does at every start
        self.application = build_application(
            token=self.fake.token, base_url=self.fake.base_url, base_file_url=self.fake.base_file_url,
            services=services, i18n=I18n(TZ), application_class=TrackedApplication, sender_clock=self.clock,
            **self.sending,
        )
        await self.application.initialize()
        await self.application.updater.start_polling(poll_interval=0.0, timeout=1)
        await self.application.start()

    async def stop(self) -> None:
        if self.application is not None:
            await self.application.updater.stop()
            await self.application.stop()
            await self.application.shutdown()
            self.application = None
        if self.database is not None:
            await self.database.close()
            self.database = None

    async def restart(self) -> None:
        await self.stop()
        await self.start()

    async def handled(self, update: dict, timeout: float = 10.0) -> None:
        app = self.application
        assert app is not None
        async with app.handled_changed:
            await asyncio.wait_for(
                app.handled_changed.wait_for(lambda: update["update_id"] in app.handled_updates), timeout
            )

    # Each of these sends as the user, waits until the bot has handled it, and returns
    # the texts the bot delivered (sent or edited) in that chat meanwhile.
    async def _exchange(self, user_id: int, update: dict) -> list[str]:
        before = len(self.fake.calls)
        await self.handled(update)
        await self.deliver()  # the notices the update queued, sent by the background sender meanwhile
        return [
            call.params.get("text") or call.params.get("caption") or ""
            for call in self.fake.calls[before:]
            if call.ok and call.method in ("sendMessage", "editMessageText", "sendPhoto", "sendDocument")
            and str(call.params.get("chat_id")) == str(user_id)
        ]

    async def say(self, user_id: int, text: str) -> list[str]:
        return await self._exchange(user_id, self.fake.send_text(user_id, text))

    async def tap(self, user_id: int, data: str) -> list[str]:
        """Press the newest inline button carrying `data` in the user's chat."""
        message_id = self.message_with_button(user_id, data)
        return await self._exchange(user_id, self.fake.press(user_id, message_id, data))

    async def tap_label(self, user_id: int, label: str) -> list[str]:
        """Press the newest inline button whose label contains `label`."""
        for message in reversed(self.fake.chat(user_id)):
            for row in (message.get("reply_markup") or {}).get("inline_keyboard", []):
                for button in row:
                    if label in button["text"]:
                        return await self._exchange(user_id, self.fake.press(user_id, message["message_id"], button["callback_data"]))
        raise AssertionError(f"no inline button labelled {label!r} in chat {user_id}")

    async def send(self, user_id: int, update: dict) -> list[str]:
        return await self._exchange(user_id, update)

    def message_with_button(self, user_id: int, data: str) -> int:
        for message in reversed(self.fake.chat(user_id)):
            for row in (message.get("reply_markup") or {}).get("inline_keyboard", []):
                if any(button.get("callback_data") == data for button in row):
                    return message["message_id"]
        raise AssertionError(f"no inline button with data {data!r} in chat {user_id}")

    def buttons_on(self, user_id: int, message_id: int) -> list[str]:
        """Callback data of the inline buttons one message carries now (after any edits)."""
        message = next(m for m in self.fake.chat(user_id) if m["message_id"] == message_id)
        rows = (message.get("reply_markup") or {}).get("inline_keyboard", [])
        return [button["callback_data"] for row in rows for button in row]

    def buttons(self, user_id: int) -> list[str]:
        """Callback data of the inline buttons on the bot's newest message."""
        for message in reversed(self.fake.chat(user_id)):
            if message["from_bot"]:
                rows = (message.get("reply_markup") or {}).get("inline_keyboard", [])
                return [button["callback_data"] for row in rows for button in row]
        return []

    async def rows(self, sql: str, *params) -> list[tuple]:
        assert self.database is not None
        async with self.database.read() as db:
            return [tuple(r) for r in await (await db.execute(sql, params)).fetchall()]

    async def register(self, user_id: int, name: str, *, language: str = "vi", hamlet: str = "thon-2") -> None:
        """Walk the onboarding as a resident would."""
        self.fake.add_user(user_id, name, language_code=language)
        await self.say(user_id, "/start")
        await self.tap(user_id, f"ob:lang:{language}")
        await self.tap(user_id, "ob:consent:yes")
        await self.tap(user_id, f"ob:hamlet:{hamlet}")
        replies = await self.say(user_id, name)
        if self.buttons(user_id) == ["ob:nameok", "ob:nameagain"]:  # a long name is asked about: it is one
            await self.tap(user_id, "ob:nameok")
        assert self.fake.current_reply_keyboard(user_id) == [[self.label(language, PHONE_SHARE)], [self.label(language, PHONE_SKIP)]], replies
        await self.say(user_id, self.label(language, PHONE_SKIP))

    @staticmethod
    def label(language: str, msgid: str) -> str:
        """A button's text as the user sees it in that language."""
        return I18n(TZ).for_locale(language)(msgid)

    async def grant(self, user_id: int, name: str, role: str, *, body: str | None = None, hamlet: str | None = None,
                    language: str = "vi", commune: str = "bao-lam") -> None:
        """Give someone a role directly, as `python -m bot grant` on the server would."""
        self.fake.add_user(user_id, name, language_code=language)
        await self.services.staff.grant_on_server("telegram", str(user_id), commune_id=commune, role=role,
                                                  body=body, hamlet_id=hamlet)
        async with self.database.transaction() as db:
            # The officials of these tests have opened the bot (a test of one who has not grants on its own).
            await db.execute("UPDATE people SET display_name = ?, locale = ?, started_at = created_at"
                             " WHERE channel = 'telegram' AND external_id = ?", (name, language, str(user_id)))

    async def deliver(self) -> None:
        """Wake the background sender and wait until it has sent all it may send now."""
        await asyncio.wait_for(self.application.bot_data["sender"].settle(), 10)

    async def later(self, seconds: float) -> None:
        """Move the sender's clock on (backoffs and per-chat waits run out), then deliver."""
        self.clock.now += seconds
        await self.deliver()

    async def submit_concern(self, user_id: int, text: str, topic: str = "land") -> list[str]:
        await self.say(user_id, "/new")
        await self.tap(user_id, f"cc:cat:{topic}")
        await self.say(user_id, text)
        confirm = next(d for d in self.buttons(user_id) if d.startswith("cc:ok:"))
        return await self.tap(user_id, confirm)
