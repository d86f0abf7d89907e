"""One message, many recipients: the spam score each recipient's policy gives it.

:func:`analyse` runs every test once per message: the rules and the
classifier (per recipient domain, whose model differs), SPF/DKIM/DMARC, the
language, and the blocklists any recipient consults. :func:`decide` then
adds what applies to one recipient (its blocklists, its languages, its
whitelist and blacklist) and compares with its threshold. :func:`headers`
writes ``X-Spam-Score``, ``X-Spam-Status`` (and ``X-Spam-Flag`` for spam) for
that recipient's copy.
"""

import asyncio
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from email.parser import BytesHeaderParser
from email.policy import compat32

from mailcore.filters.spam import authres, classify, dnsbl, language
from mailcore.filters.spam.hits import Hit
from mailcore.filters.spam.message import ParsedMessage, parse
from mailcore.filters.spam.store import ModelStore
from mailcore.routing.facts import header_block

LANGUAGE_SCORE = 6.0  # above the default threshold: an unwanted language alone is spam
WHITELIST_SCORE = -100.0
BLACKLIST_SCORE = 100.0
TRUSTED_SCORE = -5.0  # mail from an authenticated account of ours
HEADER_WIDTH = 78


@dataclass(frozen=True)
class Context:
    """What the SMTP session knows about the message."""

    client_ip: str
    helo: str
    mail_from: str  # '' for the null sender
    hostname: str  # ours: the Authentication-Results authserv-id
    authenticated: str = ""  # the account that sent it over submission, '' on the MX
    dns_server: str = ""
    dns_timeout: float = 3.0
    received: tuple[str, ...] = ()  # our own host names, to find the last untrusted hop


@dataclass(frozen=True)
class Policy:
    """What :func:`decide` needs of a recipient's preferences (see mailcore.directory)."""

    domain: str
    enabled: bool
    threshold: float
    languages: frozenset[str]
    dnsbls: tuple[tuple[str, float], ...]
    whitelist: frozenset[str]
    blacklist: frozenset[str]


@dataclass
class Analysis:
    parsed: ParsedMessage
    content: dict[str, tuple[float, list[Hit]]]  # per recipient domain: rules + classifier
    auth_hits: list[Hit] = field(default_factory=list)
    auth_header: str = ""
    language: tuple[str, float] | None = None
    listed: dict[str, list[str]] = field(default_factory=dict)  # zone -> answers
    senders: tuple[str, ...] = ()  # envelope sender and From address, lower case
    forged: bool = False  # SPF or DMARC failed: the sender's address is not to be trusted


@dataclass(frozen=True)
class Verdict:
    score: float
    threshold: float
    is_spam: bool
    hits: tuple[Hit, ...]
    filtered: bool = True  # False: the recipient has filtering off

    @property
    def rules(self) -> list[str]:
        return [hit.name for hit in self.hits]


def _senders(context: Context, parsed: ParsedMessage) -> tuple[str, ...]:
    found = [context.mail_from.lower(), parsed.from_address.lower()]
    return tuple(dict.fromkeys(address for address in found if "@" in address))


def analyse_content(raw: bytes, context: Context, domains: Iterable[str],
                    store: ModelStore | None, *, detect_language: bool = True) -> Analysis:
    """The tests that need no recipient and no network but DNS for SPF/DKIM (a thread).

    The language is only looked for when ``detect_language`` (a recipient accepts only
    some languages): nothing else reads it, and it is the dearest test.
    """
    parsed = parse(raw)
    content = {}
    for domain in dict.fromkeys(domains):
        model = store.model_for(domain) if store is not None else None
        content[domain] = classify.offline_score(parsed, model)
    analysis = Analysis(parsed=parsed, content=content, senders=_senders(context, parsed),
                        language=language.detect(parsed.text) if detect_language else None)
    if context.authenticated:
        analysis.auth_hits = [Hit("ALL_TRUSTED", TRUSTED_SCORE,
                                  "Sent by an authenticated account of this server")]
        analysis.auth_header = f"{context.hostname}; auth=pass smtp.auth={context.authenticated}"
    else:
        results = authres.check(
            raw, from_domain=parsed.from_address.rpartition("@")[2],
            client_ip=context.client_ip, helo=context.helo, mail_from=context.mail_from,
            authserv_id=context.hostname, dns_server=context.dns_server,
            timeout=context.dns_timeout)
        analysis.auth_hits, analysis.auth_header = list(results.hits), results.header
        analysis.forged = results.spf == "fail" or results.dmarc == "fail"
    return analysis


async def analyse(raw: bytes, context: Context, policies: Iterable[Policy],
                  store: ModelStore | None, *, allow_private: bool = False) -> Analysis:
    """Every test once, for recipients with these ``policies`` (content in a worker thread)."""
    policies = [policy for policy in policies if policy.enabled]
    domains = [policy.domain for policy in policies] or [""]
    zones = sorted({zone for policy in policies for zone, _score in policy.dnsbls})
    content = asyncio.to_thread(analyse_content, raw, context, [d for d in domains if d],
                                store, detect_language=any(p.languages for p in policies))
    if zones and not context.authenticated:
        analysis, listed = await asyncio.gather(
            content, _blocklists(raw, context, zones, allow_private))
        analysis.listed = listed
    else:
        analysis = await content
    return analysis


async def _blocklists(raw: bytes, context: Context, zones: list[str],
                      allow_private: bool) -> dict[str, list[str]]:
    ips = [context.client_ip]
    received = await asyncio.to_thread(_received_headers, raw)  # parsing: not on the loop
    hop = dnsbl.last_untrusted_hop(received, set(context.received), allow_private=allow_private)
    if hop and hop not in ips:
        ips.append(hop)
    return await dnsbl.query(ips, zones, dns_server=context.dns_server,
                             timeout=context.dns_timeout, allow_private=allow_private)


def _received_headers(raw: bytes) -> list[str]:
    """The Received values (read apart from the content tests, which run concurrently)."""
    header = BytesHeaderParser(policy=compat32).parsebytes(header_block(raw))
    return [" ".join(str(value).split()) for value in header.get_all("Received", [])]


def _rule_name(zone: str) -> str:
    return "RCVD_IN_" + re.sub(r"[^A-Z0-9]+", "_", zone.upper()).strip("_")[:40]


def _listed_by(entries: frozenset[str], senders: tuple[str, ...]) -> int:
    """How precisely ``entries`` name a sender: 2 the address, 1 its domain, 0 not at all."""
    best = 0
    for sender in senders:
        if sender in entries:
            return 2
        domain = sender.rpartition("@")[2]
        labels = domain.split(".")
        if any(".".join(labels[i:]) in entries for i in range(len(labels) - 1)):
            best = 1
    return best


def decide(analysis: Analysis, policy: Policy) -> Verdict:
    """The recipient's verdict: its white/blacklists decide outright, else the score."""
    if not policy.enabled:
        return Verdict(0.0, policy.threshold, False, (), filtered=False)
    _score, content = analysis.content.get(policy.domain) or (0.0, [])
    hits = [*content, *analysis.auth_hits]
    for zone, points in policy.dnsbls:
        if analysis.listed.get(zone):
            hits.append(Hit(_rule_name(zone), points,
                            f"Sender listed in {zone} ({', '.join(analysis.listed[zone])})"))
    if policy.languages and analysis.language:
        code, _probability = analysis.language
        if code not in policy.languages:
            hits.append(Hit("LANGUAGE_NOT_ACCEPTED", LANGUAGE_SCORE,
                            f"Written in a language the recipient does not accept ({code})"))
    # A forged sender does not get through the whitelist (the blacklist still applies).
    white = 0 if analysis.forged else _listed_by(policy.whitelist, analysis.senders)
    black = _listed_by(policy.blacklist, analysis.senders)
    decided = None
    if white and white >= black:  # the more precise entry wins; a tie goes to the whitelist
        hits.append(Hit("USER_IN_WHITELIST", WHITELIST_SCORE, "Sender in the whitelist"))
        decided = False
    elif black:
        hits.append(Hit("USER_IN_BLACKLIST", BLACKLIST_SCORE, "Sender in the blacklist"))
        decided = True
    score = round(sum(hit.score for hit in hits), 1)
    is_spam = score >= policy.threshold if decided is None else decided
    return Verdict(score, policy.threshold, is_spam, tuple(hits))


def _fold(name: str, words: list[str]) -> str:
    lines, line = [], f"{name}:"
    for word in words:
        if len(line) + 1 + len(word) > HEADER_WIDTH and line.strip():
            lines.append(line)
            line = "\t" + word
        else:
            line = f"{line} {word}"
    lines.append(line)
    return "\r\n".join(lines) + "\r\n"


def headers(verdict: Verdict, analysis: Analysis) -> bytes:
    """The lines for this recipient's copy (CRLF; UTF-8 only where SMTPUTF8 put it)."""
    text = ""
    if analysis.auth_header:
        text += _fold("Authentication-Results", analysis.auth_header.split(" "))
    if not verdict.filtered:
        return (text + "X-Spam-Status: No, filtering off\r\n").encode()
    tests = ",".join(sorted(verdict.rules)) or "none"
    status = ["Yes," if verdict.is_spam else "No,", f"score={verdict.score:.1f}",
              f"required={verdict.threshold:.1f}", *_split_tests(tests)]
    if verdict.is_spam:
        text += "X-Spam-Flag: YES\r\n"
    text += f"X-Spam-Score: {verdict.score:.1f}\r\n"
    text += _fold("X-Spam-Status", status)
    return text.encode()


def _split_tests(tests: str) -> list[str]:
    """``tests=A,B,C`` in pieces that can be folded after a comma."""
    pieces, current = [], "tests="
    for name in tests.split(","):
        if len(current) + len(name) + 1 > HEADER_WIDTH - 10 and not current.endswith("="):
            pieces.append(current)
            current = name + ","
        else:
            current += name + ","
    pieces.append(current.rstrip(","))
    return pieces
