"""Source references: symbol indexes of OpenStack releases, exact lines, URLs.

Sphinx-free: the CLI and the Sphinx extension share it.
"""

from sphinxcontrib_oswsd.sources.index import SourceIndex, SourceIndexError, Symbol
from sphinxcontrib_oswsd.sources.projects import (
    bundled_indexes,
    bundled_releases,
    repository_for,
)
from sphinxcontrib_oswsd.sources.releases import (
    DEFAULT_SERIES,
    SERIES,
    UnknownSeries,
    release_versions,
)
from sphinxcontrib_oswsd.sources.resolver import (
    DEFAULT_URL_TEMPLATE,
    Resolution,
    Resolver,
    check_url_template,
)

__all__ = [
    "DEFAULT_SERIES",
    "DEFAULT_URL_TEMPLATE",
    "SERIES",
    "Resolution",
    "Resolver",
    "SourceIndex",
    "SourceIndexError",
    "Symbol",
    "UnknownSeries",
    "bundled_indexes",
    "bundled_releases",
    "check_url_template",
    "release_versions",
    "repository_for",
]
