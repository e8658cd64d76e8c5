from django.apps import AppConfig


class HomeConfig(AppConfig):
    name = "example_project.home"
    label = "home"
    verbose_name = "Muster Maschinenbau: pages"
    default_auto_field = "django.db.models.BigAutoField"
