"""wagtail-crosspost: publish Wagtail pages to social platforms, adapted to each."""

from .version import __version__  # noqa: F401


def __getattr__(name: str):
    # Lazy, so importing the package does not import Django models before apps are ready.
    if name == "crosspost":
        from .api import crosspost

        return crosspost
    raise AttributeError(name)
