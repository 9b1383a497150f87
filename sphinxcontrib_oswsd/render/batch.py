"""The one front door for rendering: many requests in, one result each out.

API requests are looked up in the cache first; the misses are rendered
together on a bounded thread pool (the work is waiting on the network), so N
uncached diagrams take about ``ceil(N / concurrency)`` round trips instead of
N. A diagram the API cannot render is drawn by the offline renderer (or
reported, with ``fallback="error"``); with ``offline=True`` no connection is
ever opened. Local renders are not cached: they take milliseconds, are
deterministic, and depend on the source-reference comments the cache key
leaves out.

Nothing here raises for a diagram that failed: its result says why. Every
message starts with the diagram's location (``path:line`` or its name);
the ``errors`` and ``boxes`` lines count lines of the request's source.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Literal

from ..wsd.parser import WSDSyntaxError, parse
from .api import (
    DEFAULT_API_URL,
    DEFAULT_STYLE,
    PROTOCOL_VERSION,
    APIError,
    APIImage,
    Box,
    ErrorLine,
    WSDClient,
    strip_comments,
)
from .cache import Cache, cache_key
from .images import MIMETYPES, image_size
from .local import Linker, render_local

log = logging.getLogger(__name__)

Renderer = Literal["api", "local"]
Fallback = Literal["local", "error"]


@dataclass(frozen=True)
class RenderRequest:
    """One diagram to draw. ``path`` and ``line_offset`` place its lines for
    messages (the offset is the line before the diagram's first line, for a
    diagram embedded in a larger file); ``link``, ``id_prefix`` and ``title``
    are for the local renderer, and ``fallback_format`` is what it draws when
    the API fails (``pdf`` for LaTeX, which cannot include SVG)."""

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
    error: str | None = None
    cached: bool = False

    @property
    def ok(self) -> bool:
        return self.error is None


Progress = Callable[[int, int, RenderRequest, RenderResult], None]


@dataclass(frozen=True)
class RenderOptions:
    cache_dir: Path | str | None = None  # None: the user cache directory
    api_key: str | None = field(default=None, repr=False)
    timeout: float = 10.0
    retries: int = 2
    backoff: float = 0.5
    concurrency: int = 4
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

    def finish(request: RenderRequest, result: RenderResult) -> None:
        results[request] = result
        if options.progress:
            options.progress(len(results), len(order), request, result)

    cache = Cache(options.cache_dir)
    misses: dict[str, list[RenderRequest]] = {}
    for request in order:
        if request.renderer == "local":
            finish(request, _render_local(request, request.format))
            continue
        key = _key(request, options.api_key)
        hit = cache.get(key)
        if hit:
            finish(request, _from_api(request, hit.image, cached=True))
        elif options.offline:
            finish(request, _failed(request, "not in the cache, and offline", options))
        else:
            misses.setdefault(key, []).append(request)

    if misses:
        for key, outcome in _fetch(misses, options):
            if isinstance(outcome, APIError):
                for same in misses[key]:
                    finish(same, _failed(same, str(outcome), options))
                continue
            try:
                cache.put(key, outcome)
            except OSError as error:
                log.warning("cannot write the cache in %s: %s", cache.directory, error)
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
            )

    #: Services found unreachable: the requests still queued for them fail
    #: at once with the same cause instead of each waiting through retries.
    unreachable: dict[str, APIError] = {}

    def render(request: RenderRequest) -> APIImage | APIError:
        if request.api_url in unreachable:
            return unreachable[request.api_url]
        text = strip_comments(request.source)[0]
        try:
            return clients[request.api_url].render(
                text, style=request.style, fmt=request.format
            )
        except APIError as error:
            if error.unreachable:
                unreachable.setdefault(request.api_url, error)
            return error

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


def _from_api(request: RenderRequest, image: APIImage, *, cached: bool) -> RenderResult:
    """The result of an API render, its lines moved back to source lines."""
    lines = strip_comments(request.source)[1]

    def source_line(sent: int | None) -> int | None:
        return lines[sent - 1] if sent and 1 <= sent <= len(lines) else None

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


def _failed(request: RenderRequest, cause: str, options: RenderOptions) -> RenderResult:
    """The API could not render ``request``: fall back, or report it."""
    reason = f"{request.location()}: {cause}"
    if options.fallback == "error":
        return RenderResult(error=reason)
    fmt = "pdf" if request.format == "pdf" else request.fallback_format
    local = _render_local(request, fmt)
    return replace(local, fell_back=True, fallback_reason=reason)


def _render_local(request: RenderRequest, fmt: str) -> RenderResult:
    try:
        diagram = parse(request.source)
        data = render_local(
            diagram,
            fmt,  # type: ignore[arg-type]
            link=request.link,
            id_prefix=request.id_prefix,
            title=request.title,
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
