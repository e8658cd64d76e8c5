"""wagtail-crosspost: publish Wagtail pages to social platforms, adapted to each."""

__version__ = "0.1.0.dev0"

# The locmem adapter appends every post here, like django.core.mail.outbox.
outbox: list = []
