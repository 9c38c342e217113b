"""Drives the Zalo channel (client, adapter, runtime, sender) against the fake Zalo Bot API, next to the
Telegram bot under test: both channels share one database, as in one process."""

from __future__ import annotations

import asyncio

from bot.i18n import I18n
from bot.sandbox.fake_zalo_api import FakeZaloApi
from bot.services.sender import SendingLimits
from handlers.zalo.channel import ZaloChannel
from tests.harness import TZ, BotUnderTest


class ZaloUnderTest:
    def __init__(self, fake: FakeZaloApi, telegram: BotUnderTest, **options) -> None:
        self.fake = fake
        self.telegram = telegram
        self.options = options
        self.channel: ZaloChannel | None = None

    async def start(self) -> None:
        self.channel = ZaloChannel(token=self.fake.token, base_url=self.fake.base_url, services=self.telegram.services,
                                   i18n=I18n(TZ), poll_timeout=1, sender_clock=self.telegram.clock, per_chat_interval=0,
                                   limits=SendingLimits(per_second=0, max_attempts=3, in_flight=4, backoff_seconds=5.0),
                                   request_timeout=0.5, **self.options)
        self.channel.bot.reply_retries = (0.0, 0.0)  # a reply Zalo did not take is tried again at once
        await self.channel.start(own_server="webhook_url" in self.options)

    async def stop(self) -> None:
        if self.channel is not None:
            await self.channel.stop()
            self.channel = None

    async def restart(self) -> None:
        """The whole process stops and starts again (both channels, the database)."""
        await self.stop()
        await self.telegram.restart()
        await self.start()

    async def handled(self, update: dict) -> None:
        await asyncio.wait_for(self.channel.bot.wait_handled(update["message"]["message_id"]), 10)

    async def deliver(self) -> None:
        await self.telegram.deliver()
        await asyncio.wait_for(self.channel.sender.settle(), 10)

    async def later(self, seconds: float) -> None:
        """Move the senders' shared clock on (backoffs run out), then deliver."""
        self.telegram.clock.now += seconds
        await self.deliver()

    async def _exchange(self, user_id: str, update: dict) -> list[str]:
        before = len(self.fake.texts_to(user_id))
        await self.handled(update)
        await self.deliver()
        return self.fake.texts_to(user_id)[before:]

    async def say(self, user_id: str, text: str) -> list[str]:
        return await self._exchange(user_id, self.fake.say(user_id, text))

    async def send_photo(self, user_id: str, caption: str | None = None) -> list[str]:
        return await self._exchange(user_id, self.fake.send_photo(user_id, caption))

    async def send_unsupported(self, user_id: str) -> list[str]:
        return await self._exchange(user_id, self.fake.send_unsupported(user_id))

    async def resend(self, user_id: str, update: dict) -> list[str]:
        before = len(self.fake.texts_to(user_id))
        self.channel.bot.handled.discard(update["message"]["message_id"])
        await self._exchange(user_id, self.fake.redeliver(update))
        return self.fake.texts_to(user_id)[before:]

    async def choose(self, user_id: str, label: str) -> list[str]:
        """Type the number the newest list gives the option whose label contains `label`."""
        return await self.say(user_id, self.number_of(user_id, label))

    def number_of(self, user_id: str, label: str) -> str:
        for text in reversed(self.fake.texts_to(user_id)):
            for line in text.splitlines():
                number, dot, rest = line.partition(". ")
                if dot and number.isdigit() and label in rest:
                    return number
        raise AssertionError(f"no numbered option {label!r} for Zalo user {user_id}")

    async def register(self, user_id: str, name: str, *, hamlet: str = "Thôn 2", language: str = "Tiếng Việt") -> None:
        self.fake.names[user_id] = name
        await self.say(user_id, "xin chào")
        await self.choose(user_id, language)
        await self.choose(user_id, "đồng ý" if language == "Tiếng Việt" else "I agree")
        await self.choose(user_id, hamlet)
        replies = await self.say(user_id, name)
        if "1. " in replies[-1] and ("tên" in replies[-1] or "name" in replies[-1]) and "?" in replies[-1].split("\n")[0]:
            await self.say(user_id, "1")
        await self.say(user_id, "0912345678")
