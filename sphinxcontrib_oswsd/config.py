"""The ``oswsd_*`` settings: their defaults, types, and one typed view of them.

Sphinx code reads settings only through :class:`Settings`, so every default
lives here and nowhere else.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from sphinxcontrib_oswsd.render.api import (
    DEFAULT_API_URL,
    DEFAULT_STYLE,
    FORMATS,
    STYLES,
)
from sphinxcontrib_oswsd.render.cache import default_cache_dir
from sphinxcontrib_oswsd.sources import DEFAULT_URL_TEMPLATE, Resolver

RENDERERS = ("api", "local")
FALLBACKS = ("local", "error")
STEPS = ("collapsed", "expanded", "none")

#: name -> (default, rebuild, types): what ``setup()`` registers. Settings that
#: change the drawing rebuild the pages ("env"); the rest only the output.
CONFIG_VALUES: dict[str, tuple[Any, str, tuple[type, ...]]] = {
    "renderer": ("api", "env", (str,)),
    "fallback": ("local", "env", (str,)),
    "api_url": (DEFAULT_API_URL, "env", (str,)),
    "api_key": (None, "", (str, type(None))),
    "style": (DEFAULT_STYLE, "env", (str,)),
    "format": ("png", "env", (str,)),
    "cache_dir": (None, "", (str, Path, type(None))),
    "offline": (False, "", (bool,)),
    "timeout": (10.0, "", (int, float)),
    "retries": (2, "", (int,)),
    "api_concurrency": (4, "", (int,)),
    "workflow_dirs": ([], "env", (list, tuple)),
    "source_url": (DEFAULT_URL_TEMPLATE, "env", (str,)),
    "source_versions": ({}, "env", (dict,)),
    "source_dirs": ({}, "env", (dict,)),
    "steps": ("collapsed", "env", (str,)),
}


@dataclass(frozen=True)
class Settings:
    renderer: str
    fallback: str
    api_url: str
    api_key: str | None
    style: str
    format: str
    cache_dir: Path | None
    offline: bool
    timeout: float
    retries: int
    api_concurrency: int
    workflow_dirs: tuple[Path, ...]
    source_url: str
    source_versions: tuple[tuple[str, str], ...]
    source_dirs: tuple[tuple[str, Path], ...]
    steps: str

    @classmethod
    def from_config(cls, config: Any, srcdir: str | Path) -> Settings:
        """Read ``oswsd_*`` from a Sphinx config; relative paths are taken
        from the documentation's source directory (where ``conf.py`` is)."""
        base = Path(srcdir)

        def value(name: str) -> Any:
            return getattr(config, f"oswsd_{name}")

        def path(p: str | Path) -> Path:
            return base / Path(p).expanduser()

        cache_dir = value("cache_dir")
        return cls(
            renderer=value("renderer"),
            fallback=value("fallback"),
            api_url=value("api_url"),
            api_key=value("api_key"),
            style=value("style"),
            format=value("format"),
            cache_dir=path(cache_dir) if cache_dir else None,
            offline=bool(value("offline")),
            timeout=float(value("timeout")),
            retries=int(value("retries")),
            api_concurrency=max(1, int(value("api_concurrency"))),
            workflow_dirs=tuple(path(d) for d in value("workflow_dirs")),
            source_url=value("source_url"),
            source_versions=_items(value("source_versions"), str),
            source_dirs=_items(value("source_dirs"), path),
            steps=value("steps"),
        )

    def problems(self) -> list[str]:
        """What is wrong with the settings, one sentence each."""
        choices = {
            "renderer": RENDERERS,
            "fallback": FALLBACKS,
            "format": FORMATS,
            "steps": STEPS,
            "style": STYLES,
        }
        found = [
            f"oswsd_{name} = {getattr(self, name)!r} is not one of {', '.join(allowed)}"
            for name, allowed in choices.items()
            if getattr(self, name) not in allowed
        ]
        try:
            self.resolver()
        except ValueError as error:
            found.append(f"oswsd_source_url: {error}")
        return found

    def resolver(self) -> Resolver:
        """The source resolver for these settings, shared by the whole build."""
        return _resolver(
            self.source_versions,
            self.source_dirs,
            self.source_url,
            self.cache_dir or default_cache_dir(),
        )


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
