"""Engagement figures: snapshots of each publication's figures at +1 h, +24 h, +7 d and +30 d.

The adapters fetch them (``Adapter.fetch_metrics``, batched); this package decides what is due,
paces it by the channel's quotas and stores the snapshots. See docs/concepts/metrics.md.
"""
