"""The websequencediagrams.com HTTP API client.

One render is a ``POST`` that answers where the image is, then one ``GET`` of
the image (the service may delete it once fetched). Every failure becomes one
:class:`APIError` whose message is a single line naming the cause, so a build
can report it next to the diagram instead of crashing. The API key is sent in
the POST body only and never appears in a log, a message or a file.

Everything the service sends is untrusted: a render has one deadline for the
reply and the image together, bodies are read with a size cap, every number
is checked (finite, bounded) and the image validated (an SVG sanitised)
before anyone uses it; a reply that cannot be read is an :class:`APIError`.
"""

from __future__ import annotations

import contextlib
import email.utils
import html
import json
import logging
import math
import os
import re
import socket
import threading
import time
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timezone
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qs, quote_plus, urljoin, urlsplit

import requests
from urllib3.exceptions import ReadTimeoutError

from .. import __version__
from .images import ImageError, checked_image

log = logging.getLogger(__name__)

DEFAULT_API_URL = "https://www.websequencediagrams.com"
DEFAULT_STYLE = "modern-blue"
STYLES = (
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
)
#: Styles the service offers only with a key (vs2010 is not offered at all
#: any more): without one they are not asked for.
KEY_STYLES = ("magazine", "napkin", "patent", "vs2010")
FORMATS = ("png", "svg", "pdf")
#: Part of every cache key: bump it when what is sent or how replies are read
#: changes, so that old cache entries stop matching.
PROTOCOL_VERSION = 2
API_KEY_ENV = "OSWSD_API_KEY"
#: Byte caps for a reply and (by default) an image: far above real ones.
MAX_REPLY_BYTES = 2 * 1024 * 1024
DEFAULT_MAX_IMAGE_BYTES = 10 * 1024 * 1024
#: Bounds of the numbers in a reply: a line of a diagram, a pixel coordinate.
MAX_LINE = 1_000_000
MAX_COORDINATE = 1_000_000
MAX_ERRORS = 100

_FORMAT_NAMES = {"png": "a PNG", "svg": "an SVG", "pdf": "a PDF"}
_ERROR_LINE = re.compile(r"\s*line\s+(\d{1,7})\s*:\s*(.*)", re.IGNORECASE | re.DOTALL)
_HTML_TITLE = re.compile(r"<title[^>]*>(.*?)</title>", re.IGNORECASE | re.DOTALL)
# A JavaScript object literal as the service answers without apiVersion:
# strings pass through, bare keys get quotes, trailing commas go.
_LEGACY_TOKEN = re.compile(
    r'("(?:[^"\\]|\\.)*")|([A-Za-z_$][\w$]*)(?=\s*:)|,(?=\s*[}\]])'
)

ErrorLine = tuple["int | None", str]


class APIError(Exception):
    """A render through the API failed; ``str()`` is one line naming the cause."""

    #: True when the service cannot be reached at all (its name does not
    #: resolve, it refuses connections, or none opens in time): the other
    #: diagrams of a batch need not try, as on a machine with no network.
    unreachable = False


class APITimeout(APIError):
    """The service did not answer in time."""


class APIConnectionError(APIError):
    """The connection could not be made or broke."""


class APIStatusError(APIError):
    """The service answered with an HTTP error status."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


class APIKeyRequired(APIStatusError):
    """``402``: the format needs a (valid) paid API key."""


class APIReplyError(APIError):
    """The reply to the render request could not be read."""


class APIImageError(APIError):
    """The image could not be fetched, or is not the format asked for."""


class APIDiagramError(APIError):
    """The service reported errors in the diagram and drew nothing.

    ``errors`` are its diagnostics, as :attr:`APIImage.errors`."""

    def __init__(self, message: str, errors: tuple[ErrorLine, ...]) -> None:
        super().__init__(message)
        self.errors = errors


@dataclass(frozen=True)
class Box:
    """Where the service drew one source line: enough for an HTML image map.

    ``line`` is 1-based in the text that was sent (the service counts from 0).
    """

    line: int
    rect: tuple[int, int, int, int]  # x, y, width, height in image pixels
    header: bool = False  # a participant head box

    def to_json(self) -> dict:
        return {"line": self.line, "rect": list(self.rect), "header": self.header}

    @classmethod
    def from_json(cls, data: Any) -> Box:
        """A box as :meth:`to_json` wrote it, or as the service sends it
        (floats rounded); raises ``ValueError`` for anything out of bounds."""
        if not isinstance(data, dict):
            raise ValueError("a box is not an object")
        rect = data.get("rect")
        if not isinstance(rect, list) or len(rect) != 4:
            raise ValueError("a box has no rect of four numbers")
        x, y, w, h = (round(_number(v, MAX_COORDINATE, "rect")) for v in rect)
        header = data.get("header", False)
        if header not in (0, 1):  # True and False among them
            raise ValueError("a box's header is not 0 or 1")
        line = _number(data.get("line"), MAX_LINE, "line")
        if line != int(line) or line < 0:
            raise ValueError("a box's line is not a line number")
        return cls(int(line), (x, y, w, h), bool(header))


def _number(value: object, bound: float, what: str) -> float:
    """``value`` if it is a finite JSON number within ``±bound``."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"a box's {what} is not a number")
    if not math.isfinite(value) or abs(value) > bound:
        raise ValueError(f"a box's {what} is out of range")
    return float(value)


@dataclass(frozen=True)
class APIImage:
    """A successful render: the image and what the service said about it.

    Line numbers (``errors``, ``boxes``) count lines of the text sent.
    """

    data: bytes
    format: str
    errors: tuple[ErrorLine, ...] = ()
    boxes: tuple[Box, ...] = ()
    natural_width: int | None = None


def api_key_from(config_value: str | None = None) -> str | None:
    """The API key to use: ``$OSWSD_API_KEY`` if set, else ``config_value``
    (the key file's content or the discouraged setting)."""
    for value in (os.environ.get(API_KEY_ENV), config_value):
        if value and value.strip():
            return value.strip()
    return None


def strip_comments(source: str) -> tuple[str, tuple[int, ...]]:
    """The text sent to the service, and the source line of each of its lines.

    Comment lines (first non-blank character ``#``) are left out: the service
    ignores them anyway, and leaving them out of the text (and so of the cache
    key) means that editing only source references never re-renders. So are
    blank lines before the first statement: older service versions counted
    lines one off when the text began blank.
    """
    kept: list[str] = []
    numbers: list[int] = []
    lines = source.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    for number, line in enumerate(lines, start=1):
        if line.lstrip().startswith("#") or not (kept or line.strip()):
            continue
        kept.append(line)
        numbers.append(number)
    return "\n".join(kept), tuple(numbers)


def parse_errors(errors: object) -> tuple[ErrorLine, ...]:
    """``["Line 3: Syntax error."]`` as ``((3, "Syntax error."),)``."""
    if not isinstance(errors, list):
        return ()
    parsed: list[ErrorLine] = []
    for error in errors[:MAX_ERRORS]:
        match = _ERROR_LINE.fullmatch(str(error))
        if match:
            parsed.append((int(match[1]), _one_line(match[2])))
        else:
            parsed.append((None, _one_line(str(error))))
    return tuple(parsed)


def parse_reply(text: str) -> dict:
    """The reply as a dict: JSON, or the legacy JavaScript object literal.

    The literal is rewritten into JSON (never evaluated). ``NaN`` and
    ``Infinity`` are not JSON numbers and, like nesting too deep to read,
    raise ``ValueError``.
    """
    try:
        reply = _json(text)
    except ValueError as error:
        try:
            reply = _json(_LEGACY_TOKEN.sub(_legacy_token, text))
        except ValueError:
            raise error from None
    if not isinstance(reply, dict):
        raise ValueError("the reply is not an object")
    return reply


def _json(text: str) -> Any:
    def refuse(name: str) -> None:
        raise ValueError(f"{name} is not a JSON number")

    try:
        return json.loads(text, parse_constant=refuse)
    except RecursionError:
        raise ValueError("nested too deeply") from None


def _legacy_token(match: re.Match) -> str:
    if match[1] is not None:
        return match[1]
    if match[2] is not None:
        return f'"{match[2]}"'
    return ""


def _one_line(text: str, limit: int = 200) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


@dataclass(frozen=True)
class _Response:
    """An HTTP answer read whole (within the deadline and the size cap)."""

    status_code: int
    reason: str
    headers: Any  # requests' case-insensitive dict
    content: bytes


def _phrase(response: _Response) -> str:
    try:
        phrase = HTTPStatus(response.status_code).phrase
    except ValueError:
        phrase = response.reason or ""
    return f"{response.status_code} {phrase}".strip()


def _html_title(text: str) -> str | None:
    match = _HTML_TITLE.search(text)
    return _one_line(html.unescape(match[1])) if match and match[1].strip() else None


def _retry_after(response: _Response) -> float | None:
    """``Retry-After`` in seconds (it may be a number or an HTTP date)."""
    value = response.headers.get("Retry-After", "").strip()
    if not value:
        return None
    try:
        return max(float(value), 0.0)
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max((when - datetime.now(timezone.utc)).total_seconds(), 0.0)


_UNREACHABLE = ("cannot resolve the host name", "connection refused")


def _connection_cause(error: requests.ConnectionError) -> str:
    """A short name for what broke, found in the exception chain."""
    seen: list[BaseException] = []
    pending: list[object] = [error]
    while pending:
        item = pending.pop()
        if not isinstance(item, BaseException) or item in seen:
            continue
        seen.append(item)
        pending.extend([*item.args, item.__cause__, item.__context__])
        pending.append(getattr(item, "reason", None))
    for item in seen:
        if isinstance(item, ConnectionResetError):
            return "connection reset"
        if isinstance(item, ConnectionRefusedError):
            return "connection refused"
    text = " ".join(str(item) for item in seen).lower()
    if "name or service not known" in text or "nodename nor servname" in text:
        return "cannot resolve the host name"
    if "remotedisconnected" in text or "without response" in text:
        return "connection closed without a reply"
    if "ssl" in text or "certificate" in text:
        return "TLS error"
    return "connection failed"


def _is_read_timeout(error: requests.ConnectionError) -> bool:
    # requests reports a timeout while reading the body as a ConnectionError.
    return any(isinstance(arg, ReadTimeoutError) for arg in error.args)


class WSDClient:
    """Renders diagram text through the API; safe to share between threads.

    Each request runs on a short-lived daemon thread that the caller waits
    for until the render's deadline, so no server, however slowly it
    answers, holds a build longer than ``timeout`` seconds per attempt
    (reply and image together). Idle :class:`requests.Session` objects are
    kept for reuse, so connections are reused while every request still has
    a session of its own (a session is not documented as thread-safe).

    ``retries`` is how many times a request is repeated after a connection
    error, a ``429`` or a ``5xx``, waiting ``backoff``, then twice as long
    each time (or what ``Retry-After`` asks), never more than ``max_wait``
    seconds. A timeout is not retried: the service was working on it, and
    waiting the whole timeout again would multiply the build time. Bodies
    larger than ``max_image_bytes`` (an image) or :data:`MAX_REPLY_BYTES`
    (the reply) are refused while they arrive.
    """

    def __init__(
        self,
        api_url: str = DEFAULT_API_URL,
        *,
        api_key: str | None = None,
        timeout: float = 10.0,
        retries: int = 2,
        backoff: float = 0.5,
        max_wait: float = 30.0,
        max_image_bytes: int = DEFAULT_MAX_IMAGE_BYTES,
    ) -> None:
        self.api_url = api_url.rstrip("/")
        self._api_key = api_key or None
        self.timeout = timeout
        self.retries = max(retries, 0)
        self.backoff = backoff
        self.max_wait = max_wait
        self.max_image_bytes = max_image_bytes
        self._idle: list[requests.Session] = []
        self._sessions: list[requests.Session] = []
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        key = "with key" if self._api_key else "no key"
        return f"<WSDClient {self.api_url} ({key})>"

    def __enter__(self) -> WSDClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        with self._lock:
            sessions, self._sessions, self._idle = self._sessions, [], []
        for session in sessions:
            session.close()

    def render(
        self, text: str, *, style: str = DEFAULT_STYLE, fmt: str = "png"
    ) -> APIImage:
        """POST ``text``, read the reply, fetch the image and check its bytes."""
        if fmt not in FORMATS:
            raise ValueError(f"the API cannot render {fmt!r}; use one of {FORMATS}")
        fields = {"message": text, "style": style, "apiVersion": "1", "format": fmt}
        if self._api_key:
            fields["apikey"] = self._api_key
        try:
            response, deadline = self._request(
                "POST", f"{self.api_url}/index.php", MAX_REPLY_BYTES, data=fields
            )
        except _TooLarge as error:
            raise APIReplyError(f"answered more than {error}") from None
        if response.status_code == 402:
            verb = "rejected" if self._api_key else "required"
            raise APIKeyRequired(f"402: API key {verb} for {fmt}", 402)
        if response.status_code != 200:
            raise APIStatusError(self._status_message(response), response.status_code)
        reply = self._read_reply(response)
        errors = parse_errors([self._redact(error) for error in reply["errors"]])
        if not reply["img"]:
            raise APIDiagramError(
                "reported errors in the diagram and drew nothing", errors
            )
        boxes = parse_boxes(reply.get("boxes"))
        data = self._fetch_image(reply["img"], fmt, deadline)
        return APIImage(data, fmt, errors, boxes, reply.get("naturalWidth"))

    def _session(self) -> requests.Session:
        with self._lock:
            if self._idle:
                return self._idle.pop()
        session = requests.Session()
        session.headers["User-Agent"] = f"sphinxcontrib-oswsd/{__version__}"
        with self._lock:
            self._sessions.append(session)
        return session

    def _exchange(
        self, method: str, url: str, limit: int, deadline: float, **kwargs: Any
    ) -> _Response:
        """One HTTP request and its whole body, or requests' exception, or
        :class:`APITimeout` at ``deadline`` (a ``time.monotonic()``)."""
        outcome: dict[str, Any] = {}
        late = threading.Event()

        def work() -> None:
            session = self._session()
            try:
                timeout = max(deadline - time.monotonic(), 0.001)
                with session.request(
                    method,
                    url,
                    timeout=timeout,
                    allow_redirects=False,
                    stream=True,
                    **kwargs,
                ) as response:
                    outcome["raw"] = response.raw
                    body = _read_body(response, limit, late)
                    outcome["response"] = _Response(
                        response.status_code, response.reason, response.headers, body
                    )
            except BaseException as error:  # handed to the waiting thread
                outcome["error"] = error
            with self._lock:
                if "error" in outcome or late.is_set():
                    session.close()
                else:
                    self._idle.append(session)

        thread = threading.Thread(target=work, name="oswsd-http", daemon=True)
        thread.start()
        thread.join(max(deadline - time.monotonic(), 0.0))
        if thread.is_alive():
            late.set()
            _hang_up(outcome.get("raw"))
            raise APITimeout(f"timed out after {self.timeout:g} s")
        if "error" in outcome:
            raise outcome["error"]
        return outcome["response"]

    def _request(
        self, method: str, url: str, limit: int, *, retry: bool = True, **kwargs: Any
    ) -> tuple[_Response, float]:
        """One request, repeated on transient failures, and the deadline of
        the attempt that answered; never raises requests' exceptions, only
        :class:`APIError`."""
        attempts = self.retries + 1 if retry else 1
        deadline = kwargs.pop("deadline", None)
        for attempt in range(1, attempts + 1):
            failure: APIError
            wait = min(self.backoff * 2 ** (attempt - 1), self.max_wait)
            end = deadline or time.monotonic() + self.timeout
            try:
                response = self._exchange(method, url, limit, end, **kwargs)
            except requests.ConnectTimeout:
                failure = APITimeout(f"timed out connecting after {self.timeout:g} s")
                failure.unreachable = True
            except requests.Timeout:
                raise APITimeout(f"timed out after {self.timeout:g} s") from None
            except requests.ConnectionError as error:
                if _is_read_timeout(error):
                    raise APITimeout(f"timed out after {self.timeout:g} s") from None
                cause = _connection_cause(error)
                failure = APIConnectionError(cause)
                failure.unreachable = cause in _UNREACHABLE
            except requests.RequestException as error:
                raise APIConnectionError(
                    f"request failed: {type(error).__name__}"
                ) from None
            else:
                if response.status_code != 429 and response.status_code < 500:
                    return response, end
                failure = APIStatusError(
                    self._status_message(response), response.status_code
                )
                asked = _retry_after(response)
                if asked is not None:
                    wait = min(asked, self.max_wait)
            if attempt == attempts:
                break
            log.debug("%s %s: %s; retrying in %.2f s", method, url, failure, wait)
            time.sleep(wait)
        if attempts > 1:
            failure.args = (f"{failure} after {attempts} attempts",)
        raise failure

    def _status_message(self, response: _Response) -> str:
        """``503 Service Unavailable``, plus the reason the server gave."""
        message = _phrase(response)
        detail = response.headers.get("Status") or _html_title(
            response.content[:4096].decode("utf-8", "replace")
        )
        if 300 <= response.status_code < 400 and response.headers.get("Location"):
            detail = f"moved to {response.headers['Location']}"
        if detail and detail.strip() and detail.strip().lower() not in message.lower():
            message = f"{message}: {_one_line(detail)}"
        return self._redact(message)

    def _key_forms(self) -> tuple[str, ...]:
        """The key as it may come back: as sent, and form-encoded."""
        if not self._api_key:
            return ()
        return tuple(dict.fromkeys((self._api_key, quote_plus(self._api_key))))

    def _redact(self, text: str) -> str:
        for form in self._key_forms():
            text = text.replace(form, "***")
        return text

    def _read_reply(self, response: _Response) -> dict:
        """The reply object, its ``img`` a string (maybe empty) and its
        ``errors`` a list of strings; anything unreadable is an error."""
        text = response.content.decode("utf-8", "replace")
        content_type = response.headers.get("Content-Type", "").lower()
        if "html" in content_type or text.lstrip().startswith("<"):
            title = _html_title(text)
            suffix = f" ({self._redact(title)})" if title else ""
            raise APIReplyError(f"answered HTML instead of JSON{suffix}")
        try:
            reply = parse_reply(text)
        except ValueError as error:
            if not text.rstrip().endswith("}"):
                raise APIReplyError("answered truncated JSON") from None
            reason = self._redact(_one_line(str(error), 80))
            raise APIReplyError(f"answered malformed JSON ({reason})") from None
        img, errors = reply.get("img", ""), reply.get("errors", [])
        if not isinstance(errors, list) or not all(isinstance(e, str) for e in errors):
            raise APIReplyError("answered errors that are not a list of text")
        if not isinstance(img, str) or not (img.strip() or errors):
            raise APIReplyError("answered without an image location")
        width = reply.get("naturalWidth")
        if width is not None and not (
            type(width) is int and 0 < width <= MAX_COORDINATE
        ):
            raise APIReplyError("answered an impossible naturalWidth")
        return {**reply, "img": img.strip(), "errors": errors}

    def _fetch_image(self, img: str, fmt: str, deadline: float) -> bytes:
        url = urljoin(self.api_url + "/", img.lstrip("/"))
        if urlsplit(url).netloc.lower() != urlsplit(self.api_url).netloc.lower():
            raise APIReplyError("answered an image location on another host")
        kinds = [k for k in parse_qs(urlsplit(url).query) if k in (*FORMATS, "img")]
        if kinds and kinds[0] != "img" and kinds[0] != fmt:
            why = "the API key is not valid" if self._api_key else "it needs a key"
            raise APIImageError(
                f"answered {_FORMAT_NAMES[kinds[0]]} for {_FORMAT_NAMES[fmt]} "
                f"request: {why} for {fmt}"
            )
        try:
            response, _ = self._request(
                "GET", url, self.max_image_bytes, retry=False, deadline=deadline
            )
        except _TooLarge as error:
            raise APIImageError(f"image is larger than {error}") from None
        if response.status_code != 200:
            raise APIImageError(
                f"image request answered {self._status_message(response)}"
            )
        try:
            data = checked_image(response.content, fmt)
        except ImageError as error:
            raise APIImageError(f"image {error}") from None
        if any(form.encode() in data for form in self._key_forms()):
            raise APIImageError("image contains the API key; not kept")
        return data


def parse_boxes(boxes: object) -> tuple[Box, ...]:
    """The reply's boxes, lines made 1-based, less those that are no step.

    Participant footers (the size of the head, on the head's line) and
    zero-size boxes are left out. Replies before ``header`` existed mark
    no heads: of two equal boxes on one line, the upper is the head.
    Raises :class:`APIReplyError` for a box that cannot be read.
    """
    if boxes is None:
        return ()
    if not isinstance(boxes, list):
        raise APIReplyError("answered boxes that are not a list")
    try:
        parsed = [Box.from_json(box) for box in boxes]
    except ValueError as error:
        raise APIReplyError(f"answered an unreadable box: {error}") from None
    marked = any(isinstance(b, dict) and "header" in b for b in boxes)

    def shape(box: Box) -> tuple[int, int, int, int]:
        """A head and its footer share the line, x, width and height."""
        x, _, w, h = box.rect
        return box.line, x, w, h

    same = Counter(shape(box) for box in parsed)
    heads: dict[tuple[int, int, int, int], Box] = {}
    for box in sorted(parsed, key=lambda b: b.rect[1]):
        if box.header or not marked:
            heads.setdefault(shape(box), box)
    kept = []
    for box in parsed:
        head = heads.get(shape(box))
        if box.rect[2] <= 0 or box.rect[3] <= 0 or head not in (None, box):
            continue
        paired = not marked and head is box and same[shape(box)] > 1
        kept.append(Box(box.line + 1, box.rect, box.header or paired))
    return tuple(kept)


def _read_body(response: requests.Response, limit: int, late: threading.Event) -> bytes:
    """The body, refused once it passes ``limit`` bytes (or says it will)."""
    length = response.headers.get("Content-Length", "")
    if length.isdigit() and int(length) > limit:
        raise _TooLarge(limit)
    body = bytearray()
    for chunk in response.iter_content(64 * 1024):
        if late.is_set():
            raise APITimeout("abandoned")
        body += chunk
        if len(body) > limit:
            raise _TooLarge(limit)
    return bytes(body)


class _TooLarge(APIError):
    """A body passed its cap; ``str()`` is the cap, as ``2 MiB``."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"{limit / 1024 / 1024:g} MiB")


def _hang_up(raw: object) -> None:
    """Shut the socket of an abandoned response, so that its thread ends
    instead of reading a slow body (urllib3 shows the connection)."""
    sock = getattr(getattr(raw, "connection", None), "sock", None)
    if isinstance(sock, socket.socket):
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)
