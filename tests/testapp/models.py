"""Plain page types of an ordinary site: nothing in them knows about crossposting."""

from django.db import models
from modelcluster.contrib.taggit import ClusterTaggableManager
from modelcluster.fields import ParentalKey
from taggit.models import TaggedItemBase
from wagtail.admin.panels import FieldPanel
from wagtail.fields import RichTextField
from wagtail.models import Page


class SimplePage(Page):
    body = RichTextField(blank=True)
    content_panels = Page.content_panels + [FieldPanel("body")]


class ArticleTag(TaggedItemBase):
    content_object = ParentalKey("ArticlePage", on_delete=models.CASCADE, related_name="tagged")


class ArticlePage(Page):
    intro = models.CharField(max_length=500, blank=True)
    image = models.ForeignKey(
        "wagtailimages.Image", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    body = RichTextField(blank=True)
    tags = ClusterTaggableManager(through=ArticleTag, blank=True)

    content_panels = Page.content_panels + [
        FieldPanel("intro"),
        FieldPanel("image"),
        FieldPanel("body"),
        FieldPanel("tags"),
    ]
