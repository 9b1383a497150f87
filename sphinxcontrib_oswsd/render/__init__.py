"""Turning a parsed diagram into an image: API client, cache, offline renderer."""
