"""The mail_letters job through `flask jobs run-once mail_letters`, against the Lob stand-in."""
from __future__ import annotations

import re
import threading

import pybreaker
import pytest

from app.extensions import db
from app.fulfilment.mailing import OUTAGE_ALERT, mail_letters
from app.integrations.mail.base import idempotency_key
from app.models import Appeal, AppealStatus, LetterStatus
from tests.support.fixtures import fake_stripe  # noqa: F401
from tests.webhooks.helpers import STRIPE_ENV, deliver, event_for, open_session
from testkit.mailing import (LETTER, LOB_KEY, RateLimitedLob, alerts, appeal_status, letters,
                             lob_env, make_due, outbox, paid_appeal, run_job, short_timeouts)


@pytest.fixture
def lob():
    server = RateLimitedLob(api_key=LOB_KEY).start()
    yield server
    server.stop()


@pytest.fixture
def app(app_factory, lob):
    return app_factory(**lob_env(lob), BREAKER_MAIL_RESET_S="1")


def posts(lob) -> list:
    return [r for r in lob.requests if r.method == "POST"]


def ran(runner) -> None:
    result = run_job(runner)
    assert result.exit_code == 0 and "mail_letters: ok" in result.output, result.output


@pytest.mark.both_databases
def test_a_paid_appeal_is_mailed_first_class_with_the_city_and_return_addresses(app, runner, lob):
    public_id = paid_appeal(app)
    ran(runner)
    (made,) = lob.letters_created
    (letter,) = letters(app)
    assert (letter.status, letter.backend, letter.provider_letter_id) == ("mailed", "lob", made["id"])
    assert letter.idempotency_key == made["idempotency_key"] == idempotency_key(public_id, 1)
    assert letter.expected_delivery_date and letter.mailed_on and letter.deliver_by
    assert letter.tracking_number is None and letter.attempts == 1
    assert appeal_status(app, public_id) == AppealStatus.MAILED
    params = made["params"]
    assert (params["mail_type"], params.get("extra_service")) == ("usps_first_class", None)
    assert params["to"]["address_line1"] == "11 South Van Ness Avenue"
    assert params["to"]["company"] == "SFMTA Customer Service Center"
    assert (params["from"]["name"], params["from"]["address_zip"]) == ("Dana Driver", "94105")
    assert made["pdf"].startswith(b"%PDF-")
    (email,) = outbox(app, "letter_mailed")
    assert email.recipient == "dana@example.com" and "usps.com" not in email.body_text
    assert "support@fightcitytickets.com" in email.body_text and public_id in email.body_text
    ran(runner)  # nothing left to do: no second letter, no second email
    assert lob.letter_count() == 1 and len(outbox(app, "letter_mailed")) == 1


def test_certified_mail_stores_the_tracking_number_and_emails_the_usps_link(app, runner, lob):
    public_id = paid_appeal(app, mail_class="certified")
    ran(runner)
    (made,) = lob.letters_created
    # San Francisco counts the day it receives the letter: proof of receipt is asked for
    assert made["params"]["extra_service"] == "certified_return_receipt"
    (letter,) = letters(app)
    assert letter.tracking_number and letter.tracking_number == lob.letters[made["id"]]["tracking_number"]
    assert letter.expected_delivery_date is not None
    (email,) = outbox(app, "letter_mailed")
    link = f"https://tools.usps.com/go/TrackConfirmAction?tLabels={letter.tracking_number}"
    assert link in email.body_text and link in email.body_html
    assert appeal_status(app, public_id) == AppealStatus.MAILED


def test_server_errors_then_success_make_one_letter(app, runner, lob):
    paid_appeal(app)
    lob.fail_next(2)
    ran(runner)
    assert len(posts(lob)) == 3 and lob.letter_count() == 1
    assert [letter.status for letter in letters(app)] == ["mailed"]


def test_a_429_is_waited_out_and_mailed(app, runner, lob):
    paid_appeal(app)
    lob.limited = 2
    ran(runner)
    assert len(posts(lob)) == 3 and lob.letter_count() == 1
    assert [letter.status for letter in letters(app)] == ["mailed"]


def test_a_timeout_is_retried_with_the_same_key_and_makes_one_letter(app, runner, lob):
    short_timeouts(app)
    paid_appeal(app)
    lob.mode = "hang"

    def recover_when_retried():  # the first request is carried out late: the letter exists
        lob.wait_for_requests(2, timeout=15)
        lob.mode = "ok"

    helper = threading.Thread(target=recover_when_retried)
    helper.start()
    try:
        ran(runner)
    finally:
        helper.join(15)
    lob.stop()  # waits for the late request to be carried out
    assert lob.letter_count() == 1
    (letter,) = letters(app)
    assert letter.status == "mailed" and letter.provider_letter_id == lob.letters_created[0]["id"]
    assert {r.headers["idempotency-key"] for r in posts(lob)} == {letter.idempotency_key}


def test_a_lost_answer_is_recovered_and_the_stand_in_holds_one_letter(app, runner, lob):
    paid_appeal(app)
    lob.drop_after_create(1)
    ran(runner)
    assert len(posts(lob)) == 2 and lob.letter_count() == 1
    (letter,) = letters(app)
    assert letter.status == "mailed" and letter.provider_letter_id == lob.letters_created[0]["id"]


def test_an_address_lob_refuses_goes_to_the_print_queue_with_the_reason_once(app, runner, lob):
    public_id = paid_appeal(app, return_line1="1" * 40, return_line2="Suite " + "9" * 12)
    ran(runner)
    (letter,) = letters(app)
    assert letter.status == LetterStatus.PRINT_QUEUE
    assert "address_length_exceeds_limit" in letter.print_reason and "422" in letter.print_reason
    assert appeal_status(app, public_id) == AppealStatus.PRINT_QUEUE
    make_due(app)
    ran(runner)
    assert len(posts(lob)) == 1 and lob.letter_count() == 0  # never retried
    assert len(alerts(app, "mail-print-queue:")) == 1
    assert app.extensions["breakers"]["mail"].fail_counter == 0  # Lob answered: not an outage


def test_the_breaker_opens_after_three_failures_and_nothing_is_lost(app, runner, lob):
    ids = [paid_appeal(app) for _ in range(5)]
    lob.mode = "error"
    ran(runner)
    breaker = app.extensions["breakers"]["mail"]
    assert breaker.current_state == pybreaker.STATE_OPEN
    assert len(posts(lob)) == 3 * 4  # three letters tried (each with three retries), two held back
    rows = letters(app)
    assert len(rows) == 5 and {r.status for r in rows} == {"mailing"}
    assert sorted(r.attempts for r in rows) == [0, 0, 1, 1, 1]
    assert {appeal_status(app, i) for i in ids} == {AppealStatus.MAILING}

    lob.mode = "ok"
    make_due(app)
    breaker.half_open()  # the reset timeout (1 s here) has passed
    ran(runner)
    assert lob.letter_count() == 5 and {r.status for r in letters(app)} == {"mailed"}
    assert {appeal_status(app, i) for i in ids} == {AppealStatus.MAILED}
    assert alerts(app, OUTAGE_ALERT) == []  # nothing was near its deadline


def test_near_the_deadline_a_failing_provider_sends_letters_to_the_print_queue_with_one_alert(
        app_factory, lob, redis_url):
    # Shared state in Redis, as in production: the alert is claimed there, once
    app = app_factory(**lob_env(lob), REDIS_URL=redis_url)
    runner = app.test_cli_runner()
    urgent = [paid_appeal(app, urgent=True) for _ in range(3)]
    relaxed = [paid_appeal(app) for _ in range(2)]
    lob.stop()
    ran(runner)
    assert {appeal_status(app, i) for i in urgent} == {AppealStatus.PRINT_QUEUE}
    assert {appeal_status(app, i) for i in relaxed} == {AppealStatus.MAILING}
    queued = [r for r in letters(app) if r.status == "print_queue"]
    assert len(queued) == 3 and all("deadline is near" in r.print_reason for r in queued)
    (alert,) = alerts(app, OUTAGE_ALERT)
    assert alert.count == 1
    make_due(app)
    ran(runner)  # still down: the relaxed ones wait, no second alert
    assert len(alerts(app, OUTAGE_ALERT)) == 1 and alerts(app, OUTAGE_ALERT)[0].count == 1
    assert {appeal_status(app, i) for i in relaxed} == {AppealStatus.MAILING}


def test_what_only_a_person_can_fix_goes_to_the_print_queue_without_calling_lob(app, runner, lob):
    no_address = paid_appeal(app, return_zip=None)
    oakland_unknown = paid_appeal(app, city_slug="nowhere")
    refunded = paid_appeal(app, status=AppealStatus.REFUNDED)
    ran(runner)
    assert lob.requests == []
    reasons = {r.print_reason for r in letters(app) if r.status == "print_queue"}
    assert reasons == {"the driver's return address is incomplete",
                       "the data of city 'nowhere' could not be read"}
    assert appeal_status(app, no_address) == appeal_status(app, oakland_unknown) == "print_queue"
    assert appeal_status(app, refunded) == AppealStatus.REFUNDED  # never paid-and-open: no letter
    assert len(letters(app)) == 2


def test_on_the_embedded_default_the_paid_appeal_ends_in_the_print_queue(app_factory, lob):
    app = app_factory()  # MAIL_BACKEND unset: manual
    public_id = paid_appeal(app)
    ran(app.test_cli_runner())
    (letter,) = letters(app)
    assert (letter.backend, letter.status, letter.print_reason) == ("manual", "print_queue",
                                                                     "manual mailing")
    assert appeal_status(app, public_id) == AppealStatus.PRINT_QUEUE
    assert alerts(app, "mail-") == [] and outbox(app, "letter_mailed") == []
    assert lob.requests == []


@pytest.mark.parametrize("backend_env, status", [("manual", AppealStatus.PRINT_QUEUE),
                                                 ("lob", AppealStatus.MAILED)])
def test_a_payment_event_arriving_again_after_the_job_changes_nothing(app_factory, lob, fake_stripe,
                                                                     backend_env, status):
    mail_env = lob_env(lob) if backend_env == "lob" else {}
    app = app_factory(**mail_env, STRIPE_API_BASE=fake_stripe.url, **STRIPE_ENV)
    public_id = paid_appeal(app, status=AppealStatus.AWAITING_PAYMENT, paid_at=None)
    session_id = open_session(app, fake_stripe, public_id)
    fake_stripe.pay_session(session_id)
    client = app.test_client()
    assert deliver(client, event_for(fake_stripe, "checkout.session.completed", session_id)).status_code == 200
    ran(app.test_cli_runner())
    assert appeal_status(app, public_id) == status
    # Stripe sends the payment's news again, as a new event: the same payment, already counted
    again = deliver(client, event_for(fake_stripe, "checkout.session.async_payment_succeeded", session_id))
    assert again.status_code == 200
    assert appeal_status(app, public_id) == status
    assert alerts(app, "payment-refused") == [] and len(letters(app)) == 1


def test_a_refund_before_the_letter_goes_cancels_it(app, runner, lob):
    public_id = paid_appeal(app)
    lob.mode = "error"
    ran(runner)  # Lob fails: the letter waits
    with app.app_context():
        appeal = db.session.execute(db.select(Appeal).filter_by(public_id=public_id)).scalar_one()
        appeal.move_to(AppealStatus.REFUNDED)  # what the charge.refunded webhook does
        db.session.commit()
    lob.mode = "ok"
    make_due(app)
    app.extensions["breakers"]["mail"].close()
    ran(runner)
    assert [r.status for r in letters(app)] == ["cancelled"] and lob.letter_count() == 0


@pytest.mark.postgres
def test_two_runners_at_once_without_the_job_lock_mail_each_letter_once(app, lob):
    """The job lock serialises runners; the claims alone must hold if two run anyway."""
    for i in range(16):
        paid_appeal(app, email=f"driver{i}@example.com")
    errors = []

    def runner():
        try:
            with app.app_context():
                mail_letters()
        except Exception as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=runner) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    keys = [r.headers["idempotency-key"] for r in posts(lob)]
    assert len(keys) == len(set(keys)) == 16 and lob.letter_count() == 16
    assert {r.status for r in letters(app)} == {"mailed"}


@pytest.mark.parametrize("backend_env", ["manual", "lob"])
def test_once_the_job_has_it_the_driver_can_no_longer_change_the_letter(app_factory, lob,
                                                                         backend_env):
    app = app_factory(**(lob_env(lob) if backend_env == "lob" else {}))
    public_id = paid_appeal(app)
    ran(app.test_cli_runner())
    client = app.test_client()
    url = f"/appeals/{public_id}/review"
    page = client.get(url)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.get_data(as_text=True))
    changed = client.post(url, data={"csrf_token": token.group(1) if token else "",
                                     "letter_text": "A different letter, after payment."})
    assert changed.status_code in (400, 409)
    with app.app_context():
        appeal = db.session.execute(db.select(Appeal).filter_by(public_id=public_id)).scalar_one()
        assert appeal.letter_text == LETTER and appeal.letter_version == 1
