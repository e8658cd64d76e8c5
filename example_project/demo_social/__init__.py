"""An offline stand-in for a social network: posts land on the site's own /social-wall/."""

from .adapter import DemoWallAdapter

__all__ = ["DemoWallAdapter"]
