"""A fake Telegram Bot API server, written for this project.

Used by the test suite (a real ``telegram.ext.Application`` polls it on
127.0.0.1 and tests assert on what it received), by the benchmark, and by the
sandbox (a local "Telegram" with a chat page in the browser, served at ``/``).

Everything runs in one asyncio loop (tornado on asyncio)::

    fake = FakeBotApi()
    await fake.start()
    app = (ApplicationBuilder().token(fake.token).base_url(fake.base_url)
           .base_file_url(fake.base_file_url).build())
    ...
    fake.add_user(1001, "Lan")
    fake.send_text(1001, "/start")
    await fake.wait_until(lambda: fake.bot_texts(1001))

What it imitates (faithfully enough that a bot which works here works on
Telegram): POST/GET to ``{base_url}{token}/{method}`` with url-encoded,
multipart or JSON bodies; 401 on a wrong token, 404 on an unknown method,
400 ``Bad Request: ...`` on missing/invalid parameters, message length limits,
``message is not modified``, unknown messages/chats/files, callback data
longer than 64 bytes, HTML / MarkdownV2 / Markdown parse errors (``can't parse
entities``), leading/trailing whitespace trimming, removal of the inline
keyboard by ``editMessageText`` without ``reply_markup``, getUpdates offset /
limit / timeout (long poll) / allowed_updates and the 409 conflicts
(concurrent getUpdates, getUpdates while a webhook is set). With a webhook set
(setWebhook; plain http is accepted on the loopback only), queued updates are POSTed to it
in order with the secret token header, retried until answered 2xx; deleteWebhook stops that.

Private chats: chat id == user id; groups, supergroups and channels (add_group, send_group_text,
channel_post, leaveChat) exist for testing that the bot stays out of them. Message ids are a per-chat counter
shared by the user's and the bot's messages.

Sandbox (the chat page, ``chat_page.html``, served at ``/``), JSON endpoints:

    GET  /sandbox/api/state?user_id=ID&since=VERSION
         -> {"version", "unchanged": true} when nothing changed since VERSION, else
            {"version", "bot", "users": [User + message_count], "user_id",
             "messages": [Message without chat/from + from_bot + media_url],
             "reply_keyboard": ReplyKeyboardMarkup + "hidden" | null,
             "force_reply": ForceReply + "message_id" | null,
             "toasts": [{"id", "text", "show_alert"}] (callback answers), "action"}
    POST /sandbox/api/users     {"first_name", "language_code"?, "last_name"?, "user_id"?}
    POST /sandbox/api/text      {"user_id", "text", "reply_to"?}
    POST /sandbox/api/press     {"user_id", "message_id", "data"}
    POST /sandbox/api/photo     {"user_id", "caption"?, "data_base64"?, "reply_to"?}
    POST /sandbox/api/document  {"user_id", "file_name", "data_base64"?, "mime_type"?, "caption"?}
    POST /sandbox/api/location  {"user_id", "latitude", "longitude"}
    POST /sandbox/api/voice     {"user_id", "duration"?}
    POST /sandbox/api/sticker   {"user_id", "emoji"?}
    POST /sandbox/api/contact   {"user_id", "phone_number"?}
    POST /sandbox/api/block     {"user_id", "blocked": true|false}
         -> {"ok": true, "result": <the queued update, or the User>} / 400 {"ok": false, "error"}
    GET  /sandbox/file/<file_id>   the file's bytes (photos shown in the page)

The POSTs call the same methods tests use (add_user, send_text, press, ...).
Run it alone with ``python -m bot.sandbox.fake_bot_api --port 8081``.

FakeBotApi is composed of mixins, one module each: telegram_format (entity parsing),
fake_bot_records (constants, records, helpers), fake_bot_files, fake_bot_limits (failure
injection, flood limits), fake_bot_users (simulated users and groups), fake_bot_updates
(getUpdates, webhooks), fake_bot_methods (request handling, Bot API methods), fake_bot_page
(the chat page).
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import inspect
import threading
import time
from typing import Any, Callable

import tornado.httpserver
import tornado.netutil
import tornado.web

from bot.sandbox.fake_bot_files import FilesMixin, _FileHandler, _make_png, _SandboxFileHandler  # noqa: F401
from bot.sandbox.fake_bot_limits import LimitsMixin
from bot.sandbox.fake_bot_methods import MethodsMixin, _ApiHandler, _NotFoundHandler
from bot.sandbox.fake_bot_page import PageMixin, _PageHandler, _SandboxApiHandler
from bot.sandbox.fake_bot_records import ApiCall, _Chat, _describe, _FileRec, _Poll, _Queued, _short
from bot.sandbox.fake_bot_updates import UpdatesMixin
from bot.sandbox.fake_bot_users import UsersMixin
from bot.sandbox.fake_zalo_api import zalo_page_routes
from bot.sandbox.telegram_format import ParseError, parse_entities

__all__ = ["ApiCall", "FakeBotApi", "ParseError", "parse_entities"]


# --------------------------------------------------------------------------- the server


class FakeBotApi(MethodsMixin, UpdatesMixin, UsersMixin, FilesMixin, LimitsMixin, PageMixin):
    """A fake Telegram Bot API server (see the module docstring)."""

    def __init__(
        self,
        *,
        token: str = "123456:TEST-TOKEN",
        bot_id: int = 123456,
        bot_username: str = "doithoai_test_bot",
        host: str = "127.0.0.1",
        port: int = 0,
        bot_first_name: str = "Đối Thoại",
    ) -> None:
        self.token = token
        self.bot_id = bot_id
        self.bot_username = bot_username
        self.host = host
        self._requested_port = port
        self.port: int = port
        self.bot_user = {
            "id": bot_id,
            "is_bot": True,
            "first_name": bot_first_name,
            "username": bot_username,
        }
        self.calls: list[ApiCall] = []
        self._users: dict[int, dict] = {}
        self._chats: dict[int, _Chat] = {}
        self._files: dict[str, _FileRec] = {}
        self._files_by_path: dict[str, _FileRec] = {}
        self._file_counter = 0
        self._queue: collections.deque[_Queued] = collections.deque()
        self._next_update_id = 100_000_001
        self._max_update_id = 0
        self._allowed_updates: frozenset[str] | None = None  # None = Telegram's default
        self._active_poll: _Poll | None = None
        self._callback_queries: dict[str, dict] = {}
        self._next_callback_id = 4_382_000_000_000_000_001
        self._failures: dict[str, collections.deque] = {}
        self.zalo = None  # a FakeZaloApi whose residents the page can play too (the sandbox sets it)
        self._chat_failures: dict[int, collections.deque] = {}
        # Telegram's flood limits, when enforce_limits() was called: (per second overall, per second per chat).
        self._limits: tuple[float, float] | None = None
        self._sent_at: collections.deque[float] = collections.deque()
        self._chat_sent_at: dict[int, float] = {}
        self.limit_hits = 0  # 429s answered because a limit was broken
        # What ApiCall.at is stamped with: wall time, or a test's clock (the one the bot's sender counts with).
        self.clock: Callable[[], float] = time.time
        self._webhook: dict = {"url": ""}
        self._webhook_task: asyncio.Task | None = None
        self.webhook_posts: list[tuple[int, int]] = []  # (update_id, HTTP status; 0 = no connection)
        self._commands: dict[tuple[str, str], list[dict]] = {}
        self._menu_buttons: dict[int | None, dict] = {}
        self._bot_texts: dict[tuple[str, str], str] = {}
        self._version = 0
        self._server: tornado.httpserver.HTTPServer | None = None
        self.tls = None  # an ssl.SSLContext to serve https with, set before start() (bench/outbox.py --tls)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._loop_thread: int | None = None
        self._stopping = False
        self._changed = asyncio.Event()
        self._updates_ev = asyncio.Event()

    # ------------------------------------------------------------------ lifecycle

    @property
    def _scheme(self) -> str:
        return "https" if self.tls is not None else "http"

    @property
    def base_url(self) -> str:
        return f"{self._scheme}://{self.host}:{self.port}/bot"

    @property
    def base_file_url(self) -> str:
        return f"{self._scheme}://{self.host}:{self.port}/file/bot"

    @property
    def page_url(self) -> str:
        return f"{self._scheme}://{self.host}:{self.port}/"

    async def start(self) -> None:
        """Bind (port 0 = a free port) and serve in the running loop."""
        if self._server is not None:
            return
        self._loop = asyncio.get_running_loop()
        self._loop_thread = threading.get_ident()
        self._changed = asyncio.Event()
        self._updates_ev = asyncio.Event()
        self._stopping = False
        app = tornado.web.Application(
            [
                (r"/bot([^/]*)/([^/]+)/?", _ApiHandler, {"fake": self}),
                (r"/file/bot([^/]*)/(.+)", _FileHandler, {"fake": self}),
                (r"/sandbox/file/([^/]+)", _SandboxFileHandler, {"fake": self}),
                (r"/sandbox/api/([a-z_]+)", _SandboxApiHandler, {"fake": self}),
                (r"/", _PageHandler, {"fake": self}),
                # The fake Zalo's page (a resident without buttons), when the sandbox runs one beside this.
                *zalo_page_routes(lambda: self.zalo),
                (r"/.*", _NotFoundHandler),
            ],
            log_function=lambda handler: None,
            compress_response=False,
        )
        sockets = tornado.netutil.bind_sockets(self._requested_port, address=self.host)
        self.port = sockets[0].getsockname()[1]
        self._server = tornado.httpserver.HTTPServer(
            app, max_buffer_size=64 * 1024 * 1024, max_body_size=64 * 1024 * 1024, ssl_options=self.tls
        )
        self._server.add_sockets(sockets)

    async def stop(self) -> None:
        """Answer pending long polls, stop listening and close all connections."""
        server, self._server = self._server, None
        if server is None:
            return
        self._stopping = True
        self._stop_webhook_delivery()
        self._fire_updates()
        self._fire_changed()
        await asyncio.sleep(0)
        server.stop()
        try:
            await asyncio.wait_for(server.close_all_connections(), 5)
        except (asyncio.TimeoutError, Exception):  # pragma: no cover - best effort
            pass

    async def __aenter__(self) -> "FakeBotApi":
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    # ------------------------------------------------------------------ notifications

    def _fire_changed(self) -> None:
        ev, self._changed = self._changed, asyncio.Event()
        ev.set()

    def _fire_updates(self) -> None:
        ev, self._updates_ev = self._updates_ev, asyncio.Event()
        ev.set()

    def _notify(self, updates: bool = False, bump: bool = True) -> None:
        if bump:
            self._version += 1
        if self._loop is not None and threading.get_ident() != self._loop_thread:
            if updates:
                self._loop.call_soon_threadsafe(self._fire_updates)
            self._loop.call_soon_threadsafe(self._fire_changed)
            return
        if updates:
            self._fire_updates()
        self._fire_changed()

    # ------------------------------------------------------------------ inspection

    def calls_of(self, method: str | None = None, chat_id: int | None = None) -> list[ApiCall]:
        """Recorded calls (all statuses), optionally of one method (case-insensitive)
        and/or one chat_id."""
        m = method.lower() if method else None
        c = str(chat_id) if chat_id is not None else None
        return [
            call
            for call in self.calls
            if (m is None or call.method.lower() == m)
            and (c is None or str(call.params.get("chat_id")) == c)
        ]

    def chat(self, chat_id: int) -> list[dict]:
        """Transcript of a private chat, current state (edits applied, deletions
        removed). Each item is the Telegram Message dict plus ``from_bot`` and
        ``reply_keyboard`` (the non-inline reply_markup sent with it, or None)."""
        chat = self._chats.get(int(chat_id))
        if chat is None:
            return []
        return [
            {**m.message, "from_bot": m.from_bot, "reply_keyboard": m.reply_keyboard}
            for m in chat.messages.values()
        ]

    def bot_texts(self, chat_id: int) -> list[str]:
        """Texts (or captions) of the bot's messages in a chat, current state; bot
        messages with neither (a bare location, voice, ...) are skipped."""
        chat = self._chats.get(int(chat_id))
        if chat is None:
            return []
        result = []
        for m in chat.messages.values():
            if m.from_bot:
                text = m.message.get("text", m.message.get("caption"))
                if text is not None:
                    result.append(text)
        return result

    def last_bot_message(self, chat_id: int) -> dict | None:
        """The bot's latest message in the chat (Telegram dict), or None."""
        chat = self._chats.get(int(chat_id))
        if chat is None:
            return None
        for m in reversed(chat.messages.values()):
            if m.from_bot:
                return m.message
        return None

    def current_reply_keyboard(self, chat_id: int) -> list[list[str]] | None:
        """Button texts of the reply keyboard the user sees now (None when there is
        none, it was removed, or a one_time_keyboard was used)."""
        chat = self._chats.get(int(chat_id))
        if chat is None or chat.reply_keyboard is None or chat.keyboard_hidden:
            return None
        return [
            [b if isinstance(b, str) else b.get("text", "") for b in row]
            for row in chat.reply_keyboard.get("keyboard", [])
        ]

    def reply_keyboard_markup(self, chat_id: int) -> dict | None:
        """The full ReplyKeyboardMarkup dict currently in force (even if hidden)."""
        chat = self._chats.get(int(chat_id))
        return chat.reply_keyboard if chat else None

    def callback_answer(self, callback_query_id: str | dict) -> dict | None:
        """The answerCallbackQuery params given for a query (or its update), None
        while unanswered."""
        if isinstance(callback_query_id, dict):
            callback_query_id = callback_query_id["callback_query"]["id"]
        query = self._callback_queries.get(str(callback_query_id))
        return query["answer"] if query else None

    def my_commands(self, scope: dict | None = None, language_code: str = "") -> list[dict]:
        """Commands stored by setMyCommands for a scope (default {"type": "default"})."""
        return list(self._commands.get(self._scope_key(scope, language_code), []))

    def menu_button(self, chat_id: int | None = None) -> dict | None:
        return self._menu_buttons.get(chat_id)

    @property
    def users(self) -> list[dict]:
        return list(self._users.values())

    @property
    def pending_updates(self) -> int:
        return len(self._queue)

    async def wait_until(
        self, predicate: Callable[[], Any], timeout: float = 10.0, *, message: str | None = None
    ) -> None:
        """Wait until predicate() is truthy; re-evaluated on every recorded call or
        queued update (and at least every 0.1 s, for predicates on other state).
        The predicate may be async. Raises TimeoutError describing the wait."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            ev = self._changed
            value = predicate()
            if inspect.isawaitable(value):
                value = await value
            if value:
                return
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise TimeoutError(
                    f"wait_until({message or _describe(predicate)}) still false after "
                    f"{timeout}s. {self._recent_calls()}"
                )
            try:
                await asyncio.wait_for(ev.wait(), min(remaining, 0.1))
            except asyncio.TimeoutError:
                pass

    async def wait_for_call(
        self, method: str, *, chat_id: int | None = None, after: int = 0, timeout: float = 10.0
    ) -> ApiCall:
        """The first call of ``method`` (and chat_id) with index >= ``after`` in
        ``calls``; waits for it. Use ``after=len(fake.calls)`` to wait for a new one."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        m = method.lower()
        c = str(chat_id) if chat_id is not None else None
        i = after
        while True:
            ev = self._changed
            calls = self.calls
            while i < len(calls):
                call = calls[i]
                i += 1
                if call.method.lower() == m and (c is None or str(call.params.get("chat_id")) == c):
                    return call
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise TimeoutError(
                    f"no {method} call"
                    + (f" for chat_id={chat_id}" if chat_id is not None else "")
                    + f" at index >= {after} within {timeout}s. {self._recent_calls()}"
                )
            try:
                await asyncio.wait_for(ev.wait(), min(remaining, 0.5))
            except asyncio.TimeoutError:
                pass

    def _recent_calls(self, n: int = 10) -> str:
        interesting = [c for c in self.calls if c.method != "getUpdates"][-n:]
        polls = sum(1 for c in self.calls if c.method == "getUpdates")
        lines = [
            f"  {c.method} -> {c.status}{' ' + c.error if c.error else ''}: {_short(c.params)}"
            for c in interesting
        ]
        return (
            f"{len(self.calls)} calls recorded ({polls} getUpdates), "
            f"{len(self._queue)} updates unconfirmed; last calls:\n" + "\n".join(lines)
            if lines
            else f"{len(self.calls)} calls recorded ({polls} getUpdates), none but getUpdates; "
            f"{len(self._queue)} updates unconfirmed."
        )


# --------------------------------------------------------------------------- standalone


def main(argv: list[str] | None = None) -> None:  # pragma: no cover - manual use
    """Serve the fake API and the chat page alone: python -m bot.sandbox.fake_bot_api"""
    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("--port", type=int, default=8081)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--token", default="123456:TEST-TOKEN")
    args = parser.parse_args(argv)

    async def run() -> None:
        fake = FakeBotApi(token=args.token, host=args.host, port=args.port)
        await fake.start()
        fake.add_user(1001, "Lan", language_code="vi")
        print(f"chat page: {fake.page_url}\nbase_url:  {fake.base_url}\ntoken:     {fake.token}")
        try:
            await asyncio.Event().wait()
        finally:
            await fake.stop()

    try:
        asyncio.run(run())
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":  # pragma: no cover
    main()
