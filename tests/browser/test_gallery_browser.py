"""The gallery as a reader sees it: the docs are built, served on 127.0.0.1
and opened in a headless Chromium, which must show the diagram, name each
step's function in its tooltip, and follow a click to the source on opendev.

The click's request is intercepted and failed in the browser (``Fetch``), so
nothing ever leaves the machine; name resolution is also mapped away from
everything but 127.0.0.1. The test is skipped where no Chromium is installed
(``apt-get install chromium``).

``OSWSD_GALLERY_SCREENSHOT=docs/_static/gallery-screenshot.png`` also saves
the screenshot the documentation shows.
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from cdp import DevTools, ink_ratio
from pages import need_chromium, open_page, serve

from sphinxcontrib_oswsd.sources import Resolver
from sphinxcontrib_oswsd.wsd.model import SourceRef

DOCS = Path(__file__).parents[2] / "docs"
PAGE = "gallery/nova.html"
SECTION = "nova-pause"
VIEWPORT = {"width": 1280, "height": 800}


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Iterator[str]:
    """The documentation, built now and served on 127.0.0.1."""
    need_chromium()
    out = tmp_path_factory.mktemp("site")
    subprocess.run(
        [sys.executable, "-m", "sphinx", "-q", "-b", "html", str(DOCS), str(out)],
        check=True,
    )
    with serve(out) as url:
        yield url


def _diagram_box(browser: DevTools) -> dict[str, float]:
    """Where the pause diagram is on the page, and whether it is shown."""
    return browser.evaluate(
        f"""(() => {{
        const svg = document.querySelector("#{SECTION} svg.oswsd");
        const box = svg.getBoundingClientRect();
        const style = getComputedStyle(svg);
        return {{x: box.left + scrollX, y: box.top + scrollY,
                 width: box.width, height: box.height,
                 shown: style.display !== "none" && style.visibility === "visible"
                        && svg.checkVisibility()}};
    }})()"""
    )


def _step_target(browser: DevTools, tooltip: str) -> dict[str, object]:
    """The link whose tooltip is ``tooltip``: its href, what the mouse finds
    at the point chosen to click it, and that point (in the viewport)."""
    return browser.evaluate(
        f"""(() => {{
        const tooltip = {json.dumps(tooltip)};
        const links = [...document.querySelectorAll("#{SECTION} svg a")];
        const link = links.find(a => a.querySelector(":scope > title")
                                      ?.textContent === tooltip);
        if (!link) return null;
        link.scrollIntoView({{block: "center"}});
        for (const part of link.querySelectorAll("rect, path, polygon, text")) {{
            const box = part.getBoundingClientRect();
            const x = box.left + box.width / 2, y = box.top + box.height / 2;
            const hit = document.elementFromPoint(x, y)?.closest("a");
            if (hit === link) {{
                return {{href: link.getAttribute("href"), x, y,
                         kind: link.querySelector("g").getAttribute("class"),
                         hovered: hit.querySelector(":scope > title").textContent}};
            }}
        }}
        return {{href: link.getAttribute("href"), x: null}};
    }})()"""
    )


def _click(browser: DevTools, x: float, y: float) -> None:
    browser.call("Input.dispatchMouseEvent", type="mouseMoved", x=x, y=y)
    for kind in ("mousePressed", "mouseReleased"):
        browser.call(
            "Input.dispatchMouseEvent",
            type=kind,
            x=x,
            y=y,
            button="left",
            clickCount=1,
        )


def test_the_gallery_diagram_is_visible(browser, site):
    open_page(browser, f"{site}/{PAGE}#{SECTION}")
    box = _diagram_box(browser)
    assert box["shown"], box
    assert box["width"] > 300 and box["height"] > 300, box
    shot = browser.call(
        "Page.captureScreenshot",
        format="png",
        clip={**{k: box[k] for k in ("x", "y", "width", "height")}, "scale": 0.5},
        captureBeyondViewport=True,
    )
    # Boxes, lines and text cover part of the drawing, never none or all of it.
    assert 0.03 < ink_ratio(base64.b64decode(shot["data"])) < 0.8

    if target := os.environ.get("OSWSD_GALLERY_SCREENSHOT"):
        open_page(browser, f"{site}/{PAGE}#{SECTION}")
        page = browser.call("Page.captureScreenshot", format="png")
        Path(target).write_bytes(base64.b64decode(page["data"]))


@pytest.mark.parametrize(
    ("path", "qualname", "kind"),
    [
        ("nova/compute/api.py", "API.pause", "message"),
        ("nova/compute/api.py", "check_instance_lock", "note"),
    ],
)
def test_a_step_names_its_function_and_a_click_opens_it_on_opendev(
    browser, site, path, qualname, kind
):
    expected = Resolver().link(SourceRef(path, qualname, 0))
    assert expected and expected.startswith("https://opendev.org/openstack/nova/")
    open_page(browser, f"{site}/{PAGE}#{SECTION}")
    target = _step_target(browser, f"{path} · {qualname}")
    assert target is not None, "no step of the diagram has this tooltip"
    assert target["href"] == expected
    # The mouse, at that point, is over this very link: its tooltip shows.
    assert target["x"] is not None, "the link cannot be reached by the mouse"
    assert f"oswsd-{kind}" in str(target["kind"])
    assert target["hovered"] == f"{path} · {qualname}"

    _click(browser, target["x"], target["y"])
    paused = browser.wait_for("Fetch.requestPaused")
    browser.call(
        "Fetch.failRequest",
        requestId=paused["requestId"],
        errorReason="BlockedByClient",
    )
    request = paused["request"]
    assert request["url"] + request.get("urlFragment", "") == expected
    assert paused["resourceType"] == "Document"  # a navigation, not a fetch
