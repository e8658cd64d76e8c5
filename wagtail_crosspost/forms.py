"""The channel form: common fields plus the platform adapter's options and credentials.

Credentials are write-only: the inputs never show a stored value, and an empty input keeps it.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminModelForm

from .adapters import get_adapter_class
from .adapters.base import AdapterError
from .metrics.click_models import ClickCounting
from .models import Channel
from .url_safety import web_url

# Labels for the adapters' option and credential names, so every form field is translated.
FIELD_LABELS = {
    "access_token": _("Access token"),
    "access_token_secret": _("Access token secret"),
    "api_base": _("API address"),
    "api_version": _("API version"),
    "app_password": _("App password"),
    "auth": _("Authentication method"),
    "author_urn": _("Post as (URN of the member or organization)"),
    "bot_token": _("Bot token"),
    "chat_id": _("Channel or chat (@name or id)"),
    "consumer_key": _("API key (consumer key)"),
    "consumer_secret": _("API key secret (consumer secret)"),
    "graph_url": _("Graph API address"),
    "handle": _("Handle"),
    "ig_user_id": _("Instagram account id"),
    "image_max_bytes": _("Largest image in bytes"),
    "language": _("Language of the posts"),
    "link_card": _("Show a link card"),
    "link_preview": _("Show a link preview"),
    "linkedin_version": _("LinkedIn API version"),
    "max_characters": _("Longest post (characters)"),
    "page_access_token": _("Page access token"),
    "page_id": _("Page id"),
    "prefer_link_card": _("Prefer a link card over images"),
    "refresh_token": _("Refresh token"),
    "secret": _("Signing secret"),
    "server_url": _("Server address"),
    "service": _("Server (PDS) address"),
    "url": _("Address (URL)"),
    "user_id": _("User id"),
    "visibility": _("Visibility"),
}

# Options that hold an address, besides any "…_url" (they must be http(s), see url_safety).
URL_OPTIONS = frozenset({"api_base", "graph_url", "server_url", "service", "url"})

COMMON_FIELDS = [
    "name",
    "site",
    "locale",
    "enabled",
    "selected_by_default",
    "dry_run",
    "on_unpublish",
]


def label_for(name: str) -> Any:
    return FIELD_LABELS.get(name) or name.replace("_", " ").capitalize()


def keep_stored_choice(field: forms.Field) -> None:
    """A select keeps a stored value that is not one of its choices (an older channel's
    ``de-AT``), so that opening and saving the channel does not change or refuse it."""
    value = field.initial
    if not isinstance(field, forms.ChoiceField) or value in (None, ""):
        return
    choices: list[Any] = list(field.choices)  # type: ignore[arg-type]
    if str(value) not in {str(key) for key, _label in choices}:
        field.choices = [*choices, (value, value)]


class ChannelForm(WagtailAdminModelForm):
    adapter_class: Any = None

    class Meta:
        model = Channel
        fields = COMMON_FIELDS

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._limit_sites()
        adapter = self.adapter_class
        custom = adapter.get_form_fields()
        creating = not self.instance.pk
        for name in adapter.option_fields:
            field = custom.get(name) or forms.CharField(label=label_for(name), required=False)
            field.initial = (self.instance.options or {}).get(name, field.initial)
            keep_stored_choice(field)
            self.fields[f"option_{name}"] = field
        self.fields["option_template"] = forms.CharField(
            label=_("Text template"),
            required=False,
            widget=forms.Textarea(attrs={"rows": 3}),
            initial=(self.instance.options or {}).get("template", ""),
            help_text=_(
                "Placeholders: {title}, {intro}, {url}, {hashtags}, {site_name}. "
                "Leave empty for the default (title, intro, link, hashtags)."
            ),
        )
        options = self.instance.options or {}
        self.fields["option_utm"] = forms.BooleanField(
            label=_("Add UTM parameters to the link"),
            required=False,
            initial=options.get("utm", creating),
            help_text=_(
                "utm_source=<platform>, utm_medium=social, utm_campaign as below: your analytics "
                "then shows which platform a visitor came from."
            ),
        )
        self.fields["option_utm_campaign"] = forms.CharField(
            label=_("UTM campaign"),
            required=False,
            initial=options.get("utm_campaign", "crosspost"),
        )
        self.fields["click_counting"] = forms.BooleanField(
            label=_("Count clicks on the site"),
            required=False,
            initial=clicks_counted(self.instance),
            help_text=_(
                "The post links to a short address on your site that counts the click per day "
                "and sends the reader on to the page. No IP address, cookie or user id is stored."
            ),
        )
        # A platform's warning for the admin (X: posts with links cost more on the paid API).
        self.platform_notice = getattr(adapter, "form_help", "")
        stored = self.instance.get_credentials() if self.instance.pk else {}
        for name in adapter.credential_fields:
            field = custom.get(name) or forms.CharField(label=label_for(name))
            field.widget = forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"})
            optional = getattr(adapter, "optional_credential_fields", ())
            field.required = (creating or name not in stored) and name not in optional
            if not creating and name in stored:
                field.help_text = _(
                    "Stored. Leave empty to keep it; type a new value to replace it."
                )
            self.fields[f"credential_{name}"] = field

    def _limit_sites(self) -> None:
        """Offer only the sites the user has rights on; a channel for every site only to users
        with rights on every site (it would post for the other sites' pages too)."""
        from wagtail.models import Site

        from .site_rights import site_ids_for

        user = getattr(self, "for_user", None)
        field = self.fields.get("site")
        site_ids = site_ids_for(user) if user is not None else None
        if field is None or site_ids is None:
            return
        field.queryset = field.queryset.filter(pk__in=site_ids)  # type: ignore[attr-defined]
        if set(site_ids) != set(Site.objects.values_list("pk", flat=True)):
            field.required = True
            field.help_text = _("Only pages of this site can post here.")

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        cleaner = getattr(self.adapter_class, "clean_options", None)
        options = {
            name: cleaned.get(f"option_{name}")
            for name in self.adapter_class.option_fields
            if f"option_{name}" in cleaned
        }
        if any(f"option_{name}" in self.errors for name in self.adapter_class.option_fields):
            return cleaned  # the field's own error says what to fix; the adapter's would repeat it
        if cleaner is not None:
            try:
                self.cleaned_options = cleaner(options)
            except AdapterError as exc:  # the adapter's own sentence says what to fix
                field = f"option_{getattr(exc, 'field', '')}"
                # Beside the field it is about; at the top only when it is about the whole form.
                self.add_error(field if field in self.fields else None, exc.message)
                return cleaned
        # Whatever an adapter accepts, an address is stored only if it is http(s).
        for name, value in {**options, **getattr(self, "cleaned_options", {})}.items():
            is_address = name in URL_OPTIONS or name.endswith("_url")
            if is_address and value and not web_url(value):
                self.add_error(
                    f"option_{name}" if f"option_{name}" in self.fields else None,
                    _("Enter an address that starts with https:// (or http://)."),
                )
        return cleaned

    def save(self, commit: bool = True) -> Channel:
        channel = super().save(commit=False)
        channel.platform = self.adapter_class.key
        options = dict(channel.options or {})
        for name in (*self.adapter_class.option_fields, "template", "utm", "utm_campaign"):
            options[name] = self.cleaned_data.get(f"option_{name}")
        options.update(getattr(self, "cleaned_options", {}))
        channel.options = options
        credentials = channel.get_credentials()
        replaced = False
        for name in self.adapter_class.credential_fields:
            value = self.cleaned_data.get(f"credential_{name}")
            if value:
                credentials[name] = value
                replaced = True
        channel.set_credentials(credentials)
        self.credentials_replaced = replaced  # the view logs "channel connected"
        held = replaced and channel.needs_reconnect
        if held:
            # New credentials: try again rather than keep the posts waiting.
            channel.status = Channel.Status.UNTESTED
            channel.status_detail = ""
        if commit:
            channel.save()
            ClickCounting.objects.update_or_create(
                channel=channel, defaults={"enabled": bool(self.cleaned_data.get("click_counting"))}
            )
            if held:
                from .outbox.health import resume_channel

                resume_channel(channel)
        return channel


def channel_form_class(platform: str) -> type[ChannelForm]:
    adapter = get_adapter_class(platform)
    return type(f"{adapter.__name__}ChannelForm", (ChannelForm,), {"adapter_class": adapter})


def clicks_counted(channel: Channel) -> bool:
    """Whether the channel's posts link through the site's counting redirect."""
    if not channel.pk:
        return False
    return ClickCounting.objects.filter(channel=channel, enabled=True).exists()
