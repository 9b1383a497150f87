"""The browser of the browser tests; a test module sets its window size with
``VIEWPORT``."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from cdp import DevTools
from pages import launch

DEFAULT_VIEWPORT = {"width": 1280, "height": 800}


@pytest.fixture(scope="module")
def browser(request, tmp_path_factory) -> Iterator[DevTools]:
    """A page of a fresh headless Chromium that can reach only 127.0.0.1."""
    viewport = getattr(request.module, "VIEWPORT", DEFAULT_VIEWPORT)
    with launch(tmp_path_factory.mktemp("profile"), viewport) as page:
        yield page
