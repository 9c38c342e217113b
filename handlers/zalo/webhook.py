"""The Zalo webhook: a request is refused (403) unless it carries the right `X-Bot-Api-Secret-Token`.

`ZaloWebhook` is framework-free (headers and body in, status and JSON out) so it can be mounted on
any server's route; `ZaloWebhookHandler` mounts it on a tornado route, and `serve_webhook` runs a
minimal server of its own for a process that has no other web server."""

from __future__ import annotations

import hmac
import json
import logging
from collections.abc import Mapping

import tornado.httpserver
import tornado.netutil
import tornado.web

from handlers.zalo.client import SECRET_HEADER

log = logging.getLogger(__name__)


class ZaloWebhook:
    def __init__(self, bot, secret: str) -> None:
        self._bot = bot
        self._secret = secret.encode()

    async def __call__(self, headers: Mapping[str, str], body: bytes) -> tuple[int, dict]:
        given = (headers.get(SECRET_HEADER) or "").encode()
        if not given or not hmac.compare_digest(given, self._secret):
            log.warning("a Zalo webhook request without the right secret was refused")
            return 403, {"ok": False, "description": "forbidden"}
        try:
            update = json.loads(body or b"null")
        except ValueError:
            return 400, {"ok": False, "description": "not JSON"}
        # Zalo may wrap the update in "result" (as getUpdates does) or send it bare.
        if isinstance(update, dict) and isinstance(update.get("result"), dict):
            update = update["result"]
        # Journaled before Zalo is answered (a crash after the answer must not lose it), handled after it.
        message = await self._bot.receive(update)
        if message is not None:
            self._bot.handle_soon(message)
        return 200, {"ok": True}


class ZaloWebhookHandler(tornado.web.RequestHandler):
    def initialize(self, webhook: ZaloWebhook) -> None:
        self._webhook = webhook

    async def post(self) -> None:
        status, answer = await self._webhook(self.request.headers, self.request.body)
        self.set_status(status)
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps(answer))


def webhook_route(path: str, webhook: ZaloWebhook) -> tuple:
    """The route to add to a tornado Application."""
    return (path, ZaloWebhookHandler, {"webhook": webhook})


async def serve_webhook(webhook: ZaloWebhook, host: str, port: int, path: str = "/zalo") -> tornado.httpserver.HTTPServer:
    """A server with the webhook alone; stop it with `.stop()`."""
    application = tornado.web.Application([webhook_route(path, webhook)])
    server = tornado.httpserver.HTTPServer(application, xheaders=True)
    sockets = tornado.netutil.bind_sockets(port, address=host)
    server.add_sockets(sockets)
    server.port = sockets[0].getsockname()[1]  # port 0 means any free one: this is the one taken
    return server
