"""SUPPORT_EMAIL is on every page (a mailto link in the footer) and in every driver email."""
from pathlib import Path

import pytest
from flask import render_template

from tests.appeals.conftest import NO_LIMITS, start_appeal

SUPPORT = "help@fightcitytickets.test"
EMAILS = sorted(p.name[:-len(".txt")] for p in (Path(__file__).parents[2] / "templates" / "email")
                .glob("*.txt") if not p.name.endswith(".subject.txt") and not p.name.startswith("_")
                and "alert" not in p.name)  # operator alerts go to the operators themselves


@pytest.fixture
def support_app(app_factory):
    return app_factory(SUPPORT_EMAIL=SUPPORT, **NO_LIMITS)


def test_every_driver_page_names_the_support_address(support_app):
    client = support_app.test_client()
    public_id = start_appeal(client)
    pages = ["/", f"/appeals/{public_id}", f"/appeals/{public_id}/photos",
             f"/appeals/{public_id}/story", f"/appeals/{public_id}/review", "/appeals/find",
             "/privacy", "/terms", "/refunds", "/appeals/no-such-appeal-here-0000",
             "/unsubscribe/not-a-token"]
    for url in pages:
        html = client.get(url).get_data(as_text=True)
        assert f'<a href="mailto:{SUPPORT}">{SUPPORT}</a>' in html, url


@pytest.mark.parametrize("name", EMAILS)
def test_every_driver_email_names_the_support_address(support_app, name):
    context = {"driver_name": "Dana", "citation_number": "912345678", "appeal_url": "https://x/a",
               "amount": "$9.89", "amount_refunded": "$9.89", "mail_class": "certified",
               "mailed_on": "March 3, 2026", "days_left": 9, "deadline": "March 9, 2026"}
    with support_app.test_request_context():
        try:
            text = render_template(f"email/{name}.txt", **context)
            html = render_template(f"email/{name}.html", **context)
        except Exception as exc:  # a template that needs other context: say which
            pytest.fail(f"{name} did not render with the common driver context: {exc!r}")
    assert SUPPORT in text and f'href="mailto:{SUPPORT}"' in html
