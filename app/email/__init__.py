"""Email: the outbox, its sender and dead-letter jobs, follow-ups and templates (§10)."""
