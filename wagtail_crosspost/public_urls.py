"""Public URLs (no admin login): the signed preview link for reviewers, the calendar feed.

Include them in the site's URLconf, before Wagtail's catch-all::

    path("crosspost/", include("wagtail_crosspost.public_urls")),
"""

from django.urls import path

from .schedule import feed_views
from .views import review_link

app_name = "wagtail_crosspost_public"
urlpatterns = [
    path("review/<str:token>/", review_link.public, name="preview_link"),
    path("calendar/<str:token>.ics", feed_views.calendar_feed, name="calendar_feed"),
]
