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
    APIError,
    APIImageError,
    APIKeyRequired,
    APIReplyError,
    APIStatusError,
    APITimeout,
    WSDClient,
    api_key_from,
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


def test_a_rejected_key_is_named_so(wsd_server):
    wsd_server.api_keys = {"another"}
    with client(wsd_server, api_key=SECRET) as api, pytest.raises(APIKeyRequired) as e:
        api.render("a->b: hi", fmt="svg")
    assert str(e.value) == "402: API key rejected for svg"


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
        ("\n#x\n\na->b: #not", "\n\na->b: #not"),
        ("# nova/a.py f()\n\t# tab\nA->B: issue #1", "A->B: issue #1"),
    ],
)
def test_comment_lines_are_stripped_and_the_rest_keeps_its_lines(source, expected):
    text, lines = strip_comments(source)
    assert text == expected
    all_lines = source.replace("\r\n", "\n").split("\n")
    assert [all_lines[n - 1] for n in lines] == text.split("\n")


def test_api_key_from_setting_then_environment(monkeypatch):
    monkeypatch.setenv(API_KEY_ENV, " from-env ")
    assert api_key_from("from-conf") == "from-conf"
    assert api_key_from(None) == "from-env"
    assert api_key_from("  ") == "from-env"
    monkeypatch.setenv(API_KEY_ENV, "")
    assert api_key_from(None) is None
