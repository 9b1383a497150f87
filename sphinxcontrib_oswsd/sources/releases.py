"""The OpenStack series we know: which release of each project a series runs.

One table, so links, indexes and drift all agree on what "2025.1" means. Each
entry is the latest point release of that series' stable branch on PyPI when
the table was last updated (docs/source-references.rst says how the
oslo.messaging release of each series was chosen). The bundled indexes hold
exactly these releases; ``tools/build_indexes.py`` builds them from it.
"""

from __future__ import annotations

#: series -> repository -> version, oldest series first.
SERIES: dict[str, dict[str, str]] = {
    "2024.1": {
        "nova": "29.4.0",
        "cinder": "24.5.0",
        "neutron": "24.2.2",
        "glance": "28.2.0",
        "keystone": "25.0.0",
        "oslo.messaging": "14.7.3",
    },
    "2024.2": {
        "nova": "30.3.0",
        "cinder": "25.3.1",
        "neutron": "25.2.3",
        "glance": "29.2.1",
        "keystone": "26.1.1",
        "oslo.messaging": "14.9.3",
    },
    "2025.1": {
        "nova": "31.3.1",
        "cinder": "26.3.0",
        "neutron": "26.0.6",
        "glance": "30.2.0",
        "keystone": "27.1.0",
        "oslo.messaging": "16.1.2",
    },
    "2025.2": {
        "nova": "32.2.1",
        "cinder": "27.0.0",
        "neutron": "27.0.4",
        "glance": "31.1.0",
        "keystone": "28.1.0",
        "oslo.messaging": "17.1.1",
    },
    "2026.1": {
        "nova": "33.0.2",
        "cinder": "28.0.0",
        "neutron": "28.0.2",
        "glance": "32.0.0",
        "keystone": "29.1.0",
        "oslo.messaging": "17.3.2",
    },
    "2026.2": {
        "nova": "34.0.0",
        "cinder": "29.0.0",
        "neutron": "29.0.0",
        "glance": "33.0.0",
        "keystone": "30.0.0",
        "oslo.messaging": "18.3.1",
    },
}

#: The series the bundled workflows are written for, and the default.
DEFAULT_SERIES = "2026.2"


class UnknownSeries(ValueError):
    """A series name not in :data:`SERIES`; the message names the known ones."""

    def __init__(self, series: str) -> None:
        super().__init__(
            f"unknown OpenStack series {series!r}; known: {', '.join(SERIES)}"
        )
        self.series = series


def release_versions(series: str) -> dict[str, str]:
    """``repository -> version`` of ``series``; :class:`UnknownSeries` if unknown."""
    try:
        return dict(SERIES[series])
    except KeyError:
        raise UnknownSeries(series) from None
