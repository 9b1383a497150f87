"""The ``oswsd_*`` settings: their defaults, types, and one typed view of them.

Sphinx code reads settings only through :class:`Settings`, so every default
lives here and nowhere else.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path
from typing import Any

from sphinxcontrib_oswsd.render.api import (
    DEFAULT_API_URL,
    DEFAULT_STYLE,
    FORMATS,
    STYLES,
    api_key_from,
)
from sphinxcontrib_oswsd.render.batch import RenderOptions
from sphinxcontrib_oswsd.render.cache import default_cache_dir
from sphinxcontrib_oswsd.sources import (
    DEFAULT_URL_TEMPLATE,
    Resolver,
    check_url_template,
)

RENDERERS = ("api", "local")
FALLBACKS = ("local", "error")
STEPS = ("collapsed", "expanded", "none")

#: The renderer's own defaults, so they are written once.
_RENDERING = RenderOptions()

#: name -> (default, rebuild, types): what ``setup()`` registers. Settings that
#: change the drawing rebuild the pages ("env"); the rest only the output.
CONFIG_VALUES: dict[str, tuple[Any, str, tuple[type, ...]]] = {
    "renderer": ("api", "env", (str,)),
    "fallback": (_RENDERING.fallback, "env", (str,)),
    "api_url": (DEFAULT_API_URL, "env", (str,)),
    "api_key": (None, "", (str, type(None))),
    "api_key_file": (None, "", (str, Path, type(None))),
    "style": (DEFAULT_STYLE, "env", (str,)),
    "format": ("png", "env", (str,)),
    "cache_dir": (None, "", (str, Path, type(None))),
    "offline": (False, "", (bool,)),
    "timeout": (_RENDERING.timeout, "", (int, float)),
    "retries": (_RENDERING.retries, "", (int,)),
    "api_concurrency": (_RENDERING.concurrency, "", (int,)),
    "max_image_bytes": (_RENDERING.max_image_bytes, "", (int,)),
    "workflow_dirs": ([], "env", (list, tuple)),
    "source_url": (DEFAULT_URL_TEMPLATE, "env", (str,)),
    "source_versions": ({}, "env", (dict,)),
    "source_dirs": ({}, "env", (dict,)),
    "steps": ("collapsed", "env", (str,)),
    "max_width": (900, "env", (int, float, str, type(None))),
}


#: Settings limited to a few values, and the values.
CHOICES = {
    "renderer": RENDERERS,
    "fallback": FALLBACKS,
    "format": FORMATS,
    "steps": STEPS,
    "style": STYLES,
}
#: Numeric settings and the least value each may take.
MINIMA = {
    "timeout": 0.001,
    "retries": 0,
    "api_concurrency": 1,
    "max_image_bytes": 1024,
}
#: Why a key does not belong in conf.py (warned when it is there).
KEY_IN_CONF = (
    "oswsd_api_key is set in the configuration: Sphinx prints configuration "
    "values in its -v -v log, and conf.py is usually in version control; put "
    "the key in $OSWSD_API_KEY or in a file named by oswsd_api_key_file"
)


@dataclass(frozen=True)
class Settings:
    renderer: str
    fallback: str
    api_url: str
    api_key: str | None = field(repr=False)
    api_key_file: Path | None
    style: str
    format: str
    cache_dir: Path | None
    offline: bool
    timeout: float
    retries: int
    api_concurrency: int
    max_image_bytes: int
    workflow_dirs: tuple[Path, ...]
    source_url: str
    source_versions: tuple[tuple[str, str], ...]
    source_dirs: tuple[tuple[str, Path], ...]
    steps: str
    max_width: float | None  # the layout's width budget in px; None: natural

    @classmethod
    def from_config(cls, config: Any, confdir: str | Path) -> Settings:
        """Read ``oswsd_*`` from a Sphinx config; relative paths are taken
        from the directory of ``conf.py``."""
        base = Path(confdir)

        def value(name: str) -> Any:
            return getattr(config, f"oswsd_{name}")

        def path(p: str | Path) -> Path:
            return base / Path(p).expanduser()

        cache_dir, key_file = value("cache_dir"), value("api_key_file")
        return cls(
            renderer=value("renderer"),
            fallback=value("fallback"),
            api_url=value("api_url"),
            api_key=value("api_key"),
            api_key_file=path(key_file) if key_file else None,
            style=value("style"),
            format=value("format"),
            cache_dir=path(cache_dir) if cache_dir else None,
            offline=bool(value("offline")),
            timeout=float(value("timeout")),
            retries=int(value("retries")),
            api_concurrency=int(value("api_concurrency")),
            max_image_bytes=int(value("max_image_bytes")),
            workflow_dirs=tuple(path(d) for d in value("workflow_dirs")),
            source_url=value("source_url"),
            source_versions=_items(value("source_versions"), str),
            source_dirs=_items(value("source_dirs"), path),
            steps=value("steps"),
            max_width=value("max_width"),
        )

    def checked(self) -> tuple[Settings, list[str]]:
        """These settings with each invalid value replaced by its default, and
        a sentence for each: a build warns once and goes on."""
        fixes: dict[str, Any] = {}
        problems: list[str] = []

        def replace_with_default(name: str, why: str) -> None:
            default = CONFIG_VALUES[name][0]
            fixes[name] = default
            problems.append(
                f"oswsd_{name} = {getattr(self, name)!r} {why}; using {default!r}"
            )

        for name, allowed in CHOICES.items():
            if getattr(self, name) not in allowed:
                replace_with_default(name, f"is not one of {', '.join(allowed)}")
        for name, least in MINIMA.items():
            if getattr(self, name) < least:
                replace_with_default(name, f"must be at least {least:g}")
        try:
            fixes["max_width"] = width_in_px(self.max_width)
        except ValueError as error:
            replace_with_default("max_width", str(error))
        try:
            check_url_template(self.source_url)
        except ValueError as error:
            fixes["source_url"] = DEFAULT_URL_TEMPLATE
            problems.append(f"oswsd_source_url: {error}; using the default")
        missing = [d for d in self.workflow_dirs if not d.is_dir()]
        if missing:
            fixes["workflow_dirs"] = tuple(d for d in self.workflow_dirs if d.is_dir())
            problems += [
                f"oswsd_workflow_dirs: {d} is not a directory" for d in missing
            ]
        absent = [(p, d) for p, d in self.source_dirs if not d.is_dir()]
        if absent:
            fixes["source_dirs"] = tuple(i for i in self.source_dirs if i not in absent)
            problems += [
                f"oswsd_source_dirs: {d} is not a directory; {p} links to the "
                "bundled index instead"
                for p, d in absent
            ]
        return replace(self, **fixes), problems

    def resolver(self) -> Resolver:
        """The source resolver for these settings, shared by the whole build."""
        return _resolver(
            self.source_versions,
            self.source_dirs,
            self.source_url,
            self.cache_dir or default_cache_dir(),
        )


def width_in_px(value: Any) -> float | None:
    """A width budget: a number of px, ``"900px"``, or ``None``/``"none"``."""
    if value is None or str(value).strip().lower() == "none":
        return None
    text = str(value).strip().lower().removesuffix("px").strip()
    try:
        width = float(text)
    except ValueError:
        raise ValueError("is not a width in px or none") from None
    if not 1 <= width < float("inf"):
        raise ValueError("must be at least 1 px")
    return width


def settings_of(config: Any) -> Settings:
    """The checked settings of a build (see :func:`read_settings`)."""
    return config._oswsd_settings


def read_settings(config: Any, confdir: str | Path) -> list[str]:
    """Check the ``oswsd_*`` settings once, when the configuration is read,
    and keep them where every part of the build finds them.

    They are kept under a private name, which Sphinx leaves out when it
    pickles the configuration with the environment, and the API key is
    removed from the public settings: it must never be written to disk.
    The key comes from ``$OSWSD_API_KEY``, else the key file, else (with a
    warning) ``oswsd_api_key``.
    """
    settings, problems = Settings.from_config(config, confdir).checked()
    key = None
    if settings.api_key_file:
        try:
            key = settings.api_key_file.read_text(encoding="utf-8").strip() or None
        except (OSError, UnicodeDecodeError) as error:
            why = getattr(error, "strerror", None) or "not UTF-8 text"
            problems.append(
                f"oswsd_api_key_file: cannot read {settings.api_key_file}: {why}"
            )
    if settings.api_key:
        problems.append(KEY_IN_CONF)
    settings = replace(settings, api_key=api_key_from(key or settings.api_key))
    config._oswsd_settings = settings
    config.oswsd_api_key = None
    return problems


def _items(mapping: Mapping[str, Any], convert: Any) -> tuple[tuple[str, Any], ...]:
    return tuple(sorted((str(k), convert(v)) for k, v in mapping.items()))


@cache
def _resolver(
    versions: tuple[tuple[str, str], ...],
    dirs: tuple[tuple[str, Path], ...],
    template: str,
    cache_dir: Path,
) -> Resolver:
    return Resolver(dict(versions), dict(dirs), template, cache_dir)
