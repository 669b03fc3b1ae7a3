"""A local OpenAI-compatible chat completions server standing in for DeepSeek.

The app talks to DeepSeek with the `openai` SDK, so this answers the SDK's real request
(`POST /chat/completions`, or `/v1/chat/completions` when the base URL ends in /v1) with
the exact OpenAI response shape, `usage` included, which the token limits count. Modes
(from FakeHTTPServer): "ok", "error" (500), "rate_limit" (429 + Retry-After), "hang"
(held until released or stopped); stop() makes the port refuse connections.

    server = OpenAIServer(reply="Dear Hearing Officer, ...").start()
    OpenAI(base_url=server.url, api_key="sk-test", max_retries=0)
    server.prompts()[-1]   # the messages the app sent last
"""
from __future__ import annotations

import itertools
import time
from typing import Callable

from testkit.fakes.http_base import FakeHTTPServer, Request

CHAT_PATHS = ("/chat/completions", "/v1/chat/completions")
DEFAULT_REPLY = "Dear Hearing Officer,\n\nI was parked legally.\n"
_ids = itertools.count(1)


class OpenAIServer(FakeHTTPServer):
    """`reply` is a string or a function of the request body returning one."""

    def __init__(self, reply: str | Callable[[dict], str] = DEFAULT_REPLY, *,
                 prompt_tokens: int = 60, completion_tokens: int = 60,
                 finish_reason: str = "stop", port: int = 0):
        super().__init__(port)
        self.reply = reply
        self.prompt_tokens = prompt_tokens
        self.completion_tokens = completion_tokens
        self.finish_reason = finish_reason

    @property
    def base_url(self) -> str:
        """The DeepSeek-style base URL (…/v1); `url` (no /v1) works with the SDK too."""
        return self.url + "/v1"

    @property
    def tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens

    @tokens.setter
    def tokens(self, total: int) -> None:
        """Set the total usage; split between prompt and completion like a real answer."""
        self.prompt_tokens = total // 2
        self.completion_tokens = total - total // 2

    def set_usage(self, prompt_tokens: int, completion_tokens: int) -> None:
        self.prompt_tokens, self.completion_tokens = prompt_tokens, completion_tokens

    # -- what the app sent -----------------------------------------------------------------
    @property
    def bodies(self) -> list[dict]:
        """The JSON bodies of every chat completion request, oldest first."""
        return [r.json() for r in self.requests if r.method == "POST" and r.route in CHAT_PATHS]

    def prompts(self) -> list[list[dict]]:
        """The `messages` list of every chat completion request, oldest first."""
        return [body.get("messages", []) for body in self.bodies]

    # -- answering -------------------------------------------------------------------------
    def respond(self, request: Request) -> tuple:
        if request.method != "POST" or request.route not in CHAT_PATHS:
            return 404, {"error": {"message": f"Unknown request URL: {request.method} {request.route}",
                                   "type": "invalid_request_error", "param": None, "code": "unknown_url"}}
        body = request.json() or {}
        if not body.get("messages"):
            return 400, {"error": {"message": "'messages' is a required property",
                                   "type": "invalid_request_error", "param": "messages", "code": None}}
        reply = self.reply(body) if callable(self.reply) else self.reply
        return 200, {
            "id": f"chatcmpl-local{next(_ids):06d}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": body.get("model", "deepseek-chat"),
            "choices": [{"index": 0, "logprobs": None, "finish_reason": self.finish_reason,
                         "message": {"role": "assistant", "content": reply}}],
            "usage": {"prompt_tokens": self.prompt_tokens,
                      "completion_tokens": self.completion_tokens,
                      "total_tokens": self.prompt_tokens + self.completion_tokens},
            "system_fingerprint": "fp_local",
        }

    def error_payload(self, status: int) -> dict:
        if status == 429:
            return {"error": {"message": "Rate limit reached for requests", "type": "requests",
                              "param": None, "code": "rate_limit_exceeded"}}
        return {"error": {"message": "The server had an error while processing your request.",
                          "type": "server_error", "param": None, "code": None}}
