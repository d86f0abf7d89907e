"""Submission without a socket: how the web mail sends a message its user wrote.

The same steps as an authenticated session on the submission port
(:class:`mailcore.smtp.submission.SubmissionHandler`): the sender must be
the account's own address or one of its aliases, each recipient is resolved
as at RCPT (hosted ones must exist, others are remote), the size limit holds,
and at DATA the message gets our ``Received`` header, the virus scan (when
clamd is configured), the spam step for hosted recipients, and routing:
hosted copies to their Maildirs, remote ones to the outbound queue, signed by
the queue with the domain's DKIM key.

Synchronous for its caller (a Django view): the SMTP pipeline's coroutine runs
in an event loop of its own, its database and disk work in worker threads as
in the server.
"""

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass

from mailcore import directory as default_directory
from mailcore.directory import ServerConfig
from mailcore.smtp import replies
from mailcore.smtp.handler import MAX_RECIPIENTS, BaseHandler
from mailcore.smtp.protocol import MailEnvelope, MailSession
from mailcore.smtp.recipients import Verdict, resolve

# Why a recipient is refused (what the web mail explains to its user).
BAD_ADDRESS = "bad address"
UNKNOWN_USER = "unknown user"
MAILBOX_FULL = "mailbox full"
_REFUSED = {
    Verdict.BAD_SYNTAX: BAD_ADDRESS,
    Verdict.RELAY_DENIED: BAD_ADDRESS,
    Verdict.UNKNOWN_USER: UNKNOWN_USER,
    Verdict.MAILBOX_FULL: MAILBOX_FULL,
}


@dataclass(frozen=True)
class Submitted:
    sent: bool
    reply: str = ""  # the SMTP reply the pipeline gave ('' when it was not reached)
    refused: tuple[tuple[str, str], ...] = ()  # (recipient, reason) refused before sending
    too_big: bool = False
    not_owned: bool = False


def check_recipients(recipients: Sequence[str], size: int = 0, *, config: ServerConfig,
                     directory=default_directory):
    """``(routes, refused)``: the resolved routes and the ``(address, reason)`` refused."""
    routes, refused = [], []
    for address in recipients:
        if address.rpartition("@")[2].startswith("["):
            refused.append((address, BAD_ADDRESS))
            continue
        resolution = resolve(address, size, directory, config)
        if resolution.verdict in (Verdict.ACCEPT, Verdict.REMOTE):
            routes.append((resolution.address, resolution.route))
        else:
            refused.append((address, _REFUSED[resolution.verdict]))
    return routes, refused


def submit(account: str, recipients: Sequence[str], message: bytes, *, client_ip: str = "",
           config: ServerConfig | None = None, directory=default_directory) -> Submitted:
    """Send ``message`` (CRLF line endings) from the mailbox ``account`` to ``recipients``.

    Nothing is sent when a recipient is refused, the message is too big, or the
    account may not send as itself (no longer active).
    """
    config = config or directory.server_config()
    mailbox = directory.find_mailbox(account)
    if mailbox is None or account.lower() not in directory.sender_addresses(account):
        return Submitted(False, not_owned=True)
    if len(message) > config.message_size_limit:
        return Submitted(False, too_big=True)
    if not recipients or len(recipients) > MAX_RECIPIENTS:
        return Submitted(False, reply=replies.TOO_MANY_RECIPIENTS)
    routes, refused = check_recipients(recipients, len(message), config=config,
                                       directory=directory)
    if refused:
        return Submitted(False, refused=tuple(refused))
    reply = asyncio.run(_route(config, directory, mailbox, recipients, routes, message,
                               client_ip or "127.0.0.1"))
    return Submitted(reply.startswith("250"), reply=reply)


async def _route(config, directory, mailbox, recipients, routes, message, client_ip) -> str:
    handler = BaseHandler(config, directory)
    session = MailSession(asyncio.get_running_loop())
    session.peer = (client_ip, 0)
    session.host_name = "webmail"
    session.extended_smtp = True
    session.reverse_looked_up = True  # a browser's address: no reverse DNS look-up
    session.account = mailbox
    envelope = MailEnvelope()
    envelope.mail_from = mailbox.address
    envelope.rcpt_tos = list(recipients)
    envelope.routes = list(routes)
    envelope.declared_size = len(message)
    envelope.original_content = envelope.content = message
    return await handler._route(session, envelope, authenticated=True, origin="submission",
                                domain=mailbox.domain)
