"""Heuristic spam rules in the spirit of SpamAssassin's.

Each rule is a named test with a score and a one-line description (shown to operators in
``X-Spam-Status``). Scores are round numbers and deliberately low: on their own the rules
should rarely reach the 5.0 threshold, except for GTUBE; the classifier does most of the work
and the rules tip the balance. Only the first ``MAX_SCAN`` characters of text and HTML are
scanned, with precompiled expressions that cannot backtrack badly.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from email.utils import mktime_tz, parsedate_tz
from ipaddress import ip_address

from mailcore.filters.spam.hits import Hit
from mailcore.filters.spam.message import ParsedMessage

MAX_SCAN = 50_000
GTUBE = "XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X"


@dataclass(frozen=True)
class Rule:
    name: str
    score: float
    description: str
    test: Callable[[ParsedMessage], bool]


# --- headers ---------------------------------------------------------------------------------

def _missing(name: str) -> Callable[[ParsedMessage], bool]:
    return lambda parsed: not parsed.header(name)


def _date_offset(parsed: ParsedMessage) -> float | None:
    """Seconds the Date header is ahead of the time we (the newest Received) got the message."""
    sent = _timestamp(parsed.header("date"))
    if sent is None:
        return None
    received = parsed.header("received").rpartition(";")[2]
    reference = _timestamp(received) if received else None
    return sent - (reference if reference is not None else time.time())


def _timestamp(value: str) -> float | None:
    try:
        parts = parsedate_tz(value)
        return float(mktime_tz(parts)) if parts else None
    except (ValueError, OverflowError, TypeError):
        return None


def _date_invalid(parsed: ParsedMessage) -> bool:
    return bool(parsed.header("date")) and _timestamp(parsed.header("date")) is None


def _date_future(parsed: ParsedMessage) -> bool:
    offset = _date_offset(parsed)
    return offset is not None and offset > 12 * 3600


def _date_past(parsed: ParsedMessage) -> bool:
    offset = _date_offset(parsed)
    return offset is not None and offset < -96 * 3600


# A Date: that ends at the time, or with a spelled-out zone ("Arabian Standard Time")
_DATE_NO_ZONE_RE = re.compile(
    r"\d:\d\d(?::\d\d)?(?:\s+[A-Za-z]{1,20}(?:\s+[A-Za-z]{1,20}){1,3})?$")


def _date_no_zone(parsed: ParsedMessage) -> bool:
    return bool(_DATE_NO_ZONE_RE.search(parsed.header("date").strip()[-80:]))


_ADDRESS_RE = re.compile(r"[\w.+-]{1,64}@([\w-]{1,63}(?:\.[\w-]{1,63}){1,8})")


def _from_display_mismatch(parsed: ParsedMessage) -> bool:
    match = _ADDRESS_RE.search(parsed.from_display)
    if not match or not parsed.from_address:
        return False
    return _registered(match.group(1)) != _registered(parsed.from_address.rpartition("@")[2])


def _to_undisclosed(parsed: ParsedMessage) -> bool:
    """A To: header naming no one (a missing To: is MISSING_TO's, not counted twice)."""
    if not parsed.has_header("to"):
        return False
    to = parsed.header("to").lower()
    return "undisclosed" in to or to.strip(" :;<>") in ("", "recipient list suppressed")


def _subject_caps(parsed: ParsedMessage) -> bool:
    letters = [ch for ch in parsed.subject if ch.isalpha()]
    return len(letters) >= 10 and sum(ch.isupper() for ch in letters) / len(letters) >= 0.9


# "<4122-2200285221641370@host>": the Message-ID of a bulk mailing program
_MSGID_BULK_RE = re.compile(r"<\d{2,6}-\d{10,}@")


def _msgid_bulk(parsed: ParsedMessage) -> bool:
    return bool(_MSGID_BULK_RE.match(parsed.header("message-id").strip()))


# "<vsamtqguntrtb@host>": one run of letters, without the digits, dots, dashes or time stamp
# that mail programs write
_MSGID_RANDOM_RE = re.compile(r"<(?:[a-z]{8,}|[A-Z]{8,})@")


def _msgid_random(parsed: ParsedMessage) -> bool:
    return bool(_MSGID_RANDOM_RE.match(parsed.header("message-id").strip()))


def _eight_bit_no_charset(parsed: ParsedMessage) -> bool:
    return "EightBitNoCharset" in parsed.defects


def _msgid_no_at(parsed: ParsedMessage) -> bool:
    value = parsed.header("message-id")
    return bool(value) and "@" not in value


_FARAWAY = ("ks_c_5601", "gb2312", "gbk", "gb18030", "big5", "euc-kr", "euc-jp", "iso-2022",
            "shift_jis", "windows-1254", "iso-8859-9", "iso-8859-3", "windows-1251", "koi8",
            "iso-8859-5", "tis-620", "windows-1256", "iso-8859-6")


def _charset_faraway(parsed: ParsedMessage) -> bool:
    """Charsets of scripts an English/Western European site does not expect.

    The engine's language preferences are the real test; this is the offline hint.
    """
    if any(charset.startswith(_FARAWAY) for charset in parsed.charsets):
        return True
    subject = parsed.subject
    return len(subject) > 5 and sum(ord(ch) > 127 for ch in subject) > len(subject) * 0.3


# Well-known free mail providers (SpamAssassin's freemail_domains, abridged); plus any
# yahoo.* and hotmail.* country domain.
_FREEMAIL = frozenset({
    "aol.com", "bigfoot.com", "caramail.com", "email.com", "excite.com", "fastmail.fm",
    "flashmail.com", "gmail.com", "gmx.de", "gmx.net", "googlemail.com", "hushmail.com",
    "iname.com", "indiatimes.com", "juno.com", "live.com", "lycos.co.uk", "lycos.com",
    "mail.com", "mail.ru", "mailcity.com", "msn.com", "netscape.net", "netzero.com",
    "netzero.net", "operamail.com", "outlook.com", "post.com", "rediffmail.com",
    "rocketmail.com", "usa.net", "web.de", "yandex.ru", "ymail.com", "zzn.com"})
_FREEMAIL_RE = re.compile(r"(?:yahoo|hotmail)\.(?:com?\.)?[a-z]{2,3}")


def _freemail_from(parsed: ParsedMessage) -> bool:
    domain = parsed.from_address.rpartition("@")[2]
    return domain in _FREEMAIL or bool(_FREEMAIL_RE.fullmatch(domain))


_SUBJECT_TAG_RE = re.compile(r"\[[^\[\]]{0,100}\]")
# A random word appended to the subject to defeat checksums: "Great offer -pkqolhil"
_SUBJECT_RANDOM_TAG_RE = re.compile(r"(?:\s[-|]\s?|\s{2})[a-z]{4,10}$")


def _subject_recipient(parsed: ParsedMessage) -> bool:
    """The subject names the recipient's user name or domain ("jdoe, a gift for you")."""
    match = _ADDRESS_RE.search(parsed.header("to"))
    if not match:
        return False
    user = match.group(0).partition("@")[0].lower()
    domain = match.group(1).lower()
    subject = _SUBJECT_TAG_RE.sub(" ", parsed.subject).lower()  # list tags name the list
    return (len(user) >= 3 and bool(re.search(rf"(?<![\w.-]){re.escape(user)}(?![\w-])", subject))
            or domain in subject)


def _subject_random_tag(parsed: ParsedMessage) -> bool:
    return bool(_SUBJECT_RANDOM_TAG_RE.search(parsed.subject))


def _empty_cc_or_reply_to(parsed: ParsedMessage) -> bool:
    """A Cc: or Reply-To: header with nothing in it (a bulk mailer's template left blank)."""
    return any(parsed.has_header(name) and not parsed.header(name).strip(" <>;,")
               for name in ("cc", "reply-to"))


def _header_8bit(parsed: ParsedMessage) -> bool:
    return "Header8Bit" in parsed.defects


# --- Received --------------------------------------------------------------------------------

# The client greeted with a bare IP address (an address literal is written in brackets):
# sendmail "from 1.2.3.4 (...)", qmail "(HELO 1.2.3.4)", Exim "helo=1.2.3.4)".
_NUMERIC_HELO_RE = re.compile(r"(?i)^from \d{1,3}(?:\.\d{1,3}){3} \((?!helo\b)"
                              r"|\(HELO \d{1,3}(?:\.\d{1,3}){3}\)|\bhelo=\d{1,3}(?:\.\d{1,3}){3}\)")
# "from hotmail.com (unknown [1.2.3.4])": the client names a big mail provider as itself, but
# its address's reverse name is not that provider's.
_HELO_NAME_RE = re.compile(r"(?i)^from ([a-z0-9.-]{1,255}) \(([^()]{0,300})\)")
_BIG_PROVIDERS = ("hotmail.com", "yahoo.com", "aol.com", "msn.com", "excite.com", "mail.com",
                  "gmail.com", "juno.com", "lycos.com", "netscape.net", "compuserve.com")


def _rcvd_numeric_helo(parsed: ParsedMessage) -> bool:
    return any(_NUMERIC_HELO_RE.search(value[:300]) for value in parsed.header_all("received"))


def _rcvd_forged_helo(parsed: ParsedMessage) -> bool:
    for value in parsed.header_all("received"):
        match = _HELO_NAME_RE.match(value[:600])
        if match:
            helo = match.group(1).lower()
            provider = next((p for p in _BIG_PROVIDERS
                             if helo == p or helo.endswith("." + p)), None)
            if provider and provider not in match.group(2).lower():
                return True
    return False


def _empty_body(parsed: ParsedMessage) -> bool:
    return len(parsed.text.strip()) < 20 and not parsed.attachments


# --- HTML ------------------------------------------------------------------------------------

_DISPLAY_NONE_RE = re.compile(r"(?i)display\s*:\s*none|visibility\s*:\s*hidden")
_FONT_ZERO_RE = re.compile(r"""(?i)<font\b[^<>]{0,200}?\bsize\s*=\s*["']?[+-]?0\b"""
                           r"""|font-size\s*:\s*[01](?:\.\d+)?\s*(?:px|pt)\b""")
_BODY_BG_RE = re.compile(r"""(?i)<body\b[^<>]{0,500}?\bbgcolor\s*=\s*["']?#?(\w{3,20})""")
_FONT_COLOR_RE = re.compile(r"""(?i)<font\b[^<>]{0,200}?\bcolor\s*=\s*["']?#?(\w{3,20})"""
                            r"""|[^-]\bcolor\s*:\s*#?(\w{3,20})""")
_COLOR_NAMES = {"white": "ffffff", "fff": "ffffff", "black": "000000", "000": "000000"}


def _html_only(parsed: ParsedMessage) -> bool:
    return parsed.has_html and not parsed.has_plain


# A tag with attributes left in the visible text: markup broken to fool filters
_BROKEN_TAG_RE = re.compile(r"(?i)<(?:font|a|img|table|td|div|span|p)\s+[a-z]+\s*=")


def _html_broken_tag(parsed: ParsedMessage) -> bool:
    return parsed.has_html and bool(_BROKEN_TAG_RE.search(parsed.text, 0, MAX_SCAN))


def _html_as_plain(parsed: ParsedMessage) -> bool:
    return "HtmlAsPlain" in parsed.defects


def _html_hidden(parsed: ParsedMessage) -> bool:
    return bool(_DISPLAY_NONE_RE.search(parsed.html, 0, MAX_SCAN))


def _html_tiny_font(parsed: ParsedMessage) -> bool:
    return bool(_FONT_ZERO_RE.search(parsed.html, 0, MAX_SCAN))


def _html_invisible(parsed: ParsedMessage) -> bool:
    """Text coloured like the page background (white on the default white page)."""
    markup = parsed.html[:MAX_SCAN]
    if not markup:
        return False
    match = _BODY_BG_RE.search(markup)
    background = _colour(match.group(1)) if match else "ffffff"
    for found in _FONT_COLOR_RE.finditer(markup):
        if _colour(found.group(1) or found.group(2)) == background:
            return True
    return False


def _colour(value: str) -> str:
    value = value.lower()
    return _COLOR_NAMES.get(value, value)


# --- URLs ------------------------------------------------------------------------------------

_HOST_RE = re.compile(r"(?i)^(?:[a-z][a-z0-9+.-]*://)?(?:[^@/?#\s]{0,100}@)?([^/?#:\s]{1,255})")
_SHORTENERS = frozenset({"bit.ly", "tinyurl.com", "goo.gl", "t.co", "ow.ly", "is.gd", "buff.ly",
                         "rebrand.ly", "cutt.ly", "shorturl.at", "tiny.cc", "t.ly", "rb.gy",
                         "s.id", "v.gd", "shorte.st", "adf.ly", "bl.ink", "lnkd.in"})
_LINK_TEXT_HOST_RE = re.compile(r"(?i)^(?:https?://)?((?:[a-z0-9-]{1,63}\.){1,8}[a-z]{2,12})\b")


def _host(url: str) -> str:
    match = _HOST_RE.match(url.strip())
    return match.group(1).lower().rstrip(".") if match else ""


def _registered(host: str) -> str:
    """The last two labels (three under a two-letter country code with a short second label)."""
    labels = host.lower().split(".")
    if len(labels) > 2 and len(labels[-1]) == 2 and len(labels[-2]) <= 3:
        return ".".join(labels[-3:])
    return ".".join(labels[-2:])


def _url_ip(parsed: ParsedMessage) -> bool:
    for url in parsed.urls:
        host = _host(url)
        if host[-1:].isdigit() or host.startswith("["):
            try:
                ip_address(host.strip("[]"))
            except ValueError:
                continue
            return True
    return False


def _url_shortener(parsed: ParsedMessage) -> bool:
    return any(_host(url) in _SHORTENERS for url in parsed.urls)


def _link_mismatch(parsed: ParsedMessage) -> bool:
    """A link whose visible text names a different domain than the one it goes to."""
    for href, label in parsed.links:
        shown = _LINK_TEXT_HOST_RE.match(label)
        target = _host(href)
        if (shown and "." in target and href.lower().startswith(("http", "www"))
                and _registered(shown.group(1)) != _registered(target)):
            return True
    return False


# --- text ------------------------------------------------------------------------------------

_BANGS_RE = re.compile(r"!{3,}")


def _subject_bangs(parsed: ParsedMessage) -> bool:
    return parsed.subject.count("!") >= 3


def _body_bangs(parsed: ParsedMessage) -> bool:
    return len(_BANGS_RE.findall(parsed.text, 0, MAX_SCAN)) >= 5


# Seven or more single letters between spaces: "I n f o r m a t i o n"
_SPACED_RE = re.compile(r"(?<!\S)(?:[A-Za-z] ){6,}[A-Za-z](?!\S)")


def _spaced_letters(parsed: ParsedMessage) -> bool:
    return bool(_SPACED_RE.search(parsed.subject) or _SPACED_RE.search(parsed.text, 0, MAX_SCAN))


# A line of one long run of lower-case letters: random text added to defeat checksums
_RANDOM_LINE_RE = re.compile(r"(?m)^[ \t]*[a-z]{25,}[ \t\r]*$")


def _random_line(parsed: ParsedMessage) -> bool:
    return bool(_RANDOM_LINE_RE.search(parsed.text, 0, MAX_SCAN))


def _body_caps(parsed: ParsedMessage) -> bool:
    """Most of a long text in capitals."""
    alpha = list(filter(str.isalpha, parsed.text[:MAX_SCAN]))  # in C, not a Python loop
    letters, upper = len(alpha), sum(map(str.isupper, alpha))
    return letters >= 200 and upper > letters * 0.5


def _gtube(parsed: ParsedMessage) -> bool:
    return GTUBE in parsed.text or GTUBE in parsed.subject


# --- MIME ------------------------------------------------------------------------------------

_BOUNDARY_DEFECTS = frozenset({"CloseBoundaryNotFoundDefect", "StartBoundaryNotFoundDefect",
                               "NoBoundaryInMultipartDefect", "MultipartInvariantViolationDefect"})
_LIMIT_DEFECTS = frozenset({"TooManyParts", "TooDeeplyNested", "MessageTruncated",
                            "NulBytes"})


def _bad_boundary(parsed: ParsedMessage) -> bool:
    return any(defect in _BOUNDARY_DEFECTS for defect in parsed.defects)


def _limits(parsed: ParsedMessage) -> bool:
    return any(d in _LIMIT_DEFECTS or d.startswith("ParseFailed") for d in parsed.defects)


def _base64_ascii(parsed: ParsedMessage) -> bool:
    return "Base64Ascii" in parsed.defects


def _charset_mismatch(parsed: ParsedMessage) -> bool:
    return "CharsetMismatch" in parsed.defects


RULES: tuple[Rule, ...] = (
    Rule("GTUBE", 1000.0, "Generic Test for Unsolicited Bulk Email", _gtube),
    # headers
    Rule("MISSING_DATE", 1.0, "Missing Date: header", _missing("date")),
    Rule("MISSING_MID", 0.5, "Missing Message-ID: header", _missing("message-id")),
    Rule("MSGID_NO_AT", 1.0, "Message-ID: without a domain part", _msgid_no_at),
    Rule("MSGID_BULK_MAILER", 1.0, "Message-ID in a bulk mailing program's digits-dash form",
         _msgid_bulk),
    Rule("MSGID_RANDOM", 1.0, "Message-ID of one run of random letters",
         _msgid_random),
    Rule("MISSING_FROM", 1.0, "Missing From: header", _missing("from")),
    Rule("MISSING_SUBJECT", 0.5, "Missing Subject: header", _missing("subject")),
    Rule("INVALID_DATE", 1.0, "Date: header that cannot be parsed", _date_invalid),
    Rule("DATE_IN_FUTURE", 1.5, "Date: is more than 12 hours after the message was received",
         _date_future),
    Rule("DATE_NO_TIMEZONE", 1.0, "Date: header without a numeric or short time zone",
         _date_no_zone),
    Rule("DATE_IN_PAST", 0.5, "Date: is more than 4 days before the message was received",
         _date_past),
    Rule("FROM_DISPLAY_MISMATCH", 1.5, "From: display name shows another domain's address",
         _from_display_mismatch),
    Rule("MISSING_TO", 0.2, "Missing To: header", _missing("to")),
    Rule("TO_UNDISCLOSED", 0.5, "To: undisclosed or empty recipients", _to_undisclosed),
    Rule("SUBJ_ALL_CAPS", 1.0, "Subject is all capitals", _subject_caps),
    Rule("CHARSET_FARAWAY", 1.5, "Text or subject in a charset or script of far-away locales",
         _charset_faraway),
    Rule("SUBJ_EXCLAIM", 1.0, "Subject has three or more exclamation marks", _subject_bangs),
    Rule("SUBJ_HAS_RECIPIENT", 1.0, "Subject names the recipient's user name or domain",
         _subject_recipient),
    Rule("SUBJ_RANDOM_TAG", 1.0, "Subject ends in a random word after a dash, bar or spaces",
         _subject_random_tag),
    Rule("FREEMAIL_FROM", 1.0, "Sender address at a free mail provider", _freemail_from),
    Rule("EMPTY_CC_OR_REPLY_TO", 1.0, "Cc: or Reply-To: header present but empty",
         _empty_cc_or_reply_to),
    Rule("HEADER_8BIT", 1.0, "From: or Subject: with raw 8-bit characters (not MIME-encoded)",
         _header_8bit),
    # Received
    Rule("RCVD_NUMERIC_HELO", 1.0, "A relay client greeted with a bare IP address",
         _rcvd_numeric_helo),
    Rule("RCVD_FORGED_HELO", 1.5, "A relay client claimed a big mail provider's name falsely",
         _rcvd_forged_helo),
    # HTML
    Rule("MIME_HTML_ONLY", 0.2, "Message only has text/html MIME parts", _html_only),
    Rule("EMPTY_BODY", 1.0, "Message has (almost) no text", _empty_body),
    Rule("HTML_HIDDEN_TEXT", 1.5, "HTML hides text (display:none, visibility:hidden)",
         _html_hidden),
    Rule("HTML_FONT_TINY", 1.0, "HTML text in a font of size 0 or 1 pixel", _html_tiny_font),
    Rule("HTML_TEXT_INVISIBLE", 0.5, "HTML text in the background colour", _html_invisible),
    Rule("HTML_TAG_BROKEN", 1.0, "HTML tag left unclosed, its attributes shown as text",
         _html_broken_tag),
    Rule("MIME_HTML_AS_PLAIN", 1.0, "HTML sent as text/plain", _html_as_plain),
    # URLs
    Rule("URL_IP_HOST", 1.5, "URL with a numeric IP address as host", _url_ip),
    Rule("URL_SHORTENER", 0.5, "URL through a link shortener", _url_shortener),
    Rule("HTML_LINK_MISMATCH", 0.5, "Link text shows a different domain than the link target",
         _link_mismatch),
    # text
    Rule("BODY_EXCLAIM", 0.5, "Body has many runs of exclamation marks", _body_bangs),
    Rule("TEXT_SPACED_LETTERS", 1.0, "Words spelled with spaces between the letters",
         _spaced_letters),
    Rule("TEXT_RANDOM_LINE", 1.0, "A line of one long random run of letters", _random_line),
    Rule("TEXT_ALL_CAPS", 1.0, "Most of the text is in capitals", _body_caps),
    # MIME
    Rule("MIME_BAD_BOUNDARY", 1.0, "MIME multipart boundaries missing or broken", _bad_boundary),
    Rule("MIME_8BIT_NO_CHARSET", 1.0, "Text part has 8-bit characters but no charset",
         _eight_bit_no_charset),
    Rule("MIME_BASE64_TEXT", 0.5, "Plain ASCII text needlessly encoded in base64",
         _base64_ascii),
    Rule("MIME_CHARSET_MISMATCH", 0.5, "Text part not in its declared charset",
         _charset_mismatch),
    Rule("MIME_OVER_LIMITS", 1.0, "Message exceeds parser limits (parts, nesting, size, NULs)",
         _limits),
)


@dataclass(frozen=True)
class PhraseRule:
    """Fires when the text contains one of ``patterns`` (case-insensitive regexes)."""

    name: str
    score: float
    description: str
    patterns: tuple[str, ...]


PHRASE_RULES: tuple[PhraseRule, ...] = (
    PhraseRule("MONEY_PHRASES", 1.0, "Body talks of easy money", (
        r"wire transfer", r"double your (?:money|income)",
        r"earn \$\d", r"extra income", r"financial freedom", r"no credit check",
        r"100% (?:free|guaranteed)", r"risk[- ]free", r"\$\$\$")),
    PhraseRule("MONEY_AMOUNTS", 1.5, "Body mentions large sums of money to the cent", (
        r"million (?:us )?dollars", r"us\$ ?\d+(?:[.,]\d+)? ?million",
        r"\d{1,3}(?:,\d{3})+\.00\b")),
    PhraseRule("LOAN_PHRASES", 1.0, "Body talks of mortgages, refinancing or debt", (
        r"mortgage", r"refinanc", r"lowest rates?\b", r"debt consolidation",
        r"credit card debt")),
    PhraseRule("PHARMACY_PHRASES", 1.0, "Body sells medicines or weight loss", (
        r"viagra", r"cialis", r"online pharmacy", r"lose weight", r"weight loss",
        r"no prescription", r"herbal")),
    PhraseRule("MARKETING_PHRASES", 0.5, "Body uses bulk marketing phrases", (
        r"act now", r"limited time offer", r"this is not spam", r"special offer",
        r"order (?:now|today)", r"call (?:now|today|toll[- ]free)", r"opt[- ]?in list")),
    PhraseRule("REMOVE_INSTRUCTIONS", 1.0, "Body says how to be removed from a mailing list", (
        r"(?:to|be) (?:be )?removed? from (?:our|this|my|the) (?:mailing )?list",
        r"reply with .{0,20}remove", r"remove\W{0,3} (?:as|in) (?:the |your )?subject",
        r"remove yourself")),
    PhraseRule("ADVANCE_FEE", 1.0, "Body talks like an advance-fee fraud", (
        r"beneficiary", r"next of kin", r"trust ?worthy", r"foreign (?:bank )?account",
        r"funds? (?:was|were|is|are|has been) deposited", r"barrister")),
    PhraseRule("BULK_LAW_COMPLIANCE", 2.0, "Body claims compliance with a bulk mail law", (
        r"s\.? ?1618\b", r"bill 1618\b", r"section 301\b", r"sent in compliance")),
)
# Patterns are matched on the lower-cased text (faster than IGNORECASE); each alternative
# starts at a word boundary. A rule's expression only runs when the text contains, for one of
# its patterns, the literal piece every match of it has (a substring test is far faster than
# scanning the whole text with a regex).
def _required_literal(pattern: str) -> str:
    """A run of plain characters every match of ``pattern`` contains ('' if none).

    The first run of five or more characters (the likeliest to be rare), else the longest.
    """
    runs, run = [], []
    depth = i = 0
    while i < len(pattern):
        ch = pattern[i]
        step = 1
        literal = None
        if ch == "\\" and i + 1 < len(pattern):
            step = 2
            if not pattern[i + 1].isalnum():
                literal = pattern[i + 1]
        elif ch in "[{":  # a class or a repeat count
            close = pattern.find("]" if ch == "[" else "}", i + 2)
            step = (close - i + 1) if close > 0 else len(pattern) - i
        elif ch == "|" and depth == 0:
            return ""
        elif ch in "()":
            depth += 1 if ch == "(" else -1
        elif depth == 0 and (ch.isalnum() or ch in " %,-'/"):
            literal = ch
        if pattern[i + step:i + step + 1] in ("?", "*", "{") or literal is None or depth:
            runs.append("".join(run))
            run = []
        else:
            run.append(literal)
        i += step
    runs.append("".join(run))
    return next((run for run in runs if len(run) >= 5), max(runs, key=len))


_PHRASE_RES = tuple(
    (rule, re.compile("|".join((r"\b" if p[0].isalnum() else "") + p for p in rule.patterns)),
     None if any(len(_required_literal(p)) < 3 for p in rule.patterns)
     else tuple(_required_literal(p) for p in rule.patterns))
    for rule in PHRASE_RULES)


def evaluate(parsed: ParsedMessage) -> list[Hit]:
    """The rules that fire on ``parsed``."""
    hits = [Hit(rule.name, rule.score, rule.description) for rule in RULES if rule.test(parsed)]
    text = parsed.text[:MAX_SCAN].lower()
    hits.extend(Hit(rule.name, rule.score, rule.description)
                for rule, expression, starts in _PHRASE_RES
                if (starts is None or any(start in text for start in starts))
                and expression.search(text))
    return hits
