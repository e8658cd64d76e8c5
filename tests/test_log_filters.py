"""The logging filters are installed by the app's ready(), not by importing a module, and they
keep tokens out of real urllib3 and OAuth library log lines."""

import logging
import os
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import urllib3

from wagtail_crosspost import log_filters

ROOT = Path(__file__).resolve().parent.parent
SECRET = "s3cr3t-T0KEN"


class _Ok(BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Ok)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def test_a_real_request_logs_no_token(server, caplog):
    caplog.set_level(logging.DEBUG, logger="urllib3")
    http = urllib3.PoolManager()
    for path in (
        f"/v25.0/me?fields=id&access_token={SECRET}",  # Meta
        f"/bot{SECRET}/sendMessage",  # Telegram
        f"/oauth/token?client_secret={SECRET}&code={SECRET}",  # an OAuth exchange
    ):
        assert http.request("GET", server + path).status == 200
    lines = "\n".join(r.getMessage() for r in caplog.records)
    assert "/bot[redacted]/sendMessage" in lines
    assert "access_token=[redacted]" in lines
    assert "client_secret=[redacted]" in lines
    assert SECRET not in lines


def test_the_oauth_libraries_debug_lines_are_dropped(caplog):
    caplog.set_level(logging.DEBUG)
    logging.getLogger("oauthlib.oauth1.rfc5849").debug("Signature: %s", SECRET)
    logging.getLogger("requests_oauthlib.oauth2_session").debug("Token: %s", SECRET)
    logging.getLogger("oauthlib").info("kept")
    messages = [r.getMessage() for r in caplog.records]
    assert SECRET not in "\n".join(messages)
    assert "kept" in messages


def test_install_is_idempotent():
    logger = logging.getLogger("urllib3.connectionpool")
    before = list(logger.filters)
    log_filters.install()
    log_filters.install()
    assert logger.filters == before


def test_importing_installs_nothing_and_ready_installs_the_filters():
    script = (
        "import logging\n"
        "import wagtail_crosspost.adapters.http, wagtail_crosspost.adapters.redact\n"
        "names = ('urllib3.connectionpool', 'oauthlib')\n"
        "print([len(logging.getLogger(n).filters) for n in names])\n"
        "import django; django.setup()\n"
        "print([type(f).__name__ for n in names for f in logging.getLogger(n).filters])\n"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings", "PYTHONPATH": str(ROOT)}
    out = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()
    assert out[0] == "[0, 0]"
    assert out[1] == "['RedactURLSecrets', 'RedactQueryParams', 'DropDebug']"
