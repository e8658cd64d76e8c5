"""Run ``mastodon-mock``, a third-party implementation of the Mastodon client API, for tests.

``mastodon-mock`` (https://pypi.org/project/mastodon-mock/, MIT, by Matthew Martin; FastAPI +
SQLite) is NOT Mastodon. It is an independent re-implementation of Mastodon's REST API written
for testing clients, which makes it a useful second opinion next to our own strict fake
(``tests/fakes/mastodon.py``): a misreading of the API shared by our adapter and our fake would
not be shared by it. Where it differs from Mastodon (see ``KNOWN_DEVIATIONS``) the tests do not
rely on it. A real Mastodon (Ruby, PostgreSQL, Redis, Sidekiq) cannot be installed here.

It lives in its own virtualenv, ``.venv-mastodon-mock`` (it needs FastAPI/SQLAlchemy versions of
its own), created by ``scripts/install-mastodon-mock``.

    with MastodonMockServer() as server:
        server.url                      # http://127.0.0.1:PORT
        server.token                    # "mock_token", the seeded account's access token
        server.get("/api/v1/statuses/1")

The server binds 127.0.0.1 only, keeps everything in an in-memory SQLite database and its
uploads in a private temporary directory, and makes no outbound network calls (it has no
federation; its only HTTP client code is behind the ``gen-data --api`` CLI command, which is not
used). Start-up takes 2-4 s on an idle machine (imports of FastAPI/SQLAlchemy and its ~150
routes), far more on a loaded one.

The server process exits by itself, removing its temporary directory, when the Python process
holding its stdin pipe dies (a small bootstrap watches stdin for EOF), so a crashed test run
leaves no orphan process and no files; ``stop()`` and an ``atexit`` hook end it normally.
"""

from __future__ import annotations

import atexit
import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

import requests

from tests.servers.process import output_tail, stop_process

ROOT = Path(__file__).resolve().parents[2]
# MASTODON_MOCK_VENV: use another virtualenv (one made by scripts/install-mastodon-mock).
VENV = Path(os.environ.get("MASTODON_MOCK_VENV") or ROOT / ".venv-mastodon-mock")
INSTALL_COMMAND = "scripts/install-mastodon-mock"
MASTODON_MOCK_VERSION = "0.6.1"  # keep in step with scripts/install-mastodon-mock
TOKEN = "mock_token"  # noqa: S105 - the seeded test account's token, not a secret
USERNAME = "testuser"

#: Where mastodon-mock 0.6.1 is known to differ from Mastodon's documented behaviour. Tests
#: against it must not assert on these; the strict fake covers them.
KNOWN_DEVIATIONS = (
    "status length is len(text): no 23-character URLs, no @user@domain -> @user, "
    "no grapheme clusters",
    "media uploads always answer 200 with a url (never 202 'still processing')",
    "PUT /api/v1/statuses/:id ignores media_ids[] and media_attributes[] (text, "
    "spoiler_text, sensitive only)",
    "GET/PUT /api/v1/media/:id need no token and do not check the owner",
    "scopes are not enforced by default, and only coarsely (read/write) when they are",
)

# Runs in the mock's own interpreter: exit as soon as stdin reaches EOF (our process died or
# called stop()), removing its private working directory (config, uploads) on the way; then
# hand over to mastodon-mock's CLI.
_BOOTSTRAP = """\
import os, shutil, sys, threading

def _watch_parent():
    try:
        sys.stdin.buffer.read()
    finally:
        workdir = os.getcwd()
        if os.path.basename(workdir).startswith("mastodon-mock-"):
            shutil.rmtree(workdir, ignore_errors=True)
        os._exit(0)

threading.Thread(target=_watch_parent, daemon=True).start()
from mastodon_mock.cli import main
main(sys.argv[1:])
"""

_CONFIG_TOML = """\
# Written by tests/servers/mastodon_mock.py for one test server.
title = "wagtail-crosspost test server (mastodon-mock)"
media_storage_path = "{media}"

[database]
path = ":memory:"

[[seed.accounts]]
username = "{username}"
display_name = "Test User"
access_token = "{token}"
"""


class MastodonMockUnavailable(RuntimeError):
    """mastodon-mock is not installed (or not the pinned version); the message names the fix."""


class MastodonMockError(RuntimeError):
    """The server failed to start, or a request made by the helper failed."""


def installed_version(venv: Path = VENV) -> str | None:
    """The mastodon-mock version installed in ``venv``, read from its dist-info (no subprocess)."""
    found = sorted(venv.glob("lib/python3*/site-packages/mastodon_mock-*.dist-info"))
    if not found:
        return None
    return found[-1].name.removeprefix("mastodon_mock-").removesuffix(".dist-info")


def check_prerequisites(venv: Path = VENV) -> Path:
    """The venv's Python; raises ``MastodonMockUnavailable`` naming the fix if unusable."""
    python = venv / "bin" / "python"
    if not python.is_file():
        raise MastodonMockUnavailable(
            f"{venv} is missing: the mastodon-mock test server is not installed. "
            f"Install it with: {INSTALL_COMMAND}"
        )
    version = installed_version(venv)
    if version != MASTODON_MOCK_VERSION:
        raise MastodonMockUnavailable(
            f"{venv.name} has mastodon-mock {version or '(none)'}, expected "
            f"{MASTODON_MOCK_VERSION}. Install it with: {INSTALL_COMMAND}"
        )
    return python


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class MastodonMockServer:
    """One throw-away mastodon-mock server on 127.0.0.1.

    Attributes once started: ``url``, ``port``, ``token``, ``pid``, ``startup_seconds``,
    ``version`` (of mastodon-mock), ``instance`` (its ``/api/v2/instance`` answer).
    """

    def __init__(
        self,
        *,
        venv: Path = VENV,
        port: int = 0,
        startup_timeout: float = 120.0,
        request_timeout: float = 30.0,
    ) -> None:
        self._venv = venv
        self._want_port = port
        self._startup_timeout = startup_timeout
        self.request_timeout = request_timeout
        self._proc: subprocess.Popen[bytes] | None = None
        self._stderr_file: Any = None
        self._workdir: Path | None = None
        self.url = ""
        self.port = 0
        self.token = TOKEN
        self.pid: int | None = None
        self.startup_seconds: float | None = None
        self.version = MASTODON_MOCK_VERSION
        self.instance: dict[str, Any] = {}
        self.session = requests.Session()
        self._account_id: str | None = None
        self._t0 = 0.0

    # ------------------------------------------------------------------ lifecycle
    def start(self) -> MastodonMockServer:
        """Launch the server and wait until ``/api/v2/instance`` answers; returns ``self``."""
        if self.url:
            return self
        python = check_prerequisites(self._venv)
        attempts = 1 if self._want_port else 3  # a port picked by free_port() may be taken
        for attempt in range(attempts):
            try:
                self._launch(python, self._want_port or free_port())
                self._wait_ready()
                return self
            except MastodonMockError as exc:
                self.stop()
                if "address already in use" not in str(exc).lower() or attempt == attempts - 1:
                    raise
        raise AssertionError("unreachable")  # pragma: no cover

    def _launch(self, python: Path, port: int) -> None:
        self._workdir = Path(tempfile.mkdtemp(prefix="mastodon-mock-"))
        media = self._workdir / "media"
        media.mkdir()
        config = self._workdir / "mastodon_mock.toml"
        config.write_text(_CONFIG_TOML.format(media=media, username=USERNAME, token=TOKEN))
        env = {k: v for k, v in os.environ.items() if k not in ("HOST", "PORT", "PYTHONPATH")}
        env["PYTHONDONTWRITEBYTECODE"] = "1"
        # Anonymous file: nothing to clean up, and still readable if the server fails early.
        self._stderr_file = tempfile.TemporaryFile()  # noqa: SIM115
        self.port = port
        self.url = ""
        self._t0 = time.monotonic()
        self._proc = subprocess.Popen(  # noqa: S603 - fixed argv, our own venv
            [
                str(python),
                "-c",
                _BOOTSTRAP,
                "serve",
                "--config",
                str(config),
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--domain",  # status and media URLs: the address we use, not "localhost"
                f"127.0.0.1:{port}",
                "--in-memory",
                "--log-level",
                "warning",
            ],
            # Its own cwd: mastodon-mock would otherwise read ./.mastodon_mock.toml or the
            # [tool.mastodon_mock] table of ./pyproject.toml (we pass --config anyway).
            cwd=self._workdir,
            env=env,
            stdin=subprocess.PIPE,
            stdout=self._stderr_file,
            stderr=self._stderr_file,
        )
        self.pid = self._proc.pid
        atexit.register(self.stop)

    def _wait_ready(self) -> None:
        assert self._proc is not None
        base = f"http://127.0.0.1:{self.port}"
        last: Exception | str | None = None
        while time.monotonic() - self._t0 < self._startup_timeout:
            code = self._proc.poll()
            if code is not None:
                raise MastodonMockError(
                    f"mastodon-mock exited with code {code} before it was ready."
                    + self._output_tail()
                )
            try:
                response = self.session.get(f"{base}/api/v2/instance", timeout=5)
                if response.status_code == 200:
                    self.instance = response.json()
                    self.url = base
                    self.startup_seconds = time.monotonic() - self._t0
                    return
                last = f"HTTP {response.status_code}"
            except (requests.RequestException, ValueError) as exc:
                last = exc
            time.sleep(0.1)
        raise MastodonMockError(
            f"mastodon-mock on {base} did not answer /api/v2/instance within "
            f"{self._startup_timeout:.0f}s (last: {last})." + self._output_tail()
        )

    def _output_tail(self) -> str:
        return output_tail(self._stderr_file, "mastodon-mock output")

    def stop(self) -> None:
        proc, self._proc = self._proc, None
        if proc is not None:
            stop_process(proc)
        if self._stderr_file is not None:
            self._stderr_file.close()
            self._stderr_file = None
        if self._workdir is not None:
            shutil.rmtree(self._workdir, ignore_errors=True)
            self._workdir = None
        self.url = ""
        self._account_id = None
        atexit.unregister(self.stop)

    def __enter__(self) -> MastodonMockServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # ------------------------------------------------------------------ plain API reads
    def request(self, method: str, path: str, *, token: str | None = None, **kwargs: Any):
        """A plain ``requests`` call to the server (with the seeded token unless ``token=""``)."""
        if not self.url:
            raise MastodonMockError("the mastodon-mock server is not running")
        headers = dict(kwargs.pop("headers", None) or {})
        token = self.token if token is None else token
        if token:
            headers["Authorization"] = f"Bearer {token}"
        kwargs.setdefault("timeout", self.request_timeout)
        return self.session.request(method, self.url + path, headers=headers, **kwargs)

    def get(self, path: str, **kwargs: Any):
        return self.request("GET", path, **kwargs)

    def get_json(self, path: str, **kwargs: Any) -> Any:
        response = self.get(path, **kwargs)
        if response.status_code != 200:
            raise MastodonMockError(f"GET {path}: HTTP {response.status_code}: {response.text}")
        return response.json()

    @property
    def account_id(self) -> str:
        """The seeded account's id (``/api/v1/accounts/verify_credentials``)."""
        if self._account_id is None:
            self._account_id = str(self.get_json("/api/v1/accounts/verify_credentials")["id"])
        return self._account_id

    def account_statuses(self) -> list[dict[str, Any]]:
        """All statuses of the seeded account, newest first (``/api/v1/accounts/:id/statuses``,
        following the ``Link: rel="next"`` pages)."""
        statuses: list[dict[str, Any]] = []
        url: str | None = f"{self.url}/api/v1/accounts/{self.account_id}/statuses?limit=40"
        while url:
            response = self.session.get(
                url, headers={"Authorization": f"Bearer {self.token}"}, timeout=self.request_timeout
            )
            if response.status_code != 200:
                raise MastodonMockError(f"GET {url}: HTTP {response.status_code}")
            page = response.json()
            statuses.extend(page)
            url = response.links.get("next", {}).get("url") if page else None
        return statuses
