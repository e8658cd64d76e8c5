"""The strict fake platform server that adapter tests (ours and third parties') run against."""

from __future__ import annotations

import threading
import time

import pytest
import requests

from wagtail_crosspost.testing import FakeServer, Response, server_fixture
from wagtail_crosspost.testing.fakeserver import parse_multipart


class EchoServer(FakeServer):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.add_route("GET", r"/items/(?P<item_id>\w+)", self.get_item)
        self.add_route("POST", r"/items", lambda request: (201, {"created": True}))

        @self.route("PUT", r"/raw")
        def raw(request):
            return Response(204, b"", {"X-Custom": "yes"})

    def get_item(self, request, item_id):
        return {"id": item_id, "q": request.query}


echo = server_fixture(EchoServer)


def test_routes_and_named_groups(echo):
    answer = requests.get(echo.url_for("/items/abc?x=1&x=2"), timeout=5)
    assert answer.status_code == 200
    assert answer.json() == {"id": "abc", "q": {"x": ["1", "2"]}}
    created = requests.post(echo.url_for("/items"), json={"a": 1}, timeout=5)
    assert created.status_code == 201
    raw = requests.put(echo.url_for("raw"), timeout=5)
    assert raw.status_code == 204 and raw.headers["X-Custom"] == "yes"


def test_records_json_form_query_and_headers(echo):
    requests.post(
        echo.url_for("/items?dry=1"), json={"text": "é"}, headers={"X-Key": "k1"}, timeout=5
    )
    requests.post(echo.url_for("/items"), data={"a": ["1", "2"], "b": "ü"}, timeout=5)

    first, second = echo.requests_to("POST", "/items")
    assert first.json == {"text": "é"}
    assert first.query == {"dry": ["1"]}
    assert first.headers["x-key"] == first.headers["X-KEY"] == "k1"
    assert "X-Key" in first.headers
    assert second.form == {"a": ["1", "2"], "b": ["ü"]}
    assert second.values("a") == ["1", "2"] and second.value("b") == "ü"
    assert first.status == 201


def test_records_multipart_files_exactly(echo):
    content = bytes(range(256)) * 40 + b"\r\n--boundary-lookalike\r\n"
    requests.post(
        echo.url_for("/items"),
        files={"file": ("pic.png", content, "image/png")},
        data={"description": "Alt ✓\nsecond line", "ids[]": ["1", "2"]},
        timeout=5,
    )
    [request] = echo.requests
    upload = request.file("file")
    assert upload.filename == "pic.png"
    assert upload.content_type == "image/png"
    assert upload.content == content
    assert request.value("description") == "Alt ✓\nsecond line"
    assert request.values("ids[]") == ["1", "2"]
    assert request.file("missing") is None


def test_parse_multipart_of_a_non_multipart_body():
    assert parse_multipart("text/plain", b"hello") == ({}, {})


def test_bearer_token():
    with FakeServer() as server:
        server.add_route("GET", r"/me", lambda request: {"token": request.bearer_token})
        answer = requests.get(
            server.url_for("/me"), headers={"Authorization": "Bearer abc"}, timeout=5
        )
        assert answer.json() == {"token": "abc"}


def test_unrouted_requests_answer_404_or_405_and_fail_strict_servers():
    server = EchoServer().start()
    assert requests.get(server.url_for("/nothing"), timeout=5).status_code == 404
    answer = requests.delete(server.url_for("/items/1"), timeout=5)
    assert answer.status_code == 405
    assert answer.headers["Allow"] == "GET"
    assert "error" in answer.json()
    with pytest.raises(AssertionError, match="unrouted request: GET /nothing"):
        server.stop()


def test_lenient_server_tolerates_unrouted_requests():
    with EchoServer(strict=False) as server:
        assert requests.get(server.url_for("/nothing"), timeout=5).status_code == 404
    assert [r.path for r in server.unrouted] == ["/nothing"]


def test_handler_errors_answer_500_and_fail_strict_servers():
    server = FakeServer().start()
    server.add_route("GET", r"/boom", lambda request: 1 / 0)
    assert requests.get(server.url_for("/boom"), timeout=5).status_code == 500
    with pytest.raises(AssertionError, match="ZeroDivisionError"):
        server.stop()


def test_a_failing_test_is_not_hidden_by_strictness():
    with pytest.raises(KeyError):
        with FakeServer() as server:
            requests.get(server.url_for("/unrouted"), timeout=5)
            raise KeyError("the test's own failure")


def test_fail_answers_the_next_matching_requests(echo):
    echo.fail(503, {"error": "busy"}, headers={"Retry-After": "3"}, times=2, path=r"/items/.*")
    assert requests.post(echo.url_for("/items"), timeout=5).status_code == 201  # not matching
    first = requests.get(echo.url_for("/items/a"), timeout=5)
    assert first.status_code == 503
    assert first.json() == {"error": "busy"} and first.headers["Retry-After"] == "3"
    assert requests.get(echo.url_for("/items/a"), timeout=5).status_code == 503
    assert requests.get(echo.url_for("/items/a"), timeout=5).status_code == 200
    assert [r.fault for r in echo.requests_to("GET")] == ["respond", "respond", ""]


def test_fail_with_a_raw_body_and_method_filter(echo):
    echo.fail(502, b"<html>Bad gateway</html>", method="POST")
    assert requests.get(echo.url_for("/items/a"), timeout=5).status_code == 200
    answer = requests.post(echo.url_for("/items"), timeout=5)
    assert answer.status_code == 502 and answer.text == "<html>Bad gateway</html>"


def test_delay_then_normal_answer(echo):
    echo.delay(0.3)
    started = time.monotonic()
    assert requests.get(echo.url_for("/items/a"), timeout=5).status_code == 200
    assert time.monotonic() - started >= 0.3
    with pytest.raises(requests.exceptions.ReadTimeout):
        echo.delay(1)
        requests.get(echo.url_for("/items/a"), timeout=0.2)


def test_drop_closes_without_answering(echo):
    calls = []
    echo.add_route("POST", r"/effects", lambda request: calls.append(1) or {"ok": True})
    echo.drop(method="POST", path="/effects")
    with pytest.raises(requests.exceptions.ConnectionError):
        requests.post(echo.url_for("/effects"), timeout=5)
    assert calls == []  # not processed

    echo.drop(process=True)
    with pytest.raises(requests.exceptions.ConnectionError):
        requests.post(echo.url_for("/effects"), timeout=5)
    assert calls == [1]  # processed, but the client never heard
    assert [r.status for r in echo.requests] == [None, None]

    session = requests.Session()  # the next request on a fresh or reused connection works
    assert session.post(echo.url_for("/effects"), timeout=5).json() == {"ok": True}
    assert session.post(echo.url_for("/effects"), timeout=5).json() == {"ok": True}


def test_reset_and_clear_faults(echo):
    requests.get(echo.url_for("/items/a"), timeout=5)
    echo.fail(500)
    echo.clear_faults()
    assert requests.get(echo.url_for("/items/a"), timeout=5).status_code == 200
    echo.reset()
    assert echo.requests == []


def test_requests_are_handled_concurrently_while_one_is_delayed(echo):
    echo.delay(0.5, path=r"/items/slow")
    results = {}
    thread = threading.Thread(
        target=lambda: results.update(slow=requests.get(echo.url_for("/items/slow"), timeout=5))
    )
    thread.start()
    time.sleep(0.05)
    started = time.monotonic()
    assert requests.get(echo.url_for("/items/fast"), timeout=5).status_code == 200
    assert time.monotonic() - started < 0.4
    thread.join()
    assert results["slow"].status_code == 200


def test_url_needs_a_running_server():
    server = FakeServer()
    with pytest.raises(RuntimeError):
        server.url  # noqa: B018
    with server:
        assert server.url.startswith("http://127.0.0.1:")


def test_no_content_answers_carry_no_body_so_the_connection_stays_clean():
    import requests

    from wagtail_crosspost.testing import FakeServer

    with FakeServer() as server:
        server.add_route("DELETE", r"/things/(?P<pk>\d+)", lambda request, pk: (204, {"x": 1}))
        session = requests.Session()
        for pk in range(5):  # the same kept-alive connection, again and again
            response = session.delete(server.url + f"/things/{pk}", timeout=5)
            assert response.status_code == 204 and response.content == b""
