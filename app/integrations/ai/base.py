"""The letter writer's interface: chat messages in, plain text and the tokens charged out.

Drafting only knows this interface; which provider answers (DeepSeek, or none when no key
is configured) is decided in `app.integrations.ai.init_app`.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class Completion:
    text: str
    tokens: int  # usage.total_tokens as the provider reported it


class WriterFailed(Exception):
    """The provider answered with an error, could not be reached, or its breaker is open."""


class WriterTimeout(WriterFailed):
    """The provider did not answer within its timeout."""


class LetterWriter(Protocol):
    enabled: bool
    name: str

    def complete(self, messages: list[dict], *, request_id: str) -> Completion: ...


class TemplateOnlyWriter:
    """No AI configured (no DEEPSEEK_API_KEY): every letter comes from the city's template."""

    enabled = False
    name = "template"

    def complete(self, messages: list[dict], *, request_id: str) -> Completion:
        raise WriterFailed("no AI letter writer is configured")
