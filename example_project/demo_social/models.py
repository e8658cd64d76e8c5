from django.db import models
from django.urls import reverse


class WallPost(models.Model):
    """A post received by the demo wall, as a real platform would store it."""

    channel_name = models.CharField(max_length=255, blank=True)
    text = models.TextField()
    link = models.URLField(max_length=2000, blank=True)
    image = models.ImageField(upload_to="social-wall/", blank=True)
    alt_text = models.TextField(blank=True)
    # The sender's idempotency key: a repeated publish returns the post it already made.
    idempotency_key = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    edited_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.text.splitlines()[0] if self.text else f"Post {self.pk}"

    def get_absolute_url(self) -> str:
        return reverse("demo_social:detail", args=[self.pk])
