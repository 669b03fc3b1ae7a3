"""A local SMTP server in a process of its own, for the outbox benchmark.

    python -m bench.smtp_sink

Starts testkit/fakes/smtp_server.SMTPServer (aiosmtpd, no STARTTLS) on a free 127.0.0.1 port
and prints "port N". Each "count" line on stdin is answered with a JSON line
{"messages": accepted, "message_ids": distinct Message-IDs}; the end of stdin (the parent
closing it, or dying) stops the server. Its own process, so the sender being measured
does not share a GIL with the receiver.
"""
from __future__ import annotations

import json
import sys

from testkit.fakes.smtp_server import SMTPServer


def main() -> int:
    server = SMTPServer(starttls=False).start()
    try:
        print(f"port {server.port}", flush=True)
        for line in sys.stdin:
            if line.strip() == "count":
                ids = server.message_ids()
                print(json.dumps({"messages": len(ids), "message_ids": len(set(ids))}), flush=True)
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
