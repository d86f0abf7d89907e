"""The ``Received:`` trace header (RFC 5321 section 4.4) that the MX adds.

Pure functions: everything the header says is passed in, so it is tested
without a server.
"""

import contextlib
import ipaddress
import re
from dataclasses import dataclass
from datetime import datetime
from email.utils import format_datetime

# What may appear of a name the client told us: anything else could forge a
# comment or a clause in the header, so it is replaced.
_UNSAFE = re.compile(r"[^A-Za-z0-9.\-_:\[\]]")
_UNSAFE_COMMENT = re.compile(r"[^A-Za-z0-9.\-_:/ ]")
_MAX_NAME = 255


@dataclass(frozen=True)
class Trace:
    """What one ``Received:`` line records about an incoming message."""

    helo: str  # the name the client gave in HELO/EHLO
    ip: str  # the client's address
    reverse_name: str | None  # the client's verified reverse DNS name, if any
    by: str  # our host name
    transaction_id: str
    esmtp: bool = True  # EHLO rather than HELO
    tls: str | None = None  # e.g. "TLSv1.3 TLS_AES_256_GCM_SHA384" when STARTTLS was used
    smtputf8: bool = False  # MAIL FROM ... SMTPUTF8
    authenticated: bool = False  # submission after AUTH
    recipient: str | None = None  # the only recipient (omitted for several: privacy)
    when: datetime | None = None


def protocol_name(trace: Trace) -> str:
    """The ``with`` keyword: SMTP, ESMTP[S][A] (RFC 3848) or UTF8SMTP[S][A] (RFC 6531)."""
    if trace.smtputf8:
        base = "UTF8SMTP"
    else:
        base = "ESMTP" if trace.esmtp or trace.tls or trace.authenticated else "SMTP"
    if base == "SMTP":
        return base
    return base + ("S" if trace.tls else "") + ("A" if trace.authenticated else "")


def clean_name(name: str | None) -> str:
    """A host name as the client gave it, made safe to put in a header."""
    name = (name or "").strip()
    if not name.isascii():
        with contextlib.suppress(UnicodeError):
            name = name.encode("idna").decode("ascii")
    name = _UNSAFE.sub("?", name)[:_MAX_NAME]
    return name or "unknown"


def address_literal(ip: str) -> str:
    """``[192.0.2.1]`` or ``[IPv6:2001:db8::1]`` (RFC 5321 section 4.1.3)."""
    try:
        address = ipaddress.ip_address(ip.split("%", 1)[0])
    except ValueError:
        return "[" + clean_name(ip) + "]"
    if address.version == 6 and address.ipv4_mapped:
        return f"[{address.ipv4_mapped}]"
    return f"[IPv6:{address.compressed}]" if address.version == 6 else f"[{address}]"


def received_header(trace: Trace) -> bytes:
    """The header, CRLF line endings, folded; ready to put before the message."""
    tcp_info = address_literal(trace.ip)
    if trace.reverse_name:
        tcp_info = f"{clean_name(trace.reverse_name)} {tcp_info}"
    with_clause = f"with {protocol_name(trace)}"
    if trace.tls:
        with_clause += f" ({_UNSAFE_COMMENT.sub('?', trace.tls)[:_MAX_NAME]})"
    lines = [
        f"Received: from {clean_name(trace.helo)} ({tcp_info})",
        f"\tby {clean_name(trace.by)} (hostpanel) {with_clause} id {trace.transaction_id}",
    ]
    when = format_datetime((trace.when or datetime.now()).astimezone())
    if trace.recipient:
        lines.append(f"\tfor <{trace.recipient}>; {when}")
    else:
        lines[-1] += ";"
        lines.append(f"\t{when}")
    return ("\r\n".join(lines) + "\r\n").encode("ascii", "replace")
