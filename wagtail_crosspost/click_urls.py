"""The public short-link redirect of our own click counting. Include it in the site's urls.py,
before Wagtail's catch-all::

    path("cp/", include("wagtail_crosspost.click_urls")),
"""

from django.urls import path

from .metrics.clicks import ROUTE, click

urlpatterns = [path("<str:code>/", click, name=ROUTE)]
