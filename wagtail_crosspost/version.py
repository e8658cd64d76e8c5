"""The package version, alone in a module at the bottom of the layers (adapters read it)."""

__version__ = "0.1.0.dev0"
