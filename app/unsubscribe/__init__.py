"""The unsubscribe blueprint."""
