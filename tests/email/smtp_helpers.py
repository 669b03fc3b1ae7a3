"""A local helper on top of testkit/fakes/smtp_server.py: a server that shuts down mid-batch,
and can call `on_data()` as each message's DATA arrives.

`stop_after = n`: once n messages have been accepted, the next MAIL FROM is answered
`421 4.3.2 Service shutting down` (what a real server says when it goes away) and the
server stops, so nothing is accepted after the n-th message. A race-free way to stop
"in the middle of a batch": stopping from the outside could cut a 250 reply for a
message the server already kept, which no client can tell from a lost message.
"""
from __future__ import annotations

import threading

from testkit.fakes.smtp_server import SMTPServer, _Handler


class _StoppingHandler(_Handler):
    async def handle_DATA(self, server, session, envelope):
        if self.fake.on_data is not None:
            self.fake.on_data()  # lets a test look at the client's side while it sends
        return await super().handle_DATA(server, session, envelope)

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        fake = self.fake
        if fake.stop_after is not None and len(fake.messages) >= fake.stop_after:
            threading.Thread(target=fake.stop, daemon=True).start()
            return "421 4.3.2 Service shutting down"
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"


class StoppableSMTPServer(SMTPServer):
    handler_class = _StoppingHandler

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.stop_after: int | None = None
        self.on_data = None
