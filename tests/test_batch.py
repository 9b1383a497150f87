"""render_batch: cache first, concurrent misses, fallback, offline, image maps."""

from __future__ import annotations

import socket
import time

import pytest

from sphinxcontrib_oswsd.render.batch import (
    RenderOptions,
    RenderRequest,
    render_batch,
)
from sphinxcontrib_oswsd.render.cache import Cache
from sphinxcontrib_oswsd.render.imagemap import image_map_areas
from sphinxcontrib_oswsd.wsd.parser import parse

SECRET = "sekrit-KEY-0123456789"
SOURCE = """\
title Pausing a server
participant client
participant nova_api
participant nova_compute
# nova/api/openstack/compute/pause_server.py PauseServerController._pause()
client->nova_api: POST /servers/{id}/action
# nova/compute/api.py API.pause()
note over nova_api: check the lock
nova_api->nova_compute: pause_instance
nova_api-->client: 202 Accepted
"""


def request(server, source: str = SOURCE, **changes) -> RenderRequest:
    fields = {"name": "demo/pause", "path": "demo/pause.wsd", "api_url": server.url}
    return RenderRequest(source=source, **{**fields, **changes})


def options(tmp_path, **changes) -> RenderOptions:
    fields = {"cache_dir": tmp_path / "cache", "timeout": 1.0, "backoff": 0.01}
    return RenderOptions(**{**fields, **changes})


def entries(tmp_path) -> list:
    return (
        sorted((tmp_path / "cache").glob("*")) if (tmp_path / "cache").exists() else []
    )


def test_cold_then_warm(wsd_server, tmp_path):
    requests = [
        request(wsd_server, f"title {n}\na->b: {n}\n", name=f"d{n}") for n in range(5)
    ]
    cold = render_batch(requests, options=options(tmp_path))
    assert list(cold) == requests
    assert all(r.ok and not r.cached and r.format == "png" for r in cold.values())
    assert all(
        r.mimetype == "image/png" and r.width and r.height for r in cold.values()
    )
    assert len(wsd_server.renders()) == 5 and len(entries(tmp_path)) == 5

    wsd_server.clear_log()
    warm = render_batch(requests, options=options(tmp_path))
    assert wsd_server.requests == []
    assert all(r.cached for r in warm.values())
    assert [r.data for r in warm.values()] == [r.data for r in cold.values()]


def comment_edited(source: str) -> str:
    """``source`` with comment lines added on top and in the middle."""
    ref = "# nova/compute/api.py API.pause()"
    return "# A summary added on top.\n#\n" + source.replace(ref, ref + "\n# more")


def test_comment_edits_hit_the_cache_and_boxes_follow(wsd_server, tmp_path):
    render_batch([request(wsd_server)], options=options(tmp_path))
    wsd_server.clear_log()
    edited = comment_edited(SOURCE)
    (again,) = render_batch(
        [request(wsd_server, edited)], options=options(tmp_path)
    ).values()
    assert wsd_server.requests == [] and again.cached
    lines = edited.split("\n")
    assert [lines[box.line - 1] for box in again.boxes] == [
        "participant client",
        "participant nova_api",
        "participant nova_compute",
        "client->nova_api: POST /servers/{id}/action",
        "note over nova_api: check the lock",
        "nova_api->nova_compute: pause_instance",
        "nova_api-->client: 202 Accepted",
    ]


def test_comment_edits_hit_the_cache_and_errors_follow(wsd_server, tmp_path):
    bad = SOURCE + "this is not a statement\n"
    (first,) = render_batch(
        [request(wsd_server, bad)], options=options(tmp_path)
    ).values()
    assert first.ok and first.errors[0][0] == 11
    wsd_server.clear_log()
    edited = comment_edited(bad)
    (again,) = render_batch(
        [request(wsd_server, edited)], options=options(tmp_path)
    ).values()
    assert wsd_server.requests == [] and again.cached
    assert again.errors == ((14, first.errors[0][1]),)
    assert edited.split("\n")[13] == "this is not a statement"


@pytest.mark.parametrize(
    "change",
    [
        {"source": SOURCE.replace("202 Accepted", "202")},
        {"style": "rose"},
    ],
)
def test_real_changes_miss_the_cache(wsd_server, tmp_path, change):
    render_batch([request(wsd_server)], options=options(tmp_path))
    wsd_server.clear_log()
    (result,) = render_batch(
        [request(wsd_server, **change)], options=options(tmp_path)
    ).values()
    assert not result.cached and len(wsd_server.renders()) == 1


def test_another_key_misses_the_cache(wsd_server, tmp_path):
    render_batch([request(wsd_server)], options=options(tmp_path))
    wsd_server.clear_log()
    render_batch([request(wsd_server)], options=options(tmp_path, api_key=SECRET))
    assert len(wsd_server.renders()) == 1


def test_equal_diagrams_are_rendered_once(wsd_server, tmp_path):
    twins = [
        request(wsd_server, name="a"),
        request(wsd_server, "# c\n" + SOURCE, name="b"),
    ]
    results = render_batch(twins, options=options(tmp_path))
    assert len(wsd_server.renders()) == 1
    assert len({r.data for r in results.values()}) == 1
    assert [r.ok for r in results.values()] == [True, True]


def test_misses_are_rendered_concurrently(wsd_server, tmp_path):
    wsd_server.latency = 0.15  # each render is a POST and a GET: 0.3 s
    requests = [request(wsd_server, f"a->b: {n}\n", name=str(n)) for n in range(4)]
    start = time.monotonic()
    results = render_batch(requests, options=options(tmp_path, concurrency=4))
    elapsed = time.monotonic() - start
    assert all(r.ok for r in results.values())
    assert elapsed < 0.9, elapsed  # serial would take 1.2 s


FAULT_MESSAGES = [
    ("reset", "connection reset after 3 attempts"),
    ("500", "500 Internal Server Error after 3 attempts"),
    ("503", "503 Service Unavailable after 3 attempts"),
    ("429", "429 Too Many Requests after 3 attempts"),
    ("402", "402: API key required for png"),
    ("html", "answered HTML instead of JSON (Maintenance)"),
    ("truncated", "answered truncated JSON"),
    ("img404", "image request answered 404 Not Found"),
    ("notimage", "image is not a PNG"),
    ("delay", "timed out after 0.2 s"),
]


def deadline(fault: str) -> float:
    """Short for the delay fault; ample for the others on a busy machine."""
    return 0.2 if fault == "delay" else 5.0


@pytest.mark.parametrize("fault, message", FAULT_MESSAGES)
def test_a_fault_falls_back_to_local_svg(wsd_server, tmp_path, fault, message):
    wsd_server.inject(fault, 6, seconds=0.6, retry_after="0")  # 429: tried twice
    (result,) = render_batch(
        [request(wsd_server)], options=options(tmp_path, timeout=deadline(fault))
    ).values()
    assert result.ok and result.fell_back and not result.cached
    assert result.fallback_reason == f"demo/pause.wsd: {message}"
    assert result.format == "svg" and result.data.startswith(b"<svg")
    assert result.mimetype == "image/svg+xml"
    assert entries(tmp_path) == []


@pytest.mark.parametrize("fault, message", FAULT_MESSAGES)
def test_a_fault_is_an_error_without_fallback(wsd_server, tmp_path, fault, message):
    wsd_server.inject(fault, 6, seconds=0.6, retry_after="0")
    (result,) = render_batch(
        [request(wsd_server)],
        options=options(tmp_path, timeout=deadline(fault), fallback="error"),
    ).values()
    assert result.error == f"demo/pause.wsd: {message}"
    assert not result.ok and result.data == b"" and not result.fell_back
    assert entries(tmp_path) == []


def test_pdf_falls_back_to_local_pdf(wsd_server, tmp_path):
    (result,) = render_batch(
        [request(wsd_server, format="pdf")], options=options(tmp_path)
    ).values()
    assert result.fallback_reason == "demo/pause.wsd: 402: API key required for pdf"
    assert result.format == "pdf" and result.data.startswith(b"%PDF-")


def test_svg_with_a_key_comes_from_the_api(wsd_server, tmp_path):
    (result,) = render_batch(
        [request(wsd_server, format="svg")], options=options(tmp_path, api_key=SECRET)
    ).values()
    assert not result.fell_back and result.format == "svg"
    assert wsd_server.renders()[0].fields["apikey"] == SECRET


def test_a_fallback_that_cannot_parse_is_an_error(wsd_server, tmp_path):
    wsd_server.inject("503", 3)
    bad = "a->b: fine\n# comment\nthis is not a statement\n"
    (result,) = render_batch(
        [request(wsd_server, bad, line_offset=10)], options=options(tmp_path)
    ).values()
    assert result.fell_back and not result.ok
    assert result.error.startswith("demo/pause.wsd:13: ")


def test_offline_serves_the_cache_and_never_connects(wsd_server, tmp_path):
    render_batch([request(wsd_server)], options=options(tmp_path))
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{sock.getsockname()[1]}"
    # The same diagram at a dead URL would miss; at the live one it hits.
    cached, missing = render_batch(
        [request(wsd_server), request(wsd_server, api_url=closed)],
        options=options(tmp_path, offline=True),
    ).values()
    assert cached.cached and not cached.fell_back
    assert missing.fell_back and missing.format == "svg"
    assert missing.fallback_reason == "demo/pause.wsd: not in the cache, and offline"
    assert len(wsd_server.renders()) == 1  # the first, online batch only


def test_offline_without_fallback_is_an_error(wsd_server, tmp_path):
    (result,) = render_batch(
        [request(wsd_server)], options=options(tmp_path, offline=True, fallback="error")
    ).values()
    assert result.error == "demo/pause.wsd: not in the cache, and offline"
    assert wsd_server.requests == []


def test_a_corrupt_entry_is_rendered_again_and_replaced(wsd_server, tmp_path):
    render_batch([request(wsd_server)], options=options(tmp_path))
    (entry,) = entries(tmp_path)
    entry.write_bytes(entry.read_bytes()[:-100])
    wsd_server.clear_log()
    (result,) = render_batch([request(wsd_server)], options=options(tmp_path)).values()
    assert result.ok and not result.cached and len(wsd_server.renders()) == 1
    assert len(entries(tmp_path)) == 1 and Cache(tmp_path / "cache").info().entries == 1
    wsd_server.clear_log()
    render_batch([request(wsd_server)], options=options(tmp_path))
    assert wsd_server.requests == []


def test_the_key_is_in_no_file_and_no_message(wsd_server, tmp_path):
    opts = options(tmp_path, api_key=SECRET, timeout=0.2)
    render_batch([request(wsd_server, f"a->b: {n}") for n in range(3)], options=opts)
    texts = []
    for fault, _ in FAULT_MESSAGES:
        wsd_server.inject(fault, 3, seconds=0.6, retry_after="0")
        (result,) = render_batch([request(wsd_server, fault)], options=opts).values()
        texts.append(str(result.fallback_reason))
    assert SECRET not in " ".join(texts) + repr(opts)
    assert entries(tmp_path)
    for path in entries(tmp_path):
        assert SECRET.encode() not in path.read_bytes()
        assert SECRET not in path.name


def test_local_requests_touch_neither_cache_nor_network(wsd_server, tmp_path):
    (result,) = render_batch(
        [request(wsd_server, renderer="local", format="svg")], options=options(tmp_path)
    ).values()
    assert result.ok and result.format == "svg" and result.width and result.height
    assert wsd_server.requests == [] and entries(tmp_path) == []


def test_progress_is_reported_for_each_request(wsd_server, tmp_path):
    seen = []
    requests = [request(wsd_server, f"a->b: {n}", name=str(n)) for n in range(3)]
    requests.append(request(wsd_server, renderer="local", format="svg"))
    render_batch(
        requests,
        options=options(tmp_path, progress=lambda *args: seen.append(args[:2])),
    )
    assert sorted(seen) == [(1, 4), (2, 4), (3, 4), (4, 4)]


def test_image_map_areas_link_the_steps(wsd_server, tmp_path):
    (result,) = render_batch([request(wsd_server)], options=options(tmp_path)).values()
    urls = {5: "https://example.org/pause_server", 7: "https://example.org/api"}
    areas = image_map_areas(result.boxes, parse(SOURCE), lambda ref: urls.get(ref.line))
    assert [(a.href, a.alt) for a in areas] == [
        (urls[5], "POST /servers/{id}/action"),
        (urls[7], "check the lock"),
        (urls[7], "pause_instance"),
        (urls[7], "202 Accepted"),
    ]
    assert areas[1].title == "nova/compute/api.py API.pause()"
    for area in areas:
        x1, y1, x2, y2 = area.coords
        assert 0 <= x1 < x2 <= result.width and 0 <= y1 < y2 <= result.height


def test_an_unreachable_service_is_not_tried_again_for_every_diagram(tmp_path, caplog):
    """A machine with no network fails each diagram after its retries; once
    the service is known to be unreachable, the rest fall back at once."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{sock.getsockname()[1]}"
    requests = [
        RenderRequest(name=f"demo/{n}", source=f"A->B: {n}\n", api_url=closed)
        for n in range(12)
    ]
    caplog.set_level("DEBUG", logger="sphinxcontrib_oswsd.render.api")
    results = render_batch(
        requests, options=options(tmp_path, retries=1, concurrency=2)
    )
    assert all(
        r.fell_back and "connection refused" in r.fallback_reason
        for r in results.values()
    )
    retried = [r for r in caplog.records if "retrying" in r.getMessage()]
    # Without the shortcut every one of the 12 would retry once.
    assert 1 <= len(retried) <= 2


# -- hostile replies and a struggling service (issue 13) ---------------------------

HOSTILE = [
    ("reply", '{"img":"?png=x","boxes":[{"line":1,"rect":[Infinity,0,1,1]}]}'),
    ("reply", '{"img":"?png=x","boxes":[{"line":1e400,"rect":[0,0,1,1]}]}'),
    ("reply", '{"img":"?png=x","errors":["Line ' + "1" * 5000 + ': x"]}'),
    ("image", b'<svg xmlns="http://www.w3.org/2000/svg" width="1.2.3" height="9"/>'),
    ("image", b"\x89PNG\r\n\x1a\n" + bytes(100)),
]


@pytest.mark.parametrize("fault, body", HOSTILE)
def test_a_hostile_reply_falls_back_and_caches_nothing(
    wsd_server, tmp_path, fault, body
):
    """Issue 13.1/13.2: one located reason, a local drawing, no cache entry."""
    wsd_server.inject(fault, body=body)
    fmt = "svg" if isinstance(body, bytes) and body.startswith(b"<svg") else "png"
    opts = options(tmp_path, api_key=SECRET)
    (result,) = render_batch([request(wsd_server, format=fmt)], options=opts).values()
    assert result.ok and result.fell_back and result.format == "svg"
    assert result.fallback_reason.startswith("demo/pause.wsd: ")
    assert entries(tmp_path) == []


def test_a_sanitised_svg_is_what_is_cached(wsd_server, tmp_path):
    body = (
        b'<svg xmlns="http://www.w3.org/2000/svg" width="90" height="30" '
        b'onload="alert(1)"><script>alert(2)</script><text>hi</text></svg>'
    )
    wsd_server.inject("image", body=body)
    opts = options(tmp_path, api_key=SECRET)
    (result,) = render_batch([request(wsd_server, format="svg")], options=opts).values()
    assert not result.fell_back and b"alert" not in result.data
    (entry,) = entries(tmp_path)
    assert (
        b"alert" not in entry.read_bytes() and b"<text>hi</text>" in entry.read_bytes()
    )


def test_a_poisoned_entry_is_removed_reported_and_rendered_again(wsd_server, tmp_path):
    """Issue 13.2: an entry that fails to load (here one an older version
    cached unvalidated) is a miss with a note, never a crash."""
    from sphinxcontrib_oswsd.render.api import APIImage
    from sphinxcontrib_oswsd.render.batch import _key
    from sphinxcontrib_oswsd.render.cache import _encode

    poisoned = b'<svg xmlns="http://www.w3.org/2000/svg" width="1.2.3" height="9"/>'
    wanted = request(wsd_server, format="svg")
    path = Cache(tmp_path / "cache").path(_key(wanted, SECRET))
    path.parent.mkdir()
    path.write_bytes(_encode(APIImage(poisoned, "svg"), "2026-01-01T00:00:00+00:00"))
    opts = options(tmp_path, api_key=SECRET)
    (result,) = render_batch([wanted], options=opts).values()
    assert result.ok and not result.fell_back and not result.cached
    assert result.cache_problem == f"removed corrupt cache entry {path}"
    assert b"1.2.3" not in path.read_bytes()
    (again,) = render_batch([wanted], options=opts).values()
    assert again.cached and again.cache_problem is None


def test_429_lowers_concurrency_for_the_rest_of_the_batch(wsd_server, tmp_path):
    """Issue 13.12: a service that allows one request at a time."""
    wsd_server.max_concurrent = 1
    wsd_server.latency = 0.1
    requests = [request(wsd_server, f"a->b: {n}", name=str(n)) for n in range(6)]
    results = render_batch(
        requests, options=options(tmp_path, retries=0, concurrency=4)
    ).values()
    assert all(r.ok and not r.fell_back for r in results)
    statuses = len(wsd_server.renders())
    assert 6 < statuses <= 9  # the first wave's 429s, then one at a time


def test_repeated_failures_slow_the_batch_down_before_falling_back(
    wsd_server, tmp_path
):
    wsd_server.inject("503", 2)
    wsd_server.latency = 0.05
    requests = [request(wsd_server, f"a->b: {n}", name=str(n)) for n in range(3)]
    results = list(
        render_batch(
            requests, options=options(tmp_path, retries=0, concurrency=1)
        ).values()
    )
    # The first failure falls back; the second in a row earns a slower retry.
    assert [r.fell_back for r in results] == [True, False, False]
    assert len(wsd_server.renders()) == 4


def test_errors_without_an_image_fall_back_with_their_lines(wsd_server, tmp_path):
    """Issue 13.12: the service's syntax error report, at source lines."""
    wsd_server.inject("noimg")
    source = "# a comment\n\na->b: fine\n# another\nb->a: fine too\n"
    (result,) = render_batch(
        [request(wsd_server, source)], options=options(tmp_path)
    ).values()
    assert result.fell_back and result.ok
    assert result.fallback_reason == (
        "demo/pause.wsd: reported errors in the diagram and drew nothing"
    )
    assert result.errors == ((3, "Syntax error."),)  # sent line 1 is line 3
    assert entries(tmp_path) == []
