"""The process's one web server: channel webhooks, GET /healthz and the public board.

Tornado (already installed with python-telegram-bot's webhooks extra), in the bot's own event
loop. Channels add their webhook route with `route()` before `start()` (Telegram's is in
bot/app.py; Zalo's will be another route), so one port behind one reverse proxy serves all.
Channel-free: nothing here imports a messenger."""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Any

import tornado.httpserver
import tornado.netutil
import tornado.web

from bot.board import BoardService, render_board
from bot.i18n import I18n
from storage import ops
from storage.database import Database

log = logging.getLogger(__name__)

# A channel that has not answered for this long makes /healthz say 503 (polling answers every
# few seconds; in webhook mode a probe asks the channel every minute).
CHANNEL_STALE_AFTER = timedelta(minutes=3)
DATABASE_TIMEOUT = 5.0


class Health:
    """What /healthz checks: the database answers and writes; every channel answered recently."""

    def __init__(self, database: Database, *, clock: Callable[[], datetime] | None = None,
                 stale_after: timedelta = CHANNEL_STALE_AFTER) -> None:
        self._database = database
        self._clock = clock or (lambda: datetime.now(timezone.utc))
        self._stale_after = stale_after
        self._channels: dict[str, datetime | None] = {}

    def watch(self, channel: str) -> None:
        """From now on this channel must answer regularly (until it first does, it counts as not answering)."""
        self._channels.setdefault(channel, None)

    def channel_answered(self, channel: str) -> None:
        self._channels[channel] = self._clock()

    def last_answer(self, channel: str) -> datetime | None:
        return self._channels.get(channel)

    async def problems(self) -> list[str]:
        """Empty when healthy; otherwise one short reason per problem (no secret, no personal data)."""
        problems = []
        try:
            async def probe() -> None:
                async with self._database.read() as db:
                    await (await db.execute("SELECT 1")).fetchone()
                await self._database.execute_alone(ops.SET, ops.set_params(ops.HEALTH_PROBE, "ok"))
            await asyncio.wait_for(probe(), DATABASE_TIMEOUT)
        except Exception as error:  # noqa: BLE001 - whatever fails, the answer is "not healthy, because"
            problems.append(f"database: {type(error).__name__}: {str(error).splitlines()[0] if str(error) else ''}".rstrip(": "))
        now = self._clock()
        for channel, last in sorted(self._channels.items()):
            if last is None:
                problems.append(f"{channel}: has not answered yet")
            elif now - last > self._stale_after:
                problems.append(f"{channel}: no answer for {int((now - last).total_seconds())} s")
        return problems


class HealthHandler(tornado.web.RequestHandler):
    def initialize(self, health: Health) -> None:
        self.health = health

    async def get(self) -> None:
        problems = await self.health.problems()
        self.set_header("Content-Type", "text/plain; charset=utf-8")
        self.set_header("Cache-Control", "no-store")
        self.set_status(503 if problems else 200)
        self.finish("\n".join(problems) + "\n" if problems else "ok\n")

    head = get


class BoardHandler(tornado.web.RequestHandler):
    def initialize(self, boards: BoardService, i18n: I18n) -> None:
        self.boards = boards
        self.i18n = i18n

    async def get(self, commune_id: str) -> None:
        locale = "en" if self.get_query_argument("lang", "vi") == "en" else "vi"
        # One section a page at a time: ?section=<dialogue id>|waiting&page=N (a page past the end shows the last).
        section = self.get_query_argument("section", None)
        page = self.get_query_argument("page", "1")
        if section is not None and not re.fullmatch(r"[a-z0-9]{1,12}", section):
            raise tornado.web.HTTPError(404)
        view = await self.boards.board(commune_id, section=section,
                                       page=int(page) if re.fullmatch(r"\d{1,6}", page) else 1)
        if view is None:
            raise tornado.web.HTTPError(404)
        self.set_header("Content-Type", "text/html; charset=utf-8")
        # Read afresh on every visit; shared caches may keep it half a minute at most.
        self.set_header("Cache-Control", "public, max-age=30")
        self.set_header("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'")
        self.set_header("Referrer-Policy", "no-referrer")
        self.finish(render_board(view, self.i18n.for_locale(locale), locale))


class _NotFound(tornado.web.RequestHandler):
    def prepare(self) -> None:
        raise tornado.web.HTTPError(404)


class WebServer:
    """Routes registered before start(); LISTEN_PORT 0 picks a free port (then read `port`)."""

    def __init__(self, host: str, port: int) -> None:
        self.host = host
        self.port = port
        self._routes: list[tuple[str, type, dict[str, Any]]] = []
        self._server: tornado.httpserver.HTTPServer | None = None

    def route(self, pattern: str, handler: type[tornado.web.RequestHandler], **kwargs: Any) -> None:
        if self._server is not None:
            raise RuntimeError("routes are added before the web server starts")
        self._routes.append((pattern, handler, kwargs))

    def serve_health_and_board(self, health: Health, boards: BoardService, i18n: I18n) -> None:
        self.route(r"/healthz", HealthHandler, health=health)
        self.route(r"/board/([a-z0-9][a-z0-9-]{0,31})/?", BoardHandler, boards=boards, i18n=i18n)

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    async def start(self) -> None:
        app = tornado.web.Application([*self._routes, (r"/.*", _NotFound)], log_function=_log_request)
        sockets = tornado.netutil.bind_sockets(self.port, address=self.host)
        self.port = sockets[0].getsockname()[1]
        # xheaders: behind the reverse proxy, X-Forwarded-For names the client in error logs.
        self._server = tornado.httpserver.HTTPServer(app, xheaders=True, max_body_size=2 * 1024 * 1024)
        self._server.add_sockets(sockets)

    async def stop(self) -> None:
        server, self._server = self._server, None
        if server is None:
            return
        server.stop()
        try:
            await asyncio.wait_for(server.close_all_connections(), 5)
        except (asyncio.TimeoutError, Exception):  # noqa: BLE001 - best effort on the way out
            pass


def _log_request(handler: tornado.web.RequestHandler) -> None:
    # Paths only, never query strings or bodies; errors at warning, the rest at debug.
    status = handler.get_status()
    level = logging.WARNING if status >= 500 else logging.DEBUG
    log.log(level, "%s %s -> %d", handler.request.method, handler.request.path, status)
