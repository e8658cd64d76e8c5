"""Real servers the integration tests run locally (the reference Bluesky PDS, ...)."""
