"""A robust, bounded view of a raw message for the spam tests.

Mail from strangers is hostile input: any bytes must give a :class:`ParsedMessage`, never an
exception, and the work must stay bounded whatever the message does (50 MB bodies, 10,000
MIME parts, deep nesting, broken base64, unknown charsets, NUL bytes). So the raw message is
cut to ``max_bytes`` before parsing, the parts are walked iteratively up to ``max_parts`` and
``max_depth``, every decoded text is truncated, and the regular expressions used here cannot
backtrack badly. Whatever was cut is recorded in ``defects`` so that rules can see it.
"""

from __future__ import annotations

import codecs
import email.errors
import html
import re
from dataclasses import dataclass, field
from email import message_from_bytes
from email.header import decode_header
from email.message import Message
from email.utils import getaddresses

MAX_BYTES = 2_000_000  # parsed at most; spam is small, and the rest cannot change a verdict
MAX_DEPTH = 20  # nested multiparts walked
MAX_HEADER = 4_000  # characters kept per header value
MAX_URLS = 200

URL_RE = re.compile(r"""(?i)\b(?:https?://|www\.)[^\s<>"'()\[\]{}\\^`|]{1,300}""")
_HREF_RE = re.compile(r"""(?i)<a\s[^<>]{0,500}?\bhref\s*=\s*["']?([^"'\s<>]{1,500})[^<>]{0,500}>"""
                      r"""([^<]{0,300})""")
_HIDDEN_OPEN_RE = re.compile(r"(?i)<(script|style)\b|<!--")
_TAG_RE = re.compile(r"<[^<>]{0,2000}>")
_BLOCK_RE = re.compile(r"(?i)<(?:br|p|div|tr|li|h[1-6])\b[^<>]{0,2000}>")
_SPACE_RE = re.compile(r"[ \t\r\f\v]+")
_HTML_START_RE = re.compile(r"(?i)\s{0,200}(?:<!doctype html|<html\b|<head\b|<body\b)")
_ENCODED_RE = re.compile(r"=\?[^?\s]{1,40}\?[bBqQ]\?")


@dataclass(frozen=True)
class ParsedMessage:
    headers: list[tuple[str, str]]  # decoded, in order
    subject: str
    from_address: str  # addr-spec, lower case, '' when none could be read
    from_display: str
    text: str  # plain text of all text parts, HTML converted to text
    html: str  # raw HTML of the HTML parts
    has_html: bool
    has_plain: bool
    urls: list[str]
    part_count: int  # MIME parts seen (capped at max_parts + 1)
    attachments: list[tuple[str, str]]  # (file name, content type)
    defects: list[str]  # MIME defect class names and what was cut
    size: int  # raw size in bytes
    body_start: int  # byte offset of the body in the raw message (len(raw) if none)
    content_types: list[str] = field(default_factory=list)  # per part, lower case
    charsets: list[str] = field(default_factory=list)  # declared, lower case
    links: list[tuple[str, str]] = field(default_factory=list)  # (href, link text) in HTML

    def header(self, name: str) -> str:
        """The first header called ``name`` (case-insensitive), '' when absent."""
        name = name.lower()
        for key, value in self.headers:
            if key.lower() == name:
                return value
        return ""

    def header_all(self, name: str) -> list[str]:
        name = name.lower()
        return [value for key, value in self.headers if key.lower() == name]

    def has_header(self, name: str) -> bool:
        name = name.lower()
        return any(key.lower() == name for key, _ in self.headers)


def parse(raw: bytes, *, max_parts: int = 1000, max_text: int = 200_000,
          max_bytes: int = MAX_BYTES) -> ParsedMessage:
    """Parse ``raw``; never raises, work bounded by the limits (see the module docstring)."""
    builder = _Builder(max_parts, max_text)
    data = raw[:max_bytes]
    if len(raw) > max_bytes:
        builder.defects.append("MessageTruncated")
    try:
        message = message_from_bytes(data)
        builder.read_headers(message)
        builder.walk(message)
    except Exception as exc:  # a parser bug must not lose the message
        builder.defects.append(f"ParseFailed:{type(exc).__name__}")
        builder.fallback(data)
    return builder.build(raw)


def html_to_text(markup: str) -> str:
    """Visible text of ``markup``, roughly: scripts, styles and comments dropped, tags removed."""
    markup = _drop_hidden(markup)
    markup = _BLOCK_RE.sub("\n", markup)
    markup = _TAG_RE.sub(" ", markup)
    return html.unescape(markup)


def _drop_hidden(markup: str) -> str:
    """Remove scripts, styles and comments in one left-to-right pass (linear time)."""
    kept = []
    pos = 0
    lower = markup.lower()
    while match := _HIDDEN_OPEN_RE.search(markup, pos):
        kept.append(markup[pos:match.start()])
        closing = f"</{match.group(1).lower()}" if match.group(1) else "-->"
        end = lower.find(closing, match.end())
        if end < 0:
            return " ".join(kept)
        pos = lower.find(">", end) + 1 if match.group(1) else end + 3
        if pos <= 0:
            return " ".join(kept)
    kept.append(markup[pos:])
    return " ".join(kept)


def decode_bytes(data: bytes, charset: str | None) -> tuple[str, bool]:
    """Text of ``data`` in ``charset``; second item True when the charset was wrong or unknown."""
    name = (charset or "").strip().strip('"').lower() or "us-ascii"
    try:
        codec = codecs.lookup(name).name
    except (LookupError, ValueError):
        codec = ""
    if codec:
        try:
            return data.decode(codec), False
        except (UnicodeDecodeError, LookupError, ValueError):
            pass
    try:
        return data.decode("utf-8"), codec != "ascii"
    except UnicodeDecodeError:
        return data.decode("cp1252", "replace"), True


def _raw_8bit_not_utf8(value: str) -> bool:
    """A header holding raw 8-bit bytes (read with surrogateescape) that are not UTF-8.

    Raw UTF-8 is internationalized mail (RFC 6532, SMTPUTF8); raw bytes of another
    charset (EUC-KR, Windows-1252...) in From: or Subject: are what bulk mailers send.
    """
    if not any("\udc80" <= ch <= "\udcff" for ch in value):
        return False
    try:
        value.encode("utf-8", "surrogateescape").decode("utf-8")
    except UnicodeError:
        return True
    return False


def _header_text(value: str) -> str:
    """Decode RFC 2047 words and 8-bit bytes (kept by the parser as surrogates)."""
    if isinstance(value, email.header.Header):
        value = str(value)
    if _ENCODED_RE.search(value):
        try:
            pieces = []
            for chunk, charset in decode_header(value):
                if isinstance(chunk, bytes):
                    chunk = decode_bytes(chunk, charset)[0]
                pieces.append(chunk)
            value = "".join(pieces)
        except Exception:  # noqa: S110 - keep the undecoded value
            pass
    if any("\udc80" <= ch <= "\udcff" for ch in value):
        value = decode_bytes(value.encode("ascii", "surrogateescape"), "utf-8")[0]
    return _SPACE_RE.sub(" ", value.replace("\n", " ")).strip()[:MAX_HEADER]


class _Builder:
    """Collects the parts of a ParsedMessage while walking the MIME tree."""

    def __init__(self, max_parts: int, max_text: int):
        self.max_parts = max_parts
        self.max_text = max_text
        self.headers: list[tuple[str, str]] = []
        self.texts: list[str] = []
        self.htmls: list[str] = []
        self.text_len = 0
        self.html_len = 0
        self.has_html = False
        self.has_plain = False
        self.part_count = 0
        self.attachments: list[tuple[str, str]] = []
        self.defects: list[str] = []
        self.content_types: list[str] = []
        self.charsets: list[str] = []

    def read_headers(self, message: Message) -> None:
        for key, value in message._headers:  # raw values: no policy parsing
            if (str(key).lower() in ("from", "subject") and isinstance(value, str)
                    and "Header8Bit" not in self.defects and _raw_8bit_not_utf8(value)):
                self.defects.append("Header8Bit")  # raw 8-bit, not RFC 2047 encoded
            self.headers.append((str(key), _header_text(value)))

    def walk(self, root: Message) -> None:
        stack: list[tuple[Message, int]] = [(root, 0)]
        while stack:
            part, depth = stack.pop()
            self.part_count += 1
            if self.part_count > self.max_parts:
                self.defects.append("TooManyParts")
                return
            ctype = part.get_content_type()
            self.content_types.append(ctype)
            if not part.is_multipart():
                self.leaf(part, ctype)  # decoding adds base64 defects to part.defects
            elif depth < MAX_DEPTH:
                children = part.get_payload()
                if isinstance(children, list):
                    stack.extend((child, depth + 1) for child in reversed(children))
            else:
                self.defects.append("TooDeeplyNested")
            self.defects.extend(type(defect).__name__ for defect in part.defects)

    def leaf(self, part: Message, ctype: str) -> None:
        charset = _parameter(part.get_param, "charset")
        if isinstance(charset, tuple):  # RFC 2231 value
            charset = charset[2]
        if charset:
            self.charsets.append(str(charset).lower()[:40])
        filename = _parameter(part.get_filename)
        disposition = str(part.get("Content-Disposition", "")).lower()  # 8-bit: a Header
        # A text part shown inline is read even when it has a file name (spam often names
        # its only HTML part "filename.html" to slip past filters that skip attachments).
        if disposition.startswith("attachment") or not ctype.startswith("text/"):
            self.attachments.append((_header_text(filename or "")[:200], ctype))
            return
        payload = part.get_payload(decode=True)
        if not isinstance(payload, bytes):
            return
        limit = self.max_text * 4
        if len(payload) > limit:
            payload = payload[:limit]
            self.defects.append("PartTruncated")
        if b"\0" in payload:
            self.defects.append("NulBytes")
            payload = payload.replace(b"\0", b"")
        if (payload.isascii() and payload.strip()
                and str(part.get("Content-Transfer-Encoding", "")).strip().lower() == "base64"
                and not any("Base64" in type(defect).__name__ for defect in part.defects)):
            self.defects.append("Base64Ascii")  # plain ASCII text hidden in base64
        text, wrong_charset = decode_bytes(payload, charset)
        if not charset and not payload.isascii():
            self.defects.append("EightBitNoCharset")  # rather than a mismatch with ASCII
        elif wrong_charset:
            self.defects.append("CharsetMismatch")
        if ctype == "text/plain" and _HTML_START_RE.match(text):
            # HTML sent as text/plain: many clients still show it as HTML
            self.defects.append("HtmlAsPlain")
            self.has_plain = True
            ctype = "text/html"
        if ctype == "text/html":
            self.has_html = True
            self.add_html(text)
        else:
            self.has_plain = self.has_plain or ctype == "text/plain"
            self.add_text(text)

    def add_text(self, text: str) -> None:
        room = self.max_text - self.text_len
        if room > 0:
            self.texts.append(text[:room])
            self.text_len += min(len(text), room)

    def add_html(self, markup: str) -> None:
        room = self.max_text - self.html_len
        if room > 0:
            markup = markup[:room]
            self.htmls.append(markup)
            self.html_len += len(markup)
            self.add_text(html_to_text(markup))

    def fallback(self, data: bytes) -> None:
        """The parser failed: keep the header lines we can read and the rest as plain text."""
        self.headers.clear()
        self.part_count = max(self.part_count, 1)
        head, _, body = data.replace(b"\r\n", b"\n").partition(b"\n\n")
        for line in head.split(b"\n")[:500]:
            key, sep, value = line.partition(b":")
            if sep and key and not key[:1].isspace():
                name = key.decode("ascii", "replace").strip()
                self.headers.append((name, _header_text(value.decode("latin-1"))))
        self.add_text(decode_bytes(body[: self.max_text * 4], "utf-8")[0])

    def build(self, raw: bytes) -> ParsedMessage:
        text = "".join(self.texts)
        markup = "".join(self.htmls)
        links = [(href, html.unescape(label).strip()) for href, label in
                 _HREF_RE.findall(markup)[:MAX_URLS]]
        urls = URL_RE.findall(text)[:MAX_URLS]
        seen = set(urls)
        urls.extend(href for href, _ in links if href not in seen and "://" in href)
        first = {"subject": "", "from": ""}
        for key, value in self.headers:
            lower = key.lower()
            if lower in first and not first[lower]:
                first[lower] = value
        display, address = _address(first["from"])
        return ParsedMessage(
            headers=self.headers, subject=first["subject"], from_address=address,
            from_display=display, text=text, html=markup, has_html=self.has_html,
            has_plain=self.has_plain, urls=urls[:MAX_URLS], part_count=self.part_count,
            attachments=self.attachments[:100], defects=self.defects[:100], size=len(raw),
            body_start=_body_start(raw), content_types=self.content_types[:100],
            charsets=self.charsets[:100], links=links)


def _parameter(getter, *args):
    """A header parameter, None when it cannot be read: the standard library raises
    TypeError on some malformed RFC 2231 continuations (``name*0*=`` beside ``name*=``)."""
    try:
        return getter(*args)
    except (TypeError, ValueError, IndexError, LookupError):
        return None


def _address(value: str) -> tuple[str, str]:
    try:
        pairs = getaddresses([value])
    except Exception:  # odd From headers are common in spam
        return value, ""
    display, address = pairs[0] if pairs else ("", "")
    return display.strip(), address.strip().lower() if "@" in address else ""


def _body_start(raw: bytes) -> int:
    head = raw[:MAX_BYTES]
    ends = [i + len(sep) for sep in (b"\r\n\r\n", b"\n\n") if (i := head.find(sep)) >= 0]
    if head.startswith((b"\r\n", b"\n")):
        return 2 if head.startswith(b"\r\n") else 1
    return min(ends) if ends else len(raw)
