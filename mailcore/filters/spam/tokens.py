"""Tokens for the statistical classifier, in the manner of SpamBayes.

Words alone lose much of what separates spam from ham, so header words are prefixed by their
header's name (``subject:free`` is not ``free``), URLs are split into host parts, overlong
words become coarse ``skip`` tokens, and the MIME structure (content types, charsets,
attachment extensions, defects) gives tokens too. The same message always gives the same set
of tokens, which lets ``unlearn`` reverse ``learn`` exactly.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from mailcore.filters.spam.message import ParsedMessage

MAX_WORD = 40
MAX_BODY_CHARS = 60_000  # tokens from the first part of the text suffice
MAX_TOKENS = 3_000

# Headers whose words are worth tokens. Every header also gives a "header:name:count" token.
_WORD_HEADERS = frozenset({"subject", "from", "x-mailer", "user-agent", "organization",
                           "precedence", "x-priority", "x-msmail-priority"})
# Headers that only give their addresses (their words repeat the same evidence many times).
_ADDRESS_HEADERS = frozenset({"to", "cc", "reply-to", "sender", "return-path", "errors-to"})
# Of those, the ones a list manager or bulk sender fills with one same address: one token for
# all of them, or a list's address would count as four clues (and list spam look like ham).
_ENVELOPE_HEADERS = frozenset({"reply-to", "sender", "return-path", "errors-to"})
_SKIP_HEADERS = frozenset({"x-spam-status", "x-spam-flag", "x-spam-level", "x-spam-score",
                           "x-spam-checker-version", "x-spam-report", "x-spam-prev-subject"})
_WORD_RE = re.compile(r"[^\s\"'()<>\[\]{},;:!?*=|]+")
_TRIM = ".-_/\\#%&+~`^@$"
_URL_SPLIT_RE = re.compile(r"[/?&=#.:;,]+")
_HOST_RE = re.compile(r"(?i)^(?:[a-z][a-z0-9+.-]*://)?([^/?#:\s]{1,255})")
_EMAIL_RE = re.compile(r"([\w.+-]{1,64})@([\w-]{1,63}(?:\.[\w-]{1,63}){1,8})")
_IP_RE = re.compile(r"\b(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.\d{1,3}\b")


def tokenize(parsed: ParsedMessage) -> set[str]:
    """The distinct tokens of ``parsed`` (at most MAX_TOKENS)."""
    tokens: set[str] = set()
    for source in (_header_tokens(parsed), _structure_tokens(parsed), _url_tokens(parsed),
                   _body_tokens(parsed.text[:MAX_BODY_CHARS])):
        for token in source:
            tokens.add(token)
            if len(tokens) >= MAX_TOKENS:
                return tokens
    return tokens


def words(text: str, prefix: str = "") -> Iterator[str]:
    """Lower-cased words of 3..MAX_WORD characters; longer ones become ``skip`` tokens."""
    for raw in _WORD_RE.findall(text.lower()):
        word = raw.strip(_TRIM)
        size = len(word)
        if 3 <= size <= MAX_WORD:
            yield prefix + word
        elif size > MAX_WORD:
            yield f"{prefix}skip:{word[0]} {size // 10 * 10}"


def _header_tokens(parsed: ParsedMessage) -> Iterator[str]:
    counts: dict[str, int] = {}
    for name, value in parsed.headers:
        lower = name.lower()
        if lower in _SKIP_HEADERS:
            continue
        counts[lower] = counts.get(lower, 0) + 1
        if lower in _WORD_HEADERS:
            yield from words(value, f"{lower}:")
        if lower in _WORD_HEADERS or lower in _ADDRESS_HEADERS:
            prefix = "envelope" if lower in _ENVELOPE_HEADERS else lower
            for user, domain in _EMAIL_RE.findall(value):
                yield f"{prefix}:addr:{domain.lower()}"
                yield f"{prefix}:user:{user.lower()}"
        elif lower == "list-id":
            yield f"list-id:{value.rpartition('<')[2].strip('> ').lower()[:80]}"
        elif lower == "message-id":
            yield f"message-id:@{value.rpartition('@')[2].strip('> ').lower()[:60]}"
        elif lower == "received":
            yield from _received_tokens(value)
    for lower, count in counts.items():
        # List-* and X-* headers come in groups that repeat one piece of evidence ("sent by a
        # list manager"); counting each as a clue made list spam look like ham in tuning.
        if not lower.startswith(("list-", "x-")):
            yield f"header:{lower}:{min(count, 5)}"
    subject = parsed.subject
    letters = [ch for ch in subject if ch.isalpha()]
    if len(letters) >= 8 and sum(ch.isupper() for ch in letters) / len(letters) > 0.7:
        yield "subject:ALLCAPS"
    yield f"subject:bangs:{min(subject.count('!'), 3)}"
    if parsed.from_display and "@" in parsed.from_display:
        yield "from:display-has-address"


def _received_tokens(value: str) -> Iterator[str]:
    for match in _IP_RE.finditer(value[:500]):
        a, b, c = match.groups()
        yield f"received:{a}.{b}"
        yield f"received:{a}.{b}.{c}"
    for word in value[:300].lower().split():
        word = word.strip("()[];")
        if "." in word and word[:1].isalpha() and len(word) <= 80:
            parts = word.split(".")
            yield "received:" + ".".join(parts[-2:])


def _structure_tokens(parsed: ParsedMessage) -> Iterator[str]:
    for ctype in parsed.content_types:
        yield f"content-type:{ctype}"
    for charset in parsed.charsets:
        yield f"charset:{charset}"
    for filename, ctype in parsed.attachments:
        ext = filename.rpartition(".")[2].lower() if "." in filename else ""
        yield f"attachment:{ctype}"
        if ext:
            yield f"filename:.{ext[:10]}"
    for defect in parsed.defects:
        yield f"defect:{defect}"
    yield f"parts:{min(parsed.part_count, 10)}"
    yield f"html:{int(parsed.has_html)}:plain:{int(parsed.has_plain)}"


def _url_tokens(parsed: ParsedMessage) -> Iterator[str]:
    yield f"urls:{min(len(parsed.urls), 20) // 5}"
    for url in parsed.urls:
        host_match = _HOST_RE.match(url)
        host = host_match.group(1).lower() if host_match else ""
        parts = host.split(".")
        for i in range(max(len(parts) - 3, 0), len(parts) - 1):
            yield "url:" + ".".join(parts[i:])
        if parts and parts[-1].isdigit():
            yield "url:ip-host"
        rest = url[host_match.end():] if host_match else url
        for piece in _URL_SPLIT_RE.split(rest[:200]):
            if 3 <= len(piece) <= MAX_WORD:
                yield "urlpath:" + piece.lower()


def _body_tokens(text: str) -> Iterator[str]:
    for _user, domain in _EMAIL_RE.findall(text):
        yield f"email:{domain.lower()}"
    yield from words(text)
