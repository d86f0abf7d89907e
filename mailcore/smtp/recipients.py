"""What an envelope recipient resolves to: accept, or why not.

Synchronous (directory and disk): the handler calls :func:`resolve` from a
worker thread. We are not a relay: an address is accepted only when its domain
is hosted here and it names an existing mailbox. Source routes are dropped by
the parser (RFC 5321 says to ignore them), so ``<@example.com:x@other.org>``
is ``x@other.org``; ``%``, ``!`` and quotes in the local part never name one
of our mailboxes, and address literals (``x@[127.0.0.1]``) are no hosted domain.
"""

import enum
from dataclasses import dataclass
from typing import Protocol

from mailcore.addresses import AddressError, is_valid_local_part, normalize_domain
from mailcore.delivery.local import has_room
from mailcore.directory import Mailbox


class Verdict(enum.Enum):
    ACCEPT = "accept"
    BAD_SYNTAX = "bad syntax"
    RELAY_DENIED = "relaying denied"
    UNKNOWN_USER = "unknown user"
    MAILBOX_FULL = "mailbox full"


@dataclass(frozen=True)
class Resolution:
    verdict: Verdict
    mailbox: Mailbox | None = None


class Directory(Protocol):
    """The part of :mod:`mailcore.directory` that recipients need."""

    def is_local_domain(self, domain: str) -> bool: ...

    def find_mailbox(self, address: str) -> Mailbox | None: ...


def resolve(address: str, declared_size: int, directory: Directory) -> Resolution:
    """Resolve ``address`` (as parsed from RCPT TO); ``declared_size`` is MAIL's SIZE= or 0."""
    local, at, domain = address.rpartition("@")
    if not at or not local or not domain:
        return Resolution(Verdict.BAD_SYNTAX)
    if domain.startswith("["):
        return Resolution(Verdict.RELAY_DENIED)
    try:
        domain = normalize_domain(domain)
    except AddressError:
        return Resolution(Verdict.RELAY_DENIED)
    if not directory.is_local_domain(domain):
        return Resolution(Verdict.RELAY_DENIED)
    local = local.lower()
    if not is_valid_local_part(local):
        return Resolution(Verdict.UNKNOWN_USER)
    mailbox = directory.find_mailbox(f"{local}@{domain}")
    if mailbox is None:
        return Resolution(Verdict.UNKNOWN_USER)
    if not has_room(mailbox, declared_size):
        return Resolution(Verdict.MAILBOX_FULL, mailbox)
    return Resolution(Verdict.ACCEPT, mailbox)
