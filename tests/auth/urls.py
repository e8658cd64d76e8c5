"""The test URLconf: the package's admin URLs with the connect URLs mounted the way the package
mounts them (``connect/`` inside the ``wagtail_crosspost`` namespace), ahead of Wagtail's admin."""

from django.urls import include, path
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls

from wagtail_crosspost import urls as crosspost_urls

patterns = list(crosspost_urls.urlpatterns)
if not any(getattr(p, "app_name", None) == "auth" for p in patterns):
    patterns.append(path("connect/", include("wagtail_crosspost.auth.urls")))

urlpatterns = [
    path("admin/crosspost/", include((patterns, "wagtail_crosspost"))),
    path("admin/", include(wagtailadmin_urls)),
    path("", include(wagtail_urls)),
]
