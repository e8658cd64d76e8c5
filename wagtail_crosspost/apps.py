from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WagtailCrosspostConfig(AppConfig):
    name = "wagtail_crosspost"
    label = "wagtail_crosspost"
    verbose_name = _("Crosspost")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Wiring only; no work at start-up.
        from . import (
            autopanel,
            checks,  # noqa: F401  (registers the system checks)
            log_filters,
        )
        from .evergreen import checks as evergreen_checks
        from .metrics import rollup
        from .metrics.clicks import tracked_inputs
        from .outbox.links import set_link_hook
        from .outbox.rights import register_plan_gate, register_posting_check
        from .review import approval_mail, notifications, workflow
        from .review.rights import allowed_to_post
        from .schedule import timing
        from .signal_handlers import connect

        connect()
        register_posting_check(allowed_to_post)  # rights per channel, asked at planning time
        register_plan_gate(workflow.gate)  # a post that needs an approval waits for it
        workflow.install()
        approval_mail.connect()
        notifications.connect()
        autopanel.connect()
        autopanel.install()
        log_filters.install()
        rollup.connect()  # a saved snapshot updates its publication's latest figures
        set_link_hook(tracked_inputs)  # our own click counting: the short link in the post
        timing.install()  # the outbox asks the schedule when a new post is due
        evergreen_checks.install()  # and the evergreen layer whether a re-share may still go
        exclude_choices_from_copies()


def exclude_choices_from_copies() -> None:
    """A copy, alias or translation starts with no channels ticked: the editor chooses anew."""
    from wagtail.models import Page

    from .choices import RELATION_NAME

    if RELATION_NAME not in Page.default_exclude_fields_in_copy:
        Page.default_exclude_fields_in_copy = [*Page.default_exclude_fields_in_copy, RELATION_NAME]
