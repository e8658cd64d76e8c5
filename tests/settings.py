"""Settings for the test suite. ``DATABASE_URL`` picks the database (default: SQLite in memory)."""

import os
from urllib.parse import urlparse

BASE_DIR = os.path.dirname(os.path.abspath(__file__))
SECRET_KEY = "tests-only-not-secret"  # noqa: S105
DEBUG = False
ALLOWED_HOSTS = ["*"]
USE_TZ = True
TIME_ZONE = "UTC"
LANGUAGE_CODE = "en"
USE_I18N = True
WAGTAIL_I18N_ENABLED = False
WAGTAIL_SITE_NAME = "Crosspost tests"
WAGTAILADMIN_BASE_URL = "http://testserver"
ROOT_URLCONF = "tests.urls"
STATIC_URL = "/static/"
STATIC_ROOT = os.path.join(BASE_DIR, "..", ".tmp", "static")
MEDIA_URL = "/media/"
MEDIA_ROOT = os.path.join(BASE_DIR, "..", ".tmp", "media", str(os.getpid()))
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _database(url: str | None) -> dict:
    if not url:
        return {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}
    parsed = urlparse(url)
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": parsed.path.lstrip("/") or "crosspost",
        "USER": parsed.username or "postgres",
        "PASSWORD": parsed.password or "",
        "HOST": parsed.hostname or "127.0.0.1",
        "PORT": str(parsed.port or 5432),
        "TEST": {"NAME": (parsed.path.lstrip("/") or "crosspost") + "_test"},
    }


DATABASES = {"default": _database(os.environ.get("DATABASE_URL"))}

INSTALLED_APPS = [
    "tests.testapp",
    "wagtail_crosspost",
    "wagtail.contrib.forms",
    "wagtail.contrib.settings",
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
]

MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
]
INSTALLED_APPS.insert(0, "wagtail.contrib.redirects")

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ]
        },
    }
]

CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}

# The fake platforms listen on 127.0.0.1, which the outbound gate refuses by default; tests of
# the refusal itself (tests/security, the check_public_url tests) turn this off.
WAGTAILCROSSPOST_ALLOW_PRIVATE_URLS = True
# Send inside the publish, as before issue #13, so a test sees the outcome right after it
# publishes; tests/outbox/test_background.py covers the default (a thread after the commit).
WAGTAILCROSSPOST_DELIVER_IN_BACKGROUND = False
# Plan inside the publish, as before issue #13, so a test finds the rows right after it publishes
# (with pytest-django's transaction per test, on_commit callbacks never run);
# tests/outbox/test_later.py covers the default (planned after the commit).
WAGTAILCROSSPOST_PLAN_AFTER_COMMIT = False
