"""Connect/disconnect URLs. Mounted inside the package's admin URLs (namespace
``wagtail_crosspost``) as ``path("connect/", include("wagtail_crosspost.auth.urls"))``, so the
names are ``wagtail_crosspost:auth:start`` etc. The callback to register with the platforms is
``https://<admin host>/<admin path>/crosspost/connect/callback/``."""

from django.urls import path

from . import views, wizard

app_name = "auth"
urlpatterns = [
    path("start/", views.start, name="start"),
    path("callback/", views.callback, name="callback"),
    path("choose/<str:key>/", views.choose, name="choose"),
    path("channels/<int:pk>/disconnect/", views.disconnect, name="disconnect"),
    path("apps/<str:platform>/", wizard.app_wizard, name="app"),
]
