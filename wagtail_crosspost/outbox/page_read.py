"""Reading a page for a post in one query: the page with its locale, its tags' names and its
site's name, the last two as annotations (subqueries) instead of two more queries.

``tag_names(page)`` and ``site_name(page)`` use the annotations where the page was read with
``with_tags_and_site`` and fall back to the ordinary queries for any other page (the preview's,
an older revision's, a page model whose tags are not the usual taggit through model, a database
without a string aggregate).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.db import connection
from django.db.models import Aggregate, OuterRef, QuerySet, Subquery, TextField, Value

from .prepared import Prepared

TAGS, SITE_ID, SITE_NAME = "xp_tag_names", "xp_site_id", "xp_site_name"
#: Between two tag names in the aggregate (the ASCII unit separator, never in a tag name).
SEPARATOR = "\x1f"


class _Joined(Aggregate):
    """The names joined with SEPARATOR: STRING_AGG (PostgreSQL), GROUP_CONCAT (SQLite)."""

    function = "STRING_AGG"
    template = "%(function)s(%(expressions)s, chr(31))"
    output_field = TextField()

    def as_sqlite(self, compiler, connection, **extra_context):
        return self.as_sql(
            compiler,
            connection,
            function="GROUP_CONCAT",
            template="%(function)s(%(expressions)s, char(31))",
            **extra_context,
        )


def read(model: Any, base_page: Any) -> Any:
    """The page ``base_page`` as ``model`` (its specific class), with its locale, its tags'
    names and the name of its site (found from Wagtail's cached site root paths, no query).
    Compiled once per connection (``prepared``)."""
    parts = base_page.get_url_parts() if getattr(base_page, "path", None) else None
    site_id = parts[0] if parts is not None and type(parts[0]) is int else None
    key = (model, site_id is not None)
    prepared = _prepared.get(key)
    if prepared is None:
        if site_id is None:
            prepared = Prepared(lambda pk: with_tags_and_site(model, None).filter(pk=pk))
        else:
            prepared = Prepared(
                lambda pk, site: with_tags_and_site(model, site).filter(pk=pk), arity=2
            )
        _prepared[key] = prepared
    found = prepared.run(base_page.pk) if site_id is None else prepared.run(base_page.pk, site_id)
    if not found:
        raise model.DoesNotExist(f"{model.__name__} {base_page.pk} does not exist.")
    return found[0]


_prepared: dict[tuple[Any, bool], Prepared] = {}


def with_tags_and_site(model: Any, site_id: int | None) -> QuerySet:
    """``model``'s pages with their locale, annotated with their tags' names and the name of the
    site ``site_id``."""
    queryset = model._default_manager.select_related("locale")
    annotations: dict[str, Any] = {}
    if site_id is not None:
        from wagtail.models import Site

        annotations[SITE_ID] = Value(site_id)
        names = Site.objects.filter(pk=site_id).order_by().values("site_name")[:1]
        annotations[SITE_NAME] = Subquery(names, output_field=TextField())
    tags = _tags_subquery(model)
    if tags is not None:
        annotations[TAGS] = tags
    return queryset.annotate(**annotations)


def _tags_subquery(model: Any) -> Subquery | None:
    if connection.vendor not in ("postgresql", "sqlite"):
        return None
    try:
        through: Any = getattr(model._meta.get_field("tags"), "through", None)
        if through is None:
            return None
        tag = through._meta.get_field("tag")
        if not hasattr(tag.related_model, "name"):
            return None
    except (FieldDoesNotExist, AttributeError):
        return None
    owner = next(
        (
            f
            for f in through._meta.concrete_fields
            if f.is_relation
            and isinstance(f.related_model, type)
            and issubclass(model, f.related_model)
        ),
        None,
    )
    if owner is None:
        return None
    names = (
        through._default_manager.filter(**{owner.name: OuterRef("pk")})
        .order_by()
        .values(owner.name)
        .annotate(names=_Joined(f"{tag.name}__name"))
        .values("names")
    )
    return Subquery(names, output_field=TextField())


def tag_names(page: Any) -> list[str]:
    if hasattr(page, TAGS):
        joined = getattr(page, TAGS)
        return joined.split(SEPARATOR) if joined else []
    tags = getattr(page, "tags", None)
    return [t.name for t in tags.all()] if tags is not None and hasattr(tags, "all") else []


def site_name(page: Any) -> str:
    if not getattr(page, "path", None):
        return ""
    if hasattr(page, SITE_NAME):
        # The annotation is the site of the page as the claim read it; the page's own class may
        # route it elsewhere (an overridden get_url_parts): then ask as before.
        parts = page.get_url_parts()
        if parts is not None and parts[0] == getattr(page, SITE_ID):
            return getattr(page, SITE_NAME) or ""
    site = page.get_site()
    return getattr(site, "site_name", "") or ""
