import pytest
from django.db import connection

from wagtail_crosspost.adapters import locmem

pytest_plugins = ["tests.factories", "tests.servers.fixtures"]


def pytest_collection_modifyitems(config, items):
    """Tests marked ``postgres`` run in the PostgreSQL legs of scripts/test only."""
    from django.conf import settings

    engine = settings.DATABASES["default"]["ENGINE"]
    if "postgresql" in engine:
        return
    keep, dropped = [], []
    for item in items:
        (dropped if item.get_closest_marker("postgres") else keep).append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = keep


@pytest.fixture(autouse=True)
def _empty_outbox():
    locmem.outbox.clear()
    yield
    locmem.outbox.clear()


@pytest.fixture(autouse=True)
def _fresh_adapter_registry():
    from wagtail_crosspost.adapters import clear_cache

    clear_cache()
    yield
    clear_cache()


@pytest.fixture(autouse=True)
def _fresh_image_caches():
    # Wagtail caches renditions by image id, and ids repeat after a test's rollback; the image
    # engine keeps the last decoded source for the page's next channel.
    from wagtail.images.models import Rendition

    from wagtail_crosspost.compose import images

    Rendition.cache_backend.clear()
    images.forget_sources()
    yield
    images.forget_sources()


@pytest.fixture
def is_postgres():
    return connection.vendor == "postgresql"


@pytest.fixture
def local_platform(settings):
    """For tests against a platform fake on 127.0.0.1: allow that address, keep timeouts short,
    and start and end with an empty cache (instance limits and sessions are cached per URL)."""
    from django.core.cache import cache

    settings.WAGTAILCROSSPOST_ALLOW_PRIVATE_URLS = True
    settings.WAGTAILCROSSPOST_HTTP_TIMEOUT = (2, 2)
    cache.clear()
    yield
    cache.clear()
