"""Running one AI request in a worker: claim it, write the letter, record what happened (§6).

The database is touched only before and after the provider call, never during it, so a
hung provider holds a worker thread but no connection. Whatever fails, the driver's
current letter is never thrown away: a failed refinement keeps it.

The call stays within the tokens the request reserved when it was accepted (its row's
`tokens_used`, see `budget`): `max_tokens` is what the reservation leaves after the
prompt. When the request ends, `tokens_used` becomes what the call cost: the usage the
provider reported, nothing when no call was made or the provider refused it (an error, a
timeout: no letter came back), and the whole reservation when the cost is not known (no
usage in the answer, a crash after the call).
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
import sentry_sdk
from sqlalchemy import select, update

from app.drafting import prompts
from app.drafting.budget import completion_ceiling
from app.drafting.letter_facts import letter_facts, template_letter
from app.drafting.status_notes import system_status_notes
from app.drafting.letter_text import clean_letter
from app.extensions import db
from app.integrations.ai import WriterFailed, WriterTimeout, letter_writer
from app.models import AiRequest, AiRequestStatus, Appeal, AppealStatus
from app.models.base import utcnow
from app.observability import metrics

log = logging.getLogger(__name__)
R = AiRequestStatus


@dataclass
class Result:
    outcome: str  # ai, template, timeout, kept, budget, locked, error
    text: str | None = None
    tokens: int = 0  # the usage the provider reported
    error: str | None = None
    charged: int | None = 0  # what the budget keeps; None: the whole reservation


def prompt(facts: dict, notes: list[str], kind: str, instructions: str | None,
           current: str | None) -> list[dict]:
    return prompts.messages(facts, notes, instructions=instructions,
                               current_letter=current if kind == "refine" else None)


def claim(request_id: int) -> bool:
    """queued -> running in one conditional UPDATE: of several instances exactly one wins."""
    result = db.session.execute(
        update(AiRequest).where(AiRequest.id == request_id, AiRequest.status == R.QUEUED)
        .values(status=R.RUNNING, started_at=utcnow()))
    db.session.commit()
    return result.rowcount == 1


def run_request(request_id: int, http_request_id: str | None = None, claimed: bool = False) -> None:
    """The worker's entry point (runs inside an app context)."""
    if not claimed and not claim(request_id):
        return  # another instance (or the ai_queue job) has it
    try:
        _run(request_id, http_request_id)
    except Exception as exc:  # never leave a request "running" for the driver to watch forever
        db.session.rollback()
        log.exception("AI request crashed", extra={"request_id": http_request_id or request_id})
        _to_sentry(exc, http_request_id or str(request_id), str(request_id))
        _finish(request_id, Result("error", error=f"{type(exc).__name__}: {exc}"[:500], charged=None))


def _run(request_id: int, http_request_id: str | None) -> None:
    req = db.session.get(AiRequest, request_id)
    appeal = db.session.get(Appeal, req.appeal_id)
    log_id = http_request_id or req.public_id
    if not appeal.can_move_to(AppealStatus.LETTER_READY):
        return _finish(request_id, Result("locked"))
    facts = letter_facts(appeal)
    current = appeal.letter_text or None
    kind, instructions, public_id = req.kind, req.instructions, req.public_id
    reserved = req.tokens_used  # the reservation, until `_finish` settles it
    writer = letter_writer()
    messages = prompt(facts, system_status_notes(), kind, instructions, current)
    # The prompt may have grown since the reservation (a letter rewritten meanwhile).
    max_tokens = completion_ceiling(reserved, writer.estimate_prompt_tokens(messages),
                                    writer.max_completion_tokens) if writer.enabled else 0
    # Give the connection back before the provider call; nothing below may touch the
    # (now expired) ORM objects until `_finish`, or it would check one out again.
    db.session.commit()

    if not writer.enabled:
        result = Result("template", template_letter(facts))
    elif not max_tokens:
        result = Result("budget") if current else Result("template", template_letter(facts))
    else:
        result = _write(writer, messages, max_tokens, facts, current, log_id, public_id)
    _finish(request_id, result)


def _write(writer, messages, max_tokens, facts, current, log_id, public_id) -> Result:
    try:
        completion = writer.complete(messages, request_id=log_id, max_tokens=max_tokens)
    except WriterTimeout as exc:
        _report(exc, log_id, public_id, "timeout")
        return Result("kept" if current else "timeout", error=str(exc))
    except WriterFailed as exc:
        _report(exc, log_id, public_id, "template")
        spent = dict(tokens=exc.tokens or 0, charged=exc.tokens)
        if current:
            return Result("kept", error=str(exc), **spent)
        return Result("template", template_letter(facts), error=str(exc), **spent)
    metrics.AI_REQUESTS.labels(outcome="ai").inc()
    return Result("ai", completion.text, completion.tokens or 0, charged=completion.tokens)


def _report(exc: Exception, log_id: str, public_id: str, outcome: str) -> None:
    metrics.AI_REQUESTS.labels(outcome=outcome).inc()
    log.warning("AI letter writer failed", extra={
        "request_id": log_id, "ai_request": public_id, "outcome": outcome, "error": str(exc)})
    _to_sentry(exc, log_id, public_id)


def _to_sentry(exc: Exception, log_id: str, public_id: str) -> None:
    """Send the failure, keeping the stack but not its local variables: they hold the prompt,
    and with it the driver's name, address and story."""
    with sentry_sdk.new_scope() as scope:
        scope.set_tag("request_id", log_id)
        scope.set_tag("ai_request", public_id)
        scope.add_event_processor(_drop_frame_locals)
        sentry_sdk.capture_exception(exc)


def _drop_frame_locals(event: dict, hint: dict) -> dict:
    for value in (event.get("exception") or {}).get("values") or []:
        for frame in (value.get("stacktrace") or {}).get("frames") or []:
            frame.pop("vars", None)
    return event


def _finish(request_id: int, result: Result) -> None:
    req = db.session.get(AiRequest, request_id)
    appeal = db.session.execute(
        select(Appeal).where(Appeal.id == req.appeal_id).with_for_update()).scalar_one()
    if result.outcome in ("template", "ai") and not appeal.can_move_to(AppealStatus.LETTER_READY):
        result = Result("locked", tokens=result.tokens, error=result.error, charged=result.charged)
    if result.outcome in ("template", "ai"):
        if result.outcome == "template" and result.error is None:
            metrics.AI_REQUESTS.labels(outcome="template").inc()  # no AI configured
        appeal.letter_text = clean_letter(result.text)
        appeal.letter_source = result.outcome
        appeal.letter_version = Appeal.letter_version + 1  # in SQL: concurrent drafts
        appeal.move_to(AppealStatus.LETTER_READY)
    elif result.outcome == "timeout" and appeal.can_move_to(AppealStatus.WRITING_NEEDED):
        appeal.move_to(AppealStatus.WRITING_NEEDED)
    if result.tokens:
        appeal.ai_tokens_used = Appeal.ai_tokens_used + result.tokens
    req.status = R.DONE if result.outcome in ("template", "ai") else R.FAILED
    req.outcome, req.error = result.outcome, result.error
    if result.charged is not None:  # settle: what the call cost replaces the reservation
        req.tokens_used = result.charged
    req.finished_at = utcnow()
    db.session.commit()

