"""Sphinx extension drawing OpenStack operation sequence diagrams.

``extensions = ["sphinxcontrib_oswsd"]`` adds the ``openstack-workflow``
directive and the ``oswsd_*`` settings.
"""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"


def setup(app: Any) -> dict[str, Any]:
    # Imported here so the Sphinx-free parts (parser, CLI) load without Sphinx.
    from sphinxcontrib_oswsd import extension

    return extension.setup(app)
