"""Fixtures: the fake Bot API server and the bot under test, both on 127.0.0.1."""

from __future__ import annotations

import pytest

from bot.sandbox.fake_bot_api import FakeBotApi
from tests.harness import BotUnderTest


@pytest.fixture
async def fake_api():
    server = FakeBotApi()
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
async def bot(fake_api, tmp_path):
    under_test = BotUnderTest(fake_api, tmp_path / "doithoai.sqlite3")
    await under_test.start()
    yield under_test
    await under_test.stop()


@pytest.fixture
async def fake_zalo():
    from bot.sandbox.fake_zalo_api import FakeZaloApi

    server = FakeZaloApi()
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
async def zalo(bot, fake_zalo):
    from tests.zalo_harness import ZaloUnderTest

    under_test = ZaloUnderTest(fake_zalo, bot)
    await under_test.start()
    yield under_test
    await under_test.stop()
