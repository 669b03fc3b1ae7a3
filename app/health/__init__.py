"""Health probes and metrics (§11)."""
