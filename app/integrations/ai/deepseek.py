"""DeepSeek through its OpenAI-compatible chat completions API, guarded and retried (§6, §9).

Each attempt goes through the `deepseek` breaker; the retry policy retries connection
errors, 429 and 5xx, but never a timeout: a driver waiting on a hung provider must hear
back within about DEEPSEEK_TIMEOUT_S, not four times that. The SDK's own retries are off
(`max_retries=0`) so the policy here is the only one.

The prompt estimate uses DeepSeek's published ratios (about 0.3 token per English
character, 0.6 per Chinese character) with a margin: a third of a token per UTF-8 byte,
i.e. 0.33 per ASCII character and 1 per Chinese character, plus the chat template's
tokens per message. It only sizes the reservation; the budget is charged with the usage
the API reports.
"""
from __future__ import annotations

import math

import httpx
import openai
import pybreaker

from app.config import Settings
from app.integrations.ai.base import Completion, WriterFailed, WriterTimeout
from app.resilience.breakers import guard
from app.resilience.retry import policy

MAX_TOKENS = 1200
TEMPERATURE = 0.3  # tone polishing, not invention
BYTES_PER_TOKEN = 3
TOKENS_PER_MESSAGE = 8  # role markers and separators of the chat template, with room to spare


def is_transient(exc: BaseException) -> bool:
    if isinstance(exc, openai.APITimeoutError):
        return False
    return isinstance(exc, (openai.APIConnectionError, openai.RateLimitError,
                            openai.InternalServerError))


def _timed_out(exc: BaseException) -> bool:
    """A timeout, even when the breaker reported it as the failure that tripped it."""
    seen = exc
    while seen is not None:
        if isinstance(seen, (openai.APITimeoutError, httpx.TimeoutException)):
            return True
        seen = seen.__context__ if isinstance(seen, pybreaker.CircuitBreakerError) else None
    return False


class DeepSeekWriter:
    enabled = True
    name = "deepseek"
    max_completion_tokens = MAX_TOKENS

    def __init__(self, settings: Settings):
        self.model = settings.deepseek_model
        self.timeout_s = settings.deepseek_timeout_s
        # Building the client opens no connection; the first request does.
        self._client = openai.OpenAI(
            base_url=settings.deepseek_base_url, api_key=settings.deepseek_api_key,
            timeout=httpx.Timeout(self.timeout_s, connect=min(self.timeout_s, 5.0)),
            max_retries=0,
        )

    def estimate_prompt_tokens(self, messages: list[dict]) -> int:
        return sum(TOKENS_PER_MESSAGE + math.ceil(len(str(m.get("content") or "").encode()) / BYTES_PER_TOKEN)
                   for m in messages)

    def complete(self, messages: list[dict], *, request_id: str,
                 max_tokens: int | None = None) -> Completion:
        limit = min(MAX_TOKENS, max_tokens or MAX_TOKENS)
        try:
            for attempt in policy(is_transient):
                with attempt:
                    with guard("deepseek"):
                        response = self._client.chat.completions.create(
                            model=self.model, messages=messages, temperature=TEMPERATURE,
                            max_tokens=limit, extra_headers={"X-Request-ID": request_id},
                        )
        except (openai.OpenAIError, pybreaker.CircuitBreakerError, httpx.HTTPError) as exc:
            if _timed_out(exc):
                raise WriterTimeout(f"no answer within {self.timeout_s:g} s") from exc
            raise WriterFailed(_describe(exc)) from exc
        # No usage in the answer: None, and the budget keeps the whole reservation.
        tokens = int(response.usage.total_tokens) if response.usage else None
        choice = response.choices[0] if response.choices else None
        text = (choice.message.content or "") if choice else ""
        if choice is not None and choice.finish_reason == "length":
            # Cut off at max_tokens: a letter without its end is no letter, but it was paid for.
            raise WriterFailed(f"the letter was cut off at {limit} tokens", tokens=tokens)
        if not text.strip():
            raise WriterFailed("the provider answered with an empty letter", tokens=tokens)
        return Completion(text=text, tokens=tokens)


def _describe(exc: BaseException) -> str:
    if isinstance(exc, pybreaker.CircuitBreakerError):
        return "deepseek breaker is open"
    status = getattr(exc, "status_code", None)
    return f"{type(exc).__name__}" + (f" (HTTP {status})" if status else "")
