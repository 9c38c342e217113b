"""python-telegram-bot persistence kept in the project's SQLite database (not a pickle file).

Only conversation positions and per-user data (drafts, language) are kept; the
application flushes them after every update (see handlers.register), so a
restart mid-flow resumes where the user was.

Per-user data is not loaded at start (a commune's tens of thousands of residents
would all sit in memory): PTB asks `get_user_data` once, at initialize, and gets
nothing; before it handles a user's update it calls `refresh_user_data`, which
loads that one user's row the first time the user is seen. Conversation
positions are loaded at start: a row exists only while a user is inside a flow.
"""

from __future__ import annotations

from typing import Any

from telegram.ext import BasePersistence, PersistenceInput

from storage import bot_state
from storage.database import Database


class SqlitePersistence(BasePersistence[dict, dict, dict]):
    def __init__(self, database: Database, update_interval: float = 60) -> None:
        super().__init__(
            store_data=PersistenceInput(bot_data=False, chat_data=False, user_data=True, callback_data=False),
            update_interval=update_interval,
        )
        self._database = database
        # What is stored per user, for the users loaded so far: to skip rewriting the same data
        # after every update, and to load each user's row once.
        self._written: dict[int, str] = {}

    @property
    def loaded_users(self) -> frozenset[int]:
        """The users whose stored data was read since start."""
        return frozenset(self._written)

    async def get_user_data(self) -> dict[int, dict]:
        """Nothing at start: each user's data is loaded by refresh_user_data when they write."""
        return {}

    async def get_chat_data(self) -> dict[int, dict]:
        return {}

    async def get_bot_data(self) -> dict:
        return {}

    async def get_callback_data(self) -> Any:
        return None

    async def get_conversations(self, name: str) -> dict:
        async with self._database.read() as db:
            return await bot_state.load_conversations(db, name)

    async def update_conversation(self, name: str, key: tuple, new_state: object | None) -> None:
        await self._database.execute_alone(*bot_state.save_conversation_statement(name, key, new_state))

    async def update_user_data(self, user_id: int, data: dict) -> None:
        encoded = bot_state.encode(data) if data else ""
        if self._written.get(user_id, "") == encoded:
            return
        await self._database.execute_alone(*bot_state.save_user_data_statement(user_id, encoded))
        self._written[user_id] = encoded

    async def drop_user_data(self, user_id: int) -> None:
        await self._database.execute_alone(*bot_state.save_user_data_statement(user_id, ""))
        self._written[user_id] = ""

    async def update_chat_data(self, chat_id: int, data: dict) -> None:
        """Chat data is not kept."""

    async def update_bot_data(self, data: dict) -> None:
        """Bot data holds the wiring (services), which is rebuilt at start."""

    async def update_callback_data(self, data: Any) -> None:
        """Callback data is plain strings; nothing to keep."""

    async def drop_chat_data(self, chat_id: int) -> None:
        """Chat data is not kept."""

    async def refresh_user_data(self, user_id: int, user_data: dict) -> None:
        """Before a user's update: the first time the user is seen, load their stored data.

        A key this process set before the load (nothing does today) wins over the stored one.
        Afterwards the database is only written by this process, so there is nothing to refresh."""
        if user_id in self._written:
            return
        async with self._database.read() as db:
            stored = await bot_state.load_user_data_of(db, user_id)
        self._written[user_id] = bot_state.encode(stored) if stored else ""
        if stored:
            for key, value in stored.items():
                user_data.setdefault(key, value)

    async def refresh_chat_data(self, chat_id: int, chat_data: dict) -> None:
        """Chat data is not kept."""

    async def refresh_bot_data(self, bot_data: dict) -> None:
        """Bot data is not kept."""

    async def flush(self) -> None:
        """Every write is committed when made."""
