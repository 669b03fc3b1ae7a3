"""The AI integration: the letter writer and the bounded worker pool (§6).

`app.extensions["letter_writer"]` is DeepSeek when DEEPSEEK_API_KEY is set, else a writer
that always declines so drafting uses the city's template. `app.extensions["ai_pool"]`
runs drafts in AI_WORKERS threads with at most AI_QUEUE_SIZE waiting.
"""
from __future__ import annotations

from flask import Flask, current_app

from app.config import Settings
from app.integrations.ai.base import (Completion, LetterWriter, TemplateOnlyWriter, WriterFailed,
                                      WriterTimeout)
from app.integrations.ai.deepseek import DeepSeekWriter
from app.integrations.ai.pool import PoolFull, Slot, WorkerPool

__all__ = ["Completion", "LetterWriter", "PoolFull", "Slot", "WorkerPool", "WriterFailed",
           "WriterTimeout", "ai_pool", "init_app", "letter_writer"]


def init_app(app: Flask, settings: Settings) -> None:
    """Bind the configured letter writer and this instance's worker pool."""
    writer: LetterWriter = DeepSeekWriter(settings) if settings.ai_enabled else TemplateOnlyWriter()
    app.extensions["letter_writer"] = writer
    app.extensions["ai_pool"] = WorkerPool(app, settings.ai_workers, settings.ai_queue_size)


def letter_writer() -> LetterWriter:
    """The running app's letter writer: DeepSeek, or the writer that always declines."""
    return current_app.extensions["letter_writer"]


def ai_pool() -> WorkerPool:
    """This instance's bounded pool of drafting threads."""
    return current_app.extensions["ai_pool"]
