"""A stored message made fit for a page: its header, a safe body, its attachments.

HTML bodies go through nh3 (the Rust sanitizer ammonia) with an allow-list:
no scripts, event handlers, forms, frames, ``<style>`` blocks or CSS that can
fetch anything; links only to http, https and mailto. Remote images
(``http``/``https``) lose their ``src`` until the reader asks for them; a
``cid:`` image of the message itself is shown through its part's URL. The
page adds a strict Content-Security-Policy on top (see views.py).
"""

import html as htmllib
import re
from collections.abc import Callable
from copy import deepcopy
from dataclasses import dataclass, field
from datetime import UTC
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import getaddresses, parsedate_to_datetime

import nh3

from mailcore.routing.facts import _text

SAFE_TYPES = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp", "application/pdf",
                        "text/plain"})
_INLINE_IMAGE = re.compile(r"^data:image/(png|jpeg|gif|webp);", re.IGNORECASE)
_FILENAME_UNSAFE = re.compile(r"[^\w .()\[\]+,=-]+")
# The sanitizer's time grows with the square of how deeply tags nest (50,000 nested <div>
# took 39 s of CPU): HTML nested deeper than this is shown as its text instead.
MAX_HTML_DEPTH = 1000
_TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9]*)[^>]*?(/?)>")
_VOID_TAGS = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link",
                        "meta", "source", "track", "wbr", "p", "li", "option", "td", "tr"})

TAGS = (set(nh3.ALLOWED_TAGS) - {"area", "map"}) | {"font"}
ATTRIBUTES = deepcopy(nh3.ALLOWED_ATTRIBUTES)
ATTRIBUTES.setdefault("*", set()).update({"style", "title", "dir", "lang"})
ATTRIBUTES["font"] = {"color", "face", "size"}
for _tag in ("table", "td", "th", "tr"):
    ATTRIBUTES.setdefault(_tag, set()).update({"bgcolor", "width", "height", "valign", "border",
                                               "cellpadding", "cellspacing"})
# CSS properties kept in style attributes: none of them can load anything
# (no background, background-image, list-style-image, border-image, content, cursor).
STYLE_PROPERTIES = {
    "color", "background-color", "font", "font-family", "font-size", "font-style",
    "font-weight", "font-variant", "text-align", "text-decoration", "text-transform",
    "text-indent", "line-height", "letter-spacing", "word-spacing", "white-space",
    "vertical-align", "width", "max-width", "min-width", "height", "max-height", "min-height",
    "margin", "margin-top", "margin-right", "margin-bottom", "margin-left", "padding",
    "padding-top", "padding-right", "padding-bottom", "padding-left", "border", "border-top",
    "border-right", "border-bottom", "border-left", "border-color", "border-style",
    "border-width", "border-collapse", "border-spacing", "border-radius", "display",
    "direction", "list-style-type", "table-layout", "word-break", "overflow-wrap",
}
URL_SCHEMES = {"http", "https", "mailto", "cid", "data"}


@dataclass
class Part:
    index: int
    filename: str
    content_type: str
    size: int
    content_id: str = ""


@dataclass
class Rendered:
    """What the reading page shows."""

    sender: str = ""
    to: str = ""
    cc: str = ""
    reply_to: str = ""
    subject: str = ""
    date: object = None  # an aware datetime or None
    message_id: str = ""
    references: str = ""
    original_to: str = ""
    text: str = ""  # plain text body (shown escaped), when there is no HTML one
    html: str = ""  # sanitized HTML body
    blocked_images: int = 0
    attachments: list[Part] = field(default_factory=list)


def parse(raw: bytes) -> EmailMessage:
    return BytesParser(policy=policy.default).parsebytes(raw)


def _header(message: EmailMessage, name: str) -> str:
    """The first ``name`` header as text, from its raw value (a broken one cannot raise)."""
    wanted = name.lower()
    for key, value in message.raw_items():
        if key.lower() == wanted:
            return _text(value)
    return ""


def _content(part: EmailMessage) -> str:
    try:
        return part.get_content()
    except (LookupError, UnicodeError, ValueError, AssertionError):
        payload = part.get_payload(decode=True) or b""
        return payload.decode("utf-8", "replace")


def leaf_parts(message: EmailMessage) -> list[EmailMessage]:
    """Every non-multipart part, in order: a part's index is its position here."""
    return [part for part in message.walk() if not part.is_multipart()]


def _body(message: EmailMessage) -> EmailMessage | None:
    try:
        return message.get_body(preferencelist=("html", "plain"))
    except (KeyError, ValueError, AttributeError):  # AttributeError: a malformed multipart
        return None


def _text_alternatives(message: EmailMessage, body: EmailMessage | None) -> set[int]:
    """ids of the parts that are the message's text (the body and its plain alternative)."""
    ids = {id(body)} if body is not None else set()
    try:
        plain = message.get_body(preferencelist=("plain",))
    except (KeyError, ValueError, AttributeError):  # AttributeError: a malformed multipart
        plain = None
    if plain is not None:
        ids.add(id(plain))
    return ids


def safe_filename(name: str, index: int) -> str:
    """A file name a browser may save: no folders, no control or quoting characters."""
    name = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = _FILENAME_UNSAFE.sub("_", name).strip(" ._")[:120]
    return name or f"attachment-{index}"


def attachments(message: EmailMessage, body_ids: set[int]) -> list[Part]:
    found = []
    for index, part in enumerate(leaf_parts(message)):
        if id(part) in body_ids:
            continue
        payload = part.get_payload(decode=True) or b""
        found.append(Part(index=index, filename=safe_filename(part.get_filename() or "", index),
                          content_type=part.get_content_type(), size=len(payload),
                          content_id=_header(part, "Content-ID").strip("<> ")))
    return found


def sanitize(html: str, part_url: Callable[[int], str], parts: list[Part],
             remote_images: bool) -> tuple[str, int]:
    """``(safe HTML, number of remote images held back)``."""
    by_cid = {part.content_id: part.index for part in parts if part.content_id}
    blocked = 0

    def keep(tag: str, attribute: str, value: str) -> str | None:
        nonlocal blocked
        lowered = value.strip().lower()
        if tag == "img" and attribute == "src":
            if lowered.startswith("cid:"):
                index = by_cid.get(value.strip()[4:].strip("<> "))
                return part_url(index) if index is not None else None
            if lowered.startswith(("http:", "https:", "//")):
                if remote_images and not lowered.startswith("//"):
                    return value
                blocked += 1
                return None
            if lowered.startswith("data:"):
                return value if _INLINE_IMAGE.match(lowered) else None
            return None
        if lowered.startswith(("data:", "cid:")):
            return None
        return value

    cleaned = nh3.clean(
        html, tags=TAGS, clean_content_tags={"script", "style", "title"}, attributes=ATTRIBUTES,
        attribute_filter=keep, url_schemes=URL_SCHEMES, filter_style_properties=STYLE_PROPERTIES,
        link_rel="noopener noreferrer nofollow",
        set_tag_attribute_values={"a": {"target": "_blank"}},
    )
    return cleaned, blocked


def too_deep(html: str, limit: int = MAX_HTML_DEPTH) -> bool:
    """Whether tags in ``html`` nest deeper than ``limit`` (one linear scan, no parsing).

    Elements that are often left open (``<p>``, ``<li>``, ``<br>``...) do not count, so
    ordinary mail never comes near the limit.
    """
    depth = 0
    for closing, name, self_closing in _TAG.findall(html):
        if name.lower() in _VOID_TAGS or self_closing:
            continue
        depth = max(depth - 1, 0) if closing else depth + 1
        if depth > limit:
            return True
    return False


def _tags_removed(html: str) -> str:
    return htmllib.unescape(re.sub(r"<[^>]*>", " ", html))


def render(raw: bytes, part_url: Callable[[int], str], remote_images: bool = False) -> Rendered:
    try:
        return _render(raw, part_url, remote_images)
    except RecursionError:  # parts nested deeper than Python's stack: the source as text
        return Rendered(text=raw.decode("utf-8", "replace"))


def _render(raw: bytes, part_url: Callable[[int], str], remote_images: bool) -> Rendered:
    message = parse(raw)
    body = _body(message)
    parts = attachments(message, _text_alternatives(message, body))
    date = None
    try:
        date = parsedate_to_datetime(_header(message, "Date"))
        if date.tzinfo is None:  # "-0000": no zone known
            date = date.replace(tzinfo=UTC)
    except (TypeError, ValueError, IndexError):
        pass
    shown = Rendered(
        sender=_header(message, "From"), to=_header(message, "To"), cc=_header(message, "Cc"),
        reply_to=_header(message, "Reply-To"), subject=_header(message, "Subject"), date=date,
        message_id=_header(message, "Message-ID"), references=_header(message, "References"),
        original_to=_header(message, "X-Original-To").strip("<> "), attachments=parts)
    if body is not None and body.get_content_type() == "text/html":
        html = _content(body)
        if too_deep(html):  # a sanitizer bomb: its text only
            shown.text = _tags_removed(html)
        else:
            shown.html, shown.blocked_images = sanitize(html, part_url, parts, remote_images)
    elif body is not None:
        shown.text = _content(body)
    return shown


def plain_text(raw: bytes) -> str:
    """The message's text for a quote: its plain part, or its HTML part stripped of tags."""
    try:
        return _plain_text(raw)
    except RecursionError:  # parts nested deeper than Python's stack
        return raw.decode("utf-8", "replace")


def _plain_text(raw: bytes) -> str:
    message = parse(raw)
    try:
        plain = message.get_body(preferencelist=("plain",))
    except (KeyError, ValueError, AttributeError):  # AttributeError: a malformed multipart
        plain = None
    if plain is not None:
        return _content(plain)
    body = _body(message)
    if body is None:
        return ""
    html = _content(body)
    if too_deep(html):
        return _tags_removed(html)
    return htmllib.unescape(nh3.clean(html, tags=set(),
                                      clean_content_tags={"script", "style", "title"}))


def part_data(raw: bytes, index: int) -> tuple[bytes, str, str] | None:
    """``(bytes, file name, content type to send)`` of leaf part ``index``, or None."""
    try:
        parts = leaf_parts(parse(raw))
    except RecursionError:  # parts nested deeper than Python's stack: none can be named
        return None
    if not 0 <= index < len(parts):
        return None
    part = parts[index]
    content_type = part.get_content_type()
    return (part.get_payload(decode=True) or b"",
            safe_filename(part.get_filename() or "", index),
            content_type if content_type in SAFE_TYPES else "application/octet-stream")


def addresses(value: str) -> list[str]:
    return [address for _name, address in getaddresses([value]) if "@" in address]
