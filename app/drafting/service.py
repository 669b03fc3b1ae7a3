"""Letter drafting: accept a draft/refine request, schedule it, and describe its state (§6).

`request_draft` records every accepted request as an `ai_requests` row. Within the
ai_refine limit it goes straight to this instance's worker pool; past it, the row waits
with `run_after` set and the ai_queue job starts it when the window frees up. Services
never touch `request`: the caller passes the client IP and request id.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select

from app.drafting import budget, request_limits, runner
from app.drafting.letter_facts import letter_facts
from app.drafting.status_notes import system_status_notes
from app.extensions import db
from app.integrations.ai import PoolFull, ai_pool, letter_writer
from app.models import AiRequest, AiRequestStatus, Appeal, AppealStatus
from app.models.base import as_utc, utcnow
from app.observability import metrics

MAX_INSTRUCTIONS = 1000
# Past the ai_refine limit requests queue, but not without end: a flood of rewrites from one
# driver would otherwise book hours of the writer ahead.
MAX_DEFER = timedelta(minutes=5)


class DraftError(Exception):
    status = 400
    retry_after: int | None = None

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class DraftQueueFull(DraftError):
    status, retry_after = 503, 5

    def __init__(self):
        super().__init__("Our letter writer is very busy right now. Your appeal is saved; "
                         "please try again in a few seconds.")


class TokenBudgetExhausted(DraftError):
    status = 429

    def __init__(self, retry_after: int):
        super().__init__("You have used today's AI writing help. Your current letter is kept, "
                         "and you can still edit it yourself.")
        self.retry_after = retry_after


class DraftBacklog(DraftError):
    status = 429

    def __init__(self, retry_after: int):
        super().__init__("You have asked for many rewrites in a short time. Please wait for "
                         "those to finish before asking again.")
        self.retry_after = retry_after


class DraftNotAllowed(DraftError):
    status = 409


class DraftInputError(DraftError):
    status = 422


def request_draft(appeal: Appeal, *, kind: str = "draft", instructions: str | None = None,
                  client_ip: str | None, http_request_id: str | None = None) -> AiRequest:
    """Record and schedule a draft; raises a `DraftError` the caller turns into an answer."""
    instructions = (instructions or "").strip() or None
    _check(appeal, kind, instructions)
    writer = letter_writer()
    prompt_tokens = writer.estimate_prompt_tokens(runner.prompt(
        letter_facts(appeal), system_status_notes(), kind, instructions, appeal.letter_text or None))
    now = utcnow()
    # One request of this driver at a time from here to the commit (PostgreSQL; on SQLite
    # the flush below takes the write lock), so two cannot both see a free window or budget.
    request_limits.serialize(f"ip:{client_ip}" if client_ip else None,
                        f"email:{appeal.email}" if appeal.email else None)
    db.session.execute(select(Appeal.id).where(Appeal.id == appeal.id).with_for_update())
    ai_request = AiRequest(appeal_id=appeal.id, kind=kind, instructions=instructions,
                           client_ip=client_ip, run_after=now)
    db.session.add(ai_request)
    db.session.flush()
    run_at = request_limits.next_run_at(appeal, client_ip, now, exclude=ai_request.id)
    if run_at is not None and run_at - now > MAX_DEFER:
        db.session.rollback()
        raise DraftBacklog(int((run_at - now - MAX_DEFER).total_seconds()) + 1)
    if writer.enabled:
        grant = budget.reserve(client_ip, prompt_tokens, writer.max_completion_tokens, now)
        if not grant.tokens and appeal.letter_text:
            db.session.rollback()  # the current letter stays; without one, the template writes it
            raise TokenBudgetExhausted(grant.retry_after)
        ai_request.tokens_used = grant.tokens
    ai_request.run_after = run_at or now
    slot = None
    if run_at is None:
        try:
            slot = ai_pool().reserve()
        except PoolFull:
            db.session.rollback()
            raise DraftQueueFull() from None
    try:
        db.session.commit()
    except Exception:
        if slot is not None:
            slot.release()
        raise
    if slot is None:
        metrics.AI_REQUESTS.labels(outcome="queued").inc()
    else:
        ai_pool().submit(slot, runner.run_request, ai_request.id,
                                                 http_request_id)
    return ai_request


def _check(appeal: Appeal, kind: str, instructions: str | None) -> None:
    if kind not in ("draft", "refine"):
        raise DraftInputError("Please choose to write a new letter or to refine the current one.")
    if not (appeal.story or "").strip():
        raise DraftInputError("Please tell us what happened first, then we can write your letter.")
    if instructions and len(instructions) > MAX_INSTRUCTIONS:
        raise DraftInputError(f"Please keep your changes to {MAX_INSTRUCTIONS} characters or fewer.")
    if kind == "refine" and not appeal.letter_text:
        raise DraftInputError("There is no letter to refine yet. Please ask for a first draft.")
    if kind == "refine" and not letter_writer().enabled:
        # The template would only replace the driver's letter with itself again.
        raise DraftNotAllowed("Rewriting needs our writing assistant, which isn't available. "
                              "Your letter is kept; you can edit it yourself on the review page.")
    if not appeal.can_move_to(AppealStatus.LETTER_READY):
        raise DraftNotAllowed("This letter can no longer be changed: the appeal has already "
                              "been paid for or closed.")


def latest_request(appeal: Appeal) -> AiRequest | None:
    """The appeal's latest request; a finished one re-reads the appeal too. The runner
    commits the letter and the request's end together, but the caller read the appeal
    first: without this, a request that finished in between is "done" with no letter."""
    req = db.session.execute(
        select(AiRequest).where(AiRequest.appeal_id == appeal.id)
        .order_by(AiRequest.created_at.desc(), AiRequest.id.desc()).limit(1)).scalar_one_or_none()
    if req is not None and req.finished_at is not None:
        db.session.refresh(appeal)
    return req


MESSAGES = {
    "queued": "Your letter is in the queue and will be written shortly.",
    "running": "We are writing your letter now. This usually takes a few seconds.",
    "ai": "Your letter is ready. Please read it carefully and change anything that is not right.",
    "template": "Your letter was built from the city's standard template using your details. "
                "Please read it and add anything that is missing.",
    "template_fallback": "Our writing assistant is unavailable right now, so your letter was built "
                         "from the city's standard template using your details. You can edit it "
                         "on the next page.",
    "timeout": "Our writing assistant took too long to answer. Please write your letter on the "
               "next page; we show you what it needs.",
    "kept": "We couldn't rework your letter right now, so your current letter is kept. You can "
            "edit it yourself on the next page.",
    "budget": "You have used today's AI writing help. Your current letter is kept, and you can "
              "still edit it yourself.",
    "locked": "This letter can no longer be changed: the appeal has already been paid for or closed.",
    "error": "Something went wrong while writing your letter. Your appeal is saved; please try "
             "again, or write the letter yourself on the next page.",
}


@dataclass
class DraftView:
    """What the driver sees of the latest request (the route adds the URLs)."""

    state: str  # queued, running, done, failed
    kind: str
    message: str
    run_at: datetime | None = None
    outcome: str | None = None
    letter: str | None = None
    source: str | None = None
    appeal_status: str = ""
    notes: list[str] = field(default_factory=list)

    def wait_seconds(self) -> int:
        if self.run_at is None:
            return 0
        return max(0, int((self.run_at - utcnow()).total_seconds()))


def describe(appeal: Appeal, req: AiRequest) -> DraftView:
    view = DraftView(state=req.status, kind=req.kind, message=MESSAGES.get(req.status, ""),
                     run_at=as_utc(req.run_after), outcome=req.outcome,
                     appeal_status=appeal.status, notes=system_status_notes())
    if req.status in (AiRequestStatus.DONE, AiRequestStatus.FAILED):
        key = req.outcome or "error"
        if key == "template" and req.error:
            key = "template_fallback"
        view.message = MESSAGES.get(key, MESSAGES["error"])
    if req.status == AiRequestStatus.DONE:
        view.letter, view.source = appeal.letter_text, appeal.letter_source
    return view
