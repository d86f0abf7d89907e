"""Sender Rewriting Scheme (SRS0) for forwarded mail.

A forwarded message leaves with an envelope sender of our own domain, so that
the receiver's SPF check passes, and bounces to it still reach the original
sender: ``bob@remote.example`` forwarded by ``example.com`` goes out as
``SRS0=HHHHHH=TT=remote.example=bob@example.com`` where ``TT`` is the day
(base32, modulo 1024) and ``HHHHHH`` an HMAC of day, domain and local part
with a key derived from SECRET_KEY. :func:`reverse` turns such an address back
into the original if the hash matches and it is at most
``MAX_AGE_DAYS`` old, so nobody can use us as a relay by making SRS addresses
up. Everything is compared case-insensitively (relays lower-case addresses).

This is the "SRS0 only" variant: a sender that is already an SRS address of
another forwarder is wrapped once more instead of being shortened to SRS1;
the bounce then goes back through that forwarder, which is still correct.
"""

import base64
import hashlib
import hmac
import re
import time

from mailcore import directory as default_directory
from mailcore.addresses import AddressError, normalize_domain

PREFIX = "SRS0"
MAX_AGE_DAYS = 21
HASH_LENGTH = 6
_BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
_SLOTS = len(_BASE32) ** 2  # 1024 days
# Dot-atom text without quotes, and without ``%`` and ``!``: relays (ours too) refuse
# those in a local part as source-routing tricks.
_PLAIN_LOCAL = re.compile(r"^[A-Za-z0-9#$&'*+/=?^_`{|}~.-]+$")


def _key(secret: bytes) -> bytes:
    return hmac.new(secret, b"hostpanel srs v1", hashlib.sha256).digest()


def _today() -> int:
    return int(time.time() // 86400)


def _timestamp(day: int) -> str:
    slot = day % _SLOTS
    return _BASE32[slot // 32] + _BASE32[slot % 32]


def _hash(secret: bytes, timestamp: str, domain: str, local: str) -> str:
    text = f"{timestamp}={domain}={local}".lower().encode("utf-8")
    digest = hmac.new(_key(secret), text, hashlib.sha256).digest()
    return base64.b32encode(digest).decode("ascii")[:HASH_LENGTH]


def rewrite(sender: str, srs_domain: str, secret: bytes, day: int | None = None) -> str:
    """The SRS0 address at ``srs_domain`` standing for ``sender``.

    The null sender stays null; a sender that is already one of our SRS
    addresses at ``srs_domain``, or whose local part cannot be carried inside
    ours (quoted, or with ``%`` or ``!``), is returned unchanged.
    """
    local, at, domain = (sender or "").rpartition("@")
    if not at or not local or not domain:
        return sender
    if domain.lower() == srs_domain.lower() and local.upper().startswith(PREFIX + "="):
        return sender
    if not _PLAIN_LOCAL.match(local) or not domain.isascii() or "=" in domain:
        return sender
    timestamp = _timestamp(_today() if day is None else day)
    digest = _hash(secret, timestamp, domain, local)
    return f"{PREFIX}={digest}={timestamp}={domain}={local}@{srs_domain}"


def unwrap(local_part: str, secret: bytes, day: int | None = None) -> str | None:
    """The original address inside an SRS0 local part, or None if it is not a valid one of ours."""
    prefix, sep, rest = local_part.partition("=")
    if prefix.upper() != PREFIX or not sep:
        return None
    parts = rest.split("=", 3)
    if len(parts) != 4 or not all(parts):
        return None
    digest, timestamp, domain, local = parts
    expected = _hash(secret, timestamp, domain, local)
    if not hmac.compare_digest(digest.upper().encode(), expected.encode()):
        return None
    if not _fresh(timestamp.upper(), _today() if day is None else day):
        return None
    return f"{local}@{domain}"


def _fresh(timestamp: str, today: int) -> bool:
    if len(timestamp) != 2 or any(char not in _BASE32 for char in timestamp):
        return False
    slot = _BASE32.index(timestamp[0]) * 32 + _BASE32.index(timestamp[1])
    return (today - slot) % _SLOTS <= MAX_AGE_DAYS


def is_srs(address: str) -> bool:
    """Whether ``address`` looks like an SRS0 address (valid or not)."""
    return (address or "").rpartition("@")[0].upper().startswith(PREFIX + "=")


def reverse(address: str, *, directory=default_directory, day: int | None = None) -> str | None:
    """The original sender behind an SRS0 address at our host name or a hosted domain.

    None when ``address`` is not one of our SRS addresses, or was forged,
    tampered with or is too old. Reads the directory: call from a worker thread.
    """
    address = (address or "").strip().removeprefix("<").removesuffix(">")
    local, at, domain = address.rpartition("@")
    if not at or not is_srs(address):
        return None
    config = directory.server_config()
    domain = domain.lower().rstrip(".")
    if domain != config.hostname.lower() and not _hosted(domain, directory):
        return None
    return unwrap(local, config.secret, day)


def _hosted(domain: str, directory) -> bool:
    try:
        return directory.is_local_domain(normalize_domain(domain))
    except AddressError:
        return False
