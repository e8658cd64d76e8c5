"""pytest plugin: fixtures for the real servers in ``tests/servers``.

Enable it from the root ``tests/conftest.py`` with::

    pytest_plugins = ["tests.servers.fixtures"]

Fixtures:

``bluesky_pds``
    Session-scoped :class:`~tests.servers.bluesky_pds.BlueskyPDS`: one reference PDS (plus
    in-memory PLC directory) per test session, i.e. one per xdist worker. ``.url`` is its base URL.
``bluesky_account``
    A fresh account (unique ``*.test`` handle) for each test: a dict with ``did``, ``handle``,
    ``password``, ``accessJwt``, ``refreshJwt``, ``email``.

Tests that use them should carry ``@pytest.mark.pds``; any test that requests ``bluesky_pds``
(directly or through another fixture) is also given the marker here, so ``-m "not pds"``
always deselects them. If Node.js or the npm packages are missing the fixture FAILS (it does
not skip) and names the fix: ``npm ci --prefix tests/servers/bluesky``. None of this needs
the Django database.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.servers.bluesky_pds import BlueskyPDS, BlueskyPDSError, BlueskyPDSUnavailable

_EARLY_PDS = pytest.StashKey[BlueskyPDS]()


@pytest.hookimpl(tryfirst=True)  # before the ``-m`` deselection sees the items
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if "bluesky_pds" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.pds)


def pytest_collection_finish(session: pytest.Session) -> None:
    """Launch the PDS as soon as we know a selected test needs it.

    Node spends a few seconds loading the PDS; launching it now overlaps that with the
    rest of the session's set-up (Django test database, earlier tests). The fixture then
    only waits for the ready line. Nothing is launched for ``--collect-only`` or when
    Node/npm packages are missing (the fixture reports that, when a test needs it).
    """
    config = session.config
    if config.option.collectonly:
        return
    if not any("bluesky_pds" in getattr(item, "fixturenames", ()) for item in session.items):
        return
    pds = BlueskyPDS()
    try:
        pds.launch()
    except BlueskyPDSUnavailable:
        return
    config.stash[_EARLY_PDS] = pds


def pytest_unconfigure(config: pytest.Config) -> None:
    # Launched but never used (e.g. ``-x`` stopped the run first): stop it.
    pds = config.stash.get(_EARLY_PDS, None)
    if pds is not None:
        pds.stop()


@pytest.fixture(scope="session")
def bluesky_pds(pytestconfig: pytest.Config) -> Iterator[BlueskyPDS]:
    pds = pytestconfig.stash.get(_EARLY_PDS, None) or BlueskyPDS()
    problem = None
    try:
        pds.start()  # waits for a launched server, or launches and waits
    except (BlueskyPDSUnavailable, BlueskyPDSError) as exc:
        problem = str(exc)
    if problem is not None:  # outside the except block: no chained traceback
        pytest.fail(f"Bluesky PDS test server could not start: {problem}", pytrace=False)
    try:
        yield pds
    finally:
        pds.stop()


@pytest.fixture
def bluesky_account(bluesky_pds: BlueskyPDS, request: pytest.FixtureRequest) -> dict[str, Any]:
    return bluesky_pds.create_account(
        handle=bluesky_pds.unique_handle(request.node.name.removeprefix("test_"))
    )


# ------------------------------------------------------------------ mastodon-mock
# ``mastodon_mock``: session-scoped :class:`~tests.servers.mastodon_mock.MastodonMockServer`, a
# third-party implementation of the Mastodon client API (not Mastodon itself) on 127.0.0.1,
# one per xdist worker. Tests that use it carry ``@pytest.mark.mastodon_server``. If
# ``.venv-mastodon-mock`` is missing the fixture FAILS (it does not skip) and names the fix:
# ``scripts/install-mastodon-mock``.


@pytest.fixture(scope="session")
def mastodon_mock() -> Iterator[Any]:
    from tests.servers.mastodon_mock import (
        MastodonMockError,
        MastodonMockServer,
        MastodonMockUnavailable,
    )

    server = MastodonMockServer()
    problem = None
    try:
        server.start()
    except (MastodonMockUnavailable, MastodonMockError) as exc:
        problem = str(exc)
    if problem is not None:  # outside the except block: no chained traceback
        pytest.fail(f"mastodon-mock test server could not start: {problem}", pytrace=False)
    try:
        yield server
    finally:
        server.stop()
