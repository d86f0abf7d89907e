"""DKIM (RFC 6376): keys for hosted domains, and signing what they send.

Keys are 2048-bit RSA (made with ``cryptography``); the private key is kept as
PKCS#1 PEM, which is what dkimpy reads, and the public key as base64 DER
(SubjectPublicKeyInfo), which is the ``p=`` of the DNS record.
"""

import base64
import logging

import dkim
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

log = logging.getLogger(__name__)

KEY_BITS = 2048
# Headers a forwarder or list may add again are signed once more than they occur
# (dkimpy's default "frozen" set does that for From, To, Subject, Date and others).
CANONICALIZATION = (b"relaxed", b"relaxed")
# Signed besides dkimpy's RFC 6376 list: mailbox providers honour a one-click
# unsubscribe (RFC 8058) only when the signature covers it.
EXTRA_SIGNED = frozenset({b"list-unsubscribe-post"})


def generate_key(bits: int = KEY_BITS) -> tuple[str, str]:
    """A new key pair: (private key as PKCS#1 PEM, public key as base64 DER)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=bits)
    private_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    ).decode("ascii")
    public_der = key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return private_pem, base64.b64encode(public_der).decode("ascii")


def signature_header(message: bytes, domain: str, selector: str, private_pem: str) -> bytes:
    """The ``DKIM-Signature:`` header (CRLF-terminated) for ``message`` (CRLF line endings).

    Raises ``dkim.DKIMException`` when the message or the key cannot be signed.
    """
    signer = dkim.DKIM(message)
    signer.should_sign |= EXTRA_SIGNED
    return signer.sign(
        selector.encode("ascii"),
        domain.encode("ascii"),
        private_pem.encode("ascii"),
        canonicalize=CANONICALIZATION,
    )


def sign(message: bytes, domain: str, selector: str, private_pem: str) -> bytes:
    """``message`` with a DKIM signature on top; unchanged (and logged) if it cannot be signed.

    A message without a From header, say, goes out unsigned rather than not at all.
    """
    try:
        return signature_header(message, domain, selector, private_pem) + message
    except dkim.DKIMException as error:
        log.warning("DKIM: could not sign for %s: %s", domain, error)
        return message
