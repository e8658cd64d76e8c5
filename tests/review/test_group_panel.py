"""The "Social channel permissions" panel in Wagtail's group editor (Settings → Groups)."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import translation

from wagtail_crosspost.review.group_panel import GroupChannelPermissionsForm
from wagtail_crosspost.review.models import GroupChannelPermission

pytestmark = pytest.mark.django_db


def group_form_data(response, name, **fields):
    """The group editor's form as the browser sends it: every permission panel's formset empty
    (a new group), plus ``fields``."""
    data = {"name": name}
    for panel in response.context["permission_panels"]:
        management = getattr(panel, "management_form", None)
        if management is not None:
            for key, value in management.initial.items():
                data[f"{panel.prefix}-{key}"] = value
    data.update(fields)
    return data


def test_a_new_group_gets_rights_per_channel(admin_client, company):
    url = reverse("wagtailusers_groups:add")
    response = admin_client.get(url)
    html = response.content.decode()
    assert "Social channel permissions" in html
    assert "Locked" in html and "May manage this channel" in html
    prefix = GroupChannelPermissionsForm.prefix
    data = group_form_data(
        response,
        "Press office",
        **{
            f"{prefix}-channel_{company['open'].pk}": ["post", "approve"],
            f"{prefix}-channel_{company['locked'].pk}": ["manage"],
        },
    )
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.context["form"].errors
    group = Group.objects.get(name="Press office")
    rows = GroupChannelPermission.objects.filter(group=group)
    assert set(rows.values_list("channel__name", "permission")) == {
        ("Open", "post"),
        ("Open", "approve"),
        ("Locked", "manage"),
    }


def test_editing_a_group_shows_and_changes_its_rights(admin_client, company):
    agency = company["agency"]
    form = GroupChannelPermissionsForm(instance=agency)
    assert form[f"channel_{company['locked'].pk}"].initial == ["post"]
    prefix = GroupChannelPermissionsForm.prefix
    data = {f"{prefix}-channel_{company['open'].pk}": ["post"]}
    form = GroupChannelPermissionsForm(data=data, instance=agency)
    assert form.is_valid()
    form.save()
    # "Locked" is no longer restricted for posting (nobody holds the right), "Open" now is.
    rows = GroupChannelPermission.objects.filter(permission="post")
    assert set(rows.values_list("group__name", "channel__name")) == {("Agency", "Open")}


def test_an_unknown_right_is_refused(company):
    prefix = GroupChannelPermissionsForm.prefix
    data = {f"{prefix}-channel_{company['open'].pk}": ["own"]}
    form = GroupChannelPermissionsForm(data=data, instance=company["agency"])
    assert not form.is_valid()


def test_the_panel_speaks_german(admin_client, company):
    with translation.override("de"):
        html = GroupChannelPermissionsForm(instance=company["agency"]).as_admin_panel()
    assert "Berechtigungen für Social-Media-Kanäle" in html
    assert "Verwalten" in html
