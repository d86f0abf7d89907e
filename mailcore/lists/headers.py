"""The copy subscribers get of a post: list headers, subject prefix, reply-to, trailer.

Pure, on the raw bytes: header fields the list does not change are kept byte
for byte, and so is the body, except for the trailer:

- a ``text/plain`` body in 7bit, 8bit or quoted-printable gets the trailer at
  its end, in its own encoding and charset (when the charset can write it);
- anything else (multipart, HTML, base64, a charset that cannot write the
  trailer) is wrapped in a ``multipart/mixed`` whose first part is the body
  as it came, headers and all, and whose second part is the trailer. A
  ``multipart/signed`` body stays intact inside, so its signature still
  verifies.

The author's DKIM signature breaks when the list changes the subject or the
body (every list does); posts from domains whose DMARC policy would then have
them refused get the list's address in ``From`` (see :func:`rewrite_from`).
"""

import email.header
import email.quoprimime
import email.utils
import re
import secrets
from dataclasses import dataclass
from email.header import decode_header, make_header
from email.parser import BytesHeaderParser
from email.policy import compat32

from mailcore.routing.facts import header_block

# Fields the list replaces or removes: the previous list's, and the envelope's.
LIST_FIELDS = frozenset({"list-id", "list-post", "list-help", "list-subscribe",
                         "list-unsubscribe", "list-unsubscribe-post", "list-owner",
                         "list-archive", "precedence", "return-path"})
_CONTENT = ("content-type", "content-transfer-encoding", "content-disposition",
            "content-description", "content-id", "mime-version")


@dataclass(frozen=True)
class Edits:
    """What the list puts in the subscribers' copy."""

    fields: tuple[tuple[str, str], ...]  # added at the end of the header, values encoded
    subject: str | None = None  # the new Subject (encoded), None to keep it
    from_: str | None = None  # the new From, None to keep it
    reply_to: str | None = None  # the new Reply-To, None to keep it
    trailer: str = ""


def crlf(message: bytes) -> bytes:
    return re.sub(rb"\r?\n", b"\r\n", message)


def split(message: bytes) -> tuple[list[bytes], bytes]:
    """(header fields, each with its continuation lines and CRLF; the body)."""
    message = crlf(message)
    head = header_block(message)
    body = message[len(head):]
    body = body[2:] if body.startswith(b"\r\n") else body
    fields: list[bytes] = []
    for line in head.split(b"\r\n"):
        if not line:
            continue
        if line[:1] in (b" ", b"\t") and fields:
            fields[-1] += line + b"\r\n"
        else:
            fields.append(line + b"\r\n")
    return fields, body


def field_name(field: bytes) -> str:
    return field.split(b":", 1)[0].strip().decode("ascii", "replace").lower()


def subject_of(message: bytes) -> str:
    """The decoded Subject: raw UTF-8 (RFC 6532) and encoded words (RFC 2047) alike."""
    fields, _body = split(message)
    raw = next((field for field in fields if field_name(field) == "subject"), b"")
    value = " ".join(raw.partition(b":")[2].decode("utf-8", "replace").split())
    try:
        return " ".join(str(make_header(decode_header(value))).split())
    except (ValueError, LookupError, UnicodeError):
        return value


def encode(value: str) -> str:
    """A header value, as RFC 2047 encoded words when it is not ASCII."""
    return value if value.isascii() else email.header.Header(value, "utf-8").encode()


def prefixed(subject: str, prefix: str) -> str | None:
    """The subject with ``prefix`` in front, once; None when it has it already."""
    if not prefix or prefix.lower() in subject.lower():
        return None
    return f"{prefix} {subject}".strip()


def rewrite_from(from_value: str, list_name: str, list_address: str) -> str:
    """``"Jane via team" <team@example.com>`` for ``Jane <jane@example.org>``."""
    name, address = email.utils.parseaddr(from_value)
    shown = name or address or list_name
    return email.utils.formataddr((f"{shown} via {list_name}", list_address), "utf-8")


def build(message: bytes, edits: Edits) -> bytes:
    """The subscribers' copy, CRLF line endings."""
    fields, body = split(message)
    drop = set(LIST_FIELDS)
    replaced = {"subject": edits.subject, "from": edits.from_, "reply-to": edits.reply_to}
    drop |= {name for name, value in replaced.items() if value is not None}
    kept = [field for field in fields if field_name(field) not in drop]
    added = [(name.title(), value) for name, value in replaced.items() if value is not None]
    added += list(edits.fields)
    if edits.trailer:
        kept, body = _with_trailer(kept, body, edits.trailer)
    head = b"".join(kept) + b"".join(f"{name}: {value}\r\n".encode() for name, value in added)
    return head + b"\r\n" + body


def _with_trailer(fields: list[bytes], body: bytes, trailer: str) -> tuple[list[bytes], bytes]:
    header = BytesHeaderParser(policy=compat32).parsebytes(b"".join(fields) + b"\r\n")
    kind = header.get_content_type()
    encoding = str(header.get("Content-Transfer-Encoding", "7bit")).strip().lower()
    charset = str(header.get_content_charset() or "us-ascii")
    text = "\n" + trailer.replace("\r\n", "\n").strip("\n") + "\n"
    if kind == "text/plain" and encoding in ("7bit", "8bit", "quoted-printable"):
        try:
            data = text.encode(charset)
        except (LookupError, UnicodeEncodeError):
            data = None
        if data is not None and (encoding != "7bit" or data.isascii()):
            return fields, _append(body, data, encoding)
    return _wrapped(fields, body, trailer)


def _append(body: bytes, data: bytes, encoding: str) -> bytes:
    if body and not body.endswith(b"\r\n"):
        body += b"\r\n"
    if encoding == "quoted-printable" and body.endswith(b"=\r\n"):
        body += b"\r\n"  # end the soft-broken last line before the trailer
    if encoding == "quoted-printable":
        encoded = email.quoprimime.body_encode(data.decode("latin-1"), eol="\r\n")
        return body + encoded.encode("ascii").rstrip(b"\r\n") + b"\r\n"
    return body + data.replace(b"\n", b"\r\n")


def _wrapped(fields: list[bytes], body: bytes, trailer: str) -> tuple[list[bytes], bytes]:
    content = [field for field in fields if field_name(field) in _CONTENT
               and field_name(field) != "mime-version"]
    others = [field for field in fields if field_name(field) not in _CONTENT]
    boundary = f"=_trailer_{secrets.token_hex(12)}"
    others += [b"MIME-Version: 1.0\r\n",
               f'Content-Type: multipart/mixed; boundary="{boundary}"\r\n'.encode()]
    if not any(field_name(field) == "content-type" for field in content):
        content.append(b"Content-Type: text/plain; charset=us-ascii\r\n")
    utf8 = (trailer.replace("\r\n", "\n").strip("\n") + "\n").encode("utf-8").decode("latin-1")
    trailer_part = (b"Content-Type: text/plain; charset=utf-8\r\n"
                    b"Content-Transfer-Encoding: quoted-printable\r\n"
                    b"Content-Disposition: inline\r\n\r\n"
                    + email.quoprimime.body_encode(utf8, eol="\r\n").encode("ascii"))
    if body and not body.endswith(b"\r\n"):
        body += b"\r\n"
    mark = f"--{boundary}".encode()
    new_body = (mark + b"\r\n" + b"".join(content) + b"\r\n" + body + mark + b"\r\n"
                + trailer_part + b"\r\n" + mark + b"--\r\n")
    return others, new_body
