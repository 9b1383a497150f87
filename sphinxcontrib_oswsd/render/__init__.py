"""Turning a parsed diagram into an image: the API client, the cache and the offline renderer."""
