"""Fixtures for the browser tests: a headless Chromium (Debian's, never a downloaded one) driven
by Playwright against pytest-django's ``live_server``, and a screenshot of every failure."""

from __future__ import annotations

import os
import re
import threading
from pathlib import Path

import pytest

from .helpers import PASSWORD

# Playwright's sync API runs an event loop in this thread; Django's ORM calls from the test (and
# the live server sharing an in-memory SQLite connection) would otherwise be refused.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
VIEWPORT = {"width": 1280, "height": 900}


@pytest.fixture(scope="module")
def _playwright(django_db_setup, django_db_blocker):
    """Playwright's sync API keeps its event loop marked as running between calls. Django keeps
    database connections per thread, but per *context* while a loop runs: without help the tests
    would get fresh connection objects (no serialized data to roll back to, and for in-memory
    SQLite a different connection than the live server's). Point them at the thread's own.
    Module-scoped, so that no test outside this folder runs with the loop marked as running."""
    sync_api = pytest.importorskip("playwright.sync_api")
    from django.db import connections

    with django_db_blocker.unblock():
        wrappers = {alias: connections[alias] for alias in connections}
    with sync_api.sync_playwright() as playwright:
        for alias, wrapper in wrappers.items():
            connections[alias] = wrapper
        yield playwright


@pytest.fixture(scope="module")
def browser(_playwright):
    from playwright.sync_api import expect

    expect.set_options(timeout=15_000)
    executable = os.environ.get("CROSSPOST_CHROMIUM", "/usr/bin/chromium")
    if not os.path.exists(executable):
        pytest.skip(f"no Chromium at {executable} (set CROSSPOST_CHROMIUM)")
    browser = _playwright.chromium.launch(
        executable_path=executable, headless=True, args=CHROMIUM_ARGS
    )
    yield browser
    browser.close()


class _OneRequestAtATime:
    """For an in-memory SQLite database the live server's threads share the test's connection:
    two requests at once (the preview's fetch and a submit) would interleave their transactions.
    Let one request at a time use it; the browser still opens as many sockets as it likes."""

    lock = threading.RLock()

    def set_app(self, application):
        from django.conf import settings

        files = tuple(p for p in (settings.STATIC_URL, settings.MEDIA_URL) if p)

        def serialised(environ, start_response):
            if environ.get("PATH_INFO", "").startswith(files):
                return application(environ, start_response)  # no database
            with self.lock:
                return application(environ, start_response)

        super().set_app(serialised)


@pytest.fixture(scope="session")
def live_server(request):
    """pytest-django's, except that with in-memory SQLite one request at a time runs."""
    from django.test.testcases import LiveServerThread
    from pytest_django.live_server_helper import LiveServer

    addr = (
        request.config.getvalue("liveserver")
        or os.getenv("DJANGO_LIVE_TEST_SERVER_ADDRESS")
        or "localhost"
    )
    server = LiveServer(addr, start=False)
    if server.thread.connections_override:
        base = LiveServerThread.server_class
        server.thread.server_class = type("SerialisedServer", (_OneRequestAtATime, base), {})
    server.start()
    yield server
    server.stop()


@pytest.fixture
def logged_in(page, live_server):
    """Log ``user`` in without the login form (the form has its own test): a session cookie."""
    from django.conf import settings
    from django.test import Client

    def log_in(user):
        client = Client()
        client.force_login(user)
        cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
        page.context.add_cookies(
            [{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}]
        )
        return page

    return log_in


@pytest.fixture
def superuser(db, django_user_model):
    return django_user_model.objects.create_superuser("admin", "admin@example.com", PASSWORD)


@pytest.fixture
def dialogs():
    """Every JavaScript dialog (alert, confirm, prompt) a page opened: must stay empty."""
    return []


@pytest.fixture
def page(browser, dialogs, live_server):
    context = browser.new_context(viewport=VIEWPORT, base_url=live_server.url, locale="en-GB")
    # Generous: CI runs two workers on PostgreSQL next to other jobs.
    context.set_default_timeout(30_000)
    # Only the live server: no update check (releases.wagtail.org), avatars or fonts from afar.
    context.route(
        lambda url: not url.startswith(live_server.url),
        lambda route: route.abort(),
    )
    tab = context.new_page()

    def on_dialog(dialog):
        dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    tab.on("dialog", on_dialog)
    yield tab
    context.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.when == "call" and report.failed:
        tab = item.funcargs.get("page") if hasattr(item, "funcargs") else None
        if tab is not None and not tab.is_closed():
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            name = re.sub(r"[^\w.-]+", "_", item.name)
            try:
                tab.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
            except Exception as exc:  # noqa: BLE001 - a failing screenshot must not hide the test
                report.sections.append(("screenshot", f"could not save a screenshot: {exc}"))
    return report


@pytest.fixture(scope="module")
def demo():
    """The demo site (``tests/browser/demo.py``), started once for the module that asks for it."""
    from .demo import Demo

    site = Demo()
    try:
        site.start()
        yield site
    finally:
        site.stop()
