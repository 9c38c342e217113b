"""A lean HTTP/1.1 client for the outbox's Bot API requests (a python-telegram-bot `BaseRequest`).

Why: through PTB's HTTPXRequest a notice costs about 1 ms of CPU, four fifths of it in httpx, httpcore,
h11 and anyio (request and URL objects, cookies, cancel scopes, pool bookkeeping, form encoding); a
broadcast uncapped then tops out near 1,000 a second on a free core. Here a request is a few bytes
written on an asyncio transport and an answer parsed from the bytes that come back: about a tenth
of the cost (bench/outbox.py prints both).

What it does, and no more (the outbox sends small JSON requests to one host):
- keep-alive connections, one request at a time on each, at most `connection_pool_size` at once
  (a request waits up to the pool timeout for one, then fails with TimedOut as PTB's does);
- http:// and https:// (TLS with the given `ssl.SSLContext`, verified against the host name);
- the body is JSON (`RequestData.json_payload`: Telegram takes application/json for every method
  but file uploads, which this client refuses: ValueError);
- answers with Content-Length, chunked, or read until the server closes; `Connection: close`
  and HTTP/1.0 are honoured; an idle connection the server closed is noticed at once (asyncio
  reports the end of the stream) and never reused, nor one idle longer than `keepalive_expiry`;
- timeouts: connect, write (while the kernel's buffer is full), read (the whole answer after the
  request is written) and pool; a timeout raises TimedOut, a broken connection NetworkError, and
  any request that failed or was cancelled closes its connection (its state is unknown).

No proxies: `telegram_sender` uses PTB's HTTPXRequest when the environment names one.
"""

from __future__ import annotations

import asyncio
import ssl
import time
from urllib.parse import urlsplit

from telegram._utils.defaultvalue import DefaultValue
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

MAX_HEAD = 64 * 1024  # bytes of status line and headers
MAX_BODY = 16 * 1024 * 1024  # a Bot API answer to a notice is a few hundred bytes


class _ProtocolError(Exception):
    pass


class _Connection(asyncio.Protocol):
    """One keep-alive connection; `request()` writes a request and waits for its whole answer."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.lost = False
        self.reusable = True
        self.idle_since = time.monotonic()
        self._buffer = bytearray()
        self._answer: asyncio.Future | None = None
        self._drained: asyncio.Future | None = None
        self._paused = False
        self._reset()

    def _reset(self) -> None:
        self._status = 0
        self._head_done = False
        self._length: int | None = None
        self._chunked = False
        self._until_close = False
        self._body = bytearray()
        self._chunk_left: int | None = None  # bytes left of the current chunk (None: a size line is next)
        self._trailers = False

    # --- asyncio's side --------------------------------------------------------------------

    def connection_made(self, transport) -> None:
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        if self._answer is None or self._answer.done():
            # Nothing was asked: a server that talks out of turn cannot be trusted with the next request.
            self.reusable = False
            self.transport.close()
            return
        self._buffer += data
        try:
            self._parse()
        except _ProtocolError as error:
            self.reusable = False
            self._fail(NetworkError(f"Bad answer from the server: {error}"))
            self.transport.close()

    def eof_received(self) -> bool:
        self.reusable = False
        if self._answer is not None and not self._answer.done() and self._head_done and self._until_close:
            self._finish()
        return False  # close the transport

    def connection_lost(self, exc: Exception | None) -> None:
        self.lost = True
        self.reusable = False
        if self._answer is not None and not self._answer.done():
            if self._head_done and self._until_close:
                self._finish()
            else:
                self._fail(NetworkError(f"Server disconnected without a complete answer ({exc!r})"))
        if self._drained is not None and not self._drained.done():
            self._drained.set_exception(NetworkError("Server disconnected while the request was written"))

    def pause_writing(self) -> None:
        self._paused = True

    def resume_writing(self) -> None:
        self._paused = False
        if self._drained is not None and not self._drained.done():
            self._drained.set_result(None)

    # --- the request -----------------------------------------------------------------------

    async def request(self, data: bytes, write_timeout: float | None, read_timeout: float | None) -> tuple[int, bytes]:
        loop = asyncio.get_running_loop()
        self._reset()
        self._answer = answer = loop.create_future()
        self.transport.write(data)
        if self._paused:
            self._drained = loop.create_future()
            try:
                await asyncio.wait_for(self._drained, write_timeout)
            except TimeoutError:
                raise TimedOut("Timed out writing the request") from None
        # A timer on the answer itself (cheaper than wait_for's extra future and callbacks).
        timer = loop.call_later(read_timeout, self._time_out, answer) if read_timeout is not None else None
        try:
            return await answer
        finally:
            if timer is not None:
                timer.cancel()

    def _time_out(self, answer: asyncio.Future) -> None:
        if not answer.done():
            answer.set_exception(TimedOut("Timed out waiting for the answer"))

    def _fail(self, error: Exception) -> None:
        if self._answer is not None and not self._answer.done():
            self._answer.set_exception(error)

    def _finish(self) -> None:
        answer, self._answer = self._answer, None
        self.idle_since = time.monotonic()
        answer.set_result((self._status, bytes(self._body)))

    def _parse(self) -> None:
        buffer = self._buffer
        while not self._head_done:
            end = buffer.find(b"\r\n\r\n")
            if end < 0:
                if len(buffer) > MAX_HEAD:
                    raise _ProtocolError("headers too long")
                return
            head = bytes(buffer[:end]).decode("latin-1")
            del buffer[:end + 4]
            self._read_head(head)
        if self._chunked:
            self._parse_chunks()
        elif self._length is not None:
            needed = self._length - len(self._body)
            self._body += buffer[:needed]
            del buffer[:needed]
            if len(self._body) == self._length:
                self._done()
        else:  # until the server closes
            self._body += buffer
            buffer.clear()
        if len(self._body) > MAX_BODY:
            raise _ProtocolError("answer too long")

    def _read_head(self, head: str) -> None:
        lines = head.split("\r\n")
        parts = lines[0].split(" ", 2)
        if len(parts) < 2 or not parts[0].startswith("HTTP/1.") or not parts[1].isdigit():
            raise _ProtocolError(f"not an HTTP/1 status line: {lines[0][:100]!r}")
        status = int(parts[1])
        if 100 <= status < 200:
            return  # an interim answer (100 Continue): the real one follows
        self._status = status
        if parts[0] == "HTTP/1.0":
            self.reusable = False
        length = None
        for line in lines[1:]:
            name, colon, value = line.partition(":")
            if not colon:
                raise _ProtocolError(f"bad header line {line[:100]!r}")
            name = name.strip().lower()
            value = value.strip()
            if name == "content-length":
                if not value.isdigit() or (length is not None and int(value) != length):
                    raise _ProtocolError(f"bad Content-Length {value[:50]!r}")
                length = int(value)
            elif name == "transfer-encoding":
                self._chunked = value.lower().split(",")[-1].strip() == "chunked"
                if not self._chunked:
                    self._until_close = True
            elif name == "connection":
                if "close" in value.lower():
                    self.reusable = False
        self._head_done = True
        if self._chunked:
            return
        if status in (204, 304):
            self._length = 0
        elif length is not None and not self._until_close:
            if length > MAX_BODY:
                raise _ProtocolError("answer too long")
            self._length = length
        else:
            self._until_close = True
            self.reusable = False

    def _parse_chunks(self) -> None:
        buffer = self._buffer
        while True:
            if self._trailers:
                end = buffer.find(b"\r\n")
                if end < 0:
                    return
                line = bytes(buffer[:end])
                del buffer[:end + 2]
                if not line:
                    self._done()
                    return
                continue
            if self._chunk_left is None:
                end = buffer.find(b"\r\n")
                if end < 0:
                    if len(buffer) > MAX_HEAD:
                        raise _ProtocolError("chunk size line too long")
                    return
                size = bytes(buffer[:end]).split(b";", 1)[0].strip()
                del buffer[:end + 2]
                try:
                    self._chunk_left = int(size, 16)
                except ValueError:
                    raise _ProtocolError(f"bad chunk size {size[:20]!r}") from None
                if self._chunk_left == 0:
                    self._trailers = True
                    continue
            if len(buffer) < self._chunk_left + 2:
                return
            if buffer[self._chunk_left:self._chunk_left + 2] != b"\r\n":
                raise _ProtocolError("chunk not followed by CRLF")
            self._body += buffer[:self._chunk_left]
            if len(self._body) > MAX_BODY:
                raise _ProtocolError("answer too long")
            del buffer[:self._chunk_left + 2]
            self._chunk_left = None

    def _done(self) -> None:
        if self._buffer:
            # More bytes than the answer: the connection is out of step with the requests.
            self.reusable = False
        self._finish()


class KeepAliveRequest(BaseRequest):
    """PTB's requests over `_Connection`s to the one host of the Bot API's base URL."""

    def __init__(self, connection_pool_size: int = 16, *, tls: ssl.SSLContext | None = None,
                 read_timeout: float | None = 5.0, write_timeout: float | None = 5.0,
                 connect_timeout: float | None = 5.0, pool_timeout: float | None = 1.0,
                 keepalive_expiry: float = 30.0) -> None:
        self._size = max(1, connection_pool_size)
        self._tls = tls
        self._read_timeout = read_timeout
        self._write_timeout = write_timeout
        self._connect_timeout = connect_timeout
        self._pool_timeout = pool_timeout
        self._expiry = keepalive_expiry
        self._idle: dict[tuple[str, str, int], list[_Connection]] = {}
        self._slots: asyncio.Semaphore | None = None
        self._open: set[_Connection] = set()
        self._heads: dict[str, tuple[tuple[str, str, int], bytes, bytes]] = {}
        self._running = False

    @property
    def read_timeout(self) -> float | None:
        return self._read_timeout

    async def initialize(self) -> None:
        self._slots = asyncio.Semaphore(self._size)
        self._running = True

    async def shutdown(self) -> None:
        self._running = False
        for connection in list(self._open):
            if connection.transport is not None:
                connection.transport.close()
        self._open.clear()
        self._idle.clear()

    def _target(self, url: str) -> tuple[tuple[str, str, int], bytes, bytes]:
        """(scheme, host, port), the request line's start and the Host header, cached per URL."""
        found = self._heads.get(url)
        if found is None:
            parts = urlsplit(url)
            if parts.scheme not in ("http", "https") or not parts.hostname:
                raise ValueError(f"unsupported URL for KeepAliveRequest: {parts.scheme}://…")
            port = parts.port or (443 if parts.scheme == "https" else 80)
            path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
            host = parts.hostname if ":" not in parts.hostname else f"[{parts.hostname}]"
            host_header = host if parts.port is None else f"{host}:{parts.port}"
            found = ((parts.scheme, parts.hostname, port), path.encode("utf-8"), host_header.encode("ascii"))
            if len(self._heads) < 64:  # the outbox uses a handful of methods; the token is in the path
                self._heads[url] = found
        return found

    async def do_request(self, url: str, method: str, request_data: RequestData | None = None,
                         read_timeout=BaseRequest.DEFAULT_NONE, write_timeout=BaseRequest.DEFAULT_NONE,
                         connect_timeout=BaseRequest.DEFAULT_NONE,
                         pool_timeout=BaseRequest.DEFAULT_NONE) -> tuple[int, bytes]:
        if not self._running:
            raise RuntimeError("This KeepAliveRequest is not initialized!")
        if request_data is not None and request_data.contains_files:
            raise ValueError("KeepAliveRequest sends no files")
        read_timeout = self._read_timeout if isinstance(read_timeout, DefaultValue) else read_timeout
        write_timeout = self._write_timeout if isinstance(write_timeout, DefaultValue) else write_timeout
        connect_timeout = self._connect_timeout if isinstance(connect_timeout, DefaultValue) else connect_timeout
        pool_timeout = self._pool_timeout if isinstance(pool_timeout, DefaultValue) else pool_timeout

        origin, path, host = self._target(url)
        body = request_data.json_payload if request_data is not None else b""
        head = b"%s %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: %s\r\nAccept: */*\r\n" % (
            method.encode("ascii"), path, host, self.USER_AGENT.encode("ascii"))
        if body or method != "GET":
            head += b"Content-Type: application/json\r\nContent-Length: %d\r\n" % len(body)
        data = head + b"\r\n" + body

        if not self._slots.locked():
            await self._slots.acquire()
        else:
            try:
                await asyncio.wait_for(self._slots.acquire(), pool_timeout)
            except TimeoutError:
                raise TimedOut("Pool timeout: all connections are in use; the request was *not* sent") from None
        connection = None
        try:
            connection = await self._connection(origin, connect_timeout)
            answer = await connection.request(data, write_timeout, read_timeout)
        except BaseException:
            if connection is not None:
                connection.reusable = False
            raise
        finally:
            if connection is not None:
                self._release(origin, connection)
            self._slots.release()
        return answer

    async def _connection(self, origin: tuple[str, str, int], connect_timeout: float | None) -> _Connection:
        idle = self._idle.get(origin)
        now = time.monotonic()
        while idle:
            connection = idle.pop()
            if connection.lost or not connection.reusable or connection.transport.is_closing():
                self._open.discard(connection)
            elif now - connection.idle_since > self._expiry:
                connection.transport.close()
                self._open.discard(connection)
            else:
                return connection
        scheme, hostname, port = origin
        tls = None
        if scheme == "https":
            tls = self._tls if self._tls is not None else ssl.create_default_context()
        loop = asyncio.get_running_loop()
        try:
            _, connection = await asyncio.wait_for(loop.create_connection(
                _Connection, hostname, port, ssl=tls, server_hostname=hostname if tls else None), connect_timeout)
        except TimeoutError:
            raise TimedOut("Timed out connecting to the server") from None
        except OSError as error:  # refused, unreachable, name not found, TLS refused
            raise NetworkError(f"Could not connect to {hostname}:{port}: {error}") from error
        self._open.add(connection)
        return connection

    def _release(self, origin: tuple[str, str, int], connection: _Connection) -> None:
        if connection.reusable and not connection.lost and self._running:
            self._idle.setdefault(origin, []).append(connection)
        else:
            self._open.discard(connection)
            if connection.transport is not None and not connection.transport.is_closing():
                connection.transport.close()
