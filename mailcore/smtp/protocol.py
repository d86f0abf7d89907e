"""aiosmtpd's protocol engine, with our session and envelope types.

The engine parses commands and calls the handler's ``handle_*`` hooks (the
policy, :mod:`mailcore.smtp.handler`). This subclass only adds plain data to
the session and envelope, gives each connection its own command size limits,
and rewords the few replies the engine writes itself so that they carry
RFC 3463 enhanced status codes (``552 5.3.4`` for a message over the limit).
"""

import collections

from aiosmtpd.smtp import SMTP, Envelope, Session

from mailcore.directory import Mailbox
from mailcore.smtp.replies import ENGINE_REPLIES


class MailSession(Session):
    """One connection. aiosmtpd's fields plus what our Received header needs."""

    def __init__(self, loop):
        super().__init__(loop)
        self.reverse_name: str | None = None
        self.reverse_looked_up = False


class MailEnvelope(Envelope):
    """One message. aiosmtpd's fields plus the mailboxes resolved at RCPT."""

    def __init__(self):
        super().__init__()
        self.mailboxes: list[Mailbox] = []
        self.declared_size = 0  # MAIL FROM's SIZE=, 0 when not given


class SMTPProtocol(SMTP):
    def __init__(self, handler, **kwargs):
        # aiosmtpd keeps these in a class attribute that every connection mutates
        # (EHLO raises MAIL's limit); one dict per connection keeps them apart.
        self.command_size_limits = collections.defaultdict(lambda: SMTP.command_size_limit)
        super().__init__(handler, **kwargs)

    def _create_session(self) -> MailSession:
        return MailSession(self.loop)

    def _create_envelope(self) -> MailEnvelope:
        return MailEnvelope()

    async def push(self, status):
        if isinstance(status, str):
            status = ENGINE_REPLIES.get(status, status)
        await super().push(status)
