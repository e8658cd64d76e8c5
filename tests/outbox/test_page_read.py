"""The page a post is composed from, read in one query (``outbox.page_read``) with a statement
compiled once per connection (``outbox.prepared``)."""

import pytest
from django.db import connections
from wagtail.models import Page, Site

from tests.testapp.models import ArticlePage
from wagtail_crosspost.outbox import page_read, prepared

pytestmark = pytest.mark.django_db


def test_the_page_comes_with_its_tags_and_site_name_and_each_read_gets_its_own_page(
    make_article, django_assert_num_queries
):
    Site.objects.update(site_name="Works magazine")
    Site.get_site_root_paths()  # cached for the whole process in practice
    tagged = make_article(title="Tagged")
    tagged.tags.add("lathes", "news")
    tagged.save()
    plain = make_article(title="No tags")
    for page in (tagged, plain, tagged):  # the second and third reuse the compiled statement
        base = Page.objects.get(pk=page.pk)
        with django_assert_num_queries(1):
            read = page_read.read(ArticlePage, base)
        assert read.pk == page.pk and read.title == page.title
        assert read.locale.language_code == "en"
        assert page_read.site_name(read) == "Works magazine"
        expected = ["lathes", "news"] if page is tagged else []
        assert sorted(page_read.tag_names(read)) == expected


def test_a_page_that_is_gone_raises_does_not_exist(make_article):
    page = make_article()
    base = Page.objects.get(pk=page.pk)
    page_read.read(ArticlePage, base)  # compiled
    ArticlePage.objects.filter(pk=page.pk).delete()
    with pytest.raises(ArticlePage.DoesNotExist):
        page_read.read(ArticlePage, base)


def test_a_prepared_query_takes_new_values_and_falls_back_when_it_cannot(make_article):
    first, second = make_article(title="First"), make_article(title="Second")
    by_pk = prepared.Prepared(lambda pk: Page.objects.filter(pk=pk))
    assert [p.title for p in by_pk.run(first.pk)] == ["First"]
    assert [p.title for p in by_pk.run(second.pk)] == ["Second"]
    assert by_pk.run(-1) == []
    assert by_pk._compiled.get(connections["default"]) is not None
    # A value the stand-ins cannot take the place of (not an int): the plain queryset.
    assert [p.title for p in by_pk.run(str(first.pk))] == ["First"]
    # A query whose SQL does not carry the value as a parameter: never a wrong row.
    fixed = prepared.Prepared(lambda pk: Page.objects.filter(title="Second"))
    assert [p.pk for p in fixed.run(first.pk)] == [second.pk]
    assert fixed._compiled.get(connections["default"]) is None
