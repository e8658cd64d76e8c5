"""Shared set-up for the delivery benchmarks: Django with the test settings on a fresh database.

``setup("postgres")`` uses PostgreSQL on 127.0.0.1:5432 (``CROSSPOST_BENCH_PG`` overrides the
server URL) when it answers, else SQLite; ``setup("sqlite")`` always uses SQLite (a file in a
temporary directory, so child processes can share it). The database is created from the models
directly (no migrations: seconds instead of a minute), gets the root page, locale and default
site that Wagtail's migrations would have made, and is dropped at exit. Everything talks to
127.0.0.1 only.
"""

from __future__ import annotations

import atexit
import os
import sys
import tempfile
from dataclasses import dataclass
from urllib.parse import urlparse

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PG_SERVER = os.environ.get("CROSSPOST_BENCH_PG", "postgres://postgres@127.0.0.1:5432/postgres")


@dataclass
class Database:
    vendor: str  # "postgresql" or "sqlite"
    name: str  # the database's name (PostgreSQL) or file (SQLite)
    url: str  # DATABASE_URL for child processes ("" for SQLite)
    note: str  # how it was chosen, for the report

    def child_env(self, settings_module: str) -> dict[str, str]:
        """Environment for a child process that works on the same database."""
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": settings_module, "PYTHONUNBUFFERED": "1"}
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [ROOT, os.environ.get("PYTHONPATH")]))
        if self.url:
            env["DATABASE_URL"] = self.url
        else:
            env.pop("DATABASE_URL", None)
            env["CROSSPOST_BENCH_SQLITE"] = self.name
        return env


def postgres_reachable(url: str = PG_SERVER) -> bool:
    try:
        import psycopg
    except ImportError:
        return False
    parts = urlparse(url)
    try:
        with psycopg.connect(
            host=parts.hostname or "127.0.0.1",
            port=parts.port or 5432,
            user=parts.username or "postgres",
            password=parts.password or None,
            dbname=parts.path.lstrip("/") or "postgres",
            connect_timeout=3,
        ):
            return True
    except Exception:
        return False


def setup(prefer: str = "postgres", settings_module: str = "tests.settings") -> Database:
    """Configure Django, create the benchmark database and return what was chosen."""
    sys.path.insert(0, ROOT)
    os.environ["DJANGO_SETTINGS_MODULE"] = settings_module
    use_pg = prefer == "postgres" and postgres_reachable()
    if use_pg:
        parts = urlparse(PG_SERVER)
        # tests.settings names the created database "<name>_test".
        os.environ["DATABASE_URL"] = parts._replace(path=f"/crosspost_bench_{os.getpid()}").geturl()
        note = "PostgreSQL (reachable on 127.0.0.1)"
    else:
        os.environ.pop("DATABASE_URL", None)
        note = "SQLite" + (" (PostgreSQL not reachable)" if prefer == "postgres" else "")

    import django

    django.setup()
    from django.db import connection

    if not use_pg:
        tmp = tempfile.mkdtemp(prefix="crosspost-bench-")
        connection.settings_dict["TEST"]["NAME"] = os.path.join(tmp, "bench.sqlite3")
    connection.settings_dict["TEST"]["MIGRATE"] = False  # tables straight from the models
    old_name = connection.settings_dict["NAME"]
    name = connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    atexit.register(_drop, old_name)
    make_site()
    url = ""
    if use_pg:
        url = urlparse(PG_SERVER)._replace(path=f"/{name}").geturl()
    return Database(connection.vendor, name, url, note)


def _drop(old_name: str) -> None:
    from django.db import connection

    try:
        connection.close()
        connection.creation.destroy_test_db(old_name, verbosity=0)
    except Exception as exc:  # never hide the benchmark's own output
        print(f"(could not drop the benchmark database: {exc})", file=sys.stderr)


def make_site():
    """The locale, root page, home page and default site that Wagtail's migrations create."""
    from wagtail.models import Locale, Page, Site

    Locale.objects.get_or_create(language_code="en")
    root = Page.get_first_root_node() or Page.add_root(title="Root", slug="root")
    site = Site.objects.filter(is_default_site=True).first()
    if site is None:
        home = root.add_child(title="Home", slug="home")
        site = Site.objects.create(hostname="localhost", root_page=home, is_default_site=True)
    return site.root_page


def make_admin_fixture(channels: int = 10, pages: int = 50):
    """The site, a superuser ``bench``, ``channels`` webhook channels and ``pages`` articles.

    The common start of the admin benchmarks (log list, calendar, report): returns
    ``(home, user, channels, pages)``.
    """
    from django.contrib.auth import get_user_model

    from tests.testapp.models import ArticlePage
    from wagtail_crosspost.models import Channel

    home = make_site()
    user = get_user_model().objects.create_superuser("bench", "bench@example.com", "x")
    made = [
        Channel.objects.create(platform="webhook", name=f"Channel {i}") for i in range(channels)
    ]
    articles = []
    for n in range(pages):
        page = ArticlePage(title=f"Article {n}", intro="An intro.", slug=f"article-{n}")
        home.add_child(instance=page)
        articles.append(page)
    return home, user, made, articles


def median(values: list[float]) -> float:
    ordered = sorted(values)
    mid = len(ordered) // 2
    return ordered[mid] if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2
