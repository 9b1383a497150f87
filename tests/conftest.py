"""Shared fixtures."""

from __future__ import annotations

from pathlib import Path

import pytest
from wsd_server import WSDServer

pytest_plugins = ("sphinx.testing.fixtures",)


@pytest.fixture(scope="session")
def rootdir() -> Path:
    """Where ``@pytest.mark.sphinx(testroot=...)`` finds ``roots/test-*``."""
    return Path(__file__).parent / "roots"


@pytest.fixture
def wsd_server():
    """A fresh local websequencediagrams.com stand-in (see ``wsd_server.py``)."""
    with WSDServer() as server:
        yield server
