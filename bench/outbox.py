"""Outbox emails delivered per second to a local SMTP server, next to plain smtplib.

The real path: messages are queued with app.email.outbox.enqueue (set-up, not timed), then
the real `email_outbox` job runs until none is left: each run takes its lock (Redis),
claims a batch (BATCH_SIZE, 50) on PostgreSQL, opens one SMTP connection, builds and sends
each message through the `email` breaker and records each outcome in its own transaction.
How many each run really sent is recorded too.
The baseline: the very same messages, already built, sent with smtplib over one
connection and recorded nowhere. Each side gets a fresh SMTP server process of the same
kind (smtp_sink.py); the sender runs in this process in both cases.
"""
from __future__ import annotations

import json
import math
import smtplib
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from email.utils import parseaddr
from pathlib import Path

from flask import Flask
from flask_migrate import upgrade
from sqlalchemy import func, select

from app.email import composition
from app.email.outbox import enqueue
from app.email.sender import BATCH_SIZE
from app.extensions import db
from app.jobs.runner import run_job
from app.models import EmailOutbox, OutboxStatus
from bench.services import Services, build_app, dispose_engine
from testkit.gunicorn_app import ROOT

OUTBOX_DB = "bench_outbox"  # its own database: the webhook run leaves receipts queued
TARGET_RATIO = 0.6
BASE_URL = "https://fightcitytickets.test"


@dataclass
class OutboxResult:
    messages: int
    job_seconds: float
    sent_per_run: list[int]  # messages each job run sent (a run claims up to BATCH_SIZE)
    smtplib_seconds: float
    checks: list[tuple[str, bool]] = field(default_factory=list)

    @property
    def job_per_s(self) -> float:
        return self.messages / self.job_seconds

    @property
    def smtplib_per_s(self) -> float:
        return self.messages / self.smtplib_seconds

    @property
    def ratio(self) -> float:
        return self.job_per_s / self.smtplib_per_s

    @property
    def meets_target(self) -> bool:
        return self.ratio >= TARGET_RATIO


class SMTPSink:
    """bench/smtp_sink.py as a child process; `with SMTPSink() as sink:` stops it on exit."""

    def __enter__(self) -> "SMTPSink":
        self.process = subprocess.Popen([sys.executable, "-m", "bench.smtp_sink"], cwd=ROOT,
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        first = self.process.stdout.readline()  # "port N", or "" when it died
        if not first.startswith("port "):
            self.__exit__()
            raise RuntimeError(f"SMTP sink did not start: {first!r}")
        self.port = int(first.split()[1])
        return self

    def counts(self) -> dict:
        self.process.stdin.write("count\n")
        self.process.stdin.flush()
        return json.loads(self.process.stdout.readline())

    def __exit__(self, *exc_info) -> None:
        self.process.stdin.close()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(10)


def run(services: Services, count: int, workdir: Path) -> OutboxResult:
    services.postgres.create_database(OUTBOX_DB)
    with SMTPSink() as sink:
        app = build_app({"DATABASE_URL": services.postgres.url(OUTBOX_DB),
                         "REDIS_URL": services.redis.url(), "EMAIL_BACKEND": "smtp",
                         "SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(sink.port),
                         "SMTP_STARTTLS": "false", "PUBLIC_BASE_URL": BASE_URL},
                        workdir / "instance")
        try:
            with app.app_context():
                upgrade()
            queue_messages(app, count)
            job_seconds, sent_per_run = send_with_job(app, count)
            job_received = sink.counts()
            statuses, same_messages = sent_messages(app)
        finally:
            dispose_engine(app)
    with SMTPSink() as sink:
        smtplib_seconds = send_with_smtplib(sink.port, same_messages)
        smtplib_received = sink.counts()
    everything = {"messages": count, "message_ids": count}
    return OutboxResult(count, job_seconds, sent_per_run, smtplib_seconds, checks=[
        ("job: every outbox row ended sent", statuses == Counter({"sent": count})),
        ("job: server got each message once (distinct Message-IDs)", job_received == everything),
        ("smtplib: server got each message once", smtplib_received == everything),
    ])


def queue_messages(app: Flask, count: int) -> None:
    """Queue `count` appeal links the way features do (tests/email/conftest.py), committing
    every batch: on a loaded machine rendering them all in one transaction outlasts the
    database's idle-in-transaction timeout."""
    with app.app_context():
        for i in range(count):
            enqueue(f"driver{i}@example.com", "appeal_link",
                    {"appeal_url": f"{BASE_URL}/appeals/bench{i}", "citation_number": f"9{i:08d}",
                     "driver_name": "Dana"}, idempotency_key=f"bench:{i}")
            if i % BATCH_SIZE == BATCH_SIZE - 1:
                db.session.commit()
        db.session.commit()
        db.session.remove()


def send_with_job(app: Flask, count: int) -> tuple[float, list[int]]:
    """Run the job until no message waits (bounded: twice the runs batches of 50 would
    need); returns (seconds, messages sent by each run). Counting what is left after each
    run costs one small query, inside the timing."""
    max_runs = 2 * math.ceil(count / BATCH_SIZE) + 5
    sent_per_run, sent_before = [], 0
    started = time.perf_counter()
    for _ in range(max_runs):
        outcome = run_job(app, "email_outbox")
        if outcome != "ok":
            raise RuntimeError(f"email_outbox job run: {outcome}")
        sent_now = _count_sent(app)
        sent_per_run.append(sent_now - sent_before)
        sent_before = sent_now
        if sent_now >= count or sent_per_run[-1] == 0:
            return time.perf_counter() - started, sent_per_run
    raise RuntimeError(f"{count - sent_before} messages still unsent after {max_runs} job runs")


def _count_sent(app: Flask) -> int:
    with app.app_context():
        sent = db.session.scalar(select(func.count()).select_from(EmailOutbox)
                                 .where(EmailOutbox.status == OutboxStatus.SENT))
        db.session.remove()
    return sent


def sent_messages(app: Flask) -> tuple[Counter, list[tuple[str, str, bytes]]]:
    """Row statuses, and (envelope sender, recipient, bytes) of each message as the job
    built it: what the smtplib baseline sends."""
    with app.app_context():
        rows = db.session.execute(select(EmailOutbox).order_by(EmailOutbox.id)).scalars().all()
        mail_from = app.extensions["settings"].mail_from
        sender = parseaddr(mail_from)[1]
        built = [(sender, row.recipient,
                  composition.build(composition.Outgoing.of(row), mail_from).as_bytes()) for row in rows]
        statuses = Counter(row.status for row in rows)
        db.session.remove()
    return statuses, built


def send_with_smtplib(port: int, messages: list[tuple[str, str, bytes]]) -> float:
    started = time.perf_counter()
    with smtplib.SMTP("127.0.0.1", port, timeout=10) as conn:
        conn.ehlo()
        for sender, recipient, raw in messages:
            conn.sendmail(sender, [recipient], raw)
    return time.perf_counter() - started
