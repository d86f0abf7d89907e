"""Confirmation and moderation cookies: the part of an address that proves a request.

A cookie reads ``<action>-<expiry>-<mac>-<payload>``: ``sub-mz3k1c-3f9a...-jane=example.org``.
The MAC (HMAC-SHA256 with the server's secret, 80 bits) covers the list, the
action, the payload (an address, or a held post's token) and the expiry, so a
cookie made to subscribe jane cannot unsubscribe her, subscribe someone else,
work on another list, or be used after it expires. Local parts are compared in
lower case: every part is lower case (hex, base 36, lower-cased addresses).

Pure.
"""

import hashlib
import hmac
import time
from dataclasses import dataclass

MAC_LENGTH = 20  # hex characters
ACTIONS = frozenset({
    "sub", "unsub", "dsub", "dunsub",  # confirmations by the address itself
    "msub", "mdsub",  # a moderator's approval of a subscription
    "post",  # a moderator's decision on a held post
    "asub", "aunsub", "adsub", "adunsub",  # a remote administrator's request, confirmed
    "edit",  # a remote administrator's new text (the payload names which)
    "out", "dout",  # one-click unsubscribe (RFC 8058) from the link in a post's header
})
_DIGITS = "0123456789abcdefghijklmnopqrstuvwxyz"


@dataclass(frozen=True)
class Cookie:
    action: str
    payload: str  # an address as ``jane=example.org``, or a held post's token
    expires: int  # Unix time


def encode_address(address: str) -> str:
    """``jane@example.org`` -> ``jane=example.org`` (VERP style, for a local part)."""
    local, _, domain = address.lower().rpartition("@")
    return f"{local}={domain}"


def decode_address(text: str) -> str | None:
    local, equals, domain = text.rpartition("=")
    if not equals or not local or "." not in domain:
        return None
    return f"{local}@{domain}"


def _base36(number: int) -> str:
    digits = ""
    while True:
        number, digit = divmod(number, 36)
        digits = _DIGITS[digit] + digits
        if not number:
            return digits


def _mac(secret: bytes, list_id: int, action: str, payload: str, expires: int) -> str:
    text = f"{list_id}\0{action}\0{payload.lower()}\0{expires}".encode()
    return hmac.new(secret, b"hostpanel-list-cookie\0" + text, hashlib.sha256).hexdigest()[
        :MAC_LENGTH]


def make(secret: bytes, list_id: int, action: str, payload: str, *, valid_days: int,
         now: float | None = None) -> str:
    if action not in ACTIONS:
        raise ValueError(f"unknown cookie action {action!r}")
    payload = encode_address(payload) if "@" in payload else payload.lower()
    expires = int(now if now is not None else time.time()) + valid_days * 86400
    mac = _mac(secret, list_id, action, payload, expires)
    return f"{action}-{_base36(expires)}-{mac}-{payload}"


def check(secret: bytes, list_id: int, text: str, *, now: float | None = None) -> Cookie | None:
    """The cookie ``text`` stands for, or None when it is forged, altered or expired."""
    parts = text.lower().split("-", 3)
    if len(parts) != 4 or parts[0] not in ACTIONS:
        return None
    action, expiry, mac, payload = parts
    try:
        expires = int(expiry, 36)
    except ValueError:
        return None
    if not payload or len(mac) != MAC_LENGTH:
        return None
    if not hmac.compare_digest(mac, _mac(secret, list_id, action, payload, expires)):
        return None
    if expires < (now if now is not None else time.time()):
        return None
    return Cookie(action, payload, expires)
