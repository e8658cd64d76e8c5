"""Engagement figures: snapshots from the platforms, our own click counts, goals and the report."""
