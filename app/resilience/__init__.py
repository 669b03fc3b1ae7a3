"""Resilience building blocks: breakers, retry, rate limits, caches and the shared store."""
