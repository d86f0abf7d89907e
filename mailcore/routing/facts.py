"""What routing needs to know of a message, read from its header once.

Pure: the header is parsed from the bytes as received; nothing here trusts it
beyond deciding where copies go and whether an automatic reply is allowed.
"""

import re
from dataclasses import dataclass
from email.header import Header, decode_header, make_header
from email.parser import BytesHeaderParser
from email.policy import compat32
from email.utils import getaddresses

_MESSAGE_ID = re.compile(r"<[^<>\s]{1,250}>")
_MAX_REFERENCES = 20


@dataclass(frozen=True)
class MessageFacts:
    delivered_to: frozenset[str] = frozenset()  # Delivered-To addresses, lower case
    recipients: frozenset[str] = frozenset()  # To and Cc addresses, lower case
    senders: tuple[str, ...] = ()  # From addresses, lower case
    subject: str = ""
    message_id: str = ""  # "<...>" or ""
    references: tuple[str, ...] = ()  # message ids, oldest first
    auto_submitted: str = ""  # its first token, lower case; "" when absent
    precedence: str = ""  # lower case
    list_headers: bool = False  # any List-* header (RFC 2369, RFC 2919)
    auto_response_suppress: frozenset[str] = frozenset()  # X-Auto-Response-Suppress values
    received_count: int = 0


def header_block(message: bytes) -> bytes:
    """The header of ``message`` (CRLF or LF line endings), without the body."""
    ends = [index for index in (message.find(b"\r\n\r\n"), message.find(b"\n\n")) if index >= 0]
    return message[: min(ends) + 2] if ends else message


def _text(value) -> str:
    """A header value as text: raw UTF-8 (RFC 6532) and encoded words (RFC 2047) decoded."""
    if isinstance(value, Header):  # compat32's form of a header with 8-bit bytes in it
        value = "".join(part.decode("utf-8", "replace") if isinstance(part, bytes) else part
                        for part, _charset in decode_header(value))
    value = str(value)
    if any("\udc80" <= char <= "\udcff" for char in value):
        value = value.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    try:
        value = str(make_header(decode_header(value)))
    except (ValueError, LookupError, UnicodeError):
        pass
    return " ".join(value.split())


def _addresses(values) -> frozenset[str]:
    return frozenset(
        address.strip().lower() for _, address in getaddresses([_text(v) for v in values])
        if "@" in address
    )


def read_facts(message: bytes) -> MessageFacts:
    header = BytesHeaderParser(policy=compat32).parsebytes(header_block(message))
    names = {name.lower() for name in header}
    message_ids = _MESSAGE_ID.findall(_text(header.get("Message-ID", "")))
    references = _MESSAGE_ID.findall(" ".join(_text(v) for v in header.get_all("References", [])))
    return MessageFacts(
        delivered_to=frozenset(
            _text(value).strip("<> ").lower() for value in header.get_all("Delivered-To", [])
        ),
        recipients=_addresses(header.get_all("To", []) + header.get_all("Cc", [])),
        senders=tuple(sorted(_addresses(header.get_all("From", [])))),
        subject=_text(header.get("Subject", "")),
        message_id=message_ids[0] if message_ids else "",
        references=tuple(references[-_MAX_REFERENCES:]),
        auto_submitted=_text(header.get("Auto-Submitted", "")).split(";")[0].strip().lower(),
        precedence=_text(header.get("Precedence", "")).lower(),
        list_headers=any(name.startswith("list-") for name in names),
        auto_response_suppress=frozenset(
            token.strip().lower()
            for value in header.get_all("X-Auto-Response-Suppress", [])
            for token in _text(value).split(",") if token.strip()
        ),
        received_count=len(header.get_all("Received", [])),
    )
