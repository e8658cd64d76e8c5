"""Compose: turn a published page into platform-ready text and images (pure, no database)."""
