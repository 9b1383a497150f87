"""The API client against the local stand-in server: replies, faults, retries."""

from __future__ import annotations

import logging
import socket
import threading
import time

import pytest

from sphinxcontrib_oswsd.render.api import (
    API_KEY_ENV,
    APIConnectionError,
    APIDiagramError,
    APIError,
    APIImageError,
    APIKeyRequired,
    APIReplyError,
    APIStatusError,
    APITimeout,
    WSDClient,
    api_key_from,
    parse_boxes,
    parse_errors,
    parse_reply,
    strip_comments,
)
from sphinxcontrib_oswsd.render.images import image_size
from sphinxcontrib_oswsd.wsd import parser

SOURCE = """\
title Pausing a server
# nova/compute/api.py API.pause()
participant client
participant nova_api
client->nova_api: POST /servers/{id}/action
note over nova_api: check the lock
nova_api-->client: 202 Accepted
"""
SECRET = "sekrit-KEY-0123456789"


def client(server, **kwargs) -> WSDClient:
    kwargs = {"timeout": 2.0, "retries": 2, "backoff": 0.01, **kwargs}
    return WSDClient(server.url, **kwargs)


def test_png_render_sends_the_documented_fields(wsd_server):
    with client(wsd_server) as api:
        image = api.render(strip_comments(SOURCE)[0])
    assert image.format == "png"
    assert image.data.startswith(b"\x89PNG\r\n\x1a\n")
    assert image_size(image.data, "png")[0] == image.natural_width
    assert image.errors == ()
    post, get = wsd_server.requests
    assert (post.method, post.path) == ("POST", "/index.php")
    assert post.fields == {
        "message": strip_comments(SOURCE)[0],
        "style": "modern-blue",
        "apiVersion": "1",
        "format": "png",
    }
    assert get.method == "GET" and get.path.startswith("/?png=msc")


def test_boxes_count_sent_lines_from_one(wsd_server):
    text = strip_comments(SOURCE)[0]
    with client(wsd_server) as api:
        image = api.render(text)
    lines = text.split("\n")
    heads = [box for box in image.boxes if box.header]
    steps = [box for box in image.boxes if not box.header]
    assert [lines[box.line - 1] for box in heads] == [
        "participant client",
        "participant nova_api",
    ]
    assert [lines[box.line - 1] for box in steps] == [
        "client->nova_api: POST /servers/{id}/action",
        "note over nova_api: check the lock",
        "nova_api-->client: 202 Accepted",
    ]


@pytest.mark.parametrize("fmt, magic", [("svg", b"<?xml"), ("pdf", b"%PDF-")])
def test_svg_and_pdf_with_a_key(wsd_server, fmt, magic):
    with client(wsd_server, api_key=SECRET) as api:
        image = api.render("a->b: hi", fmt=fmt, style="rose")
    assert image.data.startswith(magic)
    assert wsd_server.renders()[0].fields["apikey"] == SECRET
    assert wsd_server.renders()[0].fields["style"] == "rose"


@pytest.mark.parametrize("fmt", ["svg", "pdf"])
def test_svg_and_pdf_without_a_key_is_402(wsd_server, fmt):
    with client(wsd_server) as api, pytest.raises(APIKeyRequired) as caught:
        api.render("a->b: hi", fmt=fmt)
    assert str(caught.value) == f"402: API key required for {fmt}"
    assert caught.value.status == 402
    assert "apikey" not in wsd_server.renders()[0].fields
    assert len(wsd_server.renders()) == 1  # a 4xx is not retried


@pytest.mark.parametrize("fmt", ["svg", "pdf"])
def test_a_rejected_key_is_named_so(wsd_server, fmt):
    """Issue 13.12: the service answers an invalid key with a PNG whatever
    format was asked; the message names the key, never a bad image."""
    wsd_server.api_keys = {"another"}
    with client(wsd_server, api_key=SECRET) as api, pytest.raises(APIImageError) as e:
        api.render("a->b: hi", fmt=fmt)
    name = {"svg": "an SVG", "pdf": "a PDF"}[fmt]
    assert str(e.value) == (
        f"answered a PNG for {name} request: the API key is not valid for {fmt}"
    )
    assert [r.method for r in wsd_server.requests] == ["POST"]  # nothing fetched


def test_errors_come_with_an_image(wsd_server):
    text = "a->b: fine\nthis is not a statement\n"
    with client(wsd_server) as api:
        image = api.render(text)
    assert image.data.startswith(b"\x89PNG")
    with pytest.raises(parser.WSDSyntaxError) as expected:
        parser.parse(text)
    assert image.errors == ((2, expected.value.message),)


def test_unknown_format_is_refused_before_any_request(wsd_server):
    with client(wsd_server) as api, pytest.raises(ValueError):
        api.render("a->b: hi", fmt="gif")
    assert wsd_server.requests == []


# -- faults -----------------------------------------------------------------

FAULTS = [
    # fault, times, error class, message, render requests made
    ("reset", 3, APIConnectionError, "connection reset after 3 attempts", 3),
    ("500", 3, APIStatusError, "500 Internal Server Error after 3 attempts", 3),
    ("503", 3, APIStatusError, "503 Service Unavailable after 3 attempts", 3),
    ("429", 3, APIStatusError, "429 Too Many Requests after 3 attempts", 3),
    ("402", 1, APIKeyRequired, "402: API key required for png", 1),
    ("html", 1, APIReplyError, "answered HTML instead of JSON (Maintenance)", 1),
    ("truncated", 1, APIReplyError, "answered truncated JSON", 1),
    ("img404", 1, APIImageError, "image request answered 404 Not Found", 1),
    ("notimage", 1, APIImageError, "image is not a PNG", 1),
]


@pytest.mark.parametrize("fault, times, kind, message, posts", FAULTS)
def test_each_fault_is_one_clear_error(wsd_server, fault, times, kind, message, posts):
    wsd_server.inject(fault, times, retry_after="0")
    with client(wsd_server) as api, pytest.raises(kind) as caught:
        api.render("a->b: hi")
    assert str(caught.value) == message
    assert len(wsd_server.renders()) == posts


@pytest.mark.parametrize("fault", ["reset", "500", "503", "429"])
def test_transient_faults_are_retried(wsd_server, fault):
    wsd_server.inject(fault, 2, retry_after="0")
    with client(wsd_server) as api:
        assert api.render("a->b: hi").data.startswith(b"\x89PNG")
    assert len(wsd_server.renders()) == 3


def test_no_retries_means_one_attempt(wsd_server):
    wsd_server.inject("503", 1)
    with client(wsd_server, retries=0) as api, pytest.raises(APIStatusError) as e:
        api.render("a->b: hi")
    assert str(e.value) == "503 Service Unavailable"


def test_retry_after_is_honoured(wsd_server):
    wsd_server.inject("429", 1, retry_after="1")
    start = time.monotonic()
    with client(wsd_server, backoff=0.0) as api:
        api.render("a->b: hi")
    assert time.monotonic() - start >= 1.0


def test_retry_after_is_capped(wsd_server):
    wsd_server.inject("429", 1, retry_after="3600")
    start = time.monotonic()
    with client(wsd_server, max_wait=0.05) as api:
        api.render("a->b: hi")
    assert time.monotonic() - start < 2


def test_a_read_timeout_is_reported_and_not_retried(wsd_server):
    wsd_server.inject("delay", 1, seconds=1.0)
    with client(wsd_server, timeout=0.2) as api, pytest.raises(APITimeout) as caught:
        api.render("a->b: hi")
    assert str(caught.value) == "timed out after 0.2 s"
    assert len(wsd_server.renders()) == 1


def test_connection_refused():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # closed again before the client connects
    api = WSDClient(f"http://127.0.0.1:{port}", retries=1, backoff=0.01, timeout=1)
    with api, pytest.raises(APIConnectionError) as caught:
        api.render("a->b: hi")
    assert str(caught.value) == "connection refused after 2 attempts"


def test_the_image_is_served_once(wsd_server):
    with client(wsd_server) as api:
        api.render("a->b: hi")
    again = (
        client(wsd_server)._session().get(wsd_server.url + wsd_server.requests[1].path)
    )
    assert again.status_code == 404


@pytest.mark.parametrize("prefix", ["/", "{url}/", "{url}/index.php"])
def test_image_locations_are_read_leniently(wsd_server, prefix):
    wsd_server.image_prefix = prefix.format(url=wsd_server.url)
    with client(wsd_server) as api:
        assert api.render("a->b: hi").data.startswith(b"\x89PNG")


@pytest.mark.parametrize(
    "prefix", ["http://203.0.113.9/", "https://127.0.0.1.example/"]
)
def test_an_image_on_another_host_is_never_fetched(wsd_server, prefix):
    wsd_server.image_prefix = prefix
    with client(wsd_server) as api, pytest.raises(APIReplyError) as caught:
        api.render("a->b: hi")
    assert str(caught.value) == "answered an image location on another host"
    assert [r.method for r in wsd_server.requests] == ["POST"]


def test_the_key_never_appears_in_messages_or_logs(wsd_server, caplog):
    caplog.set_level(logging.DEBUG)
    messages = []
    api = client(wsd_server, api_key=SECRET, retries=1)
    for fault, _, _, _, _ in FAULTS:
        wsd_server.inject(fault, 2, retry_after="0")
        with pytest.raises(APIError) as caught:
            api.render("a->b: hi", fmt="svg")
        messages.append(str(caught.value))
        wsd_server.clear_log()
    assert len(messages) == len(FAULTS)
    assert SECRET not in " ".join(messages) + repr(api) + caplog.text
    assert "retrying" in caplog.text


def test_one_client_serves_many_threads(wsd_server):
    api = client(wsd_server)
    results: list[bytes] = []

    def work() -> None:
        results.append(api.render("a->b: hi").data)

    threads = [threading.Thread(target=work) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    api.close()
    assert len(results) == 8 and all(r.startswith(b"\x89PNG") for r in results)
    assert len(api._sessions) == 0  # closed


# -- reading replies ----------------------------------------------------------


def test_the_legacy_reply_of_the_server_parses(wsd_server):
    api = client(wsd_server)
    reply = api._session().post(wsd_server.url, data={"message": "a->b: x"})
    assert reply.text.startswith("{img:")
    assert parse_reply(reply.text) == {
        "img": "?img=msc1",
        "page": 0,
        "numPages": 1,
        "errors": [],
    }


def test_a_legacy_reply_renders(wsd_server):
    wsd_server.legacy = True
    with client(wsd_server) as api:
        image = api.render("a->b: hi\nnot a statement")
    assert image.data.startswith(b"\x89PNG") and image.natural_width is None
    assert image.errors == ((2, "Syntax error."),) and image.boxes == ()
    assert wsd_server.requests[1].path == "/?img=msc1"


def test_legacy_literals_are_rewritten_not_evaluated():
    literal = '{img: "?img=a1", errors: ["Line 2: a: b, c: d",], page: 0,}'
    assert parse_reply(literal) == {
        "img": "?img=a1",
        "errors": ["Line 2: a: b, c: d"],
        "page": 0,
    }
    with pytest.raises(ValueError):
        parse_reply('{img: __import__("os").getcwd()}')
    with pytest.raises(ValueError):
        parse_reply("[1, 2]")


def test_error_strings_become_lines_and_messages():
    assert parse_errors(
        ["Line 20: Deactivate: User was not activated.", "line 3 : Syntax error.", "x"]
    ) == (
        (20, "Deactivate: User was not activated."),
        (3, "Syntax error."),
        (None, "x"),
    )
    assert parse_errors(None) == ()


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("", ""),
        ("# only\n", ""),
        ("a->b: x\r\n  # c\r\nb->a: y", "a->b: x\nb->a: y"),
        ("\n#x\n\na->b: #not", "a->b: #not"),
        (" \n\t\na->b: x\n\nb->a: y\n", "a->b: x\n\nb->a: y\n"),
        ("# nova/a.py f()\n\t# tab\nA->B: issue #1", "A->B: issue #1"),
    ],
)
def test_comment_lines_are_stripped_and_the_rest_keeps_its_lines(source, expected):
    """Leading blank lines go too (issue 13.12: older service versions
    shifted every line by one when the text began blank)."""
    text, lines = strip_comments(source)
    assert text == expected
    all_lines = source.replace("\r\n", "\n").split("\n")
    assert [all_lines[n - 1] for n in lines] == (text.split("\n") if text else [])


def test_api_key_from_environment_then_setting(monkeypatch):
    monkeypatch.setenv(API_KEY_ENV, " from-env ")
    assert api_key_from("from-file") == "from-env"
    assert api_key_from(None) == "from-env"
    monkeypatch.setenv(API_KEY_ENV, "")
    assert api_key_from(" from-file\n") == "from-file"
    assert api_key_from("  ") is None and api_key_from() is None


# -- hostile replies (issue 13) ---------------------------------------------------

DIGITS = "1" * 5000
UNREADABLE_REPLIES = [
    # issue 13.1: each of these aborted sphinx-build
    ('{"img":"?png=x","boxes":[{"line":1,"rect":[Infinity,0,1,1]}]}', "Infinity"),
    ('{"img":"?png=x","boxes":[{"line":1,"rect":[NaN,0,1,1]}]}', "NaN"),
    ('{"img":"?png=x","boxes":[{"line":1e400,"rect":[0,0,1,1]}]}', "line"),
    ('{"img":"?png=x","boxes":[{"line":1,"rect":[0,1e400,1,1]}]}', "rect"),
    ('{"img":"?png=x","boxes":[{"line":' + DIGITS + ',"rect":[0,0,1,1]}]}', "digits"),
    ('{"img":"?png=x","boxes":[{"line":1.5,"rect":[0,0,1,1]}]}', "line"),
    ('{"img":"?png=x","boxes":[{"line":-1,"rect":[0,0,1,1]}]}', "line"),
    ('{"img":"?png=x","boxes":[{"line":1,"rect":["0",0,1,1]}]}', "rect"),
    ('{"img":"?png=x","boxes":[{"line":1,"rect":[0,0,1]}]}', "rect"),
    ('{"img":"?png=x","boxes":[{"line":1,"rect":[0,0,1,1],"header":2}]}', "header"),
    ('{"img":"?png=x","boxes":[[1,2]]}', "object"),
    ('{"img":"?png=x","boxes":{"line":1}}', "list"),
    ('{"img":"?png=x","errors":[{"line":1}]}', "errors"),
    ('{"img":"?png=x","errors":"Line 1: x"}', "errors"),
    ('{"img":"?png=x","naturalWidth":1e400}', "naturalWidth"),
    ('{"img":"?png=x","naturalWidth":true}', "naturalWidth"),
    ('{"img":12}', "image location"),
    ("[" * 100_000 + "]" * 100_000, "JSON"),
    ('{"img": "?png=x", "a": ' + "[" * 100_000 + "]" * 100_000 + "}", "nested"),
]


@pytest.mark.parametrize("body, mark", UNREADABLE_REPLIES)
def test_an_unreadable_reply_is_one_reply_error(wsd_server, body, mark):
    wsd_server.inject("reply", body=body)
    with client(wsd_server) as api, pytest.raises(APIReplyError) as caught:
        api.render("a->b: hi")
    message = str(caught.value)
    assert mark.lower() in message.lower() or mark == "digits", message
    assert "\n" not in message and len(message) < 200
    assert [r.method for r in wsd_server.requests] == ["POST"]


def test_a_line_number_out_of_bounds_leaves_the_message_unlocated():
    assert parse_errors([f"Line {DIGITS}: x", "Line 0012: y"]) == (
        (None, f"Line {DIGITS}"[:199] + "…"),
        (12, "y"),
    )
    assert len(parse_errors(["Line 1: x"] * 1000)) == 100


def test_errors_without_an_image_are_a_diagram_error_with_diagnostics(wsd_server):
    """Issue 13.12: the service's own client shows them as syntax errors."""
    wsd_server.inject("noimg")
    with client(wsd_server) as api, pytest.raises(APIDiagramError) as caught:
        api.render("a->b: fine\nthis is not a statement")
    assert caught.value.errors == ((2, "Syntax error."),)
    assert str(caught.value) == "reported errors in the diagram and drew nothing"


def test_boxes_are_rounded_and_footers_and_empty_boxes_are_no_steps(wsd_server):
    """Issue 13.12: float rects, footer boxes (header 0) and zero-size boxes."""
    text = "participant a\nparticipant b\na->b: hi\nb-->a: ok"
    with client(wsd_server) as api:
        image = api.render(text)
    assert [(b.line, b.header) for b in image.boxes] == [
        (1, True),
        (2, True),
        (3, False),
        (4, False),
    ]
    # [10.4, 10.0, 119.6, 30.2] and [150.4, ...]; steps at y + 0.6, h 29.5
    assert image.boxes[0].rect == (10, 10, 120, 30)
    assert image.boxes[2].rect == (
        10,
        51,
        260,
        30,
    )  # truncating gives (10, 50, 259, 29)


def test_boxes_without_header_as_older_services_sent(wsd_server):
    wsd_server.legacy_boxes = True
    with client(wsd_server) as api:
        image = api.render("a->b: hi")  # a and b first used on line 1
    assert [(b.line, b.header) for b in image.boxes] == [
        (1, True),
        (1, True),
        (1, False),
    ]


def test_leading_blank_lines_are_not_sent(wsd_server):
    """Issue 13.12: older services shifted lines after a blank start."""
    wsd_server.shift_blank_start = True
    source = "\n\n# a comment\n\na->b: hi\nthis is not a statement\n"
    text, lines = strip_comments(source)
    assert text == "a->b: hi\nthis is not a statement\n" and lines[:2] == (5, 6)
    with client(wsd_server) as api:
        image = api.render(text)
    assert image.errors == ((2, "Syntax error."),)
    raw = api._session().post(
        wsd_server.url, data={"message": "\n" + text, "apiVersion": "1"}
    )
    assert raw.json()["errors"] == ["Line 4: Syntax error."]  # one off, as it was


HOSTILE_SVG = (
    b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" '
    b'xmlns:xlink="http://www.w3.org/1999/xlink" width="120" height="40" '
    b'onload="alert(1)"><script>alert(2)</script>'
    b'<a xlink:href="https://evil.example/"><text x="1" y="9">step</text></a>'
    b'<image xlink:href="https://evil.example/t.png"/><foreignObject/></svg>'
)


def test_network_svg_is_sanitised_before_anyone_gets_it(wsd_server):
    """Issue 13.3: scripts, handlers, external references never pass."""
    wsd_server.inject("image", body=HOSTILE_SVG)
    with client(wsd_server, api_key=SECRET) as api:
        image = api.render("a->b: hi", fmt="svg")
    for mark in (b"script", b"alert", b"onload", b"evil", b"foreignObject"):
        assert mark not in image.data
    assert b"<text" in image.data and b">step</text>" in image.data


BAD_IMAGES = [
    # issue 13.2: these were cached before anyone read them
    ("svg", HOSTILE_SVG.replace(b'width="120"', b'width="1.2.3"'), "valid width"),
    ("svg", HOSTILE_SVG.replace(b'"120"', b'"' + b"9" * 400 + b'"'), "valid width"),
    ("svg", b'<!DOCTYPE svg [<!ENTITY a "b">]><svg/>', "DTD"),
    ("png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 40, "damaged PNG"),
    ("png", __import__("wsd_server").png_bytes(30, 20)[:-6], "PNG"),
    ("png", __import__("wsd_server").png_bytes(30, 20)[:-12], "IEND"),
    ("pdf", b"%PDF-1.4\n1 0 obj\n", "truncated PDF"),
    ("pdf", b"%PDF-1.4\n<< /MediaBox [0 0 1e999 5] >>\n%%EOF\n", "page size"),
]


@pytest.mark.parametrize("fmt, data, mark", BAD_IMAGES)
def test_an_image_is_validated_whole(wsd_server, fmt, data, mark):
    wsd_server.inject("image", body=data)
    with client(wsd_server, api_key=SECRET) as api, pytest.raises(APIImageError) as e:
        api.render("a->b: hi", fmt=fmt)
    assert str(e.value).startswith("image ") and mark in str(e.value)


def test_an_implausible_png_size_is_refused(wsd_server):
    import struct
    import zlib

    ihdr = struct.pack(">IIBBBBB", 100_000, 100_000, 8, 0, 0, 0, 0)
    chunk = struct.pack(">I", 13) + b"IHDR" + ihdr
    chunk += struct.pack(">I", zlib.crc32(b"IHDR" + ihdr))
    end = struct.pack(">I", 0) + b"IEND" + struct.pack(">I", zlib.crc32(b"IEND"))
    wsd_server.inject("image", body=b"\x89PNG\r\n\x1a\n" + chunk + end)
    with client(wsd_server) as api, pytest.raises(APIImageError) as e:
        api.render("a->b: hi")
    assert str(e.value) == "image is a PNG of implausible size 100000x100000"


@pytest.mark.parametrize("fault", ["drip", "dripheaders"])
def test_a_dripping_reply_is_cut_at_the_deadline(wsd_server, fault):
    """Issue 13.4: 1 byte per 50 ms would take about 15 s to arrive whole;
    each byte comes well within the timeout, so only a deadline stops it."""
    wsd_server.inject(fault, seconds=0.05)
    start = time.monotonic()
    with client(wsd_server, timeout=0.5) as api, pytest.raises(APITimeout) as e:
        api.render("a->b: hi")
    assert time.monotonic() - start < 2.5  # a bound on a hang, not a speed claim
    assert str(e.value) == "timed out after 0.5 s"


def test_the_deadline_covers_the_reply_and_the_image_together(wsd_server):
    wsd_server.latency = 0.4  # each request alone is within the timeout
    with client(wsd_server, timeout=0.7) as api, pytest.raises(APITimeout):
        api.render("a->b: hi")
    assert [r.method for r in wsd_server.requests] == ["POST", "GET"]


def test_an_endless_image_is_cut_at_the_size_cap(wsd_server):
    wsd_server.inject("endless")
    limit = 1024 * 1024
    api = client(wsd_server, timeout=5, max_image_bytes=limit)
    with api, pytest.raises(APIImageError) as caught:
        api.render("a->b: hi")
    assert str(caught.value) == "image is larger than 1 MiB"
    time.sleep(0.2)
    assert wsd_server.sent_bytes < 8 * limit  # the client hung up


def test_an_image_announced_too_large_is_not_read(wsd_server):
    wsd_server.inject("image", body=b"\x89PNG\r\n\x1a\n" + bytes(3 * 1024 * 1024))
    api = client(wsd_server, max_image_bytes=1024 * 1024)
    with api, pytest.raises(APIImageError) as caught:
        api.render("a->b: hi")
    assert str(caught.value) == "image is larger than 1 MiB"


def test_a_reply_too_large_is_refused(wsd_server):
    wsd_server.inject(
        "reply", body='{"img": "?png=x", "pad": "' + "x" * 3_000_000 + '"}'
    )
    with client(wsd_server) as api, pytest.raises(APIReplyError) as caught:
        api.render("a->b: hi")
    assert str(caught.value) == "answered more than 2 MiB"


def test_a_key_echoed_by_the_server_is_redacted(wsd_server):
    """Issue 13.9: in a status message and in the diagnostics."""
    with client(wsd_server, api_key=SECRET) as api:
        wsd_server.inject("echo")
        with pytest.raises(APIError) as caught:
            api.render("a->b: hi")
        assert str(caught.value) == "403 Forbidden: API Key *** is not valid"
        wsd_server.inject("echoerrors")
        image = api.render("a->b: hi")
    assert image.errors == ((1, "unknown key ***"),)


def test_an_image_holding_the_key_is_not_kept(wsd_server):
    wsd_server.inject("image", body=HOSTILE_SVG.replace(b"step", SECRET.encode()))
    with client(wsd_server, api_key=SECRET) as api, pytest.raises(APIImageError) as e:
        api.render("a->b: hi", fmt="svg")
    assert str(e.value) == "image contains the API key; not kept"


def _legacy_boxes(n: int) -> list[dict]:
    """Boxes without ``header``: head and footer pairs and steps, ``n`` in all."""
    return [
        {"line": i // 3, "rect": [(i // 3) * 7.0, 10.0 + (i % 3) * 500, 60, 20]}
        for i in range(n)
    ]


def test_reading_boxes_grows_linearly():
    """A 2 MiB reply holds some 40,000 boxes: 4x the boxes in at most 6x the
    time (pairing heads and footers by scanning all boxes was quadratic).
    A busy machine can slow one measurement, so it is measured up to three
    times."""

    def seconds(n: int) -> float:
        boxes = _legacy_boxes(n)
        start = time.perf_counter()
        parse_boxes(boxes)
        return time.perf_counter() - start

    ratios = []
    for _ in range(3):
        small = min(seconds(2_000) for _ in range(3))
        large = min(seconds(8_000) for _ in range(3))
        ratios.append(large / small)
        if ratios[-1] <= 6:
            return
    pytest.fail(f"4x the boxes took {min(ratios):.1f}x the time ({ratios})")
