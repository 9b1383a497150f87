"""A local stand-in for websequencediagrams.com, for the tests and the benchmark.

It answers like the real service (see ``docs`` of the API in the project's
spec): ``POST /index.php`` or ``POST /`` renders, ``GET /?png=ID`` hands the
image out once. Diagnostics come from the project's own parser, images are
small but real, IDs count up from ``msc1``. Every request is logged, every
request can be slowed down (``latency``), and :meth:`WSDServer.inject` queues
faults for the next render requests: the failures of a real service and the
replies of a hostile one (any reply or image bytes, dripped or endless bodies,
echoes of the key).

Like the real service (``docs/`` of the spec, recorded traffic): box
rectangles are floats; every box has ``header`` (1 for participant heads, 0
otherwise, unless ``legacy_boxes``); participant footers (the head's size,
at the bottom, on the head's line) and zero-size boxes come too; premium
styles need a key; an invalid key gets a PNG whatever format was asked;
``max_concurrent`` makes it answer ``429`` to requests beyond that many at
once; ``shift_blank_start`` counts lines one off when the text starts blank,
as versions before 2020 did.

Run it alone with ``python -m tests.wsd_server --latency 0.3``.
"""

from __future__ import annotations

import argparse
import functools
import itertools
import json
import socket
import struct
import threading
import time
import zlib
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit
from xml.sax.saxutils import escape

from sphinxcontrib_oswsd.wsd.model import Message
from sphinxcontrib_oswsd.wsd.parser import WSDSyntaxError, parse

FREE_STYLES = {
    "default",
    "earth",
    "modern-blue",
    "mscgen",
    "omegapple",
    "qsd",
    "rose",
    "roundgreen",
}
KEY_STYLES = {"magazine", "napkin", "patent", "vs2010"}
STYLES = FREE_STYLES | KEY_STYLES
FORMATS = {"png": "image/png", "svg": "image/svg+xml", "pdf": "application/pdf"}
#: What :meth:`WSDServer.inject` accepts.
FAULTS = (
    "delay",  # wait ``seconds`` before answering
    "reset",  # drop the connection with a TCP reset, no answer
    "500",
    "503",
    "429",  # with ``Retry-After: retry_after``
    "402",  # empty body, reason in a ``Status`` header
    "html",  # 200 with an HTML page
    "truncated",  # 200 with half of the JSON
    "img404",  # a good reply whose image is never there
    "notimage",  # a good reply whose image bytes are not an image
    "reply",  # 200 with ``body`` as the reply, whatever it is
    "image",  # a good reply whose image is ``body``, whatever it is
    "drip",  # the reply's body sent one byte every ``seconds``
    "dripheaders",  # the status line and headers too
    "endless",  # a good reply whose image never ends (no Content-Length)
    "echo",  # the key echoed in a Status header
    "echoerrors",  # the key echoed in the errors of a good reply
    "noimg",  # errors and no ``img``: a syntax error report
)

COLUMN, ROW, HEAD = 140, 40, 30


@dataclass(frozen=True)
class LoggedRequest:
    method: str
    path: str  # with the query string
    fields: dict[str, str]  # the form fields of a POST


@dataclass
class _Fault:
    kind: str
    count: int
    seconds: float = 0.0
    retry_after: str = "1"
    body: bytes = b""


@functools.lru_cache(maxsize=128)  # keeps the server quick under load
def png_bytes(width: int, height: int) -> bytes:
    """A real, white, 8-bit greyscale PNG of the given size."""

    def chunk(tag: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(tag + data)
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", crc)

    rows = (b"\x00" + b"\xff" * width) * height
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows, 6))
        + chunk(b"IEND", b"")
    )


def svg_bytes(width: int | str, height: int | str, title: str) -> bytes:
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}">'
        f'<text x="10" y="20">{escape(title)}</text></svg>\n'
    ).encode()


def pdf_bytes() -> bytes:
    """A minimal one-page PDF."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 100] >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def render(message: str) -> tuple[list[str], list[dict], int, int, str]:
    """Errors, boxes, width, height and title of ``message`` as the service
    would draw it, our parser standing in for the service's."""
    try:
        diagram = parse(message)
    except WSDSyntaxError as error:
        return [str(error)], [], 200, 100, ""
    errors = [str(warning) for warning in diagram.warnings]
    columns = {p.name: i for i, p in enumerate(diagram.participants)}
    width = 20 + COLUMN * max(len(diagram.participants), 1)
    height = 40 + 2 * HEAD + ROW * max(len(diagram.steps()), 1)
    boxes: list[dict] = []
    for i, p in enumerate(diagram.participants):
        x = 10 + i * COLUMN + 0.4  # floats, as the service sends
        boxes += [
            {"line": p.line - 1, "rect": [x, 10.0, 119.6, HEAD + 0.2], "header": 1},
            {"line": p.line - 1, "rect": [x, height - 40.0, 119.6, HEAD + 0.2]},
            {"line": p.line - 1, "rect": [x + 60, 10.0, 0, 0]},  # zero-size
        ]
    for row, step in enumerate(diagram.steps()):
        names = (
            [step.source, step.target]
            if isinstance(step, Message)
            else step.participants
        )
        xs = [10 + columns.get(name, 0) * COLUMN for name in names]
        y = 20 + HEAD + row * ROW + 0.6
        w = max(xs) - min(xs) + 119.6
        boxes.append({"line": step.line - 1, "rect": [min(xs), y, w, 29.5]})
    for box in boxes:
        box.setdefault("header", 0)
    return errors, boxes, width, height, diagram.title or ""


class WSDServer:
    """The server, on 127.0.0.1 and a free port; use it as a context manager."""

    def __init__(self, *, latency: float = 0.0, api_keys: set[str] | None = None):
        self.latency = latency
        self.api_keys = api_keys  # None: any key is good
        self.image_prefix = ""  # put before ``?png=ID`` in replies ("/", a URL)
        self.legacy = False  # answer every render the pre-apiVersion way
        self.legacy_boxes = False  # boxes without ``header`` (before 2024)
        self.shift_blank_start = False  # lines one off after leading blanks
        self.max_concurrent: int | None = None  # more at once: 429
        self.in_flight = 0
        self.most_in_flight = 0  # the most render requests seen at once
        self.sent_bytes = 0  # of ``endless`` bodies, before the client hung up
        self.stopping = threading.Event()
        self._log: list[LoggedRequest] = []
        self._faults: list[_Fault] = []
        self._images: dict[tuple[str, str], tuple[bytes, str]] = {}
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self._httpd.daemon_threads = True
        self._httpd.owner = self  # type: ignore[attr-defined]
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def requests(self) -> list[LoggedRequest]:
        with self._lock:
            return list(self._log)

    def renders(self) -> list[LoggedRequest]:
        """The render requests (POSTs) so far."""
        return [r for r in self.requests if r.method == "POST"]

    def clear_log(self) -> None:
        with self._lock:
            self._log.clear()

    def inject(
        self,
        kind: str,
        count: int = 1,
        *,
        seconds: float = 0.0,
        retry_after: str = "1",
        body: bytes | str = b"",
    ) -> None:
        """Make the next ``count`` render requests fail with ``kind``."""
        if kind not in FAULTS:
            raise ValueError(f"unknown fault {kind!r}; one of {FAULTS}")
        if isinstance(body, str):
            body = body.encode("utf-8")
        with self._lock:
            self._faults.append(_Fault(kind, count, seconds, retry_after, body))

    def start(self) -> WSDServer:
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, args=(0.05,), daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self.stopping.set()  # ends dripping and endless bodies
        self._httpd.shutdown()
        self._httpd.server_close()

    def __enter__(self) -> WSDServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # -- used by the handler ------------------------------------------------

    def _record(self, request: LoggedRequest) -> None:
        with self._lock:
            self._log.append(request)

    def _next_fault(self) -> _Fault | None:
        with self._lock:
            if not self._faults:
                return None
            fault = self._faults[0]
            fault.count -= 1
            if fault.count <= 0:
                self._faults.pop(0)
            return fault

    def _store(self, kind: str, data: bytes, content_type: str) -> str:
        with self._lock:
            image_id = f"msc{next(self._ids)}"
            self._images[(kind, image_id)] = (data, content_type)
        return image_id

    def _take(self, kind: str, image_id: str) -> tuple[bytes, str] | None:
        with self._lock:
            return self._images.pop((kind, image_id), None)


@dataclass
class _Reply:
    status: int = 200
    body: bytes = b""
    content_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)
    drip: float = 0.0  # seconds per byte of the body
    drip_headers: bool = False


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as clients reuse connections
    disable_nagle_algorithm = True  # headers and body go out in two writes

    @property
    def owner(self) -> WSDServer:
        return self.server.owner  # type: ignore[attr-defined]

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: the request log is in :attr:`WSDServer.requests`."""

    def do_GET(self) -> None:
        self.owner._record(LoggedRequest("GET", self.path, {}))
        time.sleep(self.owner.latency)
        query = parse_qs(urlsplit(self.path).query)
        for kind in ("png", "svg", "pdf", "img"):
            if kind in query:
                image = self.owner._take(kind, query[kind][0])
                if image and image[1] == "endless":
                    return self._send_endless()
                if image:
                    return self._send(_Reply(200, image[0], image[1]))
        self._send(_Reply(404, b"<html><title>Not Found</title></html>", "text/html"))

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        form = parse_qs(self.rfile.read(length).decode("utf-8"), keep_blank_values=True)
        fields = {name: values[0] for name, values in form.items()}
        self.owner._record(LoggedRequest("POST", self.path, fields))
        if urlsplit(self.path).path not in ("/", "/index.php"):
            return self._send(_Reply(404, b"", "text/html"))
        fault = self.owner._next_fault()
        if fault and fault.kind == "reset":
            return self._reset()
        if fault and fault.kind == "delay":
            time.sleep(fault.seconds)
        owner = self.owner
        with owner._lock:
            owner.in_flight += 1
            owner.most_in_flight = max(owner.most_in_flight, owner.in_flight)
            limit = owner.max_concurrent
            crowded = limit is not None and owner.in_flight > limit
        try:
            if crowded:
                reply = _Reply(429, b"", "text/plain", {"Retry-After": "0"})
            else:
                reply = self._answer(fields, fault)
            time.sleep(owner.latency)  # others arrive while this one works
        finally:
            with owner._lock:
                owner.in_flight -= 1
        self._send(reply)

    def _answer(self, fields: dict[str, str], fault: _Fault | None) -> _Reply:
        kind = fault.kind if fault else None
        if kind in ("500", "503"):
            status = HTTPStatus(int(kind))
            page = f"<html><title>{status.value} {status.phrase}</title></html>"
            return _Reply(status.value, page.encode(), "text/html")
        if fault and kind == "429":
            return _Reply(429, b"", "text/plain", {"Retry-After": fault.retry_after})
        if kind == "html":
            page = (
                b"<!DOCTYPE html><html><head><title>Maintenance</title></head></html>"
            )
            return _Reply(200, page, "text/html")
        if fault and kind == "reply":
            return _Reply(200, fault.body)
        fmt = fields.get("format", "png")
        style = fields.get("style", "default")
        if "message" not in fields or fmt not in FORMATS or style not in STYLES:
            return _Reply(400, b"", "text/plain", {"Status": "Bad request fields"})
        key = fields.get("apikey", "")
        good_key = bool(key) and (
            self.owner.api_keys is None or key in self.owner.api_keys
        )
        if kind == "echo":
            page = f"<html><title>API Key {key} is not valid</title></html>"
            return _Reply(403, page.encode(), "text/html")
        if kind == "402" or (not key and (fmt != "png" or style in KEY_STYLES)):
            what = f"style {style}" if fmt == "png" else fmt.upper()
            status = f"API Key Required for {what}"
            return _Reply(402, b"", "text/plain", {"Status": status})
        if key and not good_key:  # recorded: an invalid key gets a PNG
            fmt = "png"
        message = fields["message"]
        errors, boxes, width, height, title = render(message)
        if self.owner.shift_blank_start and message[:1] in ("\n", " "):
            errors = [_shift(error) for error in errors]
            boxes = [{**box, "line": box["line"] + 1} for box in boxes]
        if self.owner.legacy_boxes:
            boxes = [{k: v for k, v in box.items() if k != "header"} for box in boxes]
        if fmt == "png":
            data = png_bytes(width, height)
        elif fmt == "svg":
            data = svg_bytes(width, height, title)
        else:
            data = pdf_bytes()
        if kind == "notimage":
            data = b"this is not an image\n"
        if fault and kind == "image":
            data = fault.body
        if kind == "echoerrors":
            errors.append(f"Line 1: unknown key {key}")
        legacy = self.owner.legacy or "apiVersion" not in fields
        query = "img" if legacy else fmt
        image_id = f"gone{time.monotonic_ns()}"
        if kind == "endless":
            image_id = self.owner._store(query, b"", "endless")
        elif kind != "img404":
            image_id = self.owner._store(query, data, FORMATS[fmt])
        if kind == "noimg":
            reply = {"errors": errors or ["Line 1: Syntax error."]}
            return _Reply(200, json.dumps(reply).encode())
        if legacy:
            text = (
                f'{{img: "?img={image_id}", page: 0, numPages: 1, '
                f"errors: {json.dumps(errors)}}}"
            )
            return _Reply(200, text.encode(), "text/javascript")
        reply = {
            "img": f"{self.owner.image_prefix}?{query}={image_id}",
            "errors": errors,
            "naturalWidth": width,
            "actualWidth": width,
            "boxes": boxes,
        }
        body = json.dumps(reply).encode()
        if kind == "truncated":
            body = body[: len(body) // 2]
        seconds = fault.seconds if fault else 0.0
        return _Reply(
            200,
            body,
            drip=seconds if kind in ("drip", "dripheaders") else 0.0,
            drip_headers=kind == "dripheaders",
        )

    def _send(self, reply: _Reply) -> None:
        self.send_response(reply.status)
        self.send_header("Content-Type", reply.content_type)
        self.send_header("Content-Length", str(len(reply.body)))
        for name, value in reply.headers.items():
            self.send_header(name, value)
        try:
            if reply.drip_headers:
                head = b"".join(self._headers_buffer) + b"\r\n"
                self._headers_buffer = []
                self._drip(head, reply.drip)
            else:
                self.end_headers()
            self._drip(reply.body, reply.drip)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True  # the client gave up (a timeout test)

    def _drip(self, data: bytes, seconds: float) -> None:
        """Send ``data``, one byte every ``seconds`` if that is not 0."""
        if not seconds:
            self.wfile.write(data)
            return
        for byte in data:
            if self.owner.stopping.wait(seconds):
                self.close_connection = True
                return
            self.wfile.write(bytes([byte]))
            self.wfile.flush()

    def _send_endless(self) -> None:
        """A "PNG" that never ends, delimited by closing the connection."""
        self.send_response(200)
        self.send_header("Content-Type", "image/png")
        self.send_header("Connection", "close")
        self.end_headers()
        self.close_connection = True
        chunk = png_bytes(1, 1)[:16] + bytes(64 * 1024 - 16)
        try:
            while not self.owner.stopping.is_set():
                self.wfile.write(chunk)
                with self.owner._lock:
                    self.owner.sent_bytes += len(chunk)
                chunk = bytes(64 * 1024)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def _reset(self) -> None:
        """Close with RST instead of FIN: the client sees a connection reset."""
        self.connection.setsockopt(
            socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0)
        )
        self.close_connection = True
        self.connection.close()


def _shift(error: str) -> str:
    """``Line N: x`` as ``Line N+1: x``."""
    head, colon, rest = error.partition(":")
    number = head.removeprefix("Line ")
    return f"Line {int(number) + 1}:{rest}" if colon and number.isdigit() else error


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--latency", type=float, default=0.0, help="seconds per request"
    )
    args = parser.parse_args()
    with WSDServer(latency=args.latency) as server:
        print(f"serving on {server.url} (latency {args.latency:g} s); Ctrl-C stops")
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main()
