"""The demo site in processes of its own, as ``scripts/demo`` runs it: the example project's own
settings (``tests.browser.demo_settings``), a new SQLite file, ``migrate``, ``setup_demo``,
``runserver`` and ``crosspost_deliver --loop`` on a free port. The ``demo`` fixture
(``conftest.py``) starts one per test module."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
MANAGE = REPO_ROOT / "example_project" / "manage.py"


def manage(env: dict[str, str], *args: str, timeout: int = 240) -> str:
    """Runs the example project's ``manage.py`` with ``env``; fails the test on a non-zero exit."""
    result = subprocess.run(
        [sys.executable, str(MANAGE), *args],
        env=env,
        cwd=MANAGE.parent,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, f"manage.py {args[0]} failed:\n{output}"
    return output


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Demo:
    """The demo site in processes of its own, on its own database, as ``scripts/demo`` runs it."""

    def __init__(self) -> None:
        shm = Path("/dev/shm")
        self.workdir = tempfile.mkdtemp(prefix="crosspost-demo-", dir=shm if shm.is_dir() else None)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "tests.browser.demo_settings",
            "EXAMPLE_DB_PATH": os.path.join(self.workdir, "db.sqlite3"),
            "EXAMPLE_MEDIA_ROOT": os.path.join(self.workdir, "media"),
            "WAGTAILADMIN_BASE_URL": self.url,
            "PYTHONPATH": str(REPO_ROOT),
            "PYTHONUNBUFFERED": "1",
            "PYTHONDONTWRITEBYTECODE": "1",
        }
        self.env.pop("DATABASE_URL", None)
        self.processes: list[subprocess.Popen] = []

    def manage(self, *args: str) -> str:
        return manage(self.env, *args, timeout=300)

    def query(self, script: str) -> dict:
        """Runs ``script`` in the demo (``manage.py shell``); it prints one line of JSON."""
        return json.loads(self.manage("shell", "-c", script).strip().splitlines()[-1])

    def start(self) -> None:
        self.manage("migrate", "--no-input", "-v0")
        self.manage("setup_demo", "--port", str(self.port))
        for args in (
            ["crosspost_deliver", "--loop"],
            ["runserver", f"127.0.0.1:{self.port}", "--noreload"],
        ):
            log = open(os.path.join(self.workdir, f"{args[0]}.log"), "w")  # noqa: SIM115
            self.processes.append(
                subprocess.Popen(
                    [sys.executable, str(MANAGE), *args],
                    env=self.env,
                    cwd=MANAGE.parent,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                )
            )
        for _attempt in range(120):  # up to a minute for the server to answer
            try:
                with urllib.request.urlopen(self.url + "/admin/login/", timeout=2) as answer:
                    if answer.status == 200:
                        return
            except OSError:
                time.sleep(0.5)
        raise AssertionError("the demo server did not start:\n" + self.logs())

    def logs(self) -> str:
        return "\n".join(
            Path(self.workdir, name).read_text(errors="replace")[-4000:]
            for name in ("crosspost_deliver.log", "runserver.log")
            if Path(self.workdir, name).exists()
        )

    def stop(self) -> None:
        for process in self.processes:
            process.terminate()
        for process in self.processes:
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
        shutil.rmtree(self.workdir, ignore_errors=True)
