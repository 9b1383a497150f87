"""Source references: symbol indexes of OpenStack releases, exact lines, URLs.

Sphinx-free: the CLI and the Sphinx extension share it.
"""

from sphinxcontrib_oswsd.sources.index import SourceIndex, SourceIndexError, Symbol
from sphinxcontrib_oswsd.sources.projects import bundled_indexes, repository_for
from sphinxcontrib_oswsd.sources.resolver import (
    DEFAULT_URL_TEMPLATE,
    Resolution,
    Resolver,
    check_url_template,
)

__all__ = [
    "DEFAULT_URL_TEMPLATE",
    "Resolution",
    "Resolver",
    "SourceIndex",
    "SourceIndexError",
    "Symbol",
    "bundled_indexes",
    "check_url_template",
    "repository_for",
]
