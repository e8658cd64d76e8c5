"""Status groups and the permission are defined once (models, permissions.py) and used by the
panel, its polling endpoint and the JSON API alike."""

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from wagtail_crosspost.models import Channel, Publication
from wagtail_crosspost.permissions import (
    CROSSPOST_PAGE,
    CROSSPOST_PAGE_CODENAME,
    user_can_crosspost,
)

Status = Publication.Status


def test_the_permission_name_is_the_models_permission(django_user_model, db):
    assert (CROSSPOST_PAGE_CODENAME, "Can choose channels to post pages to") in [
        (codename, str(label)) for codename, label in Channel._meta.permissions
    ]
    permission = Permission.objects.get(
        content_type__app_label="wagtail_crosspost", codename=CROSSPOST_PAGE_CODENAME
    )
    user = django_user_model.objects.create_user("p", "p@example.com", "pw")
    assert not user_can_crosspost(user)
    user.user_permissions.add(permission)
    user = django_user_model.objects.get(pk=user.pk)
    assert user.has_perm(CROSSPOST_PAGE) and user_can_crosspost(user)
    user.is_active = False
    assert not user_can_crosspost(user)


@pytest.mark.parametrize("status", list(Status))
def test_status_groups(status):
    row = Publication(status=status)
    assert row.in_flight == (status in (Status.PENDING, Status.SENDING))
    assert row.can_retry == (status in (Status.FAILED, Status.UNKNOWN))


def test_the_panel_json_and_the_api_agree_on_a_row(admin_client, make_article, channel):
    from wagtail_crosspost.api_views import publication_json
    from wagtail_crosspost.history import publication_status_json

    page = make_article()
    row = Publication.objects.create(
        page=page, page_title=page.title, channel=channel, status=Status.FAILED, error="Nope"
    )
    shared = publication_status_json(row)
    assert publication_json(row).items() >= shared.items()
    [polled] = admin_client.get(reverse("wagtail_crosspost:page_status", args=[page.pk])).json()[
        "publications"
    ]
    assert polled.items() >= shared.items()
    assert polled["status_label"] == "Failed"
