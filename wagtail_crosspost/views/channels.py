"""Settings → Social channels: connect accounts, see their health, test the connection."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import Http404
from django.urls import reverse
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from wagtail.admin.ui.tables import BooleanColumn, Column, StatusTagColumn
from wagtail.admin.views import generic
from wagtail.admin.viewsets.model import ModelViewSet

from .. import conf
from ..adapters import get_adapter_class, get_adapters
from ..auth.ui import connect_context, token_expiry
from ..forms import channel_form_class
from ..models import Channel
from ..review.rights import manageable_channels


def field_label(name: str) -> str:
    """A channel field's translated name (the model says it once)."""
    return Channel._meta.get_field(name).verbose_name  # type: ignore[union-attr,return-value]


def show_dev_adapters() -> bool:
    """Offer development adapters (``offline``: console, locmem, a demo's) for new channels?"""
    return bool(settings.DEBUG or conf.get("SHOW_DEV_ADAPTERS"))


def offered_platforms() -> dict[str, Any]:
    """The adapters a new channel may use: all of them, less the offline ones in production."""
    show = show_dev_adapters()
    return {
        key: cls
        for key, cls in get_adapters().items()
        if show or not getattr(cls, "offline", False)
    }


class PlatformFormMixin:
    def get_panel(self):
        return None

    def get_platform(self) -> str:
        raise NotImplementedError

    def get_form_class(self):
        try:
            return channel_form_class(self.get_platform())
        except LookupError:
            raise Http404(_("Unknown platform.")) from None

    def save_instance(self):
        """Credentials typed into the form connect the channel: the site history says who."""
        instance = super().save_instance()  # type: ignore[misc]
        if getattr(getattr(self, "form", None), "credentials_replaced", False):
            from ..review.audit import CHANNEL_CONNECTED, log_channel

            log_channel(instance, CHANNEL_CONNECTED, self.request.user)  # type: ignore[attr-defined]
        return instance


class VisibleChannelsMixin:
    """Only the channels of the sites the user has rights on (and those for every site), and of
    those only the ones they may manage (rights per channel, ``review.rights``)."""

    request: Any

    def get_queryset(self):
        return manageable_channels(self.request.user)


class ChannelIndexView(generic.IndexView):
    def get_base_queryset(self):
        return Channel.objects.visible_to(self.request.user)


class ChannelDeleteView(VisibleChannelsMixin, generic.DeleteView):
    pass


class ChannelCreateView(PlatformFormMixin, generic.CreateView):
    def get_platform(self) -> str:
        return self.request.GET.get("platform", "")

    def get_form_class(self):
        if self.get_platform() not in offered_platforms():
            raise Http404(_("Unknown platform."))
        return super().get_form_class()

    def get_page_subtitle(self):
        return str(get_adapter_class(self.get_platform()).label)

    def get_add_url(self):
        return super().get_add_url() + f"?platform={self.get_platform()}"

    def get(self, request, *args, **kwargs):
        if not self.get_platform():
            return self.choose_platform(request)
        return super().get(request, *args, **kwargs)

    def choose_platform(self, request):
        from django.template.response import TemplateResponse

        platforms = [
            {
                "key": key,
                "label": cls.label,
                "url": f"{request.path}?platform={key}",
                "connect": connect_context(platform=key),
                "offline": getattr(cls, "offline", False),
            }
            for key, cls in sorted(offered_platforms().items(), key=lambda kv: str(kv[1].label))
        ]
        title = _("Add a channel")
        # The context of Wagtail's generic views, so the page has Wagtail's header bar.
        index = {
            "url": reverse(self.index_url_name),
            "label": capfirst(Channel._meta.verbose_name_plural),
        }
        context = {
            "platforms": platforms,
            "page_title": title,
            "header_title": title,
            "header_icon": self.header_icon,
            "breadcrumbs_items": [*self.breadcrumbs_items, index, {"url": "", "label": title}],
            "header_buttons": [],
        }
        return TemplateResponse(request, "wagtail_crosspost/channels/choose_platform.html", context)


class ChannelEditView(VisibleChannelsMixin, PlatformFormMixin, generic.EditView):
    def get_platform(self) -> str:
        return self.object.platform

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["test_url"] = reverse("wagtail_crosspost:test_connection", args=[self.object.pk])
        context["connect"] = connect_context(self.object)
        try:  # "GoToSocial 0.20 · limit 5000": what the channel's server said about itself
            adapter_class = get_adapter_class(self.object.platform)
            context["server_summary"] = adapter_class.describe_server(self.object.options or {})
        except LookupError:
            context["server_summary"] = ""
        return context


class ChannelViewSet(ModelViewSet):
    model = Channel
    icon = "link"
    menu_label = _("Social channels")
    add_to_settings_menu = True
    index_view_class = ChannelIndexView
    add_view_class = ChannelCreateView
    delete_view_class = ChannelDeleteView
    edit_view_class = ChannelEditView
    copy_view_enabled = False
    form_fields = ["name"]
    list_filter = ["platform", "status", "enabled"]
    search_fields = ["name"]
    edit_template_name = "wagtail_crosspost/channels/edit.html"
    create_template_name = "wagtail_crosspost/channels/create.html"

    @property
    def list_display(self):
        return [
            "name",
            Column("platform_label", label=_("Platform")),
            StatusTagColumn(
                "status",
                label=_("Status"),
                accessor="get_status_display",
                primary=lambda c: c.status == Channel.Status.OK,
            ),
            # In the reader's language (stored_messages), not as the worker wrote it.
            Column(
                "status_detail",
                label=capfirst(field_label("status_detail")),
                accessor="status_detail_text",
            ),
            Column("token_expiry", label=_("Token expires"), accessor=token_expiry),
            *(
                BooleanColumn(name, label=capfirst(field_label(name)))
                for name in ("enabled", "selected_by_default", "dry_run")
            ),
        ]


channel_viewset = ChannelViewSet("wagtail_crosspost_channels")
