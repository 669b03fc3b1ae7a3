"""The operators' print queue as a mailer (MAIL_BACKEND=manual): nothing leaves the building.

`mail()` only answers that the letter is queued for print; the operators print, post and
record it from the admin pages. It never calls anything, so it never fails.
"""
from __future__ import annotations

from app.integrations.mail.base import MailReceipt, MailRequest, idempotency_key


class ManualMailer:
    name = "manual"

    def mail(self, letter: MailRequest) -> MailReceipt:
        return MailReceipt(provider=self.name, status="queued_for_print",
                           idempotency_key=idempotency_key(letter.appeal_public_id,
                                                           letter.letter_version))
