"""Just enough of the Chrome DevTools Protocol, over a WebSocket client
(RFC 6455) written with the standard library, to drive a headless Chromium
from the tests without a browser-automation dependency; and a PNG decoder
to look at its screenshots."""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import os
import socket
import struct
import time
import zlib
from collections import deque
from typing import Any
from urllib.parse import urlsplit

_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
_TEXT, _CLOSE, _PING, _PONG = 0x1, 0x8, 0x9, 0xA


class DevToolsError(Exception):
    """The browser answered a command with an error, or went away."""


class DevTools:
    """A connection to one DevTools target (``ws://127.0.0.1:PORT/...``)."""

    def __init__(self, ws_url: str, timeout: float = 30) -> None:
        url = urlsplit(ws_url)
        if url.hostname != "127.0.0.1":
            raise ValueError(f"refusing to connect to {ws_url}")
        self.timeout = timeout
        self._sock = socket.create_connection((url.hostname, url.port), timeout)
        self._file = self._sock.makefile("rb")
        self._ids = 0
        self._events: deque[dict[str, Any]] = deque()
        self._handshake(url.path, f"{url.hostname}:{url.port}")

    def _handshake(self, path: str, host: str) -> None:
        key = base64.b64encode(os.urandom(16)).decode()
        self._sock.sendall(
            f"GET {path} HTTP/1.1\r\nHost: {host}\r\nUpgrade: websocket\r\n"
            f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
            "Sec-WebSocket-Version: 13\r\n\r\n".encode()
        )
        status = self._file.readline()
        headers = {}
        while (line := self._file.readline().strip()) != b"":
            name, _, value = line.decode().partition(":")
            headers[name.strip().lower()] = value.strip()
        accept = base64.b64encode(hashlib.sha1((key + _GUID).encode()).digest())
        if b" 101 " not in status or headers.get("sec-websocket-accept") != (
            accept.decode()
        ):
            raise DevToolsError(f"WebSocket handshake failed: {status!r}")

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self._send(b"", _CLOSE)
        self._file.close()
        self._sock.close()

    # -- frames ----------------------------------------------------------------

    def _send(self, payload: bytes, opcode: int = _TEXT) -> None:
        """One final frame; a client masks what it sends."""
        size = len(payload)
        if size < 126:
            header = struct.pack("!BB", 0x80 | opcode, 0x80 | size)
        elif size < 1 << 16:
            header = struct.pack("!BBH", 0x80 | opcode, 0x80 | 126, size)
        else:
            header = struct.pack("!BBQ", 0x80 | opcode, 0x80 | 127, size)
        mask = os.urandom(4)
        key = int.from_bytes((mask * (size // 4 + 1))[:size], "big")
        masked = (int.from_bytes(payload, "big") ^ key).to_bytes(size, "big")
        self._sock.sendall(header + mask + masked)

    def _read(self, size: int) -> bytes:
        data = self._file.read(size)
        if len(data) != size:
            raise DevToolsError("the browser closed the connection")
        return data

    def _receive(self) -> dict[str, Any]:
        """The next whole text message, answering pings on the way."""
        parts: list[bytes] = []
        while True:
            first, second = self._read(2)
            size = second & 0x7F
            if size == 126:
                (size,) = struct.unpack("!H", self._read(2))
            elif size == 127:
                (size,) = struct.unpack("!Q", self._read(8))
            mask = self._read(4) if second & 0x80 else b"\0\0\0\0"
            data = bytes(b ^ mask[i % 4] for i, b in enumerate(self._read(size)))
            opcode = first & 0x0F
            if opcode == _PING:
                self._send(data, _PONG)
                continue
            if opcode == _CLOSE:
                raise DevToolsError("the browser closed the connection")
            parts.append(data)
            if first & 0x80:
                return json.loads(b"".join(parts))

    # -- the protocol --------------------------------------------------------------

    def call(self, method: str, **params: Any) -> dict[str, Any]:
        """Send a command and wait for its answer; events meanwhile are kept."""
        self._ids += 1
        self._send(
            json.dumps({"id": self._ids, "method": method, "params": params}).encode()
        )
        while True:
            message = self._receive()
            if message.get("id") != self._ids:
                self._events.append(message)
            elif "error" in message:
                raise DevToolsError(f"{method}: {message['error']}")
            else:
                return message.get("result", {})

    def wait_for(self, method: str, timeout: float | None = None) -> dict[str, Any]:
        """The parameters of the next ``method`` event (earlier ones dropped)."""
        deadline = time.monotonic() + (timeout or self.timeout)
        while True:
            while self._events:
                event = self._events.popleft()
                if event.get("method") == method:
                    return event.get("params", {})
            if time.monotonic() > deadline:
                raise DevToolsError(f"no {method} event")
            self._events.append(self._receive())

    def evaluate(self, expression: str) -> Any:
        """The JSON value of a JavaScript expression in the page."""
        result = self.call(
            "Runtime.evaluate",
            expression=expression,
            returnByValue=True,
            awaitPromise=True,
        )
        if "exceptionDetails" in result:
            raise DevToolsError(f"{expression}: {result['exceptionDetails']}")
        return result["result"].get("value")


# -- PNG -------------------------------------------------------------------------


def _paeth(a: int, b: int, c: int) -> int:
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    if pa <= pb and pa <= pc:
        return a
    return b if pb <= pc else c


def decode_png(data: bytes) -> tuple[int, int, int, list[bytes]]:
    """``(width, height, bytes per pixel, rows)`` of an 8-bit RGB or RGBA PNG,
    the kind Chromium's screenshots are."""
    if not data.startswith(b"\x89PNG\r\n\x1a\n"):
        raise ValueError("not a PNG")
    position, idat = 8, []
    width = height = channels = 0
    while position < len(data):
        (length,) = struct.unpack("!I", data[position : position + 4])
        kind = data[position + 4 : position + 8]
        body = data[position + 8 : position + 8 + length]
        position += 12 + length
        if kind == b"IHDR":
            width, height, depth, color = struct.unpack("!IIBB", body[:10])
            if depth != 8 or color not in (2, 6) or body[12] != 0:
                raise ValueError(f"unsupported PNG: depth {depth}, colour {color}")
            channels = 3 if color == 2 else 4
        elif kind == b"IDAT":
            idat.append(body)
    raw = zlib.decompress(b"".join(idat))
    stride = width * channels
    rows: list[bytes] = []
    previous = bytearray(stride)
    for y in range(height):
        start = y * (stride + 1)
        kind, row = raw[start], bytearray(raw[start + 1 : start + 1 + stride])
        for i in range(stride):
            left = row[i - channels] if i >= channels else 0
            up = previous[i]
            corner = previous[i - channels] if i >= channels else 0
            if kind == 1:
                row[i] = (row[i] + left) & 0xFF
            elif kind == 2:
                row[i] = (row[i] + up) & 0xFF
            elif kind == 3:
                row[i] = (row[i] + (left + up) // 2) & 0xFF
            elif kind == 4:
                row[i] = (row[i] + _paeth(left, up, corner)) & 0xFF
        rows.append(bytes(row))
        previous = row
    return width, height, channels, rows


def ink_ratio(png: bytes, threshold: int = 235) -> float:
    """The share of pixels that are not (nearly) white."""
    width, height, channels, rows = decode_png(png)
    inked = sum(
        1
        for row in rows
        for x in range(0, width * channels, channels)
        if min(row[x : x + 3]) < threshold
    )
    return inked / (width * height)
