"""URLs of the headless JSON API. Mount them in the site's urls.py, before Wagtail's catch-all::

path("crosspost/api/", include("wagtail_crosspost.api_urls")),

The page id is taken as text so that a bad one (``abc``, too large) gets the API's JSON 400.
"""

from django.urls import path

from . import api_views

app_name = "wagtail_crosspost_api"
urlpatterns = [
    path(
        "pages/<str:page_id>/publications/",
        api_views.page_publications,
        name="page_publications",
    ),
    path("pages/<str:page_id>/crosspost/", api_views.page_crosspost, name="page_crosspost"),
]
