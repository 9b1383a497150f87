"""The diagram images of a Sphinx build (Sphinx glue; the renderers are in render/).

Reading records each API diagram in the environment (purged with its
document, merged across ``-j`` workers). When reading is done, the diagrams of
the documents just read go through the API in one concurrent batch, cache
first, and every failure becomes a warning at the directive. Writing then only
takes results: API images from the cache (never the network), local drawings
from the offline renderer, which is pure computation and deterministic.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment
from sphinx.environment.collectors import EnvironmentCollector
from sphinx.util import logging

from sphinxcontrib_oswsd.config import Settings, settings_of
from sphinxcontrib_oswsd.nodes import workflow_diagram
from sphinxcontrib_oswsd.render.batch import (
    RenderOptions,
    RenderRequest,
    RenderResult,
    in_cache,
    render_batch,
)
from sphinxcontrib_oswsd.render.theme import DEFAULT_STYLE, STYLES, can_draw
from sphinxcontrib_oswsd.wsd.model import SourceRef
from sphinxcontrib_oswsd.wsd.parser import WSDSyntaxError, parse

logger = logging.getLogger(__name__)

#: Environment attributes: docname -> API diagrams; the documents read now.
REQUESTS = "oswsd_api_diagrams"
FRESH = "oswsd_fresh_docs"
#: docname -> [(style, location)] of local drawings in a style not drawn locally.
UNDRAWN = "oswsd_undrawn_styles"
#: The node attributes a request is made from.
REQUEST_ATTRIBUTES = (
    "source",
    "workflow",
    "line_offset",
    "renderer",
    "style",
    "format",
    "uid",
    "alt",
    "links",
    "max_width",
    "location",
)


@dataclass(frozen=True)
class LinkTable:
    """The resolved URL of each reference comment line: the local renderer's
    ``link`` callable, hashable so requests can be compared and cached."""

    urls: tuple[tuple[int, str], ...]

    @classmethod
    def of(cls, links: list[list[Any]]) -> LinkTable:
        """From a diagram node's ``links`` attribute."""
        return cls(tuple((line, url) for line, url in links))

    def __call__(self, ref: SourceRef) -> str | None:
        return dict(self.urls).get(ref.line)


def output_format(renderer: str, wanted: str, builder_format: str) -> str | None:
    """The image format a builder gets, or ``None`` for builders with no images.

    The local renderer draws SVG for HTML and PDF for LaTeX. The API's PNG
    suits both; its SVG suits HTML and its PDF suits LaTeX, else PNG.
    """
    if builder_format not in ("html", "latex"):
        return None
    native = "svg" if builder_format == "html" else "pdf"
    if renderer == "local":
        return native
    return wanted if wanted == native else "png"


def make_request(
    attributes: dict[str, Any], settings: Settings, builder_format: str
) -> RenderRequest | None:
    fmt = output_format(attributes["renderer"], attributes["format"], builder_format)
    if fmt is None:
        return None
    return RenderRequest(
        name=attributes["workflow"],
        source=attributes["source"],
        renderer=attributes["renderer"],
        format=fmt,
        style=attributes["style"],
        api_url=settings.api_url,
        line_offset=attributes["line_offset"],
        link=LinkTable.of(attributes["links"]),
        id_prefix=attributes["uid"],
        title=attributes["alt"],
        max_width=attributes["max_width"],
        fallback_format="svg" if builder_format == "html" else "pdf",
    )


def render_options(settings: Settings, **changes: Any) -> RenderOptions:
    options = RenderOptions(
        cache_dir=settings.cache_dir,
        api_key=settings.api_key,
        timeout=settings.timeout,
        retries=settings.retries,
        concurrency=settings.api_concurrency,
        max_image_bytes=settings.max_image_bytes,
        offline=settings.offline,
        fallback=settings.fallback,  # type: ignore[arg-type]
    )
    return replace(options, **changes)


def _per_doc(env: BuildEnvironment, name: str) -> dict[str, list[Any]]:
    if not hasattr(env, name):
        setattr(env, name, {})
    return getattr(env, name)


def _diagrams(env: BuildEnvironment) -> dict[str, list[dict[str, Any]]]:
    return _per_doc(env, REQUESTS)


class WorkflowCollector(EnvironmentCollector):
    """Keeps each document's API diagrams in the environment, and its local
    ones in a style the local renderer does not draw."""

    def clear_doc(self, app: Sphinx, env: BuildEnvironment, docname: str) -> None:
        for name in (REQUESTS, UNDRAWN):
            _per_doc(env, name).pop(docname, None)

    def merge_other(
        self,
        app: Sphinx,
        env: BuildEnvironment,
        docnames: set[str],
        other: BuildEnvironment,
    ) -> None:
        for name in (REQUESTS, UNDRAWN):
            theirs = _per_doc(other, name)
            for docname in docnames & theirs.keys():
                _per_doc(env, name)[docname] = theirs[docname]

    def process_doc(self, app: Sphinx, doctree: Any) -> None:
        found = [
            {name: node[name] for name in REQUEST_ATTRIBUTES}
            for node in doctree.findall(workflow_diagram)
            if node["renderer"] == "api"
        ]
        if found:
            _diagrams(app.env)[app.env.docname] = found
        undrawn = [
            (node["style"], node["location"])
            for node in doctree.findall(workflow_diagram)
            if node["renderer"] == "local" and not can_draw(node["style"])
        ]
        if undrawn:
            _per_doc(app.env, UNDRAWN)[app.env.docname] = undrawn


def missing_api_images(
    app: Sphinx,
    env: BuildEnvironment,
    added: set[str],
    changed: set[str],
    removed: set[str],
) -> list[str]:
    """Documents to read again because an API image of theirs is not in the
    cache: drawn locally when the service failed, or the cache was cleared.
    Reading them again sends them through the API once more. (An offline
    build could not do better, so it keeps what it has.)"""
    settings = settings_of(app.config)
    if settings.offline:
        return []
    options = render_options(settings)
    missing = []
    for docname, diagrams in _diagrams(env).items():
        if docname in added | changed | removed:
            continue
        requests = (make_request(a, settings, app.builder.format) for a in diagrams)
        if any(r is not None and not in_cache(r, options) for r in requests):
            missing.append(docname)
    return missing


def remember_fresh_docs(
    app: Sphinx, env: BuildEnvironment, docnames: list[str]
) -> None:
    """Note which documents this build reads: only their diagrams are
    rendered (and warned about) after reading."""
    setattr(env, FRESH, set(docnames))


def render_after_reading(app: Sphinx, env: BuildEnvironment) -> None:
    """Render the API diagrams of the documents just read, in one batch, and
    warn once per style the local renderer had to draw as modern-blue."""
    settings = settings_of(app.config)
    fresh = getattr(env, FRESH, set())
    styles = _per_doc(env, UNDRAWN)
    undrawn = [use for doc in sorted(fresh) for use in styles.get(doc, [])]
    _render_api_diagrams(app, env, settings, fresh, undrawn)
    _warn_undrawn_styles(undrawn)


def _warn_undrawn_styles(uses: list[tuple[str, Any]]) -> None:
    """One warning per style the local renderer drew as modern-blue."""
    by_style: dict[str, list[Any]] = {}
    for style, location in uses:
        by_style.setdefault(style, []).append(location)
    for style, locations in by_style.items():
        count = f"{len(locations)} diagram{'s' if len(locations) > 1 else ''}"
        logger.warning(
            f"the local renderer cannot draw the {style!r} style; {count} drawn"
            f" in {DEFAULT_STYLE} instead (it draws {', '.join(STYLES)})",
            location=tuple(locations[0]),
            type="oswsd",
            subtype="style",
        )


def _render_api_diagrams(
    app: Sphinx,
    env: BuildEnvironment,
    settings: Settings,
    fresh: set[str],
    undrawn: list[tuple[str, Any]],
) -> None:
    pending: dict[RenderRequest, dict[str, Any]] = {}
    for docname in sorted(fresh):
        for attributes in _diagrams(env).get(docname, []):
            request = make_request(attributes, settings, app.builder.format)
            if request is not None:
                pending.setdefault(request, attributes)
    setattr(env, FRESH, set())
    if not pending:
        return
    if not settings.offline:
        logger.info("oswsd: rendering %d diagram(s) through the API", len(pending))
    results = render_batch(pending, options=render_options(settings))
    cache_problems: dict[str, list[RenderRequest]] = {}
    for request, result in results.items():
        _report(request, result, tuple(pending[request]["location"]))
        # (A keyed style without a key has a warning of its own.)
        drawn_locally = result.fell_back and result.fallback_cause != "style"
        if drawn_locally and not can_draw(request.style):
            undrawn.append((request.style, pending[request]["location"]))
        if result.cache_problem:
            cache_problems.setdefault(result.cache_problem, []).append(request)
    for problem, requests in cache_problems.items():
        others = f" (and {len(requests) - 1} more diagrams)" if requests[1:] else ""
        if problem.startswith("cannot write"):  # pages take images from the cache
            others += "; the pages get local drawings instead"
        logger.warning(
            f"{requests[0].location()}: {problem}{others}",
            location=tuple(pending[requests[0]]["location"]),
            type="oswsd",
            subtype="cache",
        )
    cached = sum(result.cached for result in results.values())
    fell_back = sum(result.fell_back for result in results.values())
    if settings.offline:
        logger.info(
            "oswsd: offline: %d from the cache, %d drawn by the local renderer",
            cached,
            len(results) - cached,
        )
        return
    logger.info(
        "oswsd: %d from the cache, %d rendered, %d drawn locally instead",
        cached,
        len(results) - cached - fell_back,
        fell_back,
    )


def _report(
    request: RenderRequest, result: RenderResult, location: tuple[str, int]
) -> None:
    """Warn about one diagram at its directive (cache problems are told once
    per batch). A diagram offline and not in the cache is no warning: the
    user chose to stay offline."""

    def warn(message: str, subtype: str) -> None:
        logger.warning(message, location=location, type="oswsd", subtype=subtype)

    if result.error:
        warn(result.error, "render")
    elif result.fallback_cause == "style":
        warn(
            f"{result.fallback_reason} (set $OSWSD_API_KEY or oswsd_api_key_file); "
            "drawn by the local renderer instead",
            "style",
        )
    elif result.fell_back and result.fallback_cause != "offline":
        warn(
            f"{result.fallback_reason}; drawn by the local renderer instead", "fallback"
        )
    # The parser has already warned about its own findings (oswsd.wsd).
    try:
        known = {w.line for w in parse(request.source).warnings}
    except WSDSyntaxError:
        known = set()
    for line, message in result.errors:
        if line not in known:
            warn(f"{request.location(line)}: websequencediagrams: {message}", "api")


def result_for(
    node: workflow_diagram, settings: Settings, builder_format: str
) -> RenderResult | None:
    """The image for ``node``, never from the network: API images were fetched
    after reading, so a cache miss now draws locally (already reported), or
    with ``oswsd_fallback = "error"`` gives no image (the alt text stands in)."""
    request = make_request(
        {name: node[name] for name in REQUEST_ATTRIBUTES}, settings, builder_format
    )
    if request is None:
        return None
    options = render_options(settings, offline=True)
    result = render_batch([request], options=options)[request]
    if result.cache_problem:  # an entry that went bad since it was read
        logger.warning(
            f"{request.location()}: {result.cache_problem}",
            location=tuple(node["location"]),
            type="oswsd",
            subtype="cache",
        )
    return result
