"""The webhooks blueprint."""
