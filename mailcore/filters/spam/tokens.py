"""Tokens for the statistical classifier, in the manner of SpamBayes.

Words alone lose much of what separates spam from ham, so header words are prefixed by their
header's name (``subject:free`` is not ``free``), URLs are split into host parts, overlong
words become coarse ``skip`` tokens, and the MIME structure (content types, charsets,
attachment extensions, defects) gives tokens too. What a mailing list adds to every post (its
footer, its envelope addresses, its subject tag, the Received headers of its relays and of
every relay after them) gives no tokens: it is one piece of evidence that made any spam sent
through a list look like ham. The same message always gives the same set
of tokens, which lets ``unlearn`` reverse ``learn`` exactly.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from mailcore.filters.spam.message import URL_RE, ParsedMessage

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
# Of a list's post, the headers the list manager adds give no count tokens either.
_LISTED_SKIP = _ENVELOPE_HEADERS | {"precedence"}
_SKIP_HEADERS = frozenset({"x-spam-status", "x-spam-flag", "x-spam-level", "x-spam-score",
                           "x-spam-checker-version", "x-spam-report", "x-spam-prev-subject"})
_WORD_RE = re.compile(r"[^\s\"'()<>\[\]{},;:!?*=|]+")
_TRIM = ".-_/\\#%&+~`^@$"
_URL_SPLIT_RE = re.compile(r"[/?&=#.:;,]+")
_HOST_RE = re.compile(r"(?i)^(?:[a-z][a-z0-9+.-]*://)?([^/?#:\s]{1,255})")
_EMAIL_RE = re.compile(r"([\w.+-]{1,64})@([\w-]{1,63}(?:\.[\w-]{1,63}){1,8})")
_LIST_URL_HEADERS = ("list-unsubscribe", "list-subscribe", "list-help", "list-archive")
_ANGLE_RE = re.compile(r"<([^<>\s]{1,300})>")
_FOOTER_MARKERS = ("\n____", "\n-----", "\n-- \n", "\n-- \r\n")
FOOTER_CHARS = 1_500  # a list's footer is searched in the last characters of the text
_LIST_TAG_RE = re.compile(r"^(?:\s*(?:re|fwd?|aw)\s*:)*\s*\[[^\[\]]{1,40}\]", re.IGNORECASE)
_IP_RE = re.compile(r"\b(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.\d{1,3}\b")


def tokenize(parsed: ParsedMessage) -> set[str]:
    """The distinct tokens of ``parsed`` (at most MAX_TOKENS)."""
    tokens: set[str] = set()
    text, footer_urls = _without_list_footer(parsed, parsed.text[:MAX_BODY_CHARS])
    for source in (_header_tokens(parsed), _structure_tokens(parsed),
                   _url_tokens(parsed, footer_urls), _body_tokens(text)):
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
    listed = parsed.has_header("list-id")
    list_hops = _list_hops(parsed) if listed else 0
    received = 0
    for name, value in parsed.headers:
        lower = name.lower()
        if lower in _SKIP_HEADERS:
            continue
        counts[lower] = counts.get(lower, 0) + 1
        if lower == "subject" and listed:
            value = _LIST_TAG_RE.sub("", value)  # "[ILUG] ...": the list again
        if lower in _WORD_HEADERS:
            yield from words(value, f"{lower}:")
        if listed and lower in _ENVELOPE_HEADERS:
            continue  # the list's own addresses: the list again
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
            received += 1
            if received < list_hops:
                continue  # the list's relays and ours: the list again
            if received == list_hops:
                value = value.partition(" by ")[0]  # where the list got it from
            yield from _received_tokens(value)
    for lower, count in counts.items():
        # List-* and X-* headers come in groups that repeat one piece of evidence ("sent by a
        # list manager"); counting each as a clue made list spam look like ham in tuning.
        if not lower.startswith(("list-", "x-")) and not (listed and lower in _LISTED_SKIP):
            yield f"header:{lower}:{min(count, 5)}"
    subject = parsed.subject
    letters = [ch for ch in subject if ch.isalpha()]
    if len(letters) >= 8 and sum(ch.isupper() for ch in letters) / len(letters) > 0.7:
        yield "subject:ALLCAPS"
    yield f"subject:bangs:{min(subject.count('!'), 3)}"
    if parsed.from_display and "@" in parsed.from_display:
        yield "from:display-has-address"


def _list_hops(parsed: ParsedMessage) -> int:
    """How many Received headers, from the newest, reach the list server's first relay (0: none).

    The list's domain is the last two labels of its List-Id; the list's first relay is the
    oldest Received header whose "by" part names that domain.
    """
    list_id = parsed.header("list-id").rpartition("<")[2].strip("> ").lower()
    domain = ".".join(list_id.split(".")[-2:])
    if "." not in domain:
        return 0
    hops = 0
    for index, value in enumerate(parsed.header_all("received"), 1):
        by = value.lower().partition(" by ")[2][:200]
        if domain in by:
            hops = index
    return hops


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


def _without_list_footer(parsed: ParsedMessage, text: str) -> tuple[str, set[str]]:
    """``text`` without the footer a mailing list appends, and the URLs only that footer has.

    A list's footer (its name, address and subscription page, often a sponsor's lines) is the
    same on every post, spam or not: a dozen correlated clues that said "ham" for any spam
    that came through a list. The footer is found by the list's pages (List-* headers, or
    Mailman's listinfo page for the List-Id) near the end of the text.
    """
    paths = set()
    for name in _LIST_URL_HEADERS:
        for value in parsed.header_all(name):
            for target in _ANGLE_RE.findall(value):
                host = _HOST_RE.match(target) if target.lower().startswith("http") else None
                if host and len(target) - host.end() > 3:
                    paths.add(target[host.end():].rstrip("/"))
    list_name = parsed.header("list-id").rpartition("<")[2].strip("> ").lower().partition(".")[0]
    if len(list_name) >= 3:
        paths.add("listinfo/" + list_name)
    start = max(len(text) - FOOTER_CHARS, 0)
    found = [i for path in paths if (i := text.find(path, start)) >= 0]
    if not found:
        return text, set()
    end = min(found)
    cut = max(text.rfind(marker, start, end) for marker in _FOOTER_MARKERS)
    if cut < 0:
        cut = text.rfind("\n", start, end) + 1 or end
    footer_urls = set(URL_RE.findall(text, cut)) - set(URL_RE.findall(text, 0, cut))
    return text[:cut], footer_urls


def _url_tokens(parsed: ParsedMessage, skip: set[str] | frozenset[str] = frozenset()
                ) -> Iterator[str]:
    urls = [url for url in parsed.urls if url not in skip]
    yield f"urls:{min(len(urls), 20) // 5}"
    for url in urls:
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
    # Look for "@" first: the pattern backtracks at every character of long words.
    for _user, domain in _EMAIL_RE.findall(text) if "@" in text else ():
        yield f"email:{domain.lower()}"
    yield from words(text)
