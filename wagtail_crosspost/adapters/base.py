"""The adapter contract: what every platform module implements and the values it exchanges.

Adapters do HTTP and nothing else. They never touch database rows: an adapter is built from a
:class:`ChannelConfig` (options, decrypted credentials and a few callbacks), and the outbox turns
the errors raised here into publication states.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

from django.utils.translation import gettext_lazy as _

# The errors live in errors.py; they are part of the contract and are imported from here.
from .errors import (  # noqa: F401
    AdapterError,
    AmbiguousError,
    AuthError,
    ConfigurationError,
    PermanentError,
    TransientError,
    UnreachableError,
    about_option,
    clean_option,
)
from .figures import Metrics

if TYPE_CHECKING:
    from django import forms


# -- value objects -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ImageRules:
    """What a platform accepts as an image."""

    formats: tuple[str, ...] = ("JPEG", "PNG")  # Pillow format names, preferred first
    max_bytes: int = 5_000_000
    max_pixels: int | None = None  # width * height
    max_width: int | None = None
    max_height: int | None = None
    min_width: int = 1
    min_aspect: float | None = None  # width / height
    max_aspect: float | None = None
    max_images: int = 1
    alt_text_limit: int | None = None  # None: the platform takes no alt text
    needs_public_url: bool = False  # the platform fetches the file itself (Instagram, Threads)
    max_dimension_sum: int | None = None  # width + height in pixels (Telegram: 10,000)


@dataclass(frozen=True)
class PlatformRules:
    """The text and image rules of one platform (numbers from shared/reference/platforms.md)."""

    text_limit: int
    counting: str = "characters"  # a KINDS key of adapters.text (how to count)
    url_weight: int | None = None  # every URL counts this much (Mastodon, X); None: in full
    byte_limit: int | None = None  # UTF-8 bytes (Bluesky)
    max_hashtags: int | None = None
    max_links: int | None = None
    links_clickable: bool = True
    # The page's link goes into the text as an IRI (Unicode host and path, readable) when True,
    # else percent-encoded with a punycode host (see adapters.links; docs/reference/adapters.md).
    iri_links: bool = False
    link_card: bool = False  # the poster must build the card itself (Bluesky, LinkedIn)
    caption_limit: int | None = None  # limit when the text is an image caption (Telegram)
    image: ImageRules = field(default_factory=ImageRules)
    # At most ``quota[0]`` posts per ``quota[1]`` seconds per channel: the outbox paces itself
    # (schedules the next attempt) instead of running into the platform's rate limit.
    quota: tuple[int, int] | None = None


@dataclass(frozen=True)
class Media:
    """One prepared image: bytes ready to upload, or a public URL for platforms that fetch."""

    content: bytes
    mime_type: str
    filename: str
    width: int
    height: int
    alt_text: str = ""
    url: str = ""  # absolute URL of the rendition (needed by platforms that fetch media)
    focal_point: tuple[float, float] | None = None  # -1..1, Mastodon's "focus"

    def describe(self) -> dict[str, Any]:
        """A JSON-able record of what was sent, for the publication log."""
        return {
            "filename": self.filename,
            "mime_type": self.mime_type,
            "width": self.width,
            "height": self.height,
            "bytes": len(self.content),
            "alt_text": self.alt_text,
            "url": self.url,
        }


@dataclass(frozen=True)
class Post:
    """Everything an adapter needs to publish; built by compose from the published revision."""

    text: str
    link: str = ""
    title: str = ""
    description: str = ""
    media: tuple[Media, ...] = ()
    language: str = ""
    idempotency_key: str = ""
    extra: dict[str, Any] = field(default_factory=dict)  # platform-specific (facets, card)
    #: The texts of the replies that continue ``text`` as a thread (reply chain), in order;
    #: empty unless the channel asks for threads and the text is too long for one post.
    thread: tuple[str, ...] = ()

    @property
    def texts(self) -> tuple[str, ...]:
        """Every text that goes out: the post's own, then its replies."""
        return (self.text, *self.thread)


@dataclass(frozen=True)
class Receipt:
    """What the platform answered: enough to link to, edit or delete the remote post."""

    remote_id: str
    url: str = ""
    raw: dict[str, Any] = field(default_factory=dict)
    #: Sentences for the publication log about a post that went out only in part (a thread
    #: whose later replies failed, replies that an edit left unchanged).
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Health:
    ok: bool
    detail: str = ""
    needs_reconnect: bool = False


# -- threads (reply chains) ----------------------------------------------------------------------

#: What a channel does with a text that is too long for one post (option ``long_text``):
#: shorten it (the default), or continue it in replies to the first post. Only adapters with
#: ``"thread"`` in ``supports`` offer the choice (Mastodon, Bluesky, X).
LONG_TEXT_SHORTEN = "shorten"
LONG_TEXT_THREAD = "thread"
THREAD_OPTION_FIELDS = ("long_text", "thread_max_parts")
DEFAULT_THREAD_MAX_PARTS = 4  # the first post and three replies
MAX_THREAD_PARTS = 10  # a longer page belongs on the page, not in a reply chain


def _long_text_field() -> forms.Field:
    from django import forms

    return forms.ChoiceField(
        label=_("When the text is too long"),
        choices=[
            (LONG_TEXT_SHORTEN, _("Shorten it")),
            (LONG_TEXT_THREAD, _("Continue in a thread (replies to the first post)")),
        ],
        initial=LONG_TEXT_SHORTEN,
        required=False,
        help_text=_(
            "A thread keeps the link in the first post and numbers the posts (1/3, 2/3 …)."
        ),
    )


def _thread_max_parts_field() -> forms.Field:
    from django import forms

    return forms.IntegerField(
        label=_("Posts per thread at most"),
        required=False,
        min_value=2,
        max_value=MAX_THREAD_PARTS,
        initial=DEFAULT_THREAD_MAX_PARTS,
        help_text=_("Text beyond the last post is shortened with “…”."),
    )


#: ``form_fields`` entries for the thread options; spread into an adapter's own.
THREAD_FORM_FIELDS: dict[str, Any] = {
    "long_text": _long_text_field,
    "thread_max_parts": _thread_max_parts_field,
}


def clean_thread_options(options: dict[str, Any]) -> dict[str, Any]:
    """``options`` with valid thread settings (for ``clean_options``); ConfigurationError if not."""
    cleaned = dict(options)
    mode = str(cleaned.get("long_text") or LONG_TEXT_SHORTEN).strip().lower()
    if mode not in (LONG_TEXT_SHORTEN, LONG_TEXT_THREAD):
        raise ConfigurationError(
            _("“%(value)s” is not a choice for long texts: use %(choices)s.")
            % {"value": mode, "choices": f"{LONG_TEXT_SHORTEN}, {LONG_TEXT_THREAD}"}
        )
    cleaned["long_text"] = mode
    cleaned["thread_max_parts"] = _max_parts(cleaned.get("thread_max_parts"))
    return cleaned


def thread_max_parts(adapter: Adapter) -> int:
    """How many posts a too-long text may become on this channel: 1 means shorten it."""
    options = adapter.options
    if "thread" not in adapter.supports or options.get("long_text") != LONG_TEXT_THREAD:
        return 1
    try:
        return _max_parts(options.get("thread_max_parts"))
    except ConfigurationError:
        return DEFAULT_THREAD_MAX_PARTS


def _max_parts(value: Any) -> int:
    number = whole_number(value, DEFAULT_THREAD_MAX_PARTS)
    if not 2 <= number <= MAX_THREAD_PARTS:
        raise ConfigurationError(
            _("A thread has between 2 and %(max)s posts.") % {"max": MAX_THREAD_PARTS}
        )
    return number


def whole_number(value: Any, default: int) -> int:
    """A number option as stored: ``default`` when unset (None or ""), 0 when it is not a whole
    number (for the caller's range check to refuse)."""
    if value in (None, ""):
        return default
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def truthy(value: Any, default: bool) -> bool:
    """A yes/no option as stored: ``default`` when unset (None or ""), "0", "false", "no" and
    "off" (any case) are no, any other text is yes; other values by their truth."""
    if value is None or value == "":
        return default
    if isinstance(value, str):
        return value.strip().lower() not in ("0", "false", "no", "off")
    return bool(value)


# -- the adapter ---------------------------------------------------------------------------------


class ChannelCallbacks:
    """What an adapter may tell whoever built it. The defaults do nothing, so an adapter built
    from plain data (a test, a script) needs none; ``Channel.get_adapter()`` saves on the row."""

    def save_credentials(self, credentials: dict[str, Any]) -> None:
        """Keep refreshed credentials (the whole new set) for the next adapter."""

    def report_health(self, health: Health) -> None:
        """Remember what the adapter found out about the account (e.g. it needs reconnecting)."""

    def save_options(self, values: dict[str, Any]) -> None:
        """Keep what the adapter learnt about the channel's server in its options (merged)."""


@dataclass(frozen=True, eq=False)
class ChannelConfig:
    """Everything an adapter knows about its channel: data, not a database row.

    ``pk`` and ``name`` read as on a ``Channel``, so adapters written against the row work."""

    id: int | None = None
    name: str = ""
    platform: str = ""
    options: Mapping[str, Any] = field(default_factory=dict)
    credentials: Mapping[str, Any] = field(default_factory=dict, repr=False)
    callbacks: ChannelCallbacks = field(default_factory=ChannelCallbacks, repr=False)

    @property
    def pk(self) -> int | None:
        return self.id


def as_config(channel: Any) -> ChannelConfig:
    """``channel`` as a :class:`ChannelConfig`: itself, or what its ``adapter_config()`` gives
    (a ``Channel`` row), so ``SomeAdapter(channel)`` keeps working."""
    if isinstance(channel, ChannelConfig):
        return channel
    adapter_config = getattr(channel, "adapter_config", None)
    if adapter_config is None:
        raise TypeError(
            f"An adapter is built from a ChannelConfig, not from {type(channel).__name__}."
        )
    return adapter_config()


class Adapter:
    """Base class of every platform adapter.

    Subclasses set ``key``, ``label``, ``rules`` and ``supports`` and implement ``publish`` (and
    ``update``/``delete``/``check`` where the platform allows).
    """

    key: ClassVar[str] = ""
    label: ClassVar[Any] = ""
    rules: ClassVar[PlatformRules] = PlatformRules(text_limit=10_000)
    supports: ClassVar[frozenset[str]] = frozenset()
    #: True when retrying with the same ``Post.idempotency_key`` cannot create a second post.
    idempotent: ClassVar[bool] = False
    #: How long (seconds) the platform recognises a repeated key; None: for good. After an
    #: uncertain attempt, the outbox does not repeat a post once this has (nearly) passed: the
    #: row becomes "Unknown — check" instead (Mastodon keeps an Idempotency-Key one hour).
    idempotency_window: ClassVar[float | None] = None
    #: True when ``reconcile`` can look for a post whose answer was lost.
    can_reconcile: ClassVar[bool] = False
    #: True for adapters that never leave the machine (console, locmem, demos).
    offline: ClassVar[bool] = False
    #: Names of the credential fields (stored encrypted) and the plain option fields.
    credential_fields: ClassVar[tuple[str, ...]] = ()
    option_fields: ClassVar[tuple[str, ...]] = ()
    #: Extra fields for the channel form: name -> form field factory (called without arguments).
    form_fields: ClassVar[dict[str, Any]] = {}
    #: Posts per ``fetch_metrics`` call; 0: no figures (see adapters/figures.py).
    metrics_batch_size: ClassVar[int] = 0
    metrics_by_default: ClassVar[bool] = True  # X: off, its reads cost money

    def __init__(self, config: ChannelConfig):
        config = as_config(config)
        #: The channel's data (``pk``, ``name``, ``platform``, ``options``, ``credentials``).
        self.channel: ChannelConfig = config
        self.options: dict[str, Any] = dict(config.options or {})
        self.credentials: dict[str, Any] = dict(config.credentials or {})

    @property
    def config(self) -> ChannelConfig:
        return self.channel

    def save_credentials(self, credentials: dict[str, Any]) -> None:
        """Keep refreshed credentials: here and, through the callbacks, for the next adapter."""
        self.credentials = dict(credentials)
        self.channel.callbacks.save_credentials(dict(credentials))

    def report_health(self, health: Health) -> None:
        self.channel.callbacks.report_health(health)

    # Override where the platform publishes its own limits (Mastodon's /api/v2/instance).
    def rules_for_channel(self) -> PlatformRules:
        return self.rules

    # What the editor's live counter uses: never a network call while someone types.
    def cached_rules(self) -> PlatformRules:
        return self.rules

    def repeat_is_safe(self) -> bool:
        """True when this channel's platform ignores a repeat with the same key (``idempotent``;
        an adapter whose servers differ answers per channel)."""
        return self.idempotent

    def key_window(self) -> float | None:
        """How long this channel's platform recognises a repeated key (``idempotency_window``)."""
        return self.idempotency_window

    def reconcile(self, post: Post, since: Any) -> Receipt | None:
        """After a lost answer (at ``since``): the post if it was made, None when certainly not;
        raises AmbiguousError (saying what to look at) when that cannot be told."""
        raise AmbiguousError(
            _("%(platform)s cannot be asked whether the post was made.") % {"platform": self.label}
        )

    def publish(self, post: Post) -> Receipt:
        raise NotImplementedError

    def update(self, receipt: Receipt, post: Post) -> Receipt:
        raise PermanentError(_("%(platform)s cannot edit posts.") % {"platform": self.label})

    def delete(self, receipt: Receipt) -> None:
        raise PermanentError(_("%(platform)s cannot delete posts.") % {"platform": self.label})

    def fetch_metrics(self, publications: Sequence[Any]) -> dict[Any, Metrics]:
        """Figures for up to ``metrics_batch_size`` posts (each with ``remote_id``): a post
        missing from the answer was not answered (asked again later); see figures.py."""
        raise NotImplementedError

    def check(self) -> Health:
        return Health(ok=True, detail=str(_("Nothing to check for this platform.")))

    @classmethod
    def describe_server(cls, options: dict[str, Any]) -> str:
        """One line about the channel's server for its page (software, version, limit)."""
        return ""

    @classmethod
    def get_form_fields(cls) -> dict[str, forms.Field]:
        return {name: factory() for name, factory in cls.form_fields.items()}

    def __repr__(self) -> str:  # never includes credentials
        return f"<{type(self).__name__} channel={self.channel.pk}>"
