"""The "Publish to" panel: one row per channel available to the page, stored as the page's one
``CrosspostChoices`` child record so that every revision (including a scheduled one) carries its
own choices, and copies one row however many channels there are."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import ObjectList, Panel
from wagtail.admin.widgets import AdminDateTimeInput
from wagtail.images import get_image_model
from wagtail.images.widgets import AdminImageChooser

from .choices import RELATION_NAME, Choice, choices_for, set_choices
from .compare import ChoicesComparison
from .history import publications_by_channel
from .models import Channel
from .outbox.images import lacks_alt_text, page_image
from .panel_summaries import how_this_page_did, scheduled_posts
from .permissions import image_edit_url, user_can_crosspost
from .review.rights import NO_POST_RIGHT, ChannelRight, channel_ids_with
from .schedule.forms import TIMING_FOR_PAGE, clean_timing
from .views.evergreen_page import reshare_form


class ChoiceForm(forms.Form):
    """One channel's row. Users without the permission get disabled fields: Django then ignores
    whatever a forged form submits for them."""

    channel = forms.IntegerField(widget=forms.HiddenInput())
    enabled = forms.BooleanField(label=_("post to this channel"), required=False)
    message = forms.CharField(
        label=_("custom text"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Leave empty to use the channel's template."),
    )
    image = forms.ModelChoiceField(
        label=_("image"), queryset=get_image_model().objects.all(), required=False
    )
    repost = forms.BooleanField(
        label=_("post again"),
        required=False,
        help_text=_("Post a new post on the next publish, even though this page was posted."),
    )
    update_existing = forms.BooleanField(
        label=_("update the existing post"),
        required=False,
        help_text=_("Edit the post on the platform on the next publish (where it can edit)."),
    )
    timing = forms.ChoiceField(label=_("when to post"), choices=TIMING_FOR_PAGE, required=False)
    send_at = forms.DateTimeField(label=_("post at"), required=False)

    #: set by the formset: the user may not post to this row's channel
    post_denied = False
    #: set by the formset: the choice saved for this row's channel (or a new one)
    instance: Choice = Choice(0)
    #: set by the formset: the page has a saved choice for this row's channel
    saved = False

    def __init__(self, *args: Any, for_user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.for_user = for_user
        self.fields["image"].widget = AdminImageChooser()
        self.fields["send_at"].widget = AdminDateTimeInput()
        if not user_can_crosspost(for_user):
            for field in self.fields.values():
                field.disabled = True

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        clean_timing(self)
        if self.post_denied and not self.saved:
            # A new row for a channel the user may not post to (a forged form, or one rendered
            # before the channel was restricted): saved, never ticked.
            cleaned.update(enabled=False, repost=False, update_existing=False)
        return cleaned

    def has_changed(self) -> bool:
        if self.post_denied and self.saved:
            # Someone else's choice, kept as saved: an approver who only opens the page and
            # approves saves no revision of their own (whose author's right would then count).
            return False
        # A channel ticked by default must be saved although nothing changed.
        return user_can_crosspost(self.for_user) or super().has_changed()

    def choice(self) -> Choice:
        data = self.cleaned_data
        image = data.get("image")
        return Choice(
            channel_id=int(data["channel"]),
            enabled=bool(data.get("enabled")),
            message=data.get("message") or "",
            image_id=image.pk if image is not None else None,
            repost=bool(data.get("repost")),
            update_existing=bool(data.get("update_existing")),
            timing=data.get("timing") or "",
            send_at=data.get("send_at"),
        )

    # What Wagtail's page form asks of the forms of its formsets (autosave, deferred validation).
    def defer_required_fields(self) -> None:
        pass

    def restore_required_fields(self) -> None:
        pass

    def get_field_updates_for_resave(self) -> list[tuple[str, str]]:
        return []


def initial_for(choice: Choice) -> dict[str, Any]:
    # "post again" and "update" apply to the next publish only: never carried over.
    return {
        "channel": choice.channel_id,
        "enabled": choice.enabled,
        "message": choice.message,
        "image": choice.image_id,
        "timing": choice.timing,
        "send_at": choice.send_at,
    }


def never_published(page: Any) -> bool:
    """A page being created, or a draft that has never been live."""
    if not getattr(page, "pk", None):
        return True
    return page.first_published_at is None and not page.live


class CrosspostFormSet(forms.BaseFormSet):
    """One form per channel: the page's saved choices, then one per available channel it has no
    choice for yet. It saves them as the page's one ``CrosspostChoices`` record. (Wagtail builds
    it as the formset of that child relation; it is a plain formset, one form per channel.)"""

    inherit_kwargs: list[str] | None = None  # set by modelcluster's factory

    def __init__(self, data=None, files=None, instance=None, queryset=None, **kwargs) -> None:
        self.instance = instance
        self.rel_name = RELATION_NAME
        user = (kwargs.get("form_kwargs") or {}).get("for_user")
        available = list(Channel.objects.for_page(instance))
        self.available_channels = {c.pk: c for c in available}
        #: channels the user may not post to: shown disabled, with the reason
        self.denied = denied_channels(user, available)
        self.saved = choices_for(instance)
        initial = [initial_for(choice) for choice in self.saved.values()]
        # Nothing to choose without the permission: no new rows. The panel shows them read-only.
        if user_can_crosspost(user):
            # "Ticked by default" is for new pages only: an edit of a live page (a typo fix) must
            # not post an old article because a box was ticked without the editor noticing.
            defaults = never_published(instance)
            initial += [
                {"channel": c.pk, "enabled": defaults and c.selected_by_default}
                for c in available
                if c.pk not in self.saved and c.pk not in self.denied
            ]
        super().__init__(data, files, initial=initial, **kwargs)
        self.extra = 0
        self.evergreen = reshare_form(data, instance, user, available)

    def is_valid(self) -> bool:
        valid = super().is_valid()
        if self.evergreen is not None and self.evergreen.is_bound:
            valid = self.evergreen.is_valid() and valid
        return valid

    def _construct_form(self, i: int, **kwargs: Any) -> Any:
        form = super()._construct_form(i, **kwargs)  # type: ignore[misc]
        # The channel this row will save: a bound row's is whatever was submitted.
        channel_id = form.initial.get("channel")
        if form.is_bound:
            submitted = str(form.data.get(form.add_prefix("channel"), ""))
            # A browser does not send a disabled row (a channel this user may not post to, kept
            # as another user saved it): the row is then the saved choice it was rendered from.
            channel_id = int(submitted) if submitted.isdigit() else form.initial.get("channel")
        if channel_id is not None:
            form.saved = channel_id in self.saved
            form.instance = self.saved.get(channel_id) or Choice(channel_id)
            if _denied(self, channel_id):
                form.post_denied = True
                if form.saved:  # someone else's choice: shown, kept, not changeable here
                    for field in form.fields.values():
                        field.disabled = True
        return form

    def save(self, commit: bool = True) -> list[Any]:
        """Write the choices into the page's one record. One choice per channel: a row submitted
        twice (a Publish racing an autosave) keeps the last. Channels not submitted, and the
        choices of users without the right to change them, stay as saved."""
        choices = dict(self.saved)
        if user_can_crosspost(self.form_kwargs.get("for_user")):
            for form in self.forms:
                if not form.has_changed() or not form.cleaned_data.get("channel"):
                    continue
                choice = form.choice()
                if choice.channel_id in self.saved and form.post_denied:
                    continue
                choices[choice.channel_id] = choice
        set_choices(self.instance, choices.values())
        form = self.evergreen
        user = self.form_kwargs.get("for_user")
        if form is not None and form.is_bound and not form.errors and not form.disabled and user:
            # Written by the after_create_page / after_edit_page hooks once the page is saved (a
            # new page has no id yet; publishing reloads the page): ``save_pending_reshare``.
            # Kept on the request's user, the one object both see.
            user._crosspost_reshare = (self.instance, form.choice())
        if commit:
            getattr(self.instance, RELATION_NAME).commit()
        return []


class CrosspostPanel(Panel):
    """Add to a page type's panels by hand when ``WAGTAILCROSSPOST_AUTO_PANEL = False``."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("heading", _("Publish to"))
        super().__init__(*args, **kwargs)

    def get_form_options(self) -> dict[str, Any]:
        return {
            "formsets": {
                RELATION_NAME: {
                    "form": ChoiceForm,
                    "formset": CrosspostFormSet,
                    "fields": ["channels"],  # modelcluster's factory asks; ChoiceForm has its own
                    "extra": 0,
                    "can_delete": False,
                    "inherit_kwargs": ["for_user"],  # the factory overrides the class attribute
                }
            }
        }

    class BoundPanel(Panel.BoundPanel):
        template_name = "wagtail_crosspost/panels/publish_to.html"

        def get_comparison(self) -> list[Any]:
            """Wagtail's "compare revisions": which channels' choices changed, and how."""
            return [ChoicesComparison]

        def get_context_data(self, parent_context: Any = None) -> dict[str, Any]:
            context = super().get_context_data(parent_context)
            formset = self.form.formsets[RELATION_NAME]
            rows, hidden = [], []
            history = publications_by_channel(self.instance)
            own_image = page_image(self.instance)
            user = self.request.user

            def alt(image: Any) -> dict[str, Any]:
                """The image that will be sent, if it has no alt text (the row flags it)."""
                image = image or own_image
                if not lacks_alt_text(image):
                    return {}
                return {"title": image.title, "edit_url": image_edit_url(user, image)}

            for form in formset.forms:
                channel = formset.available_channels.get(
                    form.initial.get("channel") or form.instance.channel_id
                )
                if channel is None:
                    hidden.append(form)  # a channel since disabled: keep its saved choice
                    continue
                rows.append(self._row(form, channel, history, alt, formset.denied))
            shown = {row["channel"].pk for row in rows}
            for channel in formset.available_channels.values():
                if channel.pk not in shown:  # read-only: the user may not choose channels
                    rows.append(self._row(None, channel, history, alt, formset.denied))
            context.update(
                {
                    "performance": how_this_page_did(self.instance, rows, history, user),
                    "instance": self.instance,
                    "has_pending": any(p.in_flight for rows in history.values() for p in rows),
                    **scheduled_posts(self.instance, self.request.user),
                    "formset": formset,
                    "rows": rows,
                    "hidden_forms": hidden,
                    "evergreen": formset.evergreen,
                    "can_crosspost": user_can_crosspost(self.request.user),
                    "can_publish": _can_publish(self.instance, self.request.user),
                    # The panel is rendered without Django's ``perms`` in its context.
                    "can_manage_channels": self.request.user.has_perm(
                        "wagtail_crosspost.change_channel"
                    ),
                    "can_add_channels": self.request.user.has_perm("wagtail_crosspost.add_channel"),
                }
            )
            return context

        @staticmethod
        def _row(
            form: Any, channel: Channel, history: dict[int, list], alt: Any, denied: set[int]
        ) -> dict[str, Any]:
            chosen = getattr(form.instance, "image", None) if form is not None else None
            supports = channel.get_adapter().supports
            return {
                "alt_missing": alt(chosen) if "alt_text" in supports else {},
                "denied": NO_POST_RIGHT if channel.pk in denied else "",
                "form": form,
                "channel": channel,
                "history": history.get(channel.pk, []),
                "can_update": "update" in supports,
            }


def denied_channels(user: Any, channels: list[Channel]) -> set[int]:
    """Ids of the channels the user may not post to, though they may choose channels."""
    if not user_can_crosspost(user):
        return set()  # the whole panel is read-only already
    ids = [c.pk for c in channels]
    return set(ids) - channel_ids_with(user, ChannelRight.POST, ids)


def _denied(formset: CrosspostFormSet, channel_id: int) -> bool:
    if channel_id in formset.denied:
        return True
    # A forged row for a channel the page does not offer: planning ignores it; never tick it.
    return channel_id not in formset.available_channels and bool(
        denied_channels(formset.form_kwargs.get("for_user"), [Channel(pk=channel_id)])
    )


def _can_publish(page: Any, user: Any) -> bool:
    """Whether the user may publish this page (Wagtail's Editors submit for moderation instead)."""
    if not getattr(page, "pk", None):
        return True  # a new page: Wagtail decides from the parent; say nothing
    return page.permissions_for_user(user).can_publish()


TAB_NAME = "crosspost"  # the tab's id is "tab-crosspost" in every language


class NamedObjectList(ObjectList):
    """A tab whose id does not follow its heading. Wagtail derives tab ids from the heading and
    keeps the first one computed: in the language of the first request the process served."""

    def __init__(self, *args: Any, name: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.name = name

    def clone_kwargs(self) -> dict[str, Any]:
        return {**super().clone_kwargs(), "name": self.name}

    @property
    def clean_name(self) -> str:
        return self.name or super().clean_name


def page_has_crosspost_panel(edit_handler: Any) -> bool:
    if isinstance(edit_handler, CrosspostPanel):
        return True
    return any(page_has_crosspost_panel(c) for c in getattr(edit_handler, "children", ()))


def with_crosspost_tab(edit_handler: Any) -> Any:
    """The page type's edit handler plus a "Publish to" tab (unbound; bind it to the model)."""
    from wagtail.admin.panels import TabbedInterface

    tab = NamedObjectList([CrosspostPanel()], heading=_("Publish to"), name=TAB_NAME)
    if isinstance(edit_handler, TabbedInterface):
        kwargs = edit_handler.clone_kwargs()
        kwargs["children"] = [*edit_handler.children, tab]
        return type(edit_handler)(**kwargs)
    content = NamedObjectList(list(edit_handler.children), heading=_("Content"), name="content")
    return TabbedInterface(
        [content, tab],
        base_form_class=getattr(edit_handler, "base_form_class", None),
    )
