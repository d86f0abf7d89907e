"""Stored messages (LF line endings) as POP3 sends them."""

import re

_LINE_START_DOT = re.compile(rb"^\.", re.MULTILINE)


def top(data: bytes, body_lines: int) -> bytes:
    """The header, the blank line and the first ``body_lines`` lines of the body."""
    if data.startswith(b"\n"):
        head, body = b"\n", data[1:]
    else:
        head, separator, body = data.partition(b"\n\n")
        if not separator:
            return data  # no body at all
        head += b"\n\n"
    parts = body.split(b"\n", body_lines)
    if len(parts) <= body_lines:
        return data  # the body is no longer than asked for
    return head + b"".join(part + b"\n" for part in parts[:body_lines])


def multiline(data: bytes) -> bytes:
    """LF (or CRLF) text as a POP3 multi-line body: CRLF, dot-stuffed, ended by ``.``."""
    data = data.replace(b"\r\n", b"\n")
    if data and not data.endswith(b"\n"):
        data += b"\n"
    data = _LINE_START_DOT.sub(b"..", data.replace(b"\n", b"\r\n"))
    return data + b".\r\n"


def wire_message(data: bytes, body_lines: int | None = None) -> bytes:
    """A stored message, or its TOP when ``body_lines`` is given, ready to send."""
    data = data.replace(b"\r\n", b"\n")
    if body_lines is not None:
        data = top(data, body_lines)
    return multiline(data)
