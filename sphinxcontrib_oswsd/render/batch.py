"""The one front door for rendering: many requests in, one result each out.

API requests are looked up in the cache first; the misses are rendered
together on a bounded thread pool (the work is waiting on the network), so N
uncached diagrams take about ``ceil(N / concurrency)`` round trips instead of
N. A diagram the API cannot render is drawn by the offline renderer (or
reported, with ``fallback="error"``); with ``offline=True`` no connection is
ever opened. A service that answers ``429`` or keeps failing gets fewer
requests at once, after a pause, for the rest of the batch, and the
diagram that met it one more try before it falls back. Local renders are
not cached: they take milliseconds, are deterministic, and depend on the
source-reference comments the cache key leaves out.

Nothing here raises for a diagram that failed: its result says why. Every
message starts with the diagram's location (``path:line`` or its name);
the ``errors`` and ``boxes`` lines count lines of the request's source.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor, as_completed
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Literal

from ..wsd.parser import WSDSyntaxError, parse
from .api import (
    DEFAULT_API_URL,
    DEFAULT_MAX_IMAGE_BYTES,
    DEFAULT_STYLE,
    KEY_STYLES,
    PROTOCOL_VERSION,
    APIConnectionError,
    APIDiagramError,
    APIError,
    APIImage,
    APIStatusError,
    Box,
    ErrorLine,
    WSDClient,
    strip_comments,
)
from .cache import Cache, CacheError, cache_key
from .images import MIMETYPES, image_size
from .local import Linker, render_local

log = logging.getLogger(__name__)

Renderer = Literal["api", "local"]
Fallback = Literal["local", "error"]
#: Why the API was not used: it failed, the build is offline (and the cache
#: had nothing), or the style needs an API key and there is none.
FallbackCause = Literal["api", "offline", "style"]


@dataclass(frozen=True)
class RenderRequest:
    """One diagram to draw. ``path`` and ``line_offset`` place its lines for
    messages (the offset is the line before the diagram's first line, for a
    diagram embedded in a larger file); ``link``, ``id_prefix`` and ``title``
    are for the local renderer, and so is ``max_width``, its width budget
    (px in SVG, pt in PDF; ``None``: the natural width); ``fallback_format``
    is what it draws when the API fails (``pdf`` for LaTeX, which cannot
    include SVG)."""

    name: str
    source: str
    renderer: Renderer = "api"
    format: str = "png"
    style: str = DEFAULT_STYLE
    api_url: str = DEFAULT_API_URL
    path: str | None = None
    line_offset: int = 0
    link: Linker | None = None
    id_prefix: str = "oswsd"
    title: str | None = None
    max_width: float | None = None
    fallback_format: str = "svg"

    def location(self, line: int | None = None) -> str:
        """``path:line`` for a message about ``line`` of the source."""
        where = self.path or self.name
        return f"{where}:{line + self.line_offset}" if line else where


@dataclass(frozen=True)
class RenderResult:
    """What became of a request: an image, or ``error`` saying why not."""

    data: bytes = b""
    format: str | None = None  # what was produced (svg when png fell back)
    mimetype: str | None = None
    errors: tuple[ErrorLine, ...] = ()  # the service's diagnostics
    boxes: tuple[Box, ...] = ()
    width: int | None = None
    height: int | None = None
    fell_back: bool = False
    fallback_reason: str | None = None
    fallback_cause: FallbackCause | None = None
    error: str | None = None
    cached: bool = False
    cache_problem: str | None = None  # a corrupt entry removed, a failed write

    @property
    def ok(self) -> bool:
        return self.error is None


Progress = Callable[[int, int, RenderRequest, RenderResult], None]


@dataclass(frozen=True)
class RenderOptions:
    cache_dir: Path | str | None = None  # None: the user cache directory
    api_key: str | None = field(default=None, repr=False)
    timeout: float = 10.0  # seconds per render: the reply and the image
    retries: int = 2
    backoff: float = 0.5
    concurrency: int = 4
    max_image_bytes: int = DEFAULT_MAX_IMAGE_BYTES
    offline: bool = False
    fallback: Fallback = "local"
    progress: Progress | None = None  # (done, total, request, result)


def render_batch(
    requests: Iterable[RenderRequest], *, options: RenderOptions | None = None
) -> dict[RenderRequest, RenderResult]:
    """Render every request; the results come in the order of ``requests``."""
    options = options or RenderOptions()
    order = list(dict.fromkeys(requests))
    results: dict[RenderRequest, RenderResult] = {}
    problems: dict[RenderRequest, str] = {}

    def finish(request: RenderRequest, result: RenderResult) -> None:
        if request in problems:
            result = replace(result, cache_problem=problems[request])
        results[request] = result
        if options.progress:
            options.progress(len(results), len(order), request, result)

    noticed: list[str] = []
    cache = Cache(options.cache_dir, report=noticed.append)
    misses: dict[str, list[RenderRequest]] = {}
    for request in order:
        if request.renderer == "local":
            finish(request, _render_local(request, request.format))
            continue
        if request.style in KEY_STYLES and not options.api_key:
            why = f"the {request.style} style needs an API key"
            finish(request, _failed(request, why, options, cause="style"))
            continue
        key = _key(request, options.api_key)
        hit = cache.get(key)
        if noticed:
            problems[request] = noticed.pop()
        if hit:
            finish(request, _from_api(request, hit.image, cached=True))
        elif options.offline:
            why = "not in the cache, and offline"
            finish(request, _failed(request, why, options, cause="offline"))
        else:
            misses.setdefault(key, []).append(request)

    if misses:
        for key, outcome in _fetch(misses, options):
            if isinstance(outcome, APIError):
                errors = outcome.errors if isinstance(outcome, APIDiagramError) else ()
                for same in misses[key]:
                    finish(same, _failed(same, str(outcome), options, errors=errors))
                continue
            try:
                cache.put(key, outcome)
            except CacheError as error:
                problems.update((same, str(error)) for same in misses[key])
            for same in misses[key]:
                finish(same, _from_api(same, outcome, cached=False))
    return {request: results[request] for request in order}


def in_cache(request: RenderRequest, options: RenderOptions) -> bool:
    """Whether the API image of ``request`` is in the cache (a quick look:
    the entry is checked when it is read)."""
    return Cache(options.cache_dir).path(_key(request, options.api_key)).is_file()


def _key(request: RenderRequest, api_key: str | None) -> str:
    return cache_key(
        renderer="api",
        version=PROTOCOL_VERSION,
        api_url=request.api_url,
        style=request.style,
        fmt=request.format,
        api_key=api_key,
        message=strip_comments(request.source)[0],
    )


def _fetch(
    misses: dict[str, list[RenderRequest]], options: RenderOptions
) -> Iterator[tuple[str, APIImage | APIError]]:
    """Render one request per key on the pool; yield ``(key, image or
    APIError)`` as each finishes, in the calling thread."""
    clients: dict[str, WSDClient] = {}
    for group in misses.values():
        url = group[0].api_url
        if url not in clients:
            clients[url] = WSDClient(
                url,
                api_key=options.api_key,
                timeout=options.timeout,
                retries=options.retries,
                backoff=options.backoff,
                max_image_bytes=options.max_image_bytes,
            )

    #: Services found unreachable: the requests still queued for them fail
    #: at once with the same cause instead of each waiting through retries.
    unreachable: dict[str, APIError] = {}
    throttle = _Throttle(max(options.concurrency, 1), options.backoff)

    def render(request: RenderRequest) -> APIImage | APIError:
        text = strip_comments(request.source)[0]
        for attempt in (1, 2):
            with throttle.slot():
                if request.api_url in unreachable:
                    return unreachable[request.api_url]
                try:
                    image = clients[request.api_url].render(
                        text, style=request.style, fmt=request.format
                    )
                except APIError as error:
                    if error.unreachable:
                        unreachable.setdefault(request.api_url, error)
                    if attempt == 1 and throttle.failed(error):
                        continue
                    return error
            throttle.succeeded()
            return image
        raise AssertionError("unreachable")  # the second attempt returns

    try:
        with ThreadPoolExecutor(max_workers=max(options.concurrency, 1)) as pool:
            futures = {
                pool.submit(render, group[0]): key for key, group in misses.items()
            }
            for future in as_completed(futures):
                yield futures[future], future.result()
    finally:
        for client in clients.values():
            client.close()


class _Throttle:
    """How many requests of a batch run at once: halved, down to one, on a
    ``429`` and on the second transient failure in a row, with a pause
    before the next request that doubles each time (a struggling service
    gets less load, not more)."""

    def __init__(self, limit: int, pause: float, max_pause: float = 30.0) -> None:
        self.limit = limit
        self._pause, self._max_pause = pause, max_pause
        self._running = self._failures = 0
        self._resume = 0.0
        self._condition = threading.Condition()

    @contextmanager
    def slot(self) -> Iterator[None]:
        with self._condition:
            while True:
                delay = self._resume - time.monotonic()
                if delay <= 0 and self._running < self.limit:
                    break
                self._condition.wait(delay if delay > 0 else None)
            self._running += 1
        try:
            yield
        finally:
            with self._condition:
                self._running -= 1
                self._condition.notify_all()

    def succeeded(self) -> None:
        with self._condition:
            self._failures = 0

    def failed(self, error: APIError) -> bool:
        """Note a failure; whether it slowed the batch down (and so earns
        the request another try)."""
        status = error.status if isinstance(error, APIStatusError) else 0
        limited = status == 429
        transient = limited or status >= 500
        transient = transient or (
            isinstance(error, APIConnectionError) and not error.unreachable
        )
        with self._condition:
            self._failures = self._failures + 1 if transient else 0
            if not (limited or self._failures >= 2):
                return False
            self.limit = max(1, self.limit // 2)
            self._resume = time.monotonic() + self._pause
            self._pause = min(self._pause * 2, self._max_pause)
            self._failures = 0
        log.info(
            "the service is struggling (%s): %d request(s) at once", error, self.limit
        )
        return True


def _source_line(request: RenderRequest) -> Callable[[int | None], int | None]:
    """Maps a line of the text sent to the line of the request's source."""
    lines = strip_comments(request.source)[1]

    def source_line(sent: int | None) -> int | None:
        return lines[sent - 1] if sent and 1 <= sent <= len(lines) else None

    return source_line


def _from_api(request: RenderRequest, image: APIImage, *, cached: bool) -> RenderResult:
    """The result of an API render, its lines moved back to source lines."""
    source_line = _source_line(request)
    boxes = []
    for box in image.boxes:
        line = source_line(box.line)
        if line is not None:
            boxes.append(replace(box, line=line))
    size = image_size(image.data, image.format)
    return RenderResult(
        data=image.data,
        format=image.format,
        mimetype=MIMETYPES[image.format],
        errors=tuple((source_line(line), message) for line, message in image.errors),
        boxes=tuple(boxes),
        width=size[0] if size else image.natural_width,
        height=size[1] if size else None,
        cached=cached,
    )


def _failed(
    request: RenderRequest,
    why: str,
    options: RenderOptions,
    *,
    cause: FallbackCause = "api",
    errors: tuple[ErrorLine, ...] = (),
) -> RenderResult:
    """The API could not render ``request``: fall back, or report it; the
    service's ``errors`` (lines sent) go with it as source lines."""
    source_line = _source_line(request)
    errors = tuple((source_line(line), message) for line, message in errors)
    reason = f"{request.location()}: {why}"
    if options.fallback == "error":
        return RenderResult(error=reason, errors=errors)
    fmt = "pdf" if request.format == "pdf" else request.fallback_format
    local = _render_local(request, fmt)
    return replace(
        local,
        fell_back=True,
        fallback_reason=reason,
        fallback_cause=cause,
        errors=errors,
    )


def _render_local(request: RenderRequest, fmt: str) -> RenderResult:
    try:
        diagram = parse(request.source)
        data = render_local(
            diagram,
            fmt,  # type: ignore[arg-type]
            link=request.link,
            id_prefix=request.id_prefix,
            title=request.title,
            max_width=request.max_width,
            style=request.style,
        )
    except WSDSyntaxError as error:
        return RenderResult(error=f"{request.location(error.line)}: {error.message}")
    except ValueError as error:
        return RenderResult(error=f"{request.location()}: {error}")
    size = image_size(data, fmt)
    return RenderResult(
        data=data,
        format=fmt,
        mimetype=MIMETYPES[fmt],
        width=size[0] if size else None,
        height=size[1] if size else None,
    )
