"""The websequencediagrams.com HTTP API client.

One render is a ``POST`` that answers where the image is, then one ``GET`` of
the image (the service may delete it once fetched). Every failure becomes one
:class:`APIError` whose message is a single line naming the cause, so a build
can report it next to the diagram instead of crashing. The API key is sent in
the POST body only and never appears in a log, a message or a file.
"""

from __future__ import annotations

import email.utils
import html
import json
import logging
import os
import re
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from http import HTTPStatus
from urllib.parse import urljoin, urlsplit

import requests
from urllib3.exceptions import ReadTimeoutError

from .. import __version__
from .images import looks_like

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
FORMATS = ("png", "svg", "pdf")
#: Part of every cache key: bump it when what is sent or how replies are read
#: changes, so that old cache entries stop matching.
PROTOCOL_VERSION = 1
API_KEY_ENV = "OSWSD_API_KEY"

_FORMAT_NAMES = {"png": "a PNG", "svg": "an SVG", "pdf": "a PDF"}
_ERROR_LINE = re.compile(r"\s*line\s+(\d+)\s*:\s*(.*)", re.IGNORECASE | re.DOTALL)
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
    def from_json(cls, data: dict) -> Box:
        x, y, w, h = (int(v) for v in data["rect"])
        return cls(int(data["line"]), (x, y, w, h), bool(data.get("header")))


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


def api_key_from(config_value: str | None) -> str | None:
    """The API key to use: the setting if given, else ``$OSWSD_API_KEY``."""
    for value in (config_value, os.environ.get(API_KEY_ENV)):
        if value and value.strip():
            return value.strip()
    return None


def strip_comments(source: str) -> tuple[str, tuple[int, ...]]:
    """The text sent to the service, and the source line of each of its lines.

    Comment lines (first non-blank character ``#``) are left out: the service
    ignores them anyway, and leaving them out of the text (and so of the cache
    key) means that editing only source references never re-renders.
    """
    kept: list[str] = []
    numbers: list[int] = []
    lines = source.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    for number, line in enumerate(lines, start=1):
        if not line.lstrip().startswith("#"):
            kept.append(line)
            numbers.append(number)
    return "\n".join(kept), tuple(numbers)


def parse_errors(errors: object) -> tuple[ErrorLine, ...]:
    """``["Line 3: Syntax error."]`` as ``((3, "Syntax error."),)``."""
    if not isinstance(errors, list):
        return ()
    parsed: list[ErrorLine] = []
    for error in errors:
        match = _ERROR_LINE.fullmatch(str(error))
        if match:
            parsed.append((int(match[1]), _one_line(match[2])))
        else:
            parsed.append((None, _one_line(str(error))))
    return tuple(parsed)


def parse_reply(text: str) -> dict:
    """The reply as a dict: JSON, or the legacy JavaScript object literal.

    The literal is rewritten into JSON (never evaluated). Raises ``ValueError``.
    """
    try:
        reply = json.loads(text)
    except ValueError as error:
        try:
            reply = json.loads(_LEGACY_TOKEN.sub(_legacy_token, text))
        except ValueError:
            raise error from None
    if not isinstance(reply, dict):
        raise ValueError("the reply is not an object")
    return reply


def _legacy_token(match: re.Match) -> str:
    if match[1] is not None:
        return match[1]
    if match[2] is not None:
        return f'"{match[2]}"'
    return ""


def _one_line(text: str, limit: int = 200) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _phrase(response: requests.Response) -> str:
    try:
        phrase = HTTPStatus(response.status_code).phrase
    except ValueError:
        phrase = response.reason or ""
    return f"{response.status_code} {phrase}".strip()


def _html_title(text: str) -> str | None:
    match = _HTML_TITLE.search(text)
    return _one_line(html.unescape(match[1])) if match and match[1].strip() else None


def _retry_after(response: requests.Response) -> float | None:
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

    Each thread gets its own :class:`requests.Session` (a session is not
    documented as thread-safe), so a thread pool can render concurrently
    while every thread still reuses its connections.

    ``timeout`` applies to connecting and to each read. ``retries`` is how many
    times a request is repeated after a connection error, a ``429`` or a
    ``5xx``, waiting ``backoff``, then twice as long each time (or what
    ``Retry-After`` asks), never more than ``max_wait`` seconds. A read
    timeout is not retried: the service was working on it, and waiting the
    whole timeout again would multiply the build time.
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
    ) -> None:
        self.api_url = api_url.rstrip("/")
        self._api_key = api_key or None
        self.timeout = timeout
        self.retries = max(retries, 0)
        self.backoff = backoff
        self.max_wait = max_wait
        self._local = threading.local()
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
            sessions, self._sessions = self._sessions, []
            self._local = threading.local()  # a later render opens new ones
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
        response = self._request("POST", f"{self.api_url}/index.php", data=fields)
        if response.status_code == 402:
            verb = "rejected" if self._api_key else "required"
            raise APIKeyRequired(f"402: API key {verb} for {fmt}", 402)
        if response.status_code != 200:
            raise APIStatusError(self._status_message(response), response.status_code)
        reply = self._read_reply(response)
        data = self._fetch_image(reply["img"], fmt)
        width = reply.get("naturalWidth")
        return APIImage(
            data=data,
            format=fmt,
            errors=parse_errors(reply.get("errors")),
            boxes=self._boxes(reply.get("boxes")),
            natural_width=width if isinstance(width, int) else None,
        )

    def _session(self) -> requests.Session:
        session = getattr(self._local, "session", None)
        if session is None:
            session = requests.Session()
            session.headers["User-Agent"] = f"sphinxcontrib-oswsd/{__version__}"
            with self._lock:
                self._sessions.append(session)
            self._local.session = session
        return session

    def _request(
        self, method: str, url: str, *, retry: bool = True, **kwargs: object
    ) -> requests.Response:
        """One request, repeated on transient failures; never raises requests'
        exceptions, only :class:`APIError`."""
        attempts = self.retries + 1 if retry else 1
        for attempt in range(1, attempts + 1):
            failure: APIError
            wait = min(self.backoff * 2 ** (attempt - 1), self.max_wait)
            try:
                response = self._session().request(
                    method, url, timeout=self.timeout, allow_redirects=False, **kwargs
                )
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
                    return response
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

    def _status_message(self, response: requests.Response) -> str:
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

    def _redact(self, text: str) -> str:
        return text.replace(self._api_key, "***") if self._api_key else text

    def _read_reply(self, response: requests.Response) -> dict:
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
            raise APIReplyError(f"answered malformed JSON ({error})") from None
        if not isinstance(reply.get("img"), str) or not reply["img"].strip():
            raise APIReplyError("answered without an image location")
        return reply

    def _fetch_image(self, img: str, fmt: str) -> bytes:
        url = urljoin(self.api_url + "/", img.strip().lstrip("/"))
        if urlsplit(url).netloc.lower() != urlsplit(self.api_url).netloc.lower():
            raise APIReplyError("answered an image location on another host")
        response = self._request("GET", url, retry=False)
        if response.status_code != 200:
            raise APIImageError(
                f"image request answered {self._status_message(response)}"
            )
        if not looks_like(response.content, fmt):
            raise APIImageError(f"image is not {_FORMAT_NAMES[fmt]}")
        return response.content

    @staticmethod
    def _boxes(boxes: object) -> tuple[Box, ...]:
        """The reply's boxes, lines made 1-based; malformed ones are skipped."""
        if not isinstance(boxes, list):
            return ()
        parsed = []
        for box in boxes:
            try:
                parsed.append(Box.from_json({**box, "line": int(box["line"]) + 1}))
            except (KeyError, TypeError, ValueError):
                continue
        return tuple(parsed)
