from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WagtailCrosspostConfig(AppConfig):
    name = "wagtail_crosspost"
    label = "wagtail_crosspost"
    verbose_name = _("Crosspost")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Wiring only; no work at start-up.
        from . import checks  # noqa: F401  (registers the system checks)
        from .panels import install_auto_panel
        from .signal_handlers import connect

        connect()
        install_auto_panel()
