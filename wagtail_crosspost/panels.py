"""The "Publish to" panel: one row per channel available to the page, stored as CrosspostRequest
children of the page so that every revision (including a scheduled one) carries its own choices."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from modelcluster.forms import BaseChildFormSet
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.panels import ObjectList, Panel
from wagtail.images.widgets import AdminImageChooser

from .history import publications_by_channel
from .models import Channel, CrosspostRequest
from .outbox.images import lacks_alt_text, page_image
from .permissions import image_edit_url, user_can_crosspost
from .review.rights import NO_POST_RIGHT, ChannelRight, channel_ids_with
from .schedule.forms import TIMING_WIDGETS, clean_timing

RELATION_NAME = "crosspost_requests"


class CrosspostRequestForm(WagtailAdminModelForm):
    """One channel's row. Users without the permission get disabled fields: Django then ignores
    whatever a forged form submits for them."""

    class Meta:
        model = CrosspostRequest
        fields = [
            "channel",
            "enabled",
            "message",
            "image",
            "repost",
            "update_existing",
            "timing",
            "send_at",
        ]
        widgets = {
            "channel": forms.HiddenInput(),
            "message": forms.Textarea(attrs={"rows": 3}),
            "image": AdminImageChooser(),
            **TIMING_WIDGETS,
        }

    def __init__(self, *args: Any, for_user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, for_user=for_user, **kwargs)
        # "post again" and "update" apply to the next publish only: never carry them over.
        self.initial["repost"] = False
        self.initial["update_existing"] = False
        if not user_can_crosspost(for_user):
            for field in self.fields.values():
                field.disabled = True

    #: set by the formset: the user may not post to this row's channel
    post_denied = False

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        clean_timing(self)
        if self.post_denied and not self.instance.pk:
            # A new row for a channel the user may not post to (a forged form, or one rendered
            # before the channel was restricted): saved, never ticked.
            cleaned.update(enabled=False, repost=False, update_existing=False)
        return cleaned

    def has_changed(self) -> bool:
        # Django's formset skips "unchanged" rows: a channel ticked by default would never be
        # saved, and a saved row whose one-shot flags were reset above would keep them.
        return user_can_crosspost(self.for_user) or super().has_changed()


def never_published(page: Any) -> bool:
    """A page being created, or a draft that has never been live."""
    if not getattr(page, "pk", None):
        return True
    return page.first_published_at is None and not page.live


class CrosspostFormSet(BaseChildFormSet):
    """Adds one unsaved form per available channel that the page has no choice for yet."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        available = list(Channel.objects.for_page(self.instance))
        self.available_channels = {c.pk: c for c in available}
        #: channels the user may not post to: shown disabled, with the reason
        self.denied = denied_channels(self.form_kwargs.get("for_user"), available)
        existing = {obj.channel_id for obj in self.get_queryset()}
        channels = [c for c in available if c.pk not in existing and c.pk not in self.denied]
        if not user_can_crosspost(self.form_kwargs.get("for_user")):
            # Nothing to choose: no new rows (their disabled, empty fields would not validate
            # after Wagtail's autosave counts them as existing). The panel shows them read-only.
            channels = []
        self.extra = len(channels)
        # "Ticked by default" is for new pages only: an edit of a live page (a typo fix) must not
        # post an old article because a box was ticked without the editor noticing.
        defaults = never_published(self.instance)
        self.initial_extra = [
            {"channel": c.pk, "enabled": defaults and c.selected_by_default} for c in channels
        ]

    def _construct_form(self, i: int, **kwargs: Any) -> Any:
        form = super()._construct_form(i, **kwargs)
        # The channel this row will save: a bound new row's is whatever was submitted.
        channel_id = form.instance.channel_id or form.initial.get("channel")
        if form.is_bound and not form.instance.pk:
            submitted = str(form.data.get(form.add_prefix("channel"), ""))
            channel_id = int(submitted) if submitted.isdigit() else None
        if channel_id is not None and _denied(self, int(channel_id)):
            form.post_denied = True
            if form.instance.pk:  # someone else's choice: shown, kept, not changeable here
                for field in form.fields.values():
                    field.disabled = True
        return form

    def save(self, commit: bool = True) -> list[CrosspostRequest]:
        """Keep one choice per channel. A Publish that races an autosave submits rows without
        the ids the autosave just gave them; the submitted (newest) row wins."""
        saved = super().save(commit=False)
        manager = getattr(self.instance, self.rel_name)
        by_channel: dict[int, list[CrosspostRequest]] = {}
        for obj in manager.all():
            by_channel.setdefault(obj.channel_id, []).append(obj)
        stale = []
        for objs in by_channel.values():
            if len(objs) > 1:
                fresh = [o for o in objs if any(o is s for s in saved)] or objs[-1:]
                stale += [o for o in objs if o is not fresh[-1]]
        if stale:
            manager.remove(*stale)
        if commit:
            manager.commit()
        return saved


class CrosspostPanel(Panel):
    """Add to a page type's panels by hand when ``WAGTAILCROSSPOST_AUTO_PANEL = False``."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("heading", _("Publish to"))
        super().__init__(*args, **kwargs)

    def get_form_options(self) -> dict[str, Any]:
        return {
            "formsets": {
                RELATION_NAME: {
                    "form": CrosspostRequestForm,
                    "formset": CrosspostFormSet,
                    "fields": CrosspostRequestForm.Meta.fields,
                    "widgets": CrosspostRequestForm.Meta.widgets,
                    "extra": 0,
                    "can_delete": False,
                    "inherit_kwargs": ["for_user"],  # the factory overrides the class attribute
                }
            }
        }

    class BoundPanel(Panel.BoundPanel):
        template_name = "wagtail_crosspost/panels/publish_to.html"

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
                    "instance": self.instance,
                    "has_pending": any(p.in_flight for rows in history.values() for p in rows),
                    "scheduled_at": _scheduled_at(self.instance),
                    "formset": formset,
                    "rows": rows,
                    "hidden_forms": hidden,
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


def _scheduled_at(page: Any) -> Any:
    """When a scheduled revision of this page goes live (its posts go out then)."""
    if not getattr(page, "pk", None):
        return None
    revision = page.revisions.filter(approved_go_live_at__isnull=False).first()
    return revision.approved_go_live_at if revision else None


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
