"""The fake Bot API's file storage, image helpers and file download endpoints."""

from __future__ import annotations

import base64
import struct
import zlib
from pathlib import Path
from typing import TYPE_CHECKING, Any

import tornado.web

from bot.sandbox.fake_bot_records import _FileRec

if TYPE_CHECKING:
    from bot.sandbox.fake_bot_api import FakeBotApi


def _image_size(data: bytes | None) -> tuple[int, int] | None:
    """(width, height) of a PNG, JPEG, GIF or WebP image, None if not an image."""
    if not data:
        return None
    if data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) >= 24:
        return struct.unpack(">II", data[16:24])
    if data[:6] in (b"GIF87a", b"GIF89a") and len(data) >= 10:
        return struct.unpack("<HH", data[6:10])
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP" and len(data) >= 30:
        chunk = data[12:16]
        if chunk == b"VP8X":
            w = int.from_bytes(data[24:27], "little") + 1
            h = int.from_bytes(data[27:30], "little") + 1
            return w, h
        if chunk == b"VP8 ":
            w, h = struct.unpack("<HH", data[26:30])
            return w & 0x3FFF, h & 0x3FFF
        if chunk == b"VP8L" and len(data) >= 25:
            bits = int.from_bytes(data[21:25], "little")
            return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
        return 512, 512
    if data[:2] == b"\xff\xd8":
        i = 2
        n = len(data)
        while i + 9 < n:
            if data[i] != 0xFF:
                i += 1
                continue
            marker = data[i + 1]
            if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:
                i += 2
                continue
            seg_len = struct.unpack(">H", data[i + 2 : i + 4])[0]
            if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
                h, w = struct.unpack(">HH", data[i + 5 : i + 9])
                return w, h
            i += 2 + seg_len
        return None
    return None


def _make_png(width: int, height: int, rgb: tuple[int, int, int] = (46, 125, 50)) -> bytes:
    """A small valid PNG: a diagonal two-colour picture."""
    r, g, b = rgb
    rows = []
    for y in range(height):
        row = bytearray(b"\x00")
        for x in range(width):
            if (x * height + y * width) // max(1, width) % 40 < 20:
                row += bytes((r, g, b))
            else:
                row += bytes((250, 220, 90))
        rows.append(bytes(row))
    raw = b"".join(rows)

    def chunk(tag: bytes, payload: bytes) -> bytes:
        return (
            struct.pack(">I", len(payload))
            + tag
            + payload
            + struct.pack(">I", zlib.crc32(tag + payload) & 0xFFFFFFFF)
        )

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(raw, 9))
        + chunk(b"IEND", b"")
    )


_DEFAULT_PHOTO: bytes | None = None


def _default_photo() -> bytes:
    global _DEFAULT_PHOTO
    if _DEFAULT_PHOTO is None:
        _DEFAULT_PHOTO = _make_png(640, 480)
    return _DEFAULT_PHOTO


class FilesMixin:
    """File storage of FakeBotApi: stored files, their references and photo sizes."""

    def file_bytes(self, file_id: str) -> bytes | None:
        rec = self._files.get(file_id)
        return rec.data if rec else None

    # ------------------------------------------------------------------ files

    def _store_file(
        self, kind: str, data: bytes | None, mime: str, ext: str, *, file_name: str | None = None,
        url: str | None = None,
    ) -> _FileRec:  # fmt: skip
        self._file_counter += 1
        n = self._file_counter
        prefix = {"photo": "AgACAgUAAxkB", "voice": "AwACAgUAAxkB", "document": "BQACAgUAAxkB",
                  "sticker": "CAACAgUAAxkB"}.get(kind, "BAACAgUAAxkB")  # fmt: skip
        file_id = f"{prefix}{n:06d}{base64.urlsafe_b64encode(struct.pack('>I', n * 2654435761 % 2**32)).decode().rstrip('=')}"  # noqa: E501
        folder = {"photo": "photos", "voice": "voice", "document": "documents",
                  "sticker": "stickers"}.get(kind, kind)  # fmt: skip
        rec = _FileRec(
            file_id=file_id,
            file_unique_id=f"AQAD{n:06d}",
            kind=kind,
            data=data,
            mime=mime,
            file_path=f"{folder}/file_{n}{ext}",
            file_name=file_name,
            url=url,
        )
        self._files[file_id] = rec
        self._files_by_path[rec.file_path] = rec
        return rec

    def _file_ref(self, rec: _FileRec) -> dict:
        ref: dict[str, Any] = {"file_id": rec.file_id, "file_unique_id": rec.file_unique_id}
        if rec.data is not None:
            ref["file_size"] = rec.size
        return ref

    def _photo_sizes(self, rec: _FileRec) -> list[dict]:
        """PhotoSize list, smallest first; every size resolves to the same bytes."""
        w, h = _image_size(rec.data) or (800, 600)
        biggest = max(w, h, 1)
        sizes = []
        for limit in (90, 320, 800, 1280):
            if biggest > limit:
                scale = limit / biggest
                alias = self._alias_file(rec, f"s{limit}")
                sizes.append({**self._file_ref(alias), "width": max(1, round(w * scale)),
                              "height": max(1, round(h * scale))})  # fmt: skip
        if biggest > 2560:
            scale = 2560 / biggest
            w, h = round(w * scale), round(h * scale)
        sizes.append({**self._file_ref(rec), "width": w, "height": h})
        return sizes

    def _alias_file(self, rec: _FileRec, suffix: str) -> _FileRec:
        alias = self._store_file(rec.kind, rec.data, rec.mime, Path(rec.file_path).suffix)
        alias.file_unique_id = f"{rec.file_unique_id}{suffix}"
        return alias


class _FileHandler(tornado.web.RequestHandler):
    def initialize(self, fake: FakeBotApi) -> None:
        self.fake = fake

    def get(self, token: str, path: str) -> None:
        rec = self.fake._files_by_path.get(path)
        if token != self.fake.token or rec is None or rec.data is None:
            self.set_status(404)
            self.set_header("Content-Type", "application/json")
            self.finish(b'{"ok":false,"error_code":404,"description":"Not Found"}')
            return
        self.set_header("Content-Type", rec.mime or "application/octet-stream")
        self.finish(rec.data)

    def compute_etag(self) -> None:
        return None


class _SandboxFileHandler(tornado.web.RequestHandler):
    def initialize(self, fake: FakeBotApi) -> None:
        self.fake = fake

    def get(self, file_id: str) -> None:
        rec = self.fake._files.get(file_id)
        if rec is None or rec.data is None:
            self.send_error(404)
            return
        self.set_header("Content-Type", rec.mime or "application/octet-stream")
        self.set_header("Cache-Control", "max-age=3600")
        self.finish(rec.data)
