"""A local stand-in for websequencediagrams.com, for the tests and the benchmark.

It answers like the real service (see ``docs`` of the API in the project's
spec): ``POST /index.php`` or ``POST /`` renders, ``GET /?png=ID`` hands the
image out once. Diagnostics come from the project's own parser, images are
small but real, IDs count up from ``msc1``. Every request is logged, every
request can be slowed down (``latency``), and :meth:`WSDServer.inject` queues
faults for the next render requests.

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

STYLES = {
    "default",
    "earth",
    "magazine",
    "modern-blue",
    "mscgen",
    "napkin",
    "omegapple",
    "patent",
    "qsd",
    "rose",
    "roundgreen",
    "vs2010",
}
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


def svg_bytes(width: int, height: int, title: str) -> bytes:
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
    boxes = [
        {"line": p.line - 1, "rect": [10 + i * COLUMN, 10, 120, HEAD], "header": 1}
        for i, p in enumerate(diagram.participants)
    ]
    for row, step in enumerate(diagram.steps()):
        names = (
            [step.source, step.target]
            if isinstance(step, Message)
            else step.participants
        )
        xs = [10 + columns.get(name, 0) * COLUMN for name in names]
        y = 20 + HEAD + row * ROW
        boxes.append(
            {"line": step.line - 1, "rect": [min(xs), y, max(xs) - min(xs) + 120, 30]}
        )
    width = 20 + COLUMN * max(len(diagram.participants), 1)
    height = 40 + 2 * HEAD + ROW * max(len(diagram.steps()), 1)
    return errors, boxes, width, height, diagram.title or ""


class WSDServer:
    """The server, on 127.0.0.1 and a free port; use it as a context manager."""

    def __init__(self, *, latency: float = 0.0, api_keys: set[str] | None = None):
        self.latency = latency
        self.api_keys = api_keys  # None: any key is good
        self.image_prefix = ""  # put before ``?png=ID`` in replies ("/", a URL)
        self.legacy = False  # answer every render the pre-apiVersion way
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
        self, kind: str, count: int = 1, *, seconds: float = 0.0, retry_after: str = "1"
    ) -> None:
        """Make the next ``count`` render requests fail with ``kind``."""
        if kind not in FAULTS:
            raise ValueError(f"unknown fault {kind!r}; one of {FAULTS}")
        with self._lock:
            self._faults.append(_Fault(kind, count, seconds, retry_after))

    def start(self) -> WSDServer:
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, args=(0.05,), daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
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
                if image:
                    return self._send(_Reply(200, image[0], image[1]))
        self._send(_Reply(404, b"<html><title>Not Found</title></html>", "text/html"))

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        form = parse_qs(self.rfile.read(length).decode("utf-8"), keep_blank_values=True)
        fields = {name: values[0] for name, values in form.items()}
        self.owner._record(LoggedRequest("POST", self.path, fields))
        time.sleep(self.owner.latency)
        if urlsplit(self.path).path not in ("/", "/index.php"):
            return self._send(_Reply(404, b"", "text/html"))
        fault = self.owner._next_fault()
        if fault and fault.kind == "reset":
            return self._reset()
        if fault and fault.kind == "delay":
            time.sleep(fault.seconds)
        self._send(self._answer(fields, fault))

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
        fmt = fields.get("format", "png")
        style = fields.get("style", "default")
        if "message" not in fields or fmt not in FORMATS or style not in STYLES:
            return _Reply(400, b"", "text/plain", {"Status": "Bad request fields"})
        key = fields.get("apikey")
        good_key = bool(key) and (
            self.owner.api_keys is None or key in self.owner.api_keys
        )
        if kind == "402" or (fmt != "png" and not good_key):
            status = f"API Key Required for {fmt.upper()}"
            return _Reply(402, b"", "text/plain", {"Status": status})
        errors, boxes, width, height, title = render(fields["message"])
        if fmt == "png":
            data = png_bytes(width, height)
        elif fmt == "svg":
            data = svg_bytes(width, height, title)
        else:
            data = pdf_bytes()
        if kind == "notimage":
            data = b"this is not an image\n"
        legacy = self.owner.legacy or "apiVersion" not in fields
        query = "img" if legacy else fmt
        image_id = f"gone{time.monotonic_ns()}"
        if kind != "img404":
            image_id = self.owner._store(query, data, FORMATS[fmt])
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
        return _Reply(200, body)

    def _send(self, reply: _Reply) -> None:
        self.send_response(reply.status)
        self.send_header("Content-Type", reply.content_type)
        self.send_header("Content-Length", str(len(reply.body)))
        for name, value in reply.headers.items():
            self.send_header(name, value)
        self.end_headers()
        try:
            self.wfile.write(reply.body)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True  # the client gave up (a timeout test)

    def _reset(self) -> None:
        """Close with RST instead of FIN: the client sees a connection reset."""
        self.connection.setsockopt(
            socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0)
        )
        self.close_connection = True
        self.connection.close()


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
