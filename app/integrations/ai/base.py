"""The letter writer's interface: chat messages in, plain text and the tokens charged out.

Drafting only knows this interface; which provider answers (DeepSeek, or none when no key
is configured) is decided in `app.integrations.ai.init_app`. The token budget reserves
before a call what the call can cost at most, so a writer also says how many tokens a
prompt will take (`estimate_prompt_tokens`, erring high) and takes the completion's
ceiling (`max_tokens`) for each call.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class Completion:
    text: str
    tokens: int | None  # usage.total_tokens as the provider reported it; None if it did not


class WriterFailed(Exception):
    """The provider answered with an error, could not be reached, or its breaker is open.

    `tokens`: what the provider charged all the same (an answer cut off at `max_tokens`);
    None when it answered without saying.
    """

    def __init__(self, message: str, *, tokens: int | None = 0):
        super().__init__(message)
        self.tokens = tokens


class WriterTimeout(WriterFailed):
    """The provider did not answer within its timeout."""


class LetterWriter(Protocol):
    enabled: bool
    name: str
    max_completion_tokens: int

    def estimate_prompt_tokens(self, messages: list[dict]) -> int: ...

    def complete(self, messages: list[dict], *, request_id: str,
                 max_tokens: int | None = None) -> Completion: ...


class TemplateOnlyWriter:
    """No AI configured (no DEEPSEEK_API_KEY): every letter comes from the city's template."""

    enabled = False
    name = "template"
    max_completion_tokens = 0

    def estimate_prompt_tokens(self, messages: list[dict]) -> int:
        return 0

    def complete(self, messages: list[dict], *, request_id: str,
                 max_tokens: int | None = None) -> Completion:
        raise WriterFailed("no AI letter writer is configured")
