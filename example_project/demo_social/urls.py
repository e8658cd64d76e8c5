from django.urls import path

from . import views

app_name = "demo_social"
urlpatterns = [
    path("", views.wall, name="wall"),
    path("<int:pk>/", views.detail, name="detail"),
]
