"""A fake Zalo Bot API for tests and the sandbox: what a Zalo resident would see, recorded.

Speaks like the real one (`POST /bot<token>/<method>`, JSON bodies, `{"ok": ..., "result": ...}`,
getUpdates returning ONE update or a 408 error when none came in time) and lets a test or the chat page
play the resident: `say`, `send_photo`, `send_unsupported`, `redeliver`. It can fail on purpose:
`fail_next(method, status)` answers one call with that status ("timeout" never answers it in time), and
`unreachable` holds users the bot cannot reach.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import secrets
import time
from dataclasses import dataclass, field
from pathlib import Path

import tornado.httpserver
import tornado.netutil
import tornado.web

# A tiny valid JPEG (1x1 pixel): what a resident's photo downloads as.
PHOTO_BYTES = bytes.fromhex(
    "ffd8ffe000104a46494600010100000100010000ffdb004300080606070605080707070909080a0c140d0c0b0b0c1912130f141d1a1f"
    "1e1d1a1c1c20242e2720222c231c1c2837292c30313434341f27393d38323c2e333432ffc0000b080001000101011100ffc4001f0000"
    "010501010101010100000000000000000102030405060708090a0bffc400b5100002010303020403050504040000017d0102030004"
    "1105122131410613516107227114328191a1082342b1c11552d1f02433627282090a161718191a25262728292a3435363738393a43"
    "4445464748494a535455565758595a636465666768696a737475767778797a838485868788898a92939495969798999aa2a3a4a5a6"
    "a7a8a9aab2b3b4b5b6b7b8b9bac2c3c4c5c6c7c8c9cad2d3d4d5d6d7d8d9dae1e2e3e4e5e6e7e8e9eaf1f2f3f4f5f6f7f8f9faffda"
    "0008010100003f00fbd3ffd9")


@dataclass
class ZaloEvent:
    """One line of the transcript: who said what (the bot, or a user)."""

    user_id: str
    from_bot: bool
    text: str
    photo: str | None = None


@dataclass
class _Failure:
    status: int | str
    description: str = ""


@dataclass
class FakeZaloApi:
    host: str = "127.0.0.1"
    port: int = 0
    token: str = field(default_factory=lambda: f"{secrets.randbelow(10**9)}:{secrets.token_hex(16)}")
    transcript: list[ZaloEvent] = field(default_factory=list)
    unreachable: set[str] = field(default_factory=set)
    webhook: dict | None = None
    calls: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._updates: asyncio.Queue[dict] = asyncio.Queue()
        self._failures: dict[str, list[_Failure]] = {}
        self._ids = itertools.count(1)
        self._server: tornado.httpserver.HTTPServer | None = None
        self._sent = asyncio.Condition()
        self.names: dict[str, str] = {}
        self.photo_downloads = 0  # photos the bot asked for
        self.photos_held: asyncio.Event | None = None  # set: photos are answered only once it is set

    # --- life ------------------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}/bot"

    def photo_url(self, name: str) -> str:
        return f"http://{self.host}:{self.port}/photos/{name}.jpg"

    async def start(self) -> None:
        api = self
        app = tornado.web.Application([
            (r"/bot([^/]+)/(\w+)", _MethodHandler, {"api": api}),
            (r"/photos/([\w-]+)\.jpg", _PhotoHandler, {"api": api}),
        ])
        sockets = tornado.netutil.bind_sockets(self.port, address=self.host)
        self.port = sockets[0].getsockname()[1]
        self._server = tornado.httpserver.HTTPServer(app)
        self._server.add_sockets(sockets)

    async def stop(self) -> None:
        if self._server is not None:
            self._server.stop()
            await self._server.close_all_connections()
            self._server = None

    # --- playing the resident --------------------------------------------------------------------

    def _message(self, user_id: str, event: str, **fields) -> dict:
        message_id = f"m{next(self._ids):06d}{secrets.token_hex(4)}"
        name = self.names.get(user_id, f"Zalo {user_id}")
        message = {"message_id": message_id, "date": int(time.time() * 1000),
                   "chat": {"id": user_id, "chat_type": "PRIVATE"},
                   "from": {"id": user_id, "display_name": name}, **fields}
        return {"event_name": event, "message": message}

    def say(self, user_id: str, text: str) -> dict:
        update = self._message(user_id, "message.text.received", text=text)
        self.transcript.append(ZaloEvent(user_id, False, text))
        self._updates.put_nowait(update)
        return update

    def send_photo(self, user_id: str, caption: str | None = None, name: str = "photo") -> dict:
        fields = {"photo": self.photo_url(name)}
        if caption is not None:
            fields["caption"] = caption
        update = self._message(user_id, "message.image.received", **fields)
        self.transcript.append(ZaloEvent(user_id, False, caption or "", photo=fields["photo"]))
        self._updates.put_nowait(update)
        return update

    def send_unsupported(self, user_id: str, what: str = "voice") -> dict:
        update = self._message(user_id, "message.unsupported.received")
        self.transcript.append(ZaloEvent(user_id, False, f"[{what}]"))
        self._updates.put_nowait(update)
        return update

    def redeliver(self, update: dict) -> dict:
        self._updates.put_nowait(update)
        return update

    def fail_next(self, method: str, status: int | str, description: str = "") -> None:
        self._failures.setdefault(method, []).append(_Failure(status, description))

    def failures_left(self, method: str) -> int:
        """Failures asked for with fail_next that no call has met yet."""
        return len(self._failures.get(method, []))

    @property
    def pending_updates(self) -> int:
        """Updates no getUpdates has handed over yet."""
        return self._updates.qsize()

    # --- what the resident saw -------------------------------------------------------------------

    def texts_to(self, user_id: str) -> list[str]:
        return [event.text for event in self.transcript if event.from_bot and event.user_id == user_id]

    async def wait_texts(self, user_id: str, count: int, timeout: float = 10.0) -> list[str]:
        async with self._sent:
            await asyncio.wait_for(self._sent.wait_for(lambda: len(self.texts_to(user_id)) >= count), timeout)
        return self.texts_to(user_id)

    def transcript_of(self, user_id: str) -> str:
        lines = []
        for event in self.transcript:
            if event.user_id != user_id:
                continue
            who = "bot" if event.from_bot else "resident"
            shown = event.text + (f" [photo {event.photo}]" if event.photo else "")
            lines.append(f"{who}: {shown}")
        return "\n".join(lines)

    # --- the API -----------------------------------------------------------------------------------

    async def answer(self, token: str, method: str, body: dict, gone=lambda: False) -> tuple[int, dict]:
        self.calls.append(method)
        if token != self.token:
            return 401, {"ok": False, "error_code": 401, "description": "Unauthorized"}
        failures = self._failures.get(method)
        if failures:
            failure = failures.pop(0)
            if failure.status == "timeout":
                await asyncio.sleep(3600)
            return int(failure.status), {"ok": False, "error_code": int(failure.status),
                                         "description": failure.description or "Internal error"}
        if method == "getMe":
            return 200, {"ok": True, "result": {"id": self.token.split(":")[0], "account_name": "doithoai_bot",
                                                "account_type": "BASIC", "can_join_groups": False}}
        if method == "getUpdates":
            if self.webhook is not None:
                return 200, {"ok": False, "error_code": 400, "description": "webhook is set"}
            timeout = min(float(body.get("timeout", "30")), 30.0)
            try:
                update = await asyncio.wait_for(self._updates.get(), timeout)
            except (TimeoutError, asyncio.CancelledError):
                return 200, {"ok": False, "error_code": 408, "description": "Request timeout"}
            if gone():  # the poller hung up (stopped, restarted): keep the update for the next one
                self._updates._queue.appendleft(update)  # noqa: SLF001 - front of the line, as it was
                return 200, {"ok": False, "error_code": 408, "description": "Request timeout"}
            return 200, {"ok": True, "result": update}
        if method in ("sendMessage", "sendPhoto"):
            chat_id = str(body.get("chat_id", ""))
            text = body.get("text") if method == "sendMessage" else body.get("caption", "")
            if chat_id in self.unreachable:
                return 200, {"ok": False, "error_code": 403, "description": "User has blocked or not interacted with the bot"}
            if method == "sendMessage" and not 1 <= len(text or "") <= 2000:
                return 200, {"ok": False, "error_code": 400, "description": "text must be 1-2000 characters"}
            async with self._sent:
                self.transcript.append(ZaloEvent(chat_id, True, text or "", photo=body.get("photo")))
                self._sent.notify_all()
            return 200, {"ok": True, "result": {"message_id": secrets.token_hex(10), "date": int(time.time() * 1000)}}
        if method == "setWebhook":
            self.webhook = {"url": body.get("url"), "secret_token": body.get("secret_token")}
            return 200, {"ok": True, "result": {"url": body.get("url"), "updated_at": int(time.time() * 1000)}}
        if method == "deleteWebhook":
            self.webhook = None
            return 200, {"ok": True, "result": {"url": "", "updated_at": int(time.time() * 1000)}}
        if method == "getWebhookInfo":
            return 200, {"ok": True, "result": {"url": (self.webhook or {}).get("url", "")}}
        return 404, {"ok": False, "error_code": 404, "description": "Not found"}


class _MethodHandler(tornado.web.RequestHandler):
    def initialize(self, api: FakeZaloApi) -> None:
        self.api = api
        self._gone = False

    def on_connection_close(self) -> None:
        self._gone = True

    async def post(self, token: str, method: str) -> None:
        try:
            body = json.loads(self.request.body or b"{}")
        except ValueError:
            body = {}
        status, answer = await self.api.answer(token, method, body if isinstance(body, dict) else {},
                                               gone=lambda: self._gone)
        if self._gone:
            return
        self.set_status(status)
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps(answer, ensure_ascii=False))


class _PhotoHandler(tornado.web.RequestHandler):
    def initialize(self, api: FakeZaloApi) -> None:
        self.api = api

    async def get(self, name: str) -> None:
        self.api.photo_downloads += 1
        if self.api.photos_held is not None:
            await self.api.photos_held.wait()
        failures = self.api._failures.get("photo")  # noqa: SLF001 - fail_next("photo", 502)
        if failures:
            self.set_status(int(failures.pop(0).status))
            self.finish()
            return
        self.set_header("Content-Type", "image/jpeg")
        self.finish(PHOTO_BYTES)


# --- the sandbox's Zalo page: a visitor plays a Zalo resident (no buttons: numbered choices) -----------

ZALO_PAGE = Path(__file__).with_name("zalo_page.html")


class _ZaloPageHandler(tornado.web.RequestHandler):
    def initialize(self, zalo) -> None:
        self.zalo = zalo

    def get(self) -> None:
        if self.zalo() is None:
            raise tornado.web.HTTPError(404)
        self.set_header("Content-Type", "text/html; charset=utf-8")
        self.set_header("Cache-Control", "no-store")
        self.finish(ZALO_PAGE.read_bytes())


class _ZaloPageApiHandler(tornado.web.RequestHandler):
    """GET state?user_id=; POST text {user_id, text}, photo {user_id, caption}, voice {user_id}, users {name}."""

    def initialize(self, zalo) -> None:
        self.zalo = zalo

    def _api(self) -> FakeZaloApi:
        api = self.zalo()
        if api is None:
            raise tornado.web.HTTPError(404)
        return api

    def get(self, action: str) -> None:
        api = self._api()
        if action != "state":
            raise tornado.web.HTTPError(404)
        user_id = self.get_query_argument("user_id", "")
        messages = [{"from": "bot" if e.from_bot else "user", "text": e.text, "photo": e.photo}
                    for e in api.transcript if e.user_id == user_id]
        users = [{"id": uid, "name": name} for uid, name in api.names.items()]
        self.finish({"users": users, "messages": messages})

    def post(self, action: str) -> None:
        api = self._api()
        try:
            body = json.loads(self.request.body or b"{}")
        except ValueError:
            raise tornado.web.HTTPError(400) from None
        if action == "users":
            name = str(body.get("name") or "").strip()[:64] or "Cư dân Zalo"
            user_id = f"zl{secrets.token_hex(8)}"
            api.names[user_id] = name
            self.finish({"id": user_id, "name": name})
            return
        user_id = str(body.get("user_id") or "")
        if user_id not in api.names:
            raise tornado.web.HTTPError(400)
        if action == "text" and str(body.get("text") or "").strip():
            api.say(user_id, str(body["text"])[:4000])
        elif action == "photo":
            api.send_photo(user_id, str(body.get("caption") or "") or None)
        elif action == "voice":
            api.send_unsupported(user_id, "voice")
        else:
            raise tornado.web.HTTPError(400)
        self.finish({"ok": True})


def zalo_page_routes(zalo) -> list[tuple]:
    """Routes for the fake Telegram's server: `zalo()` gives the FakeZaloApi (or None when there is none)."""
    return [(r"/zalo", _ZaloPageHandler, {"zalo": zalo}),
            (r"/sandbox/zalo/([a-z]+)", _ZaloPageApiHandler, {"zalo": zalo})]
