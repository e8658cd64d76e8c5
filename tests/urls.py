from django.urls import include, path
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls

urlpatterns = [
    path("admin/", include(wagtailadmin_urls)),
    path("crosspost/", include("wagtail_crosspost.public_urls")),
    path("cp/", include("wagtail_crosspost.click_urls")),
    path("", include(wagtail_urls)),
]
