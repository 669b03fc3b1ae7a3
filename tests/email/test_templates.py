"""Every email renders: branded, with the disclaimer, no legal advice, no old brand name."""
from __future__ import annotations

import pytest
from flask import render_template

DRIVER = {"driver_name": "Dana", "citation_number": "912345678", "appeal_url": "https://x/appeals/p",
          "amount": "$9.89", "amount_refunded": "$9.89", "mail_class": "certified",
          "mailed_on": "March 3, 2026", "unsubscribe_url": "https://x/unsubscribe/t"}
OPERATOR = {"key": "email-dead:1-2:2", "message": "2 emails dead", "severity": "warning",
            "details": {"count": 2, "refused": 1, "first_id": 1, "last_id": 2,
                        "admin_url": "https://x/admin/email/?status=dead"}}
DRIVER_TEMPLATES = ("receipt", "letter_ready", "payment_failed", "refunded", "appeal_link",
                    "followup_1", "followup_2")


@pytest.mark.parametrize("name", DRIVER_TEMPLATES + ("dead_letter_alert", "operator_alert"))
def test_each_email_renders_in_three_parts(app, name):
    context = OPERATOR if name in ("dead_letter_alert", "operator_alert") else DRIVER
    with app.test_request_context():
        subject = render_template(f"email/{name}.subject.txt", **context).strip()
        text = render_template(f"email/{name}.txt", **context)
        html = render_template(f"email/{name}.html", **context)
    assert subject.startswith(("Fight City Tickets", "[Fight City Tickets]")) and "\n" not in subject
    for body in (text, html):
        assert "Fight City Tickets" in body and "SF TICKETS" not in body.upper()
        assert "you should" not in body.lower() and "legal advice" not in body.lower().replace(
            "do not give legal advice", "")
    if name in DRIVER_TEMPLATES:
        assert "not a law firm" in text and "not a law firm" in html
        assert DRIVER["appeal_url"] in text and DRIVER["appeal_url"] in html
    else:
        assert "2 email(s)" in subject and OPERATOR["details"]["admin_url"] in text


def test_the_unsubscribe_link_shows_only_when_given(app):
    with app.test_request_context():
        with_link = render_template("email/followup_1.txt", **DRIVER)
        without = render_template("email/receipt.txt", **{**DRIVER, "unsubscribe_url": None})
    assert "Unsubscribe: https://x/unsubscribe/t" in with_link and "Unsubscribe" not in without
