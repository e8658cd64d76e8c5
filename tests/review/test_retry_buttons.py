"""The publication log's Retry and Delete remote post buttons show only for channels the user
may post to (the actions refuse the others anyway)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from wagtail_crosspost.models import Publication

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("who", "shown"),
    [("editor_without", False), ("editor_with", True), ("superuser", True)],
)
def test_retry_button_only_where_the_user_may_post(company, client, who, shown):
    row = Publication.objects.create(
        page=company["page"],
        page_title="Open day",
        channel=company["locked"],
        status=Publication.Status.FAILED,
        error="boom",
    )
    client.force_login(company["users"][who])
    response = client.get(reverse("wagtail_crosspost_log:inspect", args=[row.pk]))
    assert response.status_code == 200
    retry_url = reverse("wagtail_crosspost:retry", args=[row.pk])
    assert (retry_url in response.content.decode()) is shown
