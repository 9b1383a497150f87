"""``oswsd render``, ``render-all`` and ``cache`` against the local server."""

from __future__ import annotations

import io
import os
import time
from pathlib import Path

import pytest

from sphinxcontrib_oswsd.cli import main
from sphinxcontrib_oswsd.library import Library
from sphinxcontrib_oswsd.render.fonts import font_for

FIXTURES = Path(__file__).parent / "fixtures" / "workflows"
SECRET = "sekrit-KEY-0123456789"


@pytest.fixture
def run(wsd_server, tmp_path, monkeypatch, capsys):
    """``oswsd`` with the server's URL and a private cache; returns
    ``(exit status, stdout, stderr)``."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("OSWSD_API_KEY", raising=False)

    def run(*argv: str, api: bool = True) -> tuple[int, str, str]:
        common = ["--cache-dir", str(tmp_path / "cache")]
        if api:
            common += ["--api-url", wsd_server.url, "--timeout", "2", "--retries", "0"]
        try:
            status = main([*argv, *common])
        except SystemExit as exit:  # argparse found bad usage
            status = exit.code
        out, err = capsys.readouterr()
        return status, out, err

    return run


def test_render_a_workflow(run, wsd_server, tmp_path):
    status, out, err = run("render", "nova/pause", "-o", "img/pause.png")
    assert (status, out, err) == (0, "img/pause.png\n", "")
    assert (tmp_path / "img/pause.png").read_bytes().startswith(b"\x89PNG")
    assert wsd_server.renders()[0].fields["style"] == "modern-blue"


def test_render_a_file_next_to_the_working_directory(run, tmp_path):
    (tmp_path / "mine.wsd").write_text("title Mine\na->b: hi\n", encoding="utf-8")
    status, out, _ = run("render", "mine.wsd", "--style", "rose")
    assert (status, out) == (0, "mine.png\n")
    assert (tmp_path / "mine.png").read_bytes().startswith(b"\x89PNG")


def test_render_into_a_directory(run, tmp_path):
    (tmp_path / "d").mkdir()
    for output in ("d", "d/", "new/"):
        status, out, _ = run(
            "render", "nova/pause", "--renderer", "local", "-o", output
        )
        written = Path(output) / "pause.svg"
        assert (status, out) == (0, f"{written}\n")
        assert (tmp_path / written).read_bytes().startswith(b"<svg")
    assert not list(tmp_path.glob("*.svg"))


def test_service_diagnostics_are_warnings_at_file_lines(run, tmp_path):
    bad = "title Bad\n# a comment\na->b: hi\nnot a statement\n"
    (tmp_path / "bad.wsd").write_text(bad, encoding="utf-8")
    status, out, err = run("render", "bad.wsd")
    assert status == 0 and out == "bad.png\n"
    assert err.startswith("bad.wsd:4: warning: websequencediagrams: ")


def test_a_failed_api_render_falls_back_to_svg(run, wsd_server, tmp_path):
    """Issue 13.13: say what was written; x.png was asked for, so exit 1."""
    wsd_server.inject("503")
    status, out, err = run("render", "nova/pause", "-o", "x.png")
    assert (status, out) == (1, "x.svg\n")
    assert err == (
        "nova/pause.wsd: 503 Service Unavailable; drawn by the local renderer "
        "as x.svg instead of x.png\n"
    )
    assert (tmp_path / "x.svg").read_bytes().startswith(b"<svg")
    assert not (tmp_path / "x.png").exists()


def test_a_fallback_never_overwrites_a_file_not_asked_for(run, wsd_server, tmp_path):
    """Issue 13.13: x.svg was there before and nobody named it."""
    (tmp_path / "x.svg").write_text("mine")
    wsd_server.inject("503")
    status, out, err = run("render", "nova/pause", "-o", "x.png")
    assert (status, out) == (1, "")
    assert err == (
        "nova/pause.wsd: 503 Service Unavailable; the local drawing was not "
        "written: x.svg exists and is not the file asked for (x.png)\n"
    )
    assert (tmp_path / "x.svg").read_text() == "mine"
    assert not (tmp_path / "x.png").exists()


def test_the_file_named_sets_the_format(run, wsd_server, monkeypatch, tmp_path):
    monkeypatch.setenv("OSWSD_API_KEY", SECRET)
    status, out, _ = run("render", "nova/pause", "-o", "x.svg")
    assert (status, out) == (0, "x.svg\n")
    assert wsd_server.renders()[0].fields["format"] == "svg"
    status, out, _ = run("render", "nova/pause", "-o", "y.svg", "--renderer", "local")
    assert (status, out) == (0, "y.svg\n")


def test_a_fallback_of_the_format_asked_for_is_written_and_exits_0(run, tmp_path):
    (tmp_path / "x.svg").write_text("old")
    status, out, err = run("render", "nova/pause", "-o", "x.svg")  # no key: 402
    assert (status, out) == (0, "x.svg\n")
    assert err == (
        "nova/pause.wsd: 402: API key required for svg; drawn by the local "
        "renderer as x.svg\n"
    )
    assert (tmp_path / "x.svg").read_bytes().startswith(b"<svg")


def test_pdf_falls_back_to_pdf(run, tmp_path):
    status, out, err = run("render", "nova/pause", "--format", "pdf")
    assert (status, out) == (0, "pause.pdf\n")
    assert err.endswith(
        ": 402: API key required for pdf; drawn by the local renderer as pause.pdf\n"
    )
    assert (tmp_path / "pause.pdf").read_bytes().startswith(b"%PDF-")


def test_a_fallback_that_fails_too_says_both_why(run, tmp_path):
    (tmp_path / "bad.wsd").write_text("title Bad\nnot a statement\n")
    status, out, err = run("render", "bad.wsd", "--offline")
    assert (status, out) == (1, "")
    assert err == (
        "bad.wsd: not in the cache, and offline; the local renderer could not draw "
        "it either: bad.wsd:2: Syntax error.\n"
    )
    assert [p.name for p in tmp_path.glob("bad.*")] == ["bad.wsd"]


def test_without_fallback_a_failure_exits_1(run, wsd_server, tmp_path):
    wsd_server.inject("html")
    status, out, err = run("render", "nova/pause", "--fallback", "error")
    assert (status, out) == (1, "")
    assert err.endswith("nova/pause.wsd: answered HTML instead of JSON (Maintenance)\n")
    assert not list(tmp_path.glob("pause.*"))


def test_the_key_comes_from_the_environment_only(run, wsd_server, monkeypatch):
    monkeypatch.setenv("OSWSD_API_KEY", SECRET)
    status, out, err = run("render", "nova/pause", "--format", "svg")
    assert (status, out) == (0, "pause.svg\n")
    assert wsd_server.renders()[0].fields["apikey"] == SECRET
    wsd_server.api_keys = {"another"}
    status, out, err = run("render", "nova/unpause", "--format", "svg")
    assert "the API key is not valid for svg" in err and SECRET not in out + err


def test_local_rendering_needs_no_server(run, wsd_server, tmp_path):
    status, out, _ = run("render", "nova/pause", "--renderer", "local", api=False)
    assert (status, out) == (0, "pause.svg\n")
    assert wsd_server.requests == []


def test_a_style_the_local_renderer_cannot_draw_is_noted_once(run, tmp_path):
    status, out, err = run(
        "render", "nova/pause", "--renderer", "local", "--style", "napkin", api=False
    )
    assert (status, out) == (0, "pause.svg\n")
    assert err == (
        "oswsd: note: the local renderer cannot draw the napkin style;"
        " drawn in modern-blue instead\n"
    )
    status, _, err = run(
        "render", "nova/pause", "--renderer", "local", "--style", "rose", api=False
    )
    assert status == 0 and err == ""
    assert "oswsd-style-rose" in (tmp_path / "pause.svg").read_text(encoding="utf-8")


def test_max_width_narrows_a_local_drawing(run, tmp_path):
    def width(*argv: str) -> float:
        status, out, _ = run("render", "nova/boot", "--renderer", "local", *argv)
        assert status == 0
        svg = (tmp_path / out.strip()).read_text(encoding="utf-8")
        return float(svg.split(' width="', 1)[1].split('"', 1)[0])

    natural, budgeted = width(), width("--max-width", "1500")
    assert budgeted <= 1500 < natural
    assert run("render", "nova/boot", "--max-width", "0")[0] == 2


@pytest.mark.parametrize(
    "argv",
    [
        ("render", "nova/pause", "--timeout", "0"),
        ("render", "nova/pause", "--timeout", "-1"),
        ("render", "nova/pause", "--timeout", "nan"),
        ("render", "nova/pause", "--retries", "-5"),
        ("render", "nova/pause", "--retries", "1.5"),
        ("render-all", "--concurrency", "0"),
        ("cache", "prune", "--days", "-1"),
        ("render", "nova/pause", "--api-url", "notaurl"),
        ("render", "nova/pause", "--api-url", "ftp://example.org"),
        ("render", "nova/pause", "--api-url", "http://"),
        ("render", "nova/pause", "--api-url", "http://example.org:99999"),
    ],
)
def test_bad_numbers_and_urls_are_bad_usage(run, wsd_server, tmp_path, argv):
    status, out, err = run(*argv, api=False)
    assert (status, out) == (2, "")
    assert err.startswith(f"oswsd {argv[0]}: error: argument {argv[-2]}: ")
    assert len(err.splitlines()) == 1
    assert wsd_server.requests == [] and not list(tmp_path.iterdir())


@pytest.mark.parametrize(
    "argv",
    [("cache", "info"), ("cache", "clear"), ("render", "nova/pause"), ("render-all",)],
)
def test_a_cache_dir_that_is_a_file_is_bad_usage(run, tmp_path, argv):
    (tmp_path / "cache").write_text("not a cache")
    status, out, err = run(*argv, api=False)
    assert (status, out) == (2, "")
    assert err.endswith(
        f"argument --cache-dir: {tmp_path / 'cache'}: not a directory\n"
    )
    assert len(err.splitlines()) == 1
    assert [p.name for p in tmp_path.iterdir()] == ["cache"]


def test_local_png_is_bad_usage(run):
    status, _, err = run(
        "render", "nova/pause", "--renderer", "local", "--format", "png"
    )
    assert status == 2
    assert err == "oswsd: the local renderer draws svg or pdf, not png\n"


def test_an_unknown_workflow_is_bad_usage(run):
    status, _, err = run("render", "nova/pauze")
    assert status == 2 and "unknown workflow 'nova/pauze'" in err


def test_render_all_cold_then_warm(run, wsd_server, tmp_path):
    names = [w.name for w in Library([FIXTURES]).workflows() if not w.removed]
    argv = ("render-all", "-o", "out", "--workflow-dir", str(FIXTURES))
    status, out, err = run(*argv)
    assert status == 0
    assert sorted(out.split()) == sorted(f"out/{name}.png" for name in names)
    for name in names:
        assert (tmp_path / "out" / f"{name}.png").read_bytes().startswith(b"\x89PNG")
    assert "demo/broken.wsd:4: warning: websequencediagrams: " in err
    assert err.splitlines()[-1].startswith(
        f"{len(names)} of {len(names)} diagrams written to out in "
    )
    assert err.splitlines()[-1].endswith(f": {len(names)} rendered by the API")
    assert len(wsd_server.renders()) == len(names)

    wsd_server.clear_log()
    status, _, err = run(*argv)
    assert status == 0 and wsd_server.requests == []
    assert err.splitlines()[-1].endswith(f": {len(names)} from the cache")


def test_render_all_offline_without_fallback_fails(run, wsd_server):
    """Issue 13.13: a cause shared by every diagram is said once, counted."""
    status, out, err = run("render-all", "--offline", "--fallback", "error")
    count = len([w for w in Library().workflows() if not w.removed])
    assert status == 1 and out == ""
    lines = err.splitlines()
    assert lines[-1].endswith(f": {count} failed")
    assert lines[:-1] == [
        f"{lines[0].split(':')[0]}: not in the cache, and offline "
        f"(and {count - 1} more diagrams)"
    ]
    assert lines[0].split(":")[0].endswith(".wsd")  # nova/pause.wsd-like
    assert "site-packages" not in err and "/workflows/" not in err
    assert wsd_server.requests == []


def test_render_all_reports_each_cause_once(run, wsd_server, tmp_path):
    wsd_server.inject("503", 3)  # the second failure in a row is tried again
    argv = ("render-all", "-o", "out", "--workflow-dir", str(FIXTURES))
    names = [w.name for w in Library([FIXTURES]).workflows() if not w.removed]
    status, out, err = run(*argv, "--concurrency", "1")
    assert status == 0 and len(out.split()) == len(names)
    fallbacks = [line for line in err.splitlines() if "drawn by the local" in line]
    assert fallbacks == [
        f"{fallbacks[0].split(':')[0]}: 503 Service Unavailable; drawn by the "
        "local renderer instead (and 1 more diagrams)"
    ]


def test_render_all_shows_progress_on_a_terminal(run, monkeypatch):
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    terminal = Terminal()
    monkeypatch.setattr("sys.stderr", terminal)
    status, _, _ = run("render-all", "--renderer", "local", api=False)
    assert status == 0
    count = len([w for w in Library().workflows() if not w.removed])
    assert f"] {count}/{count} " in terminal.getvalue()
    assert "[#" in terminal.getvalue()


def test_cache_info_prune_clear(run, tmp_path):
    run("render", "nova/pause")
    run("render", "nova/unpause")
    status, out, _ = run("cache", "info", api=False)
    assert status == 0
    assert f"directory: {tmp_path / 'cache'}\n" in out
    assert "entries:   2 (" in out
    (entry, _) = sorted((tmp_path / "cache").iterdir())
    old = time.time() - 10 * 86400
    os.utime(entry, (old, old))
    _, out, _ = run("cache", "prune", "--days", "7", api=False)
    assert out.endswith("removed 1 entries unused for 7 days\n")
    _, out, _ = run("cache", "clear", api=False)
    assert out.endswith("removed 1 entries\n")
    assert list((tmp_path / "cache").iterdir()) == []


def test_local_pdf_has_a_page_per_newpage_and_names_characters_no_font_has(
    run, tmp_path
):
    linear_a = "\U00010600"
    if font_for(linear_a) is not None:
        pytest.skip("an installed font has Linear A")
    (tmp_path / "two.wsd").write_text(
        f"A->B: one\nnewpage Second\nB->A: two {linear_a}\n", encoding="utf-8"
    )
    status, out, err = run(
        "render", "two.wsd", "--renderer", "local", "--format", "pdf", api=False
    )
    assert (status, out) == (0, "two.pdf\n")
    assert err == (
        "two.wsd:3: warning: no installed font can draw"
        f" {linear_a!r} (U+10600): left out of the PDF\n"
    )
    pdf = (tmp_path / "two.pdf").read_bytes()
    assert b"/Type /Pages /Kids [" in pdf and b"/Count 2 >>" in pdf


def test_cache_info_tells_interrupted_writes_from_running_ones(run, tmp_path):
    """Issue 13.10: 'prune removes them' is true at once."""
    run("render", "nova/pause")
    cache = tmp_path / "cache"
    (cache / f".partial-{os.getpid()}-run").write_bytes(b"half")
    (cache / ".partial-999999999-gone").write_bytes(b"half")  # no such process
    _, out, _ = run("cache", "info", api=False)
    assert "partial:   1 interrupted writes ('prune' removes them)\n" in out
    assert "writing:   1 entries by running processes\n" in out
    run("cache", "prune", api=False)
    _, out, _ = run("cache", "info", api=False)
    assert "partial:" not in out and "writing:   1" in out
    assert (cache / f".partial-{os.getpid()}-run").exists()
