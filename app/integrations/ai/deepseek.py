"""DeepSeek through its OpenAI-compatible chat completions API, guarded and retried (§6, §9).

Each attempt goes through the `deepseek` breaker; the retry policy retries connection
errors, 429 and 5xx, but never a timeout: a driver waiting on a hung provider must hear
back within about DEEPSEEK_TIMEOUT_S, not four times that. The SDK's own retries are off
(`max_retries=0`) so the policy here is the only one.
"""
from __future__ import annotations

import httpx
import openai
import pybreaker

from app.config import Settings
from app.integrations.ai.base import Completion, WriterFailed, WriterTimeout
from app.resilience.breakers import guard
from app.resilience.retry import policy

MAX_TOKENS = 1200
TEMPERATURE = 0.3  # tone polishing, not invention


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

    def __init__(self, settings: Settings):
        self.model = settings.deepseek_model
        self.timeout_s = settings.deepseek_timeout_s
        # Building the client opens no connection; the first request does.
        self._client = openai.OpenAI(
            base_url=settings.deepseek_base_url, api_key=settings.deepseek_api_key,
            timeout=httpx.Timeout(self.timeout_s, connect=min(self.timeout_s, 5.0)),
            max_retries=0,
        )

    def complete(self, messages: list[dict], *, request_id: str) -> Completion:
        try:
            for attempt in policy(is_transient):
                with attempt:
                    with guard("deepseek"):
                        response = self._client.chat.completions.create(
                            model=self.model, messages=messages, temperature=TEMPERATURE,
                            max_tokens=MAX_TOKENS, extra_headers={"X-Request-ID": request_id},
                        )
        except (openai.OpenAIError, pybreaker.CircuitBreakerError, httpx.HTTPError) as exc:
            if _timed_out(exc):
                raise WriterTimeout(f"no answer within {self.timeout_s:g} s") from exc
            raise WriterFailed(_describe(exc)) from exc
        text = (response.choices[0].message.content or "") if response.choices else ""
        if not text.strip():
            raise WriterFailed("the provider answered with an empty letter")
        tokens = response.usage.total_tokens if response.usage else 0
        return Completion(text=text, tokens=int(tokens or 0))


def _describe(exc: BaseException) -> str:
    if isinstance(exc, pybreaker.CircuitBreakerError):
        return "deepseek breaker is open"
    status = getattr(exc, "status_code", None)
    return f"{type(exc).__name__}" + (f" (HTTP {status})" if status else "")
