"""aiosmtpd's protocol engine, with our session and envelope types.

The engine parses commands and calls the handler's ``handle_*`` hooks (the
policy, :mod:`mailcore.smtp.handler` and :mod:`mailcore.smtp.submission`).
This subclass adds plain data to the session and envelope, gives each
connection its own command size limits, rewords the few replies the engine
writes itself so that they carry RFC 3463 enhanced status codes (``552 5.3.4``
for a message over the limit), and decides per connection whether AUTH needs
TLS first: not on an implicit-TLS listener (port 465), and not from loopback
when ``plaintext_auth_loopback`` says so (development). A message the engine refuses
itself at the end of DATA (over the size limit, a line too long) still gets its one
``smtp.transaction`` log line, as every message does. While the message data arrives,
the idle timeout restarts with every chunk received (RFC 5321 4.5.3.2.6), as it does
with every command: the engine alone counts it from the DATA command to the final dot,
which cut off large messages on slow links.
"""

import collections
import ipaddress
import logging

from aiosmtpd.smtp import SMTP, Envelope, Session

from mailcore.directory import Mailbox, Route
from mailcore.smtp.replies import ENGINE_REPLIES

log = logging.getLogger("mailcore.smtp")
# What the engine answers at the end of DATA when it refused the message itself.
_ENGINE_DATA_REFUSALS = {
    "552 Error: Too much mail data": "refused: over the size limit",
    "500 Line too long (see RFC5321 4.5.3.1.6)": "refused: line too long",
}


class MailSession(Session):
    """One connection. aiosmtpd's fields plus what our Received header and AUTH need."""

    def __init__(self, loop):
        super().__init__(loop)
        self.reverse_name: str | None = None
        self.reverse_looked_up = False
        self.account: Mailbox | None = None  # submission: the authenticated mailbox
        self.sender_addresses: frozenset[str] | None = None  # what it may send as


class MailEnvelope(Envelope):
    """One message. aiosmtpd's fields plus the routes resolved at RCPT."""

    def __init__(self):
        super().__init__()
        # (canonical address, route); route None: a remote address (submission).
        self.routes: list[tuple[str, Route | None]] = []
        self.declared_size = 0  # MAIL FROM's SIZE=, 0 when not given


def peer_ip(session: MailSession) -> str:
    peer = session.peer
    return str(peer[0]) if isinstance(peer, tuple) and peer else str(peer or "unknown")


def tls_description(session: MailSession) -> str | None:
    """``TLSv1.3 TLS_AES_256_GCM_SHA384`` once STARTTLS is done, else None."""
    if not session.ssl:
        return None
    cipher = session.ssl.get("cipher")
    return f"{cipher[1]} {cipher[0]}" if cipher else "TLS"


def outcome_of(reply: str) -> str:
    """A reply's outcome as logged: ``accepted`` (2xx), ``deferred`` (4xx) or ``rejected``."""
    return {"2": "accepted", "4": "deferred"}.get(reply[:1], "rejected")


def transaction_fields(session: MailSession, envelope: MailEnvelope, transaction_id: str,
                       authenticated: bool = False) -> dict:
    """The fields of the one ``smtp.transaction`` log line; the caller adds outcome and reply.

    ``size`` is what the client sent (without the headers we add).
    """
    account = session.account if authenticated else None
    return {
        "event": "smtp.transaction",
        "transaction": transaction_id,
        "client": peer_ip(session),
        "helo": session.host_name,
        "from": envelope.mail_from,
        "to": list(envelope.rcpt_tos),
        "size": len(envelope.original_content or b""),
        "tls": tls_description(session),
        "auth": account.address if account is not None else None,
    }


def is_loopback(peer) -> bool:
    host = peer[0] if isinstance(peer, tuple) and peer else str(peer or "")
    try:
        return ipaddress.ip_address(str(host).split("%", 1)[0]).is_loopback
    except ValueError:
        return False


class SMTPProtocol(SMTP):
    def __init__(self, handler, *, implicit_tls: bool = False,
                 plaintext_auth_loopback: bool = False, **kwargs):
        # aiosmtpd keeps these in a class attribute that every connection mutates
        # (EHLO raises MAIL's limit); one dict per connection keeps them apart.
        self.command_size_limits = collections.defaultdict(lambda: SMTP.command_size_limit)
        self._data_bytes: int | None = None  # octets received since DATA, None outside it
        self.implicit_tls = implicit_tls
        self.plaintext_auth_loopback = plaintext_auth_loopback
        super().__init__(handler, **kwargs)

    def _create_session(self) -> MailSession:
        return MailSession(self.loop)

    def _create_envelope(self) -> MailEnvelope:
        return MailEnvelope()

    def connection_made(self, transport) -> None:
        after_starttls = self._original_transport is not None
        super().connection_made(transport)
        if after_starttls:
            return
        if self.implicit_tls:
            # The listener's socket is TLS from the first byte: that counts as STARTTLS done.
            self.session.ssl = {
                "cipher": transport.get_extra_info("cipher"),
                "ssl_object": transport.get_extra_info("ssl_object"),
            }
            self._auth_require_tls = False
        elif self.plaintext_auth_loopback and is_loopback(self.session.peer):
            self._auth_require_tls = False

    async def smtp_DATA(self, arg: str) -> None:
        self._data_bytes = 0
        try:
            await super().smtp_DATA(arg)
        finally:
            self._data_bytes = None

    def data_received(self, data: bytes) -> None:
        if self._data_bytes is not None:
            self._data_bytes += len(data)
            # Past the size limit the engine only discards what comes: no more time for it.
            if not self.data_size_limit or self._data_bytes <= self.data_size_limit + 1024:
                self._reset_timeout()
        super().data_received(data)

    async def push(self, status):
        if isinstance(status, str):
            refused = _ENGINE_DATA_REFUSALS.get(status)
            status = ENGINE_REPLIES.get(status, status)
            if refused and self.envelope is not None and self.envelope.rcpt_tos:
                self._log_refused_data(status, refused)
        await super().push(status)

    def _log_refused_data(self, reply: str, detail: str) -> None:
        fields = transaction_fields(self.session, self.envelope, transaction_id=None,
                                    authenticated=self.session.account is not None)
        fields["size"] = None  # the engine stopped keeping the data
        log.info("from=<%s> to=%s peer=%s: %s", self.envelope.mail_from,
                 ",".join(f"<{r}>" for r in self.envelope.rcpt_tos), peer_ip(self.session),
                 detail, extra={**fields, "outcome": "rejected", "reply": reply,
                                "detail": detail})
