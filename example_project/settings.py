"""Settings of the example site: SQLite, DEBUG on, everything offline. Not for production.

``EXAMPLE_DB_PATH`` and ``EXAMPLE_MEDIA_ROOT`` move the database and the uploads (the tests use
them to run against a throw-away copy).
"""

import os
from pathlib import Path

from django.utils.translation import gettext_lazy as _

PROJECT_DIR = Path(__file__).resolve().parent

SECRET_KEY = "example-project-only-not-secret"  # a local demo; never deploy this file
DEBUG = True
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver"]

INSTALLED_APPS = [
    "example_project.home",
    "example_project.demo_social",
    "wagtail_crosspost",
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
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
    "django_filters",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # After sessions, before common: the admin follows the browser's language (en or de).
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
]

ROOT_URLCONF = "example_project.urls"
WSGI_APPLICATION = "example_project.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PROJECT_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": os.environ.get("EXAMPLE_DB_PATH") or PROJECT_DIR / "db.sqlite3",
        # Background delivery threads write beside the web request: with IMMEDIATE transactions
        # SQLite waits for its lock instead of failing with "database is locked".
        "OPTIONS": {"transaction_mode": "IMMEDIATE"},
    }
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# The demo accounts have the passwords "admin" and "editor": no validators for this local demo.
AUTH_PASSWORD_VALIDATORS: list = []

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("de", _("German"))]
WAGTAILADMIN_PERMITTED_LANGUAGES = LANGUAGES
TIME_ZONE = "Europe/Berlin"
USE_I18N = True
USE_TZ = True

STATICFILES_DIRS = [PROJECT_DIR / "static"]
STATIC_ROOT = PROJECT_DIR / "static_collected"
STATIC_URL = "/static/"
MEDIA_ROOT = os.environ.get("EXAMPLE_MEDIA_ROOT") or PROJECT_DIR / "media"
MEDIA_URL = "/media/"

DATA_UPLOAD_MAX_NUMBER_FIELDS = 10_000

WAGTAIL_SITE_NAME = "Muster Maschinenbau GmbH"
# scripts/demo sets it when the demo runs on another port (PORT=8001 scripts/demo).
WAGTAILADMIN_BASE_URL = os.environ.get("WAGTAILADMIN_BASE_URL", "http://127.0.0.1:8000")
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}
# Offline demo: no calls to releases.wagtail.org or gravatar.com from the admin.
WAGTAIL_ENABLE_UPDATE_CHECK = False
WAGTAIL_GRAVATAR_PROVIDER_URL = None
# Moderation notifications are printed in the runserver terminal instead of being mailed.
EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
DEFAULT_FROM_EMAIL = "website@muster-maschinenbau.example"

# Posts are delivered inside the publishing request, so the demo needs no worker. A real site
# points this at a queue (django-tasks-db, RQ, Celery) and runs `manage.py crosspost_deliver`.
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}

WAGTAILCROSSPOST_ADAPTERS = ["example_project.demo_social.DemoWallAdapter"]
# The Demo wall and Console are offline development adapters: offer them for new channels even
# if someone turns DEBUG off to try the demo.
WAGTAILCROSSPOST_SHOW_DEV_ADAPTERS = True
# scripts/demo runs `crosspost_deliver --loop`: with this it also makes scheduled pages live, so
# a page scheduled in the demo goes live and posts with no cron line.
WAGTAILCROSSPOST_PUBLISH_SCHEDULED = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {"wagtail_crosspost": {"handlers": ["console"], "level": "INFO"}},
}
