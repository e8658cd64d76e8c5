from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

from example_project.demo_social import urls as demo_social_urls

urlpatterns = [
    path("django-admin/", admin.site.urls),
    path("admin/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    path("social-wall/", include(demo_social_urls)),
    path("crosspost/api/", include("wagtail_crosspost.api_urls")),
    path("crosspost/", include("wagtail_crosspost.public_urls")),
    # Our own click counting: the short link a post carries (docs/how-to/click-counting.md).
    path("cp/", include("wagtail_crosspost.click_urls")),
]

if settings.DEBUG:
    from django.conf.urls.static import static
    from django.contrib.staticfiles.urls import staticfiles_urlpatterns

    urlpatterns += staticfiles_urlpatterns()
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

urlpatterns += [path("", include(wagtail_urls))]
