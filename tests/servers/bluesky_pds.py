"""Run the reference Bluesky PDS (``@atproto/pds``) locally for tests.

``BlueskyPDS`` starts ``node tests/servers/bluesky/start.mjs`` with a fresh temporary data
directory: an in-memory PLC directory plus a PDS, both bound to 127.0.0.1 only, dev mode, no
invite codes, no crawlers (no outbound traffic). Start-up takes 3-5 seconds (Node loading the
PDS's ~900 modules; more on a busy machine).

    with BlueskyPDS() as pds:
        account = pds.create_account()          # {"did", "handle", "accessJwt", "refreshJwt", ...}
        app_pw = pds.create_app_password(account["accessJwt"])["password"]
        requests.get(f"{pds.url}/xrpc/_health")

The Node process exits by itself (and removes its data directory) when the Python process
holding its stdin pipe dies, so a crashed test run leaves no orphan. Set
``BLUESKY_PDS_LOG=/some/file`` (or pass ``log_file=``) to keep the servers' logs. Node
dependencies are installed by ``npm ci --prefix tests/servers/bluesky`` (or
``scripts/install-node-deps``).
"""

from __future__ import annotations

import json
import os
import queue
import re
import secrets
import shutil
import subprocess
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import requests

from tests.servers.process import output_tail, stop_process

SERVER_DIR = Path(__file__).resolve().parent / "bluesky"
START_SCRIPT = SERVER_DIR / "start.mjs"
NODE_MODULES = SERVER_DIR / "node_modules"
INSTALL_COMMAND = "npm ci --prefix tests/servers/bluesky"
PDS_VERSION = "0.4.217"  # keep in step with tests/servers/bluesky/package.json
DEFAULT_PASSWORD = "correct-horse-battery-staple"
LOG_ENV = "BLUESKY_PDS_LOG"  # a file path: keep the PDS/PLC server logs (JSON lines) there

_HANDLE_PREFIX_RE = re.compile(r"[^a-z0-9]")


class BlueskyPDSUnavailable(RuntimeError):
    """The PDS cannot be started here (``node`` or its npm packages are missing)."""


class BlueskyPDSError(RuntimeError):
    """The PDS process failed to start, or an XRPC call made by the helper failed."""


def check_prerequisites(node: str | None = None) -> str:
    """Return the path of ``node``; raise ``BlueskyPDSUnavailable`` naming the fix if not usable."""
    node_path = shutil.which(node or os.environ.get("NODE", "node"))
    if not node_path:
        raise BlueskyPDSUnavailable(
            "Node.js (`node`, version 20 or newer) is not on PATH; the Bluesky PDS test server "
            f"needs it. Install Node.js 20+, then run: {INSTALL_COMMAND}"
        )
    pkg = NODE_MODULES / "@atproto" / "pds" / "package.json"
    if not pkg.is_file():
        raise BlueskyPDSUnavailable(
            f"{NODE_MODULES} is missing or incomplete (no @atproto/pds). "
            f"Install the PDS test server's packages with: {INSTALL_COMMAND} "
            "(or scripts/install-node-deps)"
        )
    installed = json.loads(pkg.read_text()).get("version")
    if installed != PDS_VERSION:
        raise BlueskyPDSUnavailable(
            f"{NODE_MODULES} has @atproto/pds {installed}, expected {PDS_VERSION} "
            f"(package-lock.json changed?). Reinstall with: {INSTALL_COMMAND}"
        )
    return node_path


class BlueskyPDS:
    """A throw-away reference PDS + PLC directory on 127.0.0.1.

    Attributes once started: ``url`` (PDS base URL, ``http://localhost:PORT``, also the
    service endpoint in every account's DID document), ``plc_url``, ``admin_password``,
    ``version`` (of @atproto/pds), ``pid``, ``data_dir``, ``startup_seconds``.
    """

    def __init__(
        self,
        *,
        node: str | None = None,
        pds_port: int = 0,
        plc_port: int = 0,
        startup_timeout: float = 60.0,
        request_timeout: float = 30.0,
        log_file: str | os.PathLike[str] | None = None,
    ) -> None:
        self._node = node
        self._pds_port = pds_port
        self._plc_port = plc_port
        self._startup_timeout = startup_timeout
        self.request_timeout = request_timeout
        self._log_file = log_file if log_file is not None else os.environ.get(LOG_ENV)
        self._proc: subprocess.Popen[bytes] | None = None
        self._stderr_file: Any = None
        self._counter = 0
        self._t0 = 0.0
        self.data_dir: Path | None = None
        self.url = ""
        self.plc_url = ""
        self.admin_password = ""
        self.pid: int | None = None
        self.version = ""
        self.startup_seconds: float | None = None
        self.session = requests.Session()

    # ------------------------------------------------------------------ lifecycle
    def start(self) -> BlueskyPDS:
        """Launch the server and wait until it answers; returns ``self``."""
        self.launch()
        return self.wait_ready()

    def launch(self) -> None:
        """Start the Node process without waiting for it (see :meth:`wait_ready`)."""
        if self._proc is not None:
            return
        node = check_prerequisites(self._node)
        self._t0 = time.monotonic()
        self.data_dir = Path(tempfile.mkdtemp(prefix="bluesky-pds-"))
        env = dict(os.environ)
        env.pop("NODE_OPTIONS", None)
        env.pop("LOG_DESTINATION", None)
        if self._log_file:
            env["LOG_ENABLED"] = "true"
            env["LOG_DESTINATION"] = str(Path(self._log_file).resolve())
        else:
            env.pop("LOG_ENABLED", None)
        # Anonymous file: nothing to clean up, and still readable if node fails early.
        self._stderr_file = tempfile.TemporaryFile()  # noqa: SIM115
        self._proc = subprocess.Popen(
            [
                node,
                str(START_SCRIPT),
                "--data-dir",
                str(self.data_dir),
                "--remove-data-dir",  # also when this process dies and node sees stdin EOF
                "--pds-port",
                str(self._pds_port),
                "--plc-port",
                str(self._plc_port),
            ],
            cwd=SERVER_DIR,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._stderr_file,
        )

    def wait_ready(self) -> BlueskyPDS:
        """Wait for the JSON ready line and a healthy ``/xrpc/_health``; returns ``self``."""
        if self.url:
            return self
        if self._proc is None:
            raise BlueskyPDSError("BlueskyPDS.wait_ready() called before launch()")
        try:
            info = self._read_ready_line()
            self.url = info["pds"]
            self.plc_url = info["plc"]
            self.admin_password = info["admin_password"]
            self.pid = info["pid"]
            self.version = info.get("version", "")
            # Count from now: the launch may have been long ago (early start at collection).
            self._wait_healthy(time.monotonic())
        except BaseException:
            self.stop()
            raise
        self.startup_seconds = time.monotonic() - self._t0
        return self

    def _read_ready_line(self) -> dict[str, Any]:
        assert self._proc is not None and self._proc.stdout is not None
        remaining = max(0.1, self._startup_timeout - (time.monotonic() - self._t0))
        lines: queue.Queue[bytes] = queue.Queue()
        stdout = self._proc.stdout
        threading.Thread(target=lambda: lines.put(stdout.readline()), daemon=True).start()
        try:
            line = lines.get(timeout=remaining)
        except queue.Empty:
            raise BlueskyPDSError(
                f"Bluesky PDS did not report ready within {self._startup_timeout:.0f}s."
                + self._stderr_tail()
            ) from None
        if not line:
            self._proc.wait(timeout=5)
            raise BlueskyPDSError(
                f"Bluesky PDS exited with code {self._proc.returncode} before it was ready."
                + self._stderr_tail()
            )
        try:
            return json.loads(line)
        except ValueError:
            raise BlueskyPDSError(
                f"Bluesky PDS printed {line[:200]!r} instead of its JSON ready line."
                + self._stderr_tail()
            ) from None

    def _wait_healthy(self, t0: float) -> None:
        last: Exception | None = None
        while time.monotonic() - t0 < self._startup_timeout:
            try:
                if self.session.get(f"{self.url}/xrpc/_health", timeout=5).ok:
                    return
            except requests.RequestException as exc:
                last = exc
            time.sleep(0.1)
        raise BlueskyPDSError(f"Bluesky PDS at {self.url} never became healthy: {last}")

    def _stderr_tail(self) -> str:
        return output_tail(self._stderr_file, "node stderr")

    def stop(self) -> None:
        proc, self._proc = self._proc, None
        if proc is not None:
            stop_process(proc)
            if proc.stdout:
                proc.stdout.close()
        if self._stderr_file is not None:
            self._stderr_file.close()
            self._stderr_file = None
        if self.data_dir is not None:
            shutil.rmtree(self.data_dir, ignore_errors=True)
            self.data_dir = None
        self.url = ""
        self.session.close()

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def __enter__(self) -> BlueskyPDS:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ------------------------------------------------------------------ XRPC helpers
    def xrpc(
        self,
        method: str,
        nsid: str,
        *,
        token: str | None = None,
        params: dict[str, Any] | None = None,
        json_body: Any = None,
        data: bytes | None = None,
        content_type: str | None = None,
    ) -> requests.Response:
        """Call ``{url}/xrpc/{nsid}`` and return the raw response (no status check)."""
        headers = {}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        if content_type:
            headers["Content-Type"] = content_type
        return self.session.request(
            method,
            f"{self.url}/xrpc/{nsid}",
            params=params,
            json=json_body,
            data=data,
            headers=headers,
            timeout=self.request_timeout,
        )

    def _ok(self, resp: requests.Response) -> dict[str, Any]:
        if not resp.ok:
            raise BlueskyPDSError(
                f"{resp.request.method} {resp.url} -> {resp.status_code}: {resp.text[:500]}"
            )
        return resp.json()

    def unique_handle(self, prefix: str = "user") -> str:
        """A handle no other call returned, e.g. ``alice1a2b3c4d.test`` (front part ≤ 18)."""
        self._counter += 1
        front = _HANDLE_PREFIX_RE.sub("", prefix.lower())[:6] or "user"
        return f"{front}{self._counter}{secrets.token_hex(3)}"[:18] + ".test"

    def create_account(
        self,
        handle: str | None = None,
        password: str = DEFAULT_PASSWORD,
        email: str | None = None,
    ) -> dict[str, Any]:
        """``com.atproto.server.createAccount``; returns the PDS's answer plus ``password``.

        Keys: ``did``, ``handle``, ``accessJwt``, ``refreshJwt``, ``password`` (and whatever
        else the PDS sends, e.g. ``didDoc``).
        """
        handle = handle or self.unique_handle()
        email = email or f"{handle.split('.', 1)[0]}@example.com"
        out = self._ok(
            self.xrpc(
                "POST",
                "com.atproto.server.createAccount",
                json_body={"handle": handle, "password": password, "email": email},
            )
        )
        out["password"] = password
        out["email"] = email
        return out

    def create_session(self, identifier: str, password: str) -> dict[str, Any]:
        """``com.atproto.server.createSession`` (log in with a handle/DID and password)."""
        return self._ok(
            self.xrpc(
                "POST",
                "com.atproto.server.createSession",
                json_body={"identifier": identifier, "password": password},
            )
        )

    def create_app_password(self, access_jwt: str, name: str | None = None) -> dict[str, Any]:
        """``com.atproto.server.createAppPassword``; returns ``{name, password, createdAt}``.

        ``access_jwt`` must come from a session opened with the account's main password.
        """
        self._counter += 1
        name = name or f"crosspost-test-{self._counter}-{secrets.token_hex(2)}"
        return self._ok(
            self.xrpc(
                "POST",
                "com.atproto.server.createAppPassword",
                token=access_jwt,
                json_body={"name": name},
            )
        )
