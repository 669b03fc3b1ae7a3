"""Scheduled jobs: declared as data in `registry`, run by `runner` under a cross-instance lock."""
