"""What a reader sees of wide and tall diagrams, under six themes, in a
1280x900 headless Chromium: legible text, no theme marks inside the
diagram, no sideways page scroll, the scroll cue, the sticky participants'
row, the full view by keyboard, the two-way highlight of steps and the
step anchors, light or dark as the theme is.

``tests/roots/test-reading`` (nova/boot, nova/live-migrate, nova/pause) is
built once per theme and served on 127.0.0.1.
"""

from __future__ import annotations

import base64
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from cdp import DevTools
from pages import need_chromium, open_page, serve

from sphinxcontrib_oswsd.render.theme import DARK, LIGHT

ROOT = Path(__file__).parents[1] / "roots" / "test-reading"
VIEWPORT = {"width": 1280, "height": 900}
#: html_theme values; the themes are in the ``test`` extra, so a missing one
#: fails the build rather than skipping.
THEMES = (
    "alabaster",
    "sphinx_rtd_theme",
    "openstackdocs",
    "furo",
    "pydata_sphinx_theme",
    "sphinx_book_theme",
)
LEGIBLE = 10.0


@pytest.fixture(scope="module")
def sites(tmp_path_factory) -> Iterator[dict[str, str]]:
    """Each theme's build of the test project, served: theme -> base URL."""
    need_chromium()
    out = tmp_path_factory.mktemp("reading")
    urls: dict[str, str] = {}
    with serve(out) as base:
        for theme in THEMES:
            source = out / f"src-{theme}"
            shutil.copytree(ROOT, source)
            # openstackdocstheme reads the git checkout, as in OpenStack.
            subprocess.run(["git", "init", "-q", str(source)], check=True)
            result = subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "sphinx",
                    "-q",
                    "-b",
                    "html",
                    source,
                    out / theme,
                ],
                env={**os.environ, "OSWSD_TEST_THEME": theme},
                capture_output=True,
                text=True,
            )
            assert result.returncode == 0, result.stderr
            urls[theme] = f"{base}/{theme}"
        yield urls


@pytest.fixture(params=THEMES)
def page(request, browser, sites) -> str:
    """The test page under one theme, opened at its top."""
    url = f"{sites[request.param]}/index.html"
    browser.call("Emulation.setEmulatedMedia", features=[])
    open_page(browser, "about:blank")
    open_page(browser, url)
    return url


SMALLEST_TEXT = """(() => {
  // The size each text of a diagram is drawn at, in CSS px: its font size
  // times the scale from SVG user units to the screen.
  const sizes = {};
  for (const figure of document.querySelectorAll("figure.oswsd")) {
    let least = Infinity;
    for (const text of figure.querySelectorAll("svg.oswsd text")) {
      const matrix = text.getScreenCTM();
      const scale = Math.hypot(matrix.a, matrix.b);
      least = Math.min(least, parseFloat(getComputedStyle(text).fontSize) * scale);
    }
    sizes[figure.id] = least;
  }
  return sizes;
})()"""


def test_text_is_legible_and_the_page_never_scrolls_sideways(browser, page):
    sizes = browser.evaluate(SMALLEST_TEXT)
    assert sizes["fig-boot"] >= LEGIBLE, sizes
    assert sizes["fig-live"] >= LEGIBLE, sizes
    assert min(sizes.values()) >= LEGIBLE, sizes
    width = browser.evaluate(
        "[document.scrollingElement.scrollWidth, innerWidth, "
        "document.querySelector('#fig-wide .oswsd-frame').scrollWidth]"
    )
    page_width, window, diagram = width
    assert page_width <= window, width
    assert diagram > window, "the test needs a diagram wider than the window"


MARKS = """(() => {
  const marked = [];
  const parts = document.querySelectorAll(
    "svg.oswsd a, svg.oswsd a *, svg.oswsd text");
  for (const part of parts) {
    const style = getComputedStyle(part);
    const marks = {
      decoration: style.textDecorationLine,
      border: ["Top", "Right", "Bottom", "Left"]
        .map(side => style[`border${side}Style`]).filter(s => s !== "none").join(),
      shadow: style.boxShadow,
      background: style.backgroundImage !== "none"
        || style.backgroundColor !== "rgba(0, 0, 0, 0)" ? "set" : "none",
    };
    if (marks.decoration !== "none" || marks.border || marks.shadow !== "none"
        || marks.background !== "none") {
      marked.push([part.tagName, part.textContent.slice(0, 30), marks]);
    }
  }
  const font = [...document.querySelectorAll("svg.oswsd text")]
    .map(t => getComputedStyle(t).fontFamily.split(",")[0].replace(/"/g, "").trim());
  return {count: parts.length, marked: marked.slice(0, 5), fonts: [...new Set(font)]};
})()"""


def test_no_theme_marks_inside_the_diagram(browser, page):
    # Hovering a link is where themes add most (underline, border, background).
    _hover_step(browser, "fig-boot", 1)
    found = browser.evaluate(MARKS)
    assert found["count"] > 100
    assert found["marked"] == [], found
    assert found["fonts"] == ["Helvetica"], found
    # The theme does mark its own links: the test would see it inside too.
    outside = browser.evaluate(
        """(() => { const a = document.querySelector('a[href^="https://opendev"]');
        const s = getComputedStyle(a);
        return [s.textDecorationLine, s.borderBottomStyle, s.color]; })()"""
    )
    assert outside[0] != "none" or outside[1] != "none" or outside[2], outside


def _hover_step(browser: DevTools, figure: str, number: int) -> dict:
    """Move the mouse over step ``number`` of ``figure`` (scrolled into view)."""
    point = browser.evaluate(
        f"""(() => {{
        const step = document.getElementById("{figure}-step-{number}");
        step.scrollIntoView({{block: "center", inline: "center", behavior: "instant"}});
        const box = step.getBoundingClientRect();
        return {{x: box.left + box.width / 2, y: box.top + box.height / 2}};
    }})()"""
    )
    browser.call("Input.dispatchMouseEvent", type="mouseMoved", **point)
    return point


def test_a_wide_diagram_scrolls_in_its_frame_with_a_cue_at_the_edge(browser, page):
    cue = """(async (id, left) => {
      const view = document.querySelector(`#${id} .oswsd-view`);
      const frame = view.querySelector(".oswsd-frame");
      if (left !== null) frame.scrollLeft = left;
      await new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));
      return [getComputedStyle(view, "::before").opacity,
              getComputedStyle(view, "::after").opacity].map(Number);
    })"""
    assert browser.evaluate(f"{cue}('fig-wide', 0)") == [0, 1]
    assert browser.evaluate(f"{cue}('fig-wide', 400)") == [1, 1]
    assert browser.evaluate(f"{cue}('fig-wide', 99999)") == [1, 0]
    assert browser.evaluate(f"{cue}('fig-small', null)") == [0, 0]


def test_participants_stay_in_view_over_a_tall_diagram(browser, page):
    heads = browser.evaluate(
        """(async () => {
      const frame = document.querySelector("#fig-boot .oswsd-frame");
      frame.scrollIntoView({block: "start", behavior: "instant"});
      frame.scrollTop = 1200;
      await new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));
      const top = frame.getBoundingClientRect().top;
      const copy = frame.querySelector(".oswsd-heads");
      const box = copy.getBoundingClientRect();
      const name = frame.querySelector("svg.oswsd .oswsd-head-text");
      copy.inert = false;  // inert parts are never hit: look for a moment
      const hit = document.elementFromPoint(box.left + 5, box.top + box.height / 2);
      copy.inert = true;
      return {offset: box.top - top, height: box.height, scrolled: frame.scrollTop,
              covers: copy.contains(hit), name: name && name.textContent};
    })()"""
    )
    assert heads["scrolled"] == 1200, heads
    assert abs(heads["offset"]) < 1 and 30 < heads["height"] < 90, heads
    assert heads["covers"], heads


def _key(browser: DevTools, key: str, code: str, text: str | None = None) -> None:
    codes = {"Enter": 13, "Escape": 27, "Tab": 9, "+": 187, "-": 189, "0": 48}
    common = {"key": key, "code": code, "windowsVirtualKeyCode": codes[key]}
    down = {"type": "keyDown", **common}
    if text is not None:
        down["text"] = text
    browser.call("Input.dispatchKeyEvent", **down)
    browser.call("Input.dispatchKeyEvent", type="keyUp", **common)


VIEWER = """(() => {
  const dialog = document.querySelector("dialog.oswsd-full");
  const canvas = dialog && dialog.querySelector(".oswsd-canvas");
  return {open: !!(dialog && dialog.open),
          width: canvas ? canvas.getBoundingClientRect().width : null,
          dialog: dialog ? [dialog.getBoundingClientRect().width,
                            dialog.getBoundingClientRect().height] : null,
          window: [document.documentElement.clientWidth,
                   document.documentElement.clientHeight],
          focus: document.activeElement.className,
          focusIn: !!(document.activeElement.closest("#fig-boot"))};
})()"""


def test_the_full_view_opens_zooms_and_closes_by_keyboard(browser, page):
    browser.evaluate("document.querySelector('#fig-boot .oswsd-open').focus()")
    _key(browser, "Enter", "Enter", "\r")
    opened = browser.evaluate(VIEWER)
    assert opened["open"] and opened["dialog"] >= opened["window"], opened
    assert opened["focus"] == "oswsd-full-frame", opened
    _key(browser, "+", "Equal", "+")
    bigger = browser.evaluate(VIEWER)
    assert bigger["width"] == pytest.approx(opened["width"] * 1.25, rel=0.01)
    _key(browser, "0", "Digit0", "0")
    natural = browser.evaluate(
        "[document.querySelector('dialog .oswsd-canvas').getBoundingClientRect()"
        ".width, Number(document.querySelector('dialog .oswsd-canvas')"
        ".dataset.width)]"
    )
    assert natural[0] == pytest.approx(natural[1], abs=1)
    _key(browser, "-", "Minus", "-")
    smaller = browser.evaluate(VIEWER)
    assert smaller["width"] == pytest.approx(natural[1] / 1.25, abs=1)
    _key(browser, "Escape", "Escape")
    closed = browser.evaluate(VIEWER)
    assert not closed["open"], closed
    assert closed["focus"] == "oswsd-open" and closed["focusIn"], closed
    # The drawing is back in its frame, at its page size.
    back = browser.evaluate(
        "document.querySelector('#fig-boot .oswsd-frame svg.oswsd') !== null"
    )
    assert back


def test_dragging_pans_and_the_wheel_zooms_the_full_view(browser, page):
    browser.evaluate("document.querySelector('#fig-boot .oswsd-open').click()")
    for _ in range(3):  # larger than the window both ways
        _key(browser, "+", "Equal", "+")
    before = browser.evaluate(
        "(() => { const f = document.querySelector('.oswsd-full-frame');"
        " return [f.scrollLeft, f.scrollTop]; })()"
    )
    mouse = {"button": "left", "clickCount": 1}
    browser.call("Input.dispatchMouseEvent", type="mousePressed", x=700, y=500, **mouse)
    for step in range(1, 6):
        browser.call(
            "Input.dispatchMouseEvent",
            type="mouseMoved",
            x=700 - 40 * step,
            y=500 - 30 * step,
            buttons=1,
            button="left",
        )
    browser.call(
        "Input.dispatchMouseEvent", type="mouseReleased", x=500, y=350, **mouse
    )
    after = browser.evaluate(
        "(() => { const f = document.querySelector('.oswsd-full-frame');"
        " return [f.scrollLeft, f.scrollTop, location.href]; })()"
    )
    assert after[0] - before[0] == pytest.approx(200, abs=2), (before, after)
    assert after[1] - before[1] == pytest.approx(150, abs=2), (before, after)
    assert after[2] == page  # a drag over a link never follows it
    width = browser.evaluate(VIEWER)["width"]
    browser.call(
        "Input.dispatchMouseEvent",
        type="mouseWheel",
        x=600,
        y=400,
        deltaX=0,
        deltaY=-200,
    )
    assert browser.evaluate(VIEWER)["width"] > width * 1.2
    browser.evaluate("document.querySelector('dialog.oswsd-full').close()")


LIT = """((figure, number) => {
  const step = document.getElementById(`${figure}-step-${number}`);
  const shape = step.querySelector("polygon, polyline, rect");
  const rows = document.querySelectorAll(`#${figure} + details.oswsd-steps li`);
  const row = rows[number - 1];
  return {stroke: getComputedStyle(shape).stroke,
          row: row.className, step: step.getAttribute("class")};
})"""


def _rgb(colour: str) -> str:
    red, green, blue = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgb({red}, {green}, {blue})"


def test_a_step_and_its_row_light_up_together(browser, page):
    lit = _rgb(LIGHT["linked"].stroke)
    _hover_step(browser, "fig-live", 3)
    hovered = browser.evaluate(f"{LIT}('fig-live', 3)")
    assert hovered["stroke"] == lit and "oswsd-active" in hovered["row"], hovered
    assert "oswsd-active" not in browser.evaluate(f"{LIT}('fig-live', 4)")["row"]
    # The other way round: the mouse on the row lights the step.
    point = browser.evaluate(
        """(() => { const row = document.querySelectorAll(
            '#fig-live + details.oswsd-steps li')[5];
        row.scrollIntoView({block: "center", behavior: "instant"});
        const box = row.getBoundingClientRect();
        return {x: box.left + 20, y: box.top + box.height / 2}; })()"""
    )
    browser.call("Input.dispatchMouseEvent", type="mouseMoved", **point)
    row = browser.evaluate(f"{LIT}('fig-live', 6)")
    assert row["stroke"] == lit and "oswsd-active" in row["step"], row
    assert "oswsd-active" not in browser.evaluate(f"{LIT}('fig-live', 3)")["row"]


def test_tab_follows_the_steps_and_focus_lights_them(browser, page):
    browser.evaluate("document.querySelector('#fig-live .oswsd-frame').focus()")
    numbers = []
    for _ in range(6):
        _key(browser, "Tab", "Tab")
        numbers.append(
            browser.evaluate(
                """(() => { const step = document.activeElement
                    .querySelector(':scope > .oswsd-step');
                return step ? Number(step.id.split('-step-')[1]) : null; })()"""
            )
        )
    assert None not in numbers and numbers == sorted(numbers), numbers
    focused = browser.evaluate(f"{LIT}('fig-live', {numbers[-1]})")
    assert focused["stroke"] == _rgb(LIGHT["linked"].stroke), focused
    assert "oswsd-active" in focused["row"], focused


def test_a_step_url_scrolls_to_it_and_lights_it_in_both_places(browser, sites):
    for theme in ("alabaster", "furo"):
        browser.call("Emulation.setEmulatedMedia", features=[])
        open_page(browser, "about:blank")
        open_page(browser, f"{sites[theme]}/index.html#fig-boot-step-40")
        seen = browser.evaluate(
            """(() => {
          const step = document.getElementById("fig-boot-step-40");
          const frame = step.closest(".oswsd-frame").getBoundingClientRect();
          const box = step.getBoundingClientRect();
          const [x, y] = [box.left + box.width / 2, box.top + box.height / 2];
          const row = document.querySelectorAll(
              "#fig-boot + details.oswsd-steps li")[39];
          return {target: step.matches(":target"),
                  stroke: getComputedStyle(step.querySelector(
                      "polygon, polyline, rect")).stroke,
                  inFrame: x >= frame.left && x <= frame.right
                           && y >= frame.top && y <= frame.bottom,
                  inWindow: y >= 0 && y <= innerHeight,
                  row: row.className, open: row.closest("details").open};
        })()"""
        )
        assert seen["target"] and seen["inFrame"] and seen["inWindow"], (theme, seen)
        assert seen["stroke"] == _rgb(LIGHT["linked"].stroke), (theme, seen)
        assert "oswsd-target" in seen["row"] and seen["open"], (theme, seen)


#: Where furo, and pydata-sphinx-theme and sphinx-book-theme, keep the mode.
BODY = "document.body.dataset.theme"
HTML = "document.documentElement.dataset.theme"
BACKGROUND = """(() => getComputedStyle(
  document.querySelector("#fig-boot svg.oswsd .oswsd-background")).fill)()"""


@pytest.mark.parametrize(
    ("theme", "switch", "expected"),
    [
        ("alabaster", None, "light"),  # no dark mode: light on a dark OS
        ("sphinx_rtd_theme", None, "light"),
        ("openstackdocs", None, "light"),
        ("furo", f"{BODY} = 'light'", "light"),
        ("furo", f"{BODY} = 'dark'", "dark"),
        ("furo", f"{BODY} = 'auto'", "dark"),  # auto: as the system says
        ("pydata_sphinx_theme", f"{HTML} = 'light'", "light"),
        ("pydata_sphinx_theme", f"{HTML} = 'dark'", "dark"),
        ("sphinx_book_theme", f"{HTML} = 'light'", "light"),
        ("sphinx_book_theme", f"{HTML} = 'dark'", "dark"),
    ],
)
def test_dark_mode_follows_the_theme_switch(browser, sites, theme, switch, expected):
    """The operating system prefers dark throughout."""
    browser.call(
        "Emulation.setEmulatedMedia",
        features=[{"name": "prefers-color-scheme", "value": "dark"}],
    )
    open_page(browser, "about:blank")
    open_page(browser, f"{sites[theme]}/index.html")
    if switch:
        browser.evaluate(switch)
    palette = {"light": LIGHT, "dark": DARK}[expected]
    assert browser.evaluate(BACKGROUND) == _rgb(palette["background"].fill)
    browser.call("Emulation.setEmulatedMedia", features=[])


def test_screenshots_for_the_docs(browser, sites):
    """``OSWSD_READING_SCREENSHOTS=docs/_static`` saves the screenshots of
    docs/reading-diagrams.rst (taken here, so they show what is tested)."""
    target = os.environ.get("OSWSD_READING_SCREENSHOTS")
    if not target:
        pytest.skip("set OSWSD_READING_SCREENSHOTS to a directory to save them")

    def shoot(name: str, clip: dict | None = None, scale: float = 1.0) -> None:
        options: dict = {"format": "png"}
        if clip:
            options["clip"] = {**clip, "scale": scale}
        shot = browser.call("Page.captureScreenshot", **options)
        Path(target, name).write_bytes(base64.b64decode(shot["data"]))

    def frame_clip(figure: str, extra: float = 0) -> dict:
        return browser.evaluate(
            f"""(() => {{ const d = document.querySelector("#{figure} .oswsd-diagram")
            .getBoundingClientRect();
            return {{x: d.left + scrollX - 8, y: d.top + scrollY - 8,
                     width: d.width + 16,
                     height: d.height + 16 + {extra}}}; }})()"""
        )

    def window() -> dict:
        return browser.evaluate(
            "({x: scrollX, y: scrollY, width: innerWidth, height: innerHeight})"
        )

    async_frame = "new Promise(r => requestAnimationFrame(() => setTimeout(r, 300)))"
    browser.call("Emulation.setEmulatedMedia", features=[])
    open_page(browser, "about:blank")
    open_page(browser, f"{sites['sphinx_rtd_theme']}/index.html")
    # The frame, scrolled right and down: shadows at both edges, sticky names.
    browser.evaluate(
        """(() => { const f = document.querySelector("#fig-boot .oswsd-frame");
        f.closest(".oswsd-diagram").scrollIntoView({block: "start",
                                                     behavior: "instant"});
        scrollBy(0, -10); f.scrollLeft = 260; f.scrollTop = 1500; })()"""
    )
    browser.evaluate(async_frame)
    shoot("reading-frame.png", frame_clip("fig-boot"))
    # A step lit with its row: the mouse on the row, both in view.
    browser.call(
        "Emulation.setDeviceMetricsOverride",
        width=1280,
        height=1400,
        deviceScaleFactor=1,
        mobile=False,
    )
    point = browser.evaluate(
        """(() => { const rows = document.querySelectorAll(
            '#fig-live + details.oswsd-steps li');
        document.querySelector("#fig-live .oswsd-diagram").scrollIntoView(
            {block: "start", behavior: "instant"});
        const box = rows[1].getBoundingClientRect();
        return {x: box.left + 40, y: box.top + box.height / 2}; })()"""
    )
    browser.call("Input.dispatchMouseEvent", type="mouseMoved", **point)
    browser.evaluate(async_frame)
    shoot("reading-step-link.png", frame_clip("fig-live", 160), 0.75)
    browser.call(
        "Emulation.setDeviceMetricsOverride",
        **VIEWPORT,
        deviceScaleFactor=1,
        mobile=False,
    )
    # The full view.
    browser.evaluate("document.querySelector('#fig-boot .oswsd-open').click()")
    browser.evaluate(
        "(() => { const f = document.querySelector('.oswsd-full-frame');"
        " f.scrollTop = 600; f.scrollLeft = 150; })()"
    )
    browser.evaluate(async_frame)
    shoot("reading-full-view.png", window(), 0.6)
    browser.evaluate("document.querySelector('dialog.oswsd-full').close()")
    # Dark mode, as furo's switch says.
    open_page(browser, "about:blank")
    open_page(browser, f"{sites['furo']}/index.html")
    browser.evaluate(f"{BODY} = 'dark'")
    browser.evaluate(
        """document.querySelector("#fig-live .oswsd-diagram").scrollIntoView(
            {block: "start", behavior: "instant"})"""
    )
    browser.evaluate(async_frame)
    shoot("reading-dark.png", window(), 0.6)
