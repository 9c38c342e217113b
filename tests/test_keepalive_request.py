"""The outbox's lean HTTP/1.1 client (handlers/keepalive_request.py) against scripted servers:
keep-alive, the ways an answer can end, a server that closes or never answers, the pool, TLS.

End to end (429s, refusals, unreachable chats through PTB's error mapping) the notices' tests run
it against the fake Bot API: test_notices.py, test_outbox_crash.py."""

from __future__ import annotations

import asyncio
import json
import ssl
from pathlib import Path

import pytest
from telegram.error import BadRequest, NetworkError, RetryAfter, TimedOut
from telegram.request import RequestData
from telegram.request._requestparameter import RequestParameter

from handlers.keepalive_request import KeepAliveRequest
from handlers.notifications import NoticeBot, telegram_sender

CERT = Path(__file__).parent / "data" / "localhost_tls.pem"  # self-signed for localhost / 127.0.0.1, tests only


def ok(result: object = True, **headers: str) -> bytes:
    body = json.dumps({"ok": True, "result": result}).encode()
    head = "".join(f"{name}: {value}\r\n" for name, value in headers.items())
    return b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n%s\r\n%s" % (
        len(body), head.encode(), body)


class Scripted:
    """An HTTP/1.1 server on 127.0.0.1 whose answers a test writes as bytes: `answer(n, request)`
    gives the bytes for the n-th request (0-based) or None to stay silent; `close_after` closes the
    connection after answering."""

    def __init__(self, answer, *, close_after=lambda n: False, tls: ssl.SSLContext | None = None) -> None:
        self.answer = answer
        self.close_after = close_after
        self.tls = tls
        self.connections = 0
        self.requests: list[tuple[str, dict, bytes]] = []
        self._writers: list[asyncio.StreamWriter] = []
        self._tasks: set[asyncio.Task] = set()

    async def start(self) -> str:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0, ssl=self.tls)
        port = self._server.sockets[0].getsockname()[1]
        return f"{'https' if self.tls else 'http'}://127.0.0.1:{port}/botTOKEN/"

    async def stop(self) -> None:
        for writer in self._writers:
            writer.close()
        self._server.close()
        await self._server.wait_closed()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    async def close_idle(self) -> None:
        """The server drops every connection (as one does with idle keep-alive connections)."""
        for writer in self._writers:
            writer.close()
        self._writers.clear()
        await asyncio.sleep(0.05)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        self._writers.append(writer)
        self._tasks.add(asyncio.current_task())
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                lines = head.decode("latin-1").split("\r\n")
                headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:] if line)}
                body = await reader.readexactly(int(headers.get("content-length", 0)))
                n = len(self.requests)
                self.requests.append((lines[0], headers, body))
                data = self.answer(n, (lines[0], headers, body))
                if data is None:
                    continue
                for part in (data if isinstance(data, list) else [data]):
                    writer.write(part)
                    await writer.drain()
                    if isinstance(data, list):
                        await asyncio.sleep(0.01)
                if self.close_after(n):
                    writer.close()
                    return
        except (asyncio.IncompleteReadError, ConnectionError):
            writer.close()


def message(text: str = "hello") -> RequestData:
    return RequestData([RequestParameter.from_input("chat_id", 5), RequestParameter.from_input("text", text)])


@pytest.fixture
async def serve():
    servers: list[Scripted] = []
    requests: list[KeepAliveRequest] = []

    async def start(answer, *, pool: int = 4, read_timeout: float = 5.0, tls_server=None, tls_client=None, **kwargs):
        server = Scripted(answer, tls=tls_server, **kwargs)
        url = await server.start()
        servers.append(server)
        request = KeepAliveRequest(connection_pool_size=pool, read_timeout=read_timeout, tls=tls_client)
        await request.initialize()
        requests.append(request)
        return server, request, url

    yield start
    for request in requests:
        await request.shutdown()
    for server in servers:
        await server.stop()


async def test_requests_share_one_kept_alive_connection_and_carry_json(serve):
    server, request, url = await serve(lambda n, r: ok({"n": n}))
    for n in range(3):
        payload = await request.post(url + "sendMessage", message(f"#{n}"))
        assert payload == {"n": n}
    assert server.connections == 1
    line, headers, body = server.requests[2]
    assert line == "POST /botTOKEN/sendMessage HTTP/1.1"
    assert headers["host"] == url.split("/")[2] and headers["content-type"] == "application/json"
    # Each value as PTB serialises a form field (Telegram reads a JSON body's fields the same way).
    assert json.loads(body) == {"chat_id": "5", "text": "#2"}


async def test_a_chunked_answer_arriving_in_pieces_is_read_whole_and_the_connection_kept(serve):
    body = json.dumps({"ok": True, "result": {"text": "xin chào"}}).encode()
    chunked = [b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n",
               b"%x;ext=1\r\n%s\r\n" % (10, body[:10]), b"%x\r\n%s\r\n" % (len(body) - 10, body[10:]),
               b"0\r\nX-Trailer: yes\r\n\r\n"]
    server, request, url = await serve(lambda n, r: chunked if n == 0 else ok("second"))
    assert await request.post(url + "sendMessage", message()) == {"text": "xin chào"}
    assert await request.post(url + "sendMessage", message()) == "second"
    assert server.connections == 1


async def test_an_answer_byte_by_byte_is_read_whole(serve):
    answer = ok({"a": 1})
    server, request, url = await serve(lambda n, r: [answer[i:i + 1] for i in range(len(answer))] if n == 0 else ok(2))
    assert await request.post(url + "sendMessage", message()) == {"a": 1}
    assert await request.post(url + "sendMessage", message()) == 2


async def test_connection_close_and_an_answer_without_length_open_a_new_connection_next_time(serve):
    body = json.dumps({"ok": True, "result": "until close"}).encode()
    answers = {0: ok("closing", Connection="close"), 1: b"HTTP/1.1 200 OK\r\n\r\n" + body, 2: ok("third")}
    server, request, url = await serve(lambda n, r: answers[n], close_after=lambda n: n in (0, 1))
    assert await request.post(url + "sendMessage", message()) == "closing"
    assert await request.post(url + "sendMessage", message()) == "until close"
    assert await request.post(url + "sendMessage", message()) == "third"
    assert server.connections == 3


async def test_a_connection_the_server_closed_while_idle_is_not_used_again(serve):
    server, request, url = await serve(lambda n, r: ok(n))
    assert await request.post(url + "sendMessage", message()) == 0
    await server.close_idle()
    assert await request.post(url + "sendMessage", message()) == 1
    assert server.connections == 2


async def test_a_server_that_never_answers_times_out_and_its_late_answer_reaches_nobody(serve):
    server, request, url = await serve(lambda n, r: None if n == 0 else ok(f"answer {n}"), read_timeout=0.2)
    with pytest.raises(TimedOut):
        await request.post(url + "sendMessage", message())
    # The first connection is closed, not reused: the next request cannot receive another's answer.
    assert await request.post(url + "sendMessage", message()) == "answer 1"
    assert server.connections == 2


async def test_a_server_that_closes_mid_answer_is_a_network_error_and_the_next_request_works(serve):
    answer = ok("whole")
    server, request, url = await serve(lambda n, r: answer[:-5] if n == 0 else answer, close_after=lambda n: n == 0)
    with pytest.raises(NetworkError, match="disconnected"):
        await request.post(url + "sendMessage", message())
    assert await request.post(url + "sendMessage", message()) == "whole"


async def test_a_garbled_answer_is_a_network_error(serve):
    server, request, url = await serve(lambda n, r: b"SMTP ready\r\n\r\n" if n == 0 else ok("fine"))
    with pytest.raises(NetworkError, match="status line"):
        await request.post(url + "sendMessage", message())
    assert await request.post(url + "sendMessage", message()) == "fine"


async def test_telegrams_refusals_come_out_as_ptbs_errors(serve):
    def refusal(n, r):
        if n == 0:
            body = b'{"ok":false,"error_code":429,"description":"Too Many Requests: retry after 7","parameters":{"retry_after":7}}'
            return b"HTTP/1.1 429 Too Many Requests\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body)
        body = b'{"ok":false,"error_code":400,"description":"Bad Request: chat not found"}'
        return b"HTTP/1.1 400 Bad Request\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body)

    server, request, url = await serve(refusal)
    with pytest.raises(RetryAfter):
        await request.post(url + "sendMessage", message())
    with pytest.raises(BadRequest, match="(?i)chat not found"):
        await request.post(url + "sendMessage", message())
    assert server.connections == 1


async def test_a_cancelled_request_closes_its_connection(serve):
    server, request, url = await serve(lambda n, r: None if n == 0 else ok(f"answer {n}"))
    pending = asyncio.create_task(request.post(url + "sendMessage", message()))
    while not server.requests:
        await asyncio.sleep(0.01)
    pending.cancel()
    with pytest.raises(asyncio.CancelledError):
        await pending
    assert await request.post(url + "sendMessage", message()) == "answer 1"
    assert server.connections == 2


async def test_at_most_pool_size_connections_and_a_request_waits_for_one(serve):
    server, request, url = await serve(lambda n, r: ok(n), pool=2)
    answers = await asyncio.gather(*(request.post(url + "sendMessage", message()) for _ in range(6)))
    assert sorted(answers) == list(range(6))
    assert server.connections == 2


async def test_when_every_connection_is_busy_past_the_pool_timeout_the_request_is_not_sent(serve):
    server, request, url = await serve(lambda n, r: None, pool=1)
    first = asyncio.create_task(request.post(url + "sendMessage", message()))
    while not server.requests:
        await asyncio.sleep(0.01)
    with pytest.raises(TimedOut, match="Pool timeout"):
        await request.post(url + "sendMessage", message(), pool_timeout=0.1)
    first.cancel()
    await asyncio.gather(first, return_exceptions=True)
    assert len(server.requests) == 1


async def test_files_are_refused(serve):
    from telegram import InputFile

    server, request, url = await serve(lambda n, r: ok())
    data = RequestData([RequestParameter.from_input("document", InputFile(b"bytes", filename="a.txt"))])
    with pytest.raises(NetworkError, match="sends no files"):
        await request.post(url + "sendDocument", data)
    assert not server.requests


async def test_https_verifies_the_servers_certificate(serve):
    server_tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_tls.load_cert_chain(CERT)
    trusting = ssl.create_default_context(cafile=str(CERT))
    server, request, url = await serve(lambda n, r: ok("over tls"), tls_server=server_tls, tls_client=trusting)
    assert url.startswith("https://")
    assert await request.post(url + "sendMessage", message()) == "over tls"
    assert await request.post(url + "sendMessage", message()) == "over tls"
    assert server.connections == 1
    _, stranger, _ = await serve(lambda n, r: ok(), tls_client=ssl.create_default_context())
    with pytest.raises(NetworkError, match="CERTIFICATE_VERIFY_FAILED"):
        await stranger.post(url + "sendMessage", message())


async def test_the_sender_uses_it_unless_the_environment_names_a_proxy(bot, monkeypatch):
    from telegram.request import HTTPXRequest

    for name in ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy", "NO_PROXY", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
    services, i18n = bot.application.bot_data["services"], bot.application.bot_data["i18n"]
    kwargs = dict(token=bot.fake.token, base_url=bot.fake.base_url, base_file_url=bot.fake.base_file_url,
                  services=services, i18n=i18n, per_chat_per_second=1.0, per_group_per_minute=20.0)
    from bot.services.sender import SendingLimits

    _, bots = telegram_sender(limits=SendingLimits(in_flight=16), **kwargs)
    assert len(bots) == 1 and isinstance(bots[0], NoticeBot)
    assert isinstance(bots[0].request, KeepAliveRequest)
    assert bot.application.bot_data["sender_bots"][0].request.__class__ is KeepAliveRequest

    monkeypatch.setenv("HTTP_PROXY", "http://proxy.example:3128")
    _, bots = telegram_sender(limits=SendingLimits(in_flight=16), **kwargs)
    assert bots and all(isinstance(b.request, HTTPXRequest) for b in bots)

    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    _, bots = telegram_sender(limits=SendingLimits(in_flight=16), **kwargs)
    assert isinstance(bots[0].request, KeepAliveRequest)

    # The operator's way back to httpx without a deploy (NOTICE_HTTP_CLIENT=httpx).
    _, bots = telegram_sender(limits=SendingLimits(in_flight=16), http_client="httpx", **kwargs)
    assert bots and all(isinstance(b.request, HTTPXRequest) for b in bots)
