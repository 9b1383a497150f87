"""Shared fixtures."""

from __future__ import annotations

import pytest
from wsd_server import WSDServer


@pytest.fixture
def wsd_server():
    """A fresh local websequencediagrams.com stand-in (see ``wsd_server.py``)."""
    with WSDServer() as server:
        yield server
