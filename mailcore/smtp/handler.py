"""Policy for aiosmtpd's protocol engine: what the MX listener accepts.

Each ``handle_*`` hook returns the reply line. Directory look-ups, reverse DNS,
routing and Maildir writes run in worker threads; the event loop only waits for
them. The submission listener's policy is :mod:`mailcore.smtp.submission`.
"""

import asyncio
import logging
import secrets
import socket
import threading
import time

from aiosmtpd.smtp import TLSSetupException

from mailcore import directory as default_directory
from mailcore.directory import ServerConfig
from mailcore.filters.spam import language
from mailcore.filters.spam.store import ModelStore
from mailcore.routing import executor
from mailcore.routing.executor import Outcome, Router
from mailcore.smtp import counters, replies, spamcheck, virus
from mailcore.smtp.protocol import (
    MailEnvelope,
    MailSession,
    outcome_of,
    peer_ip,
    tls_description,
    transaction_fields,
)
from mailcore.smtp.received import Trace, received_header
from mailcore.smtp.recipients import Directory, Verdict, resolve

log = logging.getLogger("mailcore.smtp")

MAX_RECIPIENTS = 100
DEMO_MAX_RECIPIENTS = 10  # the live demo (config.demo_outbox): fewer per message
DEMO_MESSAGES_PER_MINUTE = 10  # the live demo: messages per client address and minute
MAX_HOPS = 100  # Received headers before a message is taken for a loop (RFC 5321 6.3)
REVERSE_DNS_TIMEOUT = 5.0
REVERSE_DNS_CACHE_SECONDS = 300.0

RCPT_REPLIES = {
    Verdict.ACCEPT: replies.RECIPIENT_OK,
    Verdict.BAD_SYNTAX: replies.BAD_ADDRESS,
    Verdict.RELAY_DENIED: replies.RELAYING_DENIED,
    Verdict.REMOTE: replies.RELAYING_DENIED,
    Verdict.UNKNOWN_USER: replies.UNKNOWN_USER,
    Verdict.MAILBOX_FULL: replies.MAILBOX_FULL,
}


def new_transaction_id() -> str:
    """Short, unique, sortable by time: names a message in logs and its Received header."""
    return f"{int(time.time()):X}{secrets.token_hex(5).upper()}"


def declared_size(mail_options: list[str]) -> int:
    """MAIL FROM's ``SIZE=`` (RFC 1870), 0 when absent (the engine checked the syntax)."""
    for option in mail_options:
        name, _, value = option.partition("=")
        if name.upper() == "SIZE" and value.isdigit():
            return int(value)
    return 0


def malformed_address(address: str) -> bool:
    """An envelope address no mailbox can have: control characters (NUL, a bare CR ...) or
    octets that are not UTF-8 (the engine keeps them as surrogates), which could not even
    be written into a header or the database."""
    return any(ord(c) < 0x20 or ord(c) == 0x7F or 0xD800 <= ord(c) <= 0xDFFF for c in address)


def verified_reverse_name(ip: str) -> str | None:
    """The client's reverse DNS name if it resolves back to ``ip`` (blocking: use a thread)."""
    try:
        name = socket.gethostbyaddr(ip)[0]
        addresses = {info[4][0] for info in socket.getaddrinfo(name, None)}
    except (OSError, UnicodeError):
        return None
    return name if ip in addresses else None


class ReverseNames:
    """Verified reverse names of recent clients, kept ``ttl`` seconds (per process).

    A client sending many messages opens a connection for each; asking DNS twice for
    every one of them (PTR, then the name's addresses) costs more than the message.
    A failed look-up (a timeout) is not kept.
    """

    def __init__(self, ttl: float = REVERSE_DNS_CACHE_SECONDS, size: int = 10_000):
        self.ttl, self.size = ttl, size
        self._names: dict[str, tuple[float, str | None]] = {}

    def get(self, ip: str) -> tuple[bool, str | None]:
        """``(known, name)``: known is False when ``ip`` must be looked up."""
        entry = self._names.get(ip)
        if entry is None or entry[0] < time.monotonic():
            return False, None
        return True, entry[1]

    def put(self, ip: str, name: str | None) -> None:
        if len(self._names) >= self.size:
            self._names.clear()
        self._names[ip] = (time.monotonic() + self.ttl, name)


def refusal_fields(event: str, session: MailSession, envelope: MailEnvelope, reply: str,
                   **fields) -> dict:
    """The fields of a log line for a command refused before DATA (RCPT, MAIL)."""
    account = session.account
    return {"event": event, "client": peer_ip(session), "helo": session.host_name,
            "from": envelope.mail_from, "tls": tls_description(session),
            "auth": account.address if account is not None else None,
            **fields, "outcome": outcome_of(reply), "reply": reply}


class DemoRate:
    """The live demo takes at most DEMO_MESSAGES_PER_MINUTE messages per client address
    and minute (per process), so that nobody fills its mailboxes between two resets."""

    def __init__(self, limit: int = DEMO_MESSAGES_PER_MINUTE, window: float = 60.0):
        self.limit, self.window = limit, window
        self._seen: dict[str, list[float]] = {}

    def allow(self, ip: str) -> bool:
        now = time.monotonic()
        if len(self._seen) > 10_000:  # forget idle addresses, keep memory bounded
            self._seen = {key: times for key, times in self._seen.items()
                          if times and now - times[-1] < self.window}
        times = [t for t in self._seen.get(ip, ()) if now - t < self.window]
        allowed = len(times) < self.limit
        if allowed:
            times.append(now)
        self._seen[ip] = times
        return allowed


class BaseHandler:
    """What both listeners share: EHLO, errors, the trace header, and routing at DATA."""

    def __init__(
        self,
        config: ServerConfig,
        directory: Directory = default_directory,
        router: Router | None = None,
        max_recipients: int = MAX_RECIPIENTS,
    ):
        self.config = config
        self.directory = directory
        self.router = router or Router(config, directory)
        self.max_recipients = (min(max_recipients, DEMO_MAX_RECIPIENTS) if config.demo_outbox
                               else max_recipients)
        self.spam_models = ModelStore(config.spam_models)
        self._demo_rate = DemoRate() if config.demo_outbox else None
        self.reverse_names = ReverseNames()
        # The language model takes about half a second to load: not on a client's time.
        threading.Thread(target=language.load, name="load-language-model", daemon=True).start()

    def demo_rate_refusal(self, session: MailSession, envelope: MailEnvelope) -> str | None:
        """The reply refusing MAIL in the live demo when this client sent too much, else None."""
        if self._demo_rate is None or self._demo_rate.allow(peer_ip(session)):
            return None
        reply = replies.DEMO_RATE_LIMITED
        log.info("demo: MAIL from %s refused, too many messages", peer_ip(session),
                 extra=refusal_fields("smtp.mail_rejected", session, envelope, reply,
                                      sender=envelope.mail_from))
        return reply

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        # The MX takes no logins: no "AUTH" line. With this hook, the name is ours to record.
        session.host_name = hostname
        return [line for line in responses if not line[4:].upper().startswith("AUTH")]

    async def handle_exception(self, error: Exception) -> str:
        # Called by the engine for anything a hook did not catch: log it for the
        # operator, and give the client a temporary failure, never a traceback.
        if isinstance(error, TLSSetupException):  # the engine closes the connection
            log.info("STARTTLS handshake failed: %s", error.__cause__ or error)
            return replies.TEMPORARY_FAILURE
        log.error("unexpected error in an SMTP session", exc_info=error)
        return replies.TEMPORARY_FAILURE

    async def _resolve(self, session, envelope: MailEnvelope, address: str):
        """The recipient's Resolution, or the reply that refuses it before any look-up."""
        if len(envelope.rcpt_tos) >= self.max_recipients:
            return replies.TOO_MANY_RECIPIENTS
        if malformed_address(address):
            return replies.BAD_ADDRESS
        if not envelope.smtp_utf8 and not address.isascii():
            return replies.NON_ASCII_NEEDS_SMTPUTF8
        try:
            return await asyncio.to_thread(
                resolve, address, envelope.declared_size, self.directory, self.config
            )
        except Exception:
            log.exception("recipient look-up failed for <%s>", address)
            return replies.LOOKUP_FAILURE

    def _refuse_rcpt(self, session: MailSession, envelope: MailEnvelope, address: str,
                     reply: str, reason: str | None = None) -> str:
        """Log a refused recipient (one line each) and return the reply refusing it."""
        log.info("refused from=<%s> to=<%s> peer=%s: %s", envelope.mail_from, address,
                 peer_ip(session), reason or reply,
                 extra=refusal_fields("smtp.rcpt_rejected", session, envelope, reply,
                                      to=address, reason=reason or reply))
        return reply

    async def _route(self, session: MailSession, envelope: MailEnvelope, *,
                     authenticated: bool = False, origin: str = "submission",
                     domain: str | None = None) -> str:
        """Add our Received header, route the message, and say what became of it."""
        transaction_id = new_transaction_id()
        trace = await self._trace(session, envelope, transaction_id, authenticated)
        received = received_header(trace)
        fields = transaction_fields(session, envelope, transaction_id, authenticated)
        screened = await virus.screen(
            self, session, envelope, received + envelope.original_content,
            transaction_id=transaction_id, client_ip=peer_ip(session),
            account=session.account if authenticated else None, domain=domain,
            log_fields=fields)
        if screened.reply:
            return screened.reply
        body = screened.header + envelope.original_content
        message = received + body
        filtered = await spamcheck.screen(
            self, session, envelope, received, body, transaction_id=transaction_id,
            client_ip=peer_ip(session),
            authenticated=session.account.address if authenticated else "")
        try:
            outcome_text, reply = await asyncio.to_thread(
                self._deliver, received, body, envelope, filtered, transaction_id,
                origin=origin, domain=domain)
        except asyncio.CancelledError:
            # The client hung up: the delivery finishes in its thread, the client
            # never saw a 250 and will send again (a duplicate, never a loss).
            log.warning("%s from=<%s>: client disconnected during delivery",
                        transaction_id, envelope.mail_from,
                        extra={**fields, "outcome": "disconnected", "reply": None})
            raise
        except Exception:
            # Nothing is lost: the client keeps the message and tries again later.
            log.exception("%s: delivery failed", transaction_id)
            outcome_text, reply = "deferred: delivery error", replies.TEMPORARY_FAILURE
        if filtered.score is not None:
            fields["spam_score"] = filtered.score
        if filtered.caught:
            fields["spam_held"] = list(filtered.caught)
        log.info("%s from=<%s> to=%s size=%d peer=%s %s%s: %s", transaction_id,
                 envelope.mail_from, ",".join(f"<{r}>" for r in envelope.rcpt_tos),
                 len(message), peer_ip(session), trace.tls or "plain",
                 " auth=" + session.account.address if authenticated else "", outcome_text,
                 extra={**fields, "outcome": outcome_of(reply), "reply": reply,
                        "detail": outcome_text})
        return reply

    def _deliver(self, received: bytes, body: bytes, envelope: MailEnvelope, filtered,
                 transaction_id: str, *, origin: str, domain: str | None) -> tuple[str, str]:
        """Route each batch and count an accepted message (blocking: one worker thread);
        ``(log text, SMTP reply)``."""
        outcomes = [self.router.route(received + batch.header + body, envelope.mail_from,
                                      batch.routes, origin=origin, domain=domain,
                                      max_hops=MAX_HOPS)
                    for batch in filtered.batches]
        described = _describe(outcomes, filtered.caught, transaction_id)
        if described[1].startswith("250"):
            counters.record(self.directory, counters.accepted(
                filtered.batches, outcomes, filtered.caught, envelope.routes))
        return described

    async def _trace(self, session: MailSession, envelope: MailEnvelope, transaction_id: str,
                     authenticated: bool = False):
        ip = peer_ip(session)
        recipients = {address for address, _ in envelope.routes}
        return Trace(
            helo=session.host_name or "unknown",
            ip=ip,
            reverse_name=await self._reverse_name(session, ip),
            by=self.config.hostname,
            transaction_id=transaction_id,
            esmtp=session.extended_smtp,
            tls=tls_description(session),
            smtputf8=envelope.smtp_utf8,
            authenticated=authenticated,
            recipient=recipients.pop() if len(recipients) == 1 else None,
        )

    async def _reverse_name(self, session: MailSession, ip: str) -> str | None:
        """Looked up once per connection, in a thread, with a timeout."""
        if not session.reverse_looked_up:
            session.reverse_looked_up = True
            known, session.reverse_name = self.reverse_names.get(ip)
            if not known:
                try:
                    session.reverse_name = await asyncio.wait_for(
                        asyncio.to_thread(verified_reverse_name, ip), REVERSE_DNS_TIMEOUT
                    )
                except TimeoutError:
                    log.info("reverse DNS of %s timed out", ip)
                else:
                    self.reverse_names.put(ip, session.reverse_name)
        return session.reverse_name


_REFUSALS = {
    executor.LOOP: replies.ROUTING_LOOP,
    executor.TOO_MANY_HOPS: replies.TOO_MANY_HOPS,
    executor.MAILBOX_FULL: replies.MAILBOX_FULL,
    executor.NO_SUCH_USER: replies.UNKNOWN_USER,
}


def _describe(outcomes: list[Outcome], caught: tuple[str, ...],
              transaction_id: str) -> tuple[str, str]:
    """``(log text, SMTP reply)`` for what the router did with each batch.

    Refused only when every batch was refused and no copy went to a spam account.
    """
    accepted = [outcome for outcome in outcomes if not outcome.refused]
    parts = [f"refused for some: {outcome.refused}" for outcome in outcomes if outcome.refused]
    if not accepted and not caught:
        refused = outcomes[0].refused
        return f"refused: {refused}", _REFUSALS[refused]
    for outcome in accepted:
        if outcome.delivered:
            parts.append("delivered to " + ",".join(outcome.delivered))
        if outcome.over_quota:
            parts.append("over quota: " + ",".join(outcome.over_quota))
        if outcome.queued:
            parts.append("queued as " + ",".join(outcome.queued))
        if outcome.plan.discarded:
            parts.append("dropped for " + ",".join(outcome.plan.discarded))
        if outcome.replied:
            parts.append("auto-replied by " + ",".join(outcome.replied))
    if caught:
        parts.append("spam held for " + ",".join(caught))
    return "; ".join(parts) or "accepted", replies.DELIVERED.format(id=transaction_id)


class MXHandler(BaseHandler):
    """Port 25: mail from anywhere for the addresses hosted here, and nothing else."""

    async def handle_MAIL(self, server, session, envelope: MailEnvelope, address, mail_options):
        if malformed_address(address):
            return replies.BAD_SENDER
        if not envelope.smtp_utf8 and not address.isascii():
            return replies.NON_ASCII_NEEDS_SMTPUTF8
        if refusal := self.demo_rate_refusal(session, envelope):
            return refusal
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        envelope.declared_size = declared_size(mail_options)
        return replies.SENDER_OK

    async def handle_RCPT(self, server, session, envelope: MailEnvelope, address, rcpt_options):
        resolution = await self._resolve(session, envelope, address)
        if isinstance(resolution, str):
            return self._refuse_rcpt(session, envelope, address, resolution)
        if resolution.verdict is not Verdict.ACCEPT:
            return self._refuse_rcpt(session, envelope, address,
                                     RCPT_REPLIES[resolution.verdict], resolution.verdict.value)
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(rcpt_options)
        envelope.routes.append((resolution.address, resolution.route))
        return RCPT_REPLIES[resolution.verdict]

    async def handle_DATA(self, server, session: MailSession, envelope: MailEnvelope):
        return await self._route(session, envelope)
