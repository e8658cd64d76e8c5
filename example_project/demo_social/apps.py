from django.apps import AppConfig


class DemoSocialConfig(AppConfig):
    name = "example_project.demo_social"
    label = "demo_social"
    verbose_name = "Demo wall"
    default_auto_field = "django.db.models.BigAutoField"
