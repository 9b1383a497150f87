"""A headless Chromium and a local web server for the browser tests.

The browser can reach only 127.0.0.1 (name resolution of everything else is
mapped away), and every request to opendev.org stops in the browser
(``Fetch``), for a test to see and fail; nothing leaves the machine. Tests
are skipped where no Chromium is installed (``apt-get install chromium``).
"""

from __future__ import annotations

import contextlib
import json
import shutil
import subprocess
import threading
import time
import urllib.request
from collections.abc import Iterator
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from cdp import DevTools, DevToolsError


def chromium() -> str | None:
    for name in ("chromium", "chromium-browser"):
        if found := shutil.which(name):
            return found
    return None


def need_chromium() -> None:
    """Skip before any slow set-up where there is no browser to use it."""
    if chromium() is None:
        pytest.skip("Chromium is not installed (apt-get install chromium)")


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@contextlib.contextmanager
def serve(directory: Path) -> Iterator[str]:
    """``directory`` on http://127.0.0.1:PORT, for as long as the block runs."""
    handler = partial(_QuietHandler, directory=str(directory))
    with ThreadingHTTPServer(("127.0.0.1", 0), handler) as server:
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        yield f"http://127.0.0.1:{server.server_address[1]}"
        server.shutdown()


@contextlib.contextmanager
def launch(profile: Path, viewport: dict[str, int]) -> Iterator[DevTools]:
    """A page of a fresh headless Chromium that can reach only 127.0.0.1."""
    need_chromium()
    process = subprocess.Popen(
        [
            str(chromium()),
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
            f"--user-data-dir={profile}",
            "--remote-debugging-address=127.0.0.1",
            "--remote-debugging-port=0",
            f"--window-size={viewport['width']},{viewport['height']}",
            "about:blank",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        port = _devtools_port(profile / "DevToolsActivePort", process)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list") as answer:
            targets = json.load(answer)
        page = next(t for t in targets if t["type"] == "page")
        devtools = DevTools(page["webSocketDebuggerUrl"])
        devtools.call("Page.enable")
        devtools.call(
            "Emulation.setDeviceMetricsOverride",
            **viewport,
            deviceScaleFactor=1,
            mobile=False,
        )
        # Every request to opendev.org stops in the browser, for the test to see.
        devtools.call("Fetch.enable", patterns=[{"urlPattern": "*://opendev.org/*"}])
        yield devtools
        devtools.close()
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _devtools_port(path: Path, process: subprocess.Popen) -> int:
    """Chromium writes its debugging port there once it listens."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"Chromium exited with status {process.returncode}")
        if path.exists() and (lines := path.read_text().split()):
            return int(lines[0])
        time.sleep(0.1)
    pytest.fail("Chromium did not open its debugging port within 60 s")


def open_page(browser: DevTools, url: str) -> None:
    """Go to ``url`` and wait until it has loaded (a load event alone may be
    a late one of the page before, such as an error page of a blocked link)."""
    navigation = browser.call("Page.navigate", url=url)
    if "loaderId" not in navigation:  # only the fragment changed
        return
    deadline = time.monotonic() + browser.timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(DevToolsError):
            browser.wait_for("Page.loadEventFired", timeout=1)
        state = browser.evaluate("[location.href, document.readyState]")
        if state == [url, "complete"]:
            return
    raise DevToolsError(f"{url} did not load")
