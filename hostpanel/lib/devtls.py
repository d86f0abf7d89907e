"""A self-signed certificate for development, so STLS and STARTTLS work on a laptop.

Production uses a real certificate (``HOSTPANEL_TLS_CERT``/``HOSTPANEL_TLS_KEY``);
this one is made by ``manage.py setup`` only when none is configured.
"""

import datetime
import ipaddress
import os
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

VALID_DAYS = 825
RENEW_BEFORE_DAYS = 30


def _write_atomically(path: Path, data: bytes, mode: int) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def needs_certificate(cert_path: Path, key_path: Path, now: datetime.datetime) -> bool:
    """Whether the pair is missing, unreadable or close to expiry."""
    if not cert_path.exists() or not key_path.exists():
        return True
    try:
        cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
    except ValueError:
        return True
    return cert.not_valid_after_utc - now < datetime.timedelta(days=RENEW_BEFORE_DAYS)


def make_certificate(hostname: str, now: datetime.datetime) -> tuple[bytes, bytes]:
    """A PEM certificate and PEM key for ``hostname``, localhost and the loopback addresses."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, "hostpanel development"),
        x509.NameAttribute(NameOID.COMMON_NAME, hostname),
    ])
    dns_names = sorted({hostname, "localhost"})
    alt_names = [x509.DNSName(item) for item in dns_names] + [
        x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
        x509.IPAddress(ipaddress.ip_address("::1")),
    ]
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=VALID_DAYS))
        .add_extension(x509.SubjectAlternativeName(alt_names), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return cert.public_bytes(serialization.Encoding.PEM), key_pem


def ensure_certificate(folder: Path, hostname: str) -> tuple[Path, Path, bool]:
    """Create (or renew) ``folder/cert.pem`` and ``folder/key.pem``; True when written."""
    folder.mkdir(parents=True, exist_ok=True)
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    now = datetime.datetime.now(datetime.UTC)
    if not needs_certificate(cert_path, key_path, now):
        return cert_path, key_path, False
    cert_pem, key_pem = make_certificate(hostname, now)
    _write_atomically(key_path, key_pem, 0o600)
    _write_atomically(cert_path, cert_pem, 0o644)
    return cert_path, key_path, True
