"""Policy of the submission listeners (587 with STARTTLS, 465 with implicit TLS).

- EHLO offers STARTTLS (when a certificate is configured) and, once the
  connection is encrypted, ``AUTH LOGIN PLAIN``. AUTH before TLS is refused
  (``530 5.7.0 Must issue a STARTTLS command first``) unless the client is on
  loopback and ``auth_plaintext_loopback`` allows it (development).
- Logins are ``user@domain`` or ``user%domain``, checked by
  :class:`mailcore.auth.Authenticator` (cache and failure throttle, shared
  with nothing else in the process). MAIL, RCPT and DATA need AUTH (``530``).
- MAIL FROM and every ``From:`` address must be the account's own address or
  one of its forwards (an alias that sends to it), else ``553 5.7.1``; the null
  sender is refused too.
- RCPT takes any address: hosted ones must exist (as on the MX), others are
  remote. At DATA, local recipients are routed like incoming mail (forwards,
  vacation...) and remote ones spooled with origin ``submission`` for the
  account's domain (the queue signs with the domain's DKIM key when sending).
"""

import asyncio
import base64
import binascii
import logging

from aiosmtpd.smtp import MISSING, AuthResult

from mailcore.addresses import AddressError, normalize_domain, parse_login
from mailcore.auth import Authenticator, TooManyFailures
from mailcore.routing.facts import read_facts
from mailcore.smtp import replies
from mailcore.smtp.handler import (
    RCPT_REPLIES,
    BaseHandler,
    declared_size,
    malformed_address,
    new_transaction_id,
    refusal_fields,
)
from mailcore.smtp.protocol import MailEnvelope, MailSession, peer_ip, transaction_fields
from mailcore.smtp.recipients import Verdict

log = logging.getLogger("mailcore.smtp")

SUBMISSION_RCPT_REPLIES = {
    **RCPT_REPLIES,
    Verdict.REMOTE: replies.RECIPIENT_OK,
    Verdict.RELAY_DENIED: replies.BAD_ADDRESS,
}


def canonical_address(address: str) -> str | None:
    """``Jane@Example.COM.`` -> ``jane@example.com``; None when it is no plain address."""
    local, at, domain = (address or "").rpartition("@")
    if not at or not local:
        return None
    try:
        return f"{local.lower()}@{normalize_domain(domain)}"
    except AddressError:
        return None


def _decode(data: bytes) -> str | None:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None


def _refused(reply: str) -> AuthResult:
    """A failed AUTH that the engine answers with ``reply``."""
    return AuthResult(success=False, handled=False, message=reply)


def _same_login(first: str, second: str) -> bool:
    try:
        return parse_login(first) == parse_login(second)
    except AddressError:
        return first.lower() == second.lower()


def _b64(text: str) -> bytes | None:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return None


class SubmissionHandler(BaseHandler):
    """Mail from our users to anywhere, after AUTH."""

    def __init__(self, config, *, authenticator: Authenticator | None = None, **kwargs):
        super().__init__(config, **kwargs)
        self.authenticator = authenticator or Authenticator(config)

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        # The engine lists AUTH only when it may be used (after TLS, or loopback allowed).
        session.host_name = hostname
        return responses

    # AUTH mechanisms: aiosmtpd calls these instead of its built-in ones.

    async def auth_PLAIN(self, server, args) -> AuthResult:
        if len(args) == 1:
            data = await server.challenge_auth("")
            if data is MISSING:  # the engine has answered already
                return AuthResult(success=False, handled=True)
        else:
            data = _b64(args[1])
        text = _decode(data) if data is not None else None
        parts = text.split("\0") if text else []
        if len(parts) != 3 or not parts[1]:
            return _refused(replies.AUTH_MALFORMED)
        authzid, login, password = parts
        if authzid and not _same_login(authzid, login):  # acting as another user: no
            return _refused(replies.AUTH_INVALID)
        return await self._login(server.session, login, password)

    async def auth_LOGIN(self, server, args) -> AuthResult:
        if len(args) == 1:
            login = await server.challenge_auth("Username:")
            if login is MISSING:
                return AuthResult(success=False, handled=True)
        else:
            login = _b64(args[1])
            if login is None:
                return _refused(replies.AUTH_MALFORMED)
        password = await server.challenge_auth("Password:")
        if password is MISSING:
            return AuthResult(success=False, handled=True)
        login, password = _decode(login), _decode(password)
        if not login or password is None:
            return _refused(replies.AUTH_MALFORMED)
        return await self._login(server.session, login, password)

    async def _login(self, session: MailSession, login: str, password: str) -> AuthResult:
        try:
            mailbox = await self.authenticator.verify(login, password, peer_ip(session))
        except TooManyFailures:
            log.info("submission login refused for %s: too many failures", peer_ip(session),
                     extra={"event": "smtp.auth", "client": peer_ip(session),
                            "login": login[:100], "outcome": "throttled",
                            "reply": replies.AUTH_THROTTLED})
            return _refused(replies.AUTH_THROTTLED)
        if mailbox is None:
            return _refused(replies.AUTH_INVALID)
        session.account = mailbox
        log.info("submission login %s from %s", mailbox.address, peer_ip(session),
                 extra={"event": "smtp.auth", "client": peer_ip(session),
                        "login": mailbox.address, "outcome": "accepted",
                        "reply": replies.AUTH_OK})
        return AuthResult(success=True, auth_data=mailbox, message=replies.AUTH_OK)

    # The message.

    async def _may_send_as(self, session: MailSession, address: str) -> bool:
        if session.sender_addresses is None:
            session.sender_addresses = await asyncio.to_thread(
                self.directory.sender_addresses, session.account.address
            )
        return canonical_address(address) in session.sender_addresses

    async def handle_MAIL(self, server, session, envelope: MailEnvelope, address, mail_options):
        if not address or address == "<>":
            log.info("submission from %s refused: null sender", session.account.address,
                     extra=refusal_fields("smtp.mail_rejected", session, envelope,
                                          replies.NULL_SENDER_REFUSED, sender=""))
            return replies.NULL_SENDER_REFUSED
        if malformed_address(address):
            return replies.BAD_SENDER
        if not envelope.smtp_utf8 and not address.isascii():
            return replies.NON_ASCII_NEEDS_SMTPUTF8
        if refusal := self.demo_rate_refusal(session, envelope):
            return refusal
        if not await self._may_send_as(session, address):
            log.info("submission from %s refused: MAIL FROM <%s> not owned",
                     session.account.address, address,
                     extra=refusal_fields("smtp.mail_rejected", session, envelope,
                                          replies.SENDER_NOT_OWNED, sender=address))
            return replies.SENDER_NOT_OWNED
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        envelope.declared_size = declared_size(mail_options)
        return replies.SENDER_OK

    async def handle_RCPT(self, server, session, envelope: MailEnvelope, address, rcpt_options):
        if address.rpartition("@")[2].startswith("["):
            return self._refuse_rcpt(session, envelope, address, replies.ADDRESS_LITERAL_REFUSED)
        resolution = await self._resolve(session, envelope, address)
        if isinstance(resolution, str):
            return self._refuse_rcpt(session, envelope, address, resolution)
        if resolution.verdict not in (Verdict.ACCEPT, Verdict.REMOTE):
            return self._refuse_rcpt(session, envelope, address,
                                     SUBMISSION_RCPT_REPLIES[resolution.verdict],
                                     resolution.verdict.value)
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(rcpt_options)
        envelope.routes.append((resolution.address, resolution.route))
        return SUBMISSION_RCPT_REPLIES[resolution.verdict]

    async def handle_DATA(self, server, session: MailSession, envelope: MailEnvelope):
        facts = await asyncio.to_thread(read_facts, envelope.original_content)
        owned = [await self._may_send_as(session, sender) for sender in facts.senders]
        if not owned or not all(owned):
            log.info("submission from %s refused: From %s not owned", session.account.address,
                     ",".join(facts.senders) or "missing",
                     extra={**transaction_fields(session, envelope, new_transaction_id(), True),
                            "outcome": "rejected", "reply": replies.FROM_NOT_OWNED,
                            "detail": "From not owned: " + (",".join(facts.senders) or "missing")})
            return replies.FROM_NOT_OWNED
        return await self._route(session, envelope, authenticated=True, origin="submission",
                                 domain=session.account.domain)
