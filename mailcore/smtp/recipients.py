"""What an envelope recipient resolves to: accept, or why not.

Synchronous (directory and disk): the handlers call :func:`resolve` from a
worker thread. A hosted address is accepted when it routes somewhere
(:func:`mailcore.directory.find_route`: a mailbox, a forward, an autoresponder,
a mailing list's address or service address, the domain's catch-all).
Everything else is for the caller to judge: the MX refuses ``REMOTE`` (we are
not a relay), submission takes it after AUTH.

Relay tricks never reach a route: source routes are dropped by the parser
(RFC 5321 says to ignore them), so ``<@example.com:x@other.org>`` is
``x@other.org``; a local part with ``%``, ``!``, ``@``, quotes or other
routing characters at a hosted domain is refused as relaying (before any
catch-all could take it); address literals (``x@[127.0.0.1]``) and malformed
domains are never hosted. ``postmaster`` without a domain is accepted (RFC 5321
section 4.5.1): see :func:`mailcore.directory.postmaster_address`. Our own SRS
addresses (bounces of forwarded mail) route back to the original sender.
"""

import enum
from dataclasses import dataclass
from typing import Protocol

from mailcore.addresses import AddressError, is_valid_local_part, normalize_domain
from mailcore.delivery.local import has_room
from mailcore.directory import Route, ServerConfig
from mailcore.queue import srs
from mailcore.routing.plan import keeps_copy

_ROUTING_CHARACTERS = frozenset('%!@":,;[]<>\\ ()')


class Verdict(enum.Enum):
    ACCEPT = "accept"
    REMOTE = "remote domain"
    BAD_SYNTAX = "bad syntax"
    RELAY_DENIED = "relaying denied"
    UNKNOWN_USER = "unknown user"
    MAILBOX_FULL = "mailbox full"


@dataclass(frozen=True)
class Resolution:
    verdict: Verdict
    address: str = ""  # canonical form (lower-case hosted local part, IDNA domain)
    route: Route | None = None


class Directory(Protocol):
    """The part of :mod:`mailcore.directory` that recipients need."""

    def is_local_domain(self, domain: str) -> bool: ...

    def find_route(self, address: str) -> Route | None: ...

    def postmaster_address(self, hostname: str) -> str | None: ...


def resolve(address: str, declared_size: int, directory: Directory,
            config: ServerConfig) -> Resolution:
    """Resolve ``address`` (as parsed from RCPT TO); ``declared_size`` is MAIL's SIZE= or 0."""
    if "@" not in address and address.lower() == "postmaster":
        address = directory.postmaster_address(config.hostname) or ""
        if not address:
            return Resolution(Verdict.UNKNOWN_USER)
    local, at, domain = address.rpartition("@")
    if not at or not local or not domain:
        return Resolution(Verdict.BAD_SYNTAX)
    if domain.startswith("["):
        return Resolution(Verdict.RELAY_DENIED)
    try:
        domain = normalize_domain(domain)
    except AddressError:
        return Resolution(Verdict.RELAY_DENIED)
    if srs.is_srs(address) and domain == config.hostname.lower():
        return _srs_bounce(local, domain, config)
    if not directory.is_local_domain(domain):
        return Resolution(Verdict.REMOTE, f"{local}@{domain}")
    if any(char in _ROUTING_CHARACTERS for char in local) or not local.isascii():
        return Resolution(Verdict.RELAY_DENIED)
    if srs.is_srs(address):
        return _srs_bounce(local, domain, config)
    local = local.lower()
    canonical = f"{local}@{domain}"
    route = directory.find_route(canonical)
    # Only a mailing list's service addresses go beyond account names ("=" of VERP
    # returns, cookies past 64 characters); no catch-all takes such a local part.
    if route is None or not (is_valid_local_part(local) or route.kind == "list"):
        return Resolution(Verdict.UNKNOWN_USER, canonical)
    if keeps_copy(route) and not has_room(route.mailbox, declared_size):
        return Resolution(Verdict.MAILBOX_FULL, canonical, route)
    return Resolution(Verdict.ACCEPT, canonical, route)


def _srs_bounce(local: str, domain: str, config: ServerConfig) -> Resolution:
    """A bounce (or reply) to the SRS address of a copy we forwarded: back to its sender."""
    original = srs.unwrap(local, config.secret)
    if original is None:  # forged, tampered with or expired
        return Resolution(Verdict.UNKNOWN_USER)
    address = f"{local}@{domain}"
    route = Route(kind="forward", address=address.lower(), domain=domain, forward_to=(original,))
    return Resolution(Verdict.ACCEPT, address, route)
