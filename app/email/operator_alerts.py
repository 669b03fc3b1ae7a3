"""The alert sink create_app registers: an operator alert becomes one email to ADMIN_ALERT_EMAIL."""
from __future__ import annotations

from datetime import datetime

from app.config import current_settings
from app.email.outbox import enqueue
from app.observability.alerts import DEDUP_WINDOW_S


def email_operator(key: str, message: str, severity: str, details: dict, at: datetime) -> bool:
    """Queue the alert's email in the alert row's transaction; False when no address is set."""
    alert_email = current_settings().admin_alert_email
    if not alert_email:
        return False
    # One email per key and de-duplication window, even if two instances both notify.
    bucket = int(at.timestamp() // DEDUP_WINDOW_S)
    enqueue(alert_email, "operator_alert",
            {"key": key, "message": message, "severity": severity, "details": details},
            idempotency_key=f"alert:{key}:{bucket}")
    return True
