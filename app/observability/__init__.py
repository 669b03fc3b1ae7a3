"""Metrics, structured logs, request ids, alerts and error tracking."""
