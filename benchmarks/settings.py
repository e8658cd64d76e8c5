"""Settings for the benchmarks: only what Wagtail images need, an on-disk SQLite database and
media in a temporary directory (``CROSSPOST_BENCH_DIR``) that the measured child processes share.
"""

import os
import tempfile

BENCH_DIR = os.environ.get("CROSSPOST_BENCH_DIR") or tempfile.mkdtemp(prefix="crosspost-bench-")
SECRET_KEY = "benchmarks-only-not-secret"  # noqa: S105
USE_TZ = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": os.path.join(BENCH_DIR, "db.sqlite3"),
    }
}
INSTALLED_APPS = [
    "wagtail.images",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
]
MEDIA_ROOT = os.path.join(BENCH_DIR, "media")
MEDIA_URL = "/media/"
STATIC_URL = "/static/"
WAGTAILADMIN_BASE_URL = "http://bench.example"
# No shared rendition cache: every measured run starts cold and finds renditions in the database.
CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
