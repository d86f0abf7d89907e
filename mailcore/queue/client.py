"""The SMTP client of the outbound queue: one message to one domain's servers.

Blocking (smtplib): it runs in the Celery worker. For each destination in
order it connects, says EHLO, upgrades with STARTTLS when offered (without
verifying the certificate, as MTAs do for opportunistic TLS: an unverified
channel still beats plain text), then MAIL, one RCPT per recipient and DATA.
A destination that cannot be reached, or refuses the session before RCPT with
a temporary reply, is skipped for the next one. Results are per recipient.
"""

import re
import smtplib
import ssl
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from mailcore.queue.mx import Destination

DELIVERED = "delivered"
DEFERRED = "deferred"
FAILED = "failed"

_STATUS = re.compile(r"^([245])\.(\d{1,3})\.(\d{1,3})\b")


@dataclass(frozen=True)
class Outcome:
    """What became of one recipient in one attempt."""

    recipient: str
    state: str  # delivered, deferred or failed
    status: str  # RFC 3463 enhanced status code, e.g. 5.1.1
    diagnostic: str  # the remote reply ("550 5.1.1 no such user") or our own reason
    host: str = ""  # the remote MTA we talked to, '' when none
    remote: bool = False  # the diagnostic is an SMTP reply of ``host`` (not our own words)

    @property
    def error(self) -> str:
        """The text kept as the recipient's last error."""
        return f"{self.host}: {self.diagnostic}" if self.host else self.diagnostic


@dataclass(frozen=True)
class Reply:
    code: int
    text: str
    ours: bool = True  # written by us (a connection failure), not received from the server

    @classmethod
    def of(cls, code: int, text) -> "Reply":
        if isinstance(text, bytes):
            text = text.decode("utf-8", "replace")
        return cls(code, " ".join(str(text).split()), ours=False)

    @property
    def state(self) -> str:
        if 200 <= self.code < 300:
            return DELIVERED
        return FAILED if 500 <= self.code < 600 else DEFERRED

    @property
    def status(self) -> str:
        match = _STATUS.match(self.text)
        if match and match.group(1) == str(self.code)[0]:
            return match.group(0)
        return {DELIVERED: "2.0.0", FAILED: "5.0.0"}.get(self.state, "4.0.0")

    def __str__(self) -> str:
        return f"{self.code} {self.text}"


class SessionFailed(Exception):
    """This destination will not take the message now; ``reply`` says why."""

    def __init__(self, reply: Reply):
        super().__init__(str(reply))
        self.reply = reply


def opportunistic_tls_context() -> ssl.SSLContext:
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


def to_crlf(message: bytes) -> bytes:
    return re.sub(rb"\r?\n", b"\r\n", message)


CONNECT_TIMEOUT = 30.0
COMMAND_TIMEOUT = 120.0


Answered = Callable[[list[Outcome]], None]


def deliver(destinations: Sequence[Destination], port: int, sender: str,
            recipients: Sequence[str], message: bytes, *, helo: str,
            timeout: float = COMMAND_TIMEOUT, answered: Answered | None = None) -> list[Outcome]:
    """Try each destination until one takes part in a transaction; an outcome per recipient.

    ``message`` has CRLF line endings. When no destination could be used, every
    recipient is deferred with the last reason (or failed, when that was a
    permanent refusal of the sender or of the message).

    ``answered``, when given, is called with the transaction's outcomes as soon
    as the server has answered, before QUIT: the caller records them while the
    session is still open, so that a crash while hanging up sends no copy twice.
    """
    last = Reply(451, "4.4.1 no destination to try")
    host = ""
    for destination in destinations:
        try:
            return _transaction(destination, port, sender, recipients, message, helo, timeout,
                                answered)
        except SessionFailed as failure:
            last, host = failure.reply, destination.host
    return [Outcome(recipient, last.state, last.status, str(last), host, not last.ours)
            for recipient in recipients]


class _TlsFailed(Exception):
    """STARTTLS was offered but the secure session did not come up."""


def deliver_each(destinations: Sequence[Destination], port: int,
                 envelopes: Sequence[tuple[str, str]],
                 message: bytes | Callable[[str], bytes], *, helo: str,
                 timeout: float = COMMAND_TIMEOUT,
                 answered: Answered | None = None) -> list[Outcome]:
    """One transaction per ``(sender, recipient)``, in as few sessions as possible.

    For a mailing list's copies, each with its own envelope sender (VERP) and,
    when ``message`` is a function of the recipient, its own copy. When a
    session fails, the next destination takes the recipients it did not reach;
    those no destination reached get the last reason, as in :func:`deliver`.
    ``answered`` is called after each transaction, before the next one starts.
    """
    outcomes: list[Outcome] = []
    remaining = list(envelopes)
    last = Reply(451, "4.4.1 no destination to try")
    host = ""
    for destination in destinations:
        if not remaining:
            break
        try:
            smtp = _session(destination, port, helo, timeout)
        except SessionFailed as failure:
            last, host = failure.reply, destination.host
            continue
        try:
            while remaining:
                sender, recipient = remaining[0]
                data = message(recipient) if callable(message) else message
                results = _send(smtp, destination.host, sender, [recipient], data)
                if answered is not None:
                    answered(results)
                outcomes += results
                remaining.pop(0)
                if remaining:
                    _reset(smtp)
        except SessionFailed as failure:
            last, host = failure.reply, destination.host
        finally:
            _close(smtp)
    return outcomes + [Outcome(recipient, last.state, last.status, str(last), host,
                               not last.ours) for _sender, recipient in remaining]


def _session(destination, port, helo, timeout):
    try:
        return _open(destination, port, helo, timeout, tls=True)
    except _TlsFailed:  # a broken TLS stack on the other side: plain text, as MTAs do
        return _open(destination, port, helo, timeout, tls=False)


def _transaction(destination, port, sender, recipients, message, helo, timeout, answered):
    smtp = _session(destination, port, helo, timeout)
    try:
        outcomes = _send(smtp, destination.host, sender, recipients, message)
        if answered is not None:
            answered(outcomes)
        return outcomes
    finally:
        _close(smtp)


def _reset(smtp: smtplib.SMTP) -> None:
    """RSET between two transactions of one session; SessionFailed when that fails."""
    try:
        code, text = smtp.rset()
    except (OSError, smtplib.SMTPException) as error:
        raise SessionFailed(Reply(451, f"4.4.2 connection lost: {error}")) from None
    if code != 250:
        raise SessionFailed(Reply.of(code if code >= 400 else 451, text))


def _open(destination: Destination, port: int, helo: str, timeout: float, *, tls: bool):
    """A session past EHLO (and STARTTLS when offered); raises SessionFailed or _TlsFailed."""
    smtp = smtplib.SMTP(local_hostname=helo, timeout=min(timeout, CONNECT_TIMEOUT))
    # The name STARTTLS sends as SNI (smtplib only sets it when it connects by itself).
    smtp._host = destination.address if destination.host.startswith("[") else destination.host
    upgrading = False
    try:
        code, text = smtp.connect(destination.address, port)
        smtp.sock.settimeout(timeout)  # connecting is quick or fails; commands may take longer
        if code != 220:
            raise SessionFailed(Reply.of(code if code >= 400 else 451, text))
        _hello(smtp)
        if tls and smtp.has_extn("starttls"):
            upgrading = True
            code, text = smtp.starttls(context=opportunistic_tls_context())
            if code == 220:
                _hello(smtp)
        return smtp
    except (OSError, smtplib.SMTPException) as error:
        _close(smtp)
        if upgrading:  # the handshake, or the first command over TLS, failed
            raise _TlsFailed() from error
        where = f"{destination.address}:{port}"
        raise SessionFailed(Reply(451, f"4.4.1 connection to {where} failed: {error}")) from None
    except SessionFailed:
        _close(smtp)
        raise


def _hello(smtp: smtplib.SMTP) -> None:
    code, text = smtp.ehlo()
    if code != 250:
        code, text = smtp.helo()
        if code != 250:
            raise SessionFailed(Reply.of(code if code >= 400 else 451, text))


def _close(smtp: smtplib.SMTP) -> None:
    try:
        smtp.quit()
    except (OSError, smtplib.SMTPException):
        smtp.close()


def _mail_options(smtp, sender, recipients, message) -> list[str]:
    """SIZE, BODY=8BITMIME and SMTPUTF8 as the message needs and the server offers."""
    options = []
    if smtp.has_extn("size"):
        limit = smtp.esmtp_features.get("size", "")
        if limit.isdigit() and 0 < int(limit) < len(message):
            raise _Refused(Reply(552, f"5.3.4 message of {len(message)} bytes is larger "
                                      f"than the {limit} bytes the server takes"))
        options.append(f"SIZE={len(message)}")
    if not message.isascii() and smtp.has_extn("8bitmime"):
        options.append("BODY=8BITMIME")
    if not all(address.isascii() for address in (sender, *recipients)):
        if not smtp.has_extn("smtputf8"):
            raise _Refused(Reply(553, "5.6.7 the server does not take internationalized "
                                      "addresses (no SMTPUTF8)"))
        options.append("SMTPUTF8")
        smtp.command_encoding = "utf-8"
    return options


class _Refused(Exception):
    """The whole transaction is refused by a reply: it applies to every recipient."""

    def __init__(self, reply: Reply):
        super().__init__(str(reply))
        self.reply = reply


def _send(smtp, host, sender, recipients, message) -> list[Outcome]:
    try:
        return _exchange(smtp, host, sender, recipients, message)
    except _Refused as refused:
        reply = refused.reply
        return [Outcome(recipient, reply.state, reply.status, str(reply), host, not reply.ours)
                for recipient in recipients]


def _exchange(smtp, host, sender, recipients, message) -> list[Outcome]:
    options = _mail_options(smtp, sender, recipients, message)
    try:
        reply = Reply.of(*smtp.docmd("MAIL", f"FROM:<{sender}>" + "".join(
            f" {option}" for option in options)))
        if reply.state == DEFERRED:
            raise SessionFailed(reply)  # try the next MX
        if reply.state == FAILED:
            raise _Refused(reply)
        answers = {recipient: Reply.of(*smtp.docmd("RCPT", f"TO:<{recipient}>"))
                   for recipient in recipients}
    except (OSError, smtplib.SMTPException) as error:
        raise SessionFailed(Reply(451, f"4.4.2 connection lost: {error}")) from None
    accepted = [recipient for recipient, answer in answers.items() if answer.code // 100 == 2]
    if accepted:
        final = _data(smtp, message)
        answers.update(dict.fromkeys(accepted, final))
    return [Outcome(recipient, answer.state, answer.status, str(answer), host, not answer.ours)
            for recipient, answer in answers.items()]


def _data(smtp, message) -> Reply:
    try:
        return Reply.of(*smtp.data(message))
    except smtplib.SMTPDataError as error:
        return Reply.of(error.smtp_code, error.smtp_error)
    except (OSError, smtplib.SMTPException) as error:
        return Reply(451, f"4.4.2 connection lost during DATA: {error}")
