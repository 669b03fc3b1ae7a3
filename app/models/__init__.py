"""All models, imported here so Alembic and the app see every table."""
from app.models.appeal import (PUBLIC_ID, Appeal, AiRequest, AiRequestStatus, AppealStatus,
                               EvidencePhoto, IllegalTransition, appeal_by_public_id)
from app.models.consent import Consent, ConsentAction, ConsentAuditLog
from app.models.letter import Letter, LetterEvent, LetterStatus, TrackingStatus
from app.models.email import EmailCategory, EmailOutbox, FollowupEvent, OutboxStatus
from app.models.ops import AdminUser, JobRun, OperatorAlert
from app.models.payments import FailedWebhook, FailedWebhookStatus, StripeEvent
from app.models.ticket_photo import PendingTicketPhoto

__all__ = [
    "PUBLIC_ID", "appeal_by_public_id", "Appeal", "AiRequest", "AiRequestStatus", "AppealStatus", "EvidencePhoto", "IllegalTransition",
    "Consent", "ConsentAction", "ConsentAuditLog", "EmailCategory", "EmailOutbox", "FollowupEvent",
    "OutboxStatus", "AdminUser", "JobRun", "OperatorAlert", "FailedWebhook", "FailedWebhookStatus",
    "StripeEvent", "Letter", "LetterEvent", "LetterStatus", "TrackingStatus", "PendingTicketPhoto",
]
