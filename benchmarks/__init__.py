"""Benchmarks; run them from the repository root, e.g. ``python benchmarks/images.py``."""
