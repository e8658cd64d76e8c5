"""The values a fake server exchanges: recorded requests, canned responses, faults; and
the parsing of a raw request. Split out of ``fakeserver`` (which re-exports them)."""

from __future__ import annotations

import email.parser
import email.policy
import json
import re
import socket
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit


class Headers(dict):
    """Request headers; look-ups ignore case, like HTTP does."""

    def __init__(self, items: Iterable[tuple[str, str]] = ()):
        super().__init__()
        for name, value in items:
            self[name] = value

    def __setitem__(self, key: str, value: str) -> None:
        super().__setitem__(key.lower(), value)

    def __getitem__(self, key: str) -> str:
        return super().__getitem__(key.lower())

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and super().__contains__(key.lower())

    def get(self, key: str, default: Any = None) -> Any:  # type: ignore[override]
        return super().get(key.lower(), default)


@dataclass(frozen=True)
class UploadedFile:
    """One file part of a multipart body."""

    filename: str
    content_type: str
    content: bytes


@dataclass
class RecordedRequest:
    """Everything the server received in one request."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: Headers
    body: bytes
    json: Any = None  # parsed body when it was JSON
    form: dict[str, list[str]] = field(default_factory=dict)  # urlencoded or multipart fields
    files: dict[str, list[UploadedFile]] = field(default_factory=dict)
    fault: str = ""  # the injected fault this request met, if any
    status: int | None = None  # what the server answered (None: connection dropped)

    def value(self, name: str, default: str | None = None) -> str | None:
        """The first value of a form or query field."""
        values = self.form.get(name) or self.query.get(name)
        return values[0] if values else default

    def values(self, name: str) -> list[str]:
        return list(self.form.get(name) or self.query.get(name) or [])

    def file(self, name: str) -> UploadedFile | None:
        files = self.files.get(name)
        return files[0] if files else None

    @property
    def bearer_token(self) -> str:
        auth = self.headers.get("Authorization", "")
        return auth[7:].strip() if auth[:7].lower() == "bearer " else ""


@dataclass
class Response:
    """What a route answers. Use the ``json``/``text`` constructors for the common cases."""

    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    #: Seconds between the body's bytes (a server that drips its answer).
    drip: float = 0.0
    #: Send only this many bytes of the body (with the full Content-Length), then hang up.
    cut_after: int | None = None

    @classmethod
    def json(cls, data: Any, status: int = 200, headers: dict[str, str] | None = None):
        return cls(
            status,
            json.dumps(data).encode(),
            {"Content-Type": "application/json; charset=utf-8", **(headers or {})},
        )

    @classmethod
    def text(cls, text: str, status: int = 200, headers: dict[str, str] | None = None):
        return cls(
            status, text.encode(), {"Content-Type": "text/plain; charset=utf-8", **(headers or {})}
        )


@dataclass
class Fault:
    """An injected misbehaviour for the next ``times`` matching requests.

    ``kind``: "respond" (answer ``response`` instead of the route), "delay" (wait ``seconds``,
    then behave normally), "drop" (read the request, optionally run the route when ``process``,
    then close the connection without answering); and, each after running the route: "drip"
    (send the answer's body one byte every ``seconds``), "cut" (send half the body, then hang
    up), "garble" (the route's status with a body that is not JSON).
    """

    kind: str
    times: int = 1
    method: str | None = None
    path: str | None = None  # regex, full match
    response: Response | None = None
    seconds: float = 0.0
    process: bool = False
    after: int = 0  # let this many matching requests through first

    def matches(self, method: str, path: str) -> bool:
        if self.method and self.method.upper() != method:
            return False
        return not self.path or re.fullmatch(self.path, path) is not None


Handler = Callable[..., Any]


def parse_request(
    method: str, target: str, header_items: list[tuple[str, str]], body: bytes
) -> RecordedRequest:
    """Build a :class:`RecordedRequest`, parsing JSON, urlencoded and multipart bodies."""
    parts = urlsplit(target)
    headers = Headers(header_items)
    request = RecordedRequest(
        method=method.upper(),
        path=parts.path,
        query=parse_qs(parts.query, keep_blank_values=True),
        headers=headers,
        body=body,
    )
    content_type = headers.get("Content-Type", "")
    media_type = content_type.split(";")[0].strip().lower()
    if media_type == "application/json" or media_type.endswith("+json"):
        try:
            request.json = json.loads(body or b"null")
        except ValueError:
            request.json = None
    elif media_type == "application/x-www-form-urlencoded":
        request.form = parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True)
    elif media_type == "multipart/form-data":
        request.form, request.files = parse_multipart(content_type, body)
    return request


def parse_multipart(
    content_type: str, body: bytes
) -> tuple[dict[str, list[str]], dict[str, list[UploadedFile]]]:
    """Split a multipart/form-data body into text fields and files (stdlib ``email`` parser)."""
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
        b"Content-Type: " + content_type.encode("latin-1") + b"\r\n\r\n" + body
    )
    form: dict[str, list[str]] = {}
    files: dict[str, list[UploadedFile]] = {}
    if not message.is_multipart():
        return form, files
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if not name:
            continue
        payload = part.get_payload(decode=True)
        if not isinstance(payload, bytes):
            payload = b""
        filename = part.get_filename()
        if filename is not None:
            files.setdefault(str(name), []).append(
                UploadedFile(str(filename), part.get_content_type(), payload)
            )
        else:
            charset = part.get_content_charset() or "utf-8"
            form.setdefault(str(name), []).append(payload.decode(charset, "replace"))
    return form, files


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that hung up (a timeout test) is expected; anything else is reported.
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class _RequestHandler(BaseHTTPRequestHandler):
    fake: Any  # the FakeServer that answers
    protocol_version = "HTTP/1.1"  # keep-alive, like real servers: connections get reused
    disable_nagle_algorithm = True  # headers and body go out in two writes

    def log_message(self, format: str, *args: Any) -> None:  # keep test output quiet
        pass

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        request = parse_request(self.command, self.path, list(self.headers.items()), body)
        response = self.fake._dispatch(request)
        if response is None:
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            return
        request.status = response.status
        if response.status in (204, 304) or response.status < 200:
            # These answers have no body by definition: bytes sent anyway would be read as the
            # start of the next answer on the kept-alive connection.
            response.body = b""
        self.send_response(response.status)
        headers = Headers(response.headers.items())
        for name, value in response.headers.items():
            if name.lower() != "content-length":
                self.send_header(name, value)
        if "content-type" not in headers and response.body:
            self.send_header("Content-Type", "application/octet-stream")
        if response.status not in (204, 304) and response.status >= 200:
            self.send_header("Content-Length", str(len(response.body)))
        self.end_headers()
        if self.command == "HEAD":
            return
        if response.cut_after is not None:
            self.wfile.write(response.body[: response.cut_after])
            self.wfile.flush()
            self._hang_up()
        elif response.drip:
            self.wfile.flush()
            for index in range(len(response.body)):
                try:
                    self.wfile.write(response.body[index : index + 1])
                    self.wfile.flush()
                except OSError:  # the client gave up
                    break
                if self.fake._stopping.wait(response.drip):
                    break
            self.close_connection = True
        else:
            self.wfile.write(response.body)

    def _hang_up(self) -> None:
        self.close_connection = True
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _serve
