"""SPF, DKIM and DMARC of an inbound message: spam hits and an Authentication-Results value.

SPF is pyspf, DKIM is dkimpy, DMARC (RFC 7489) is the small part written here: the policy
record of the From domain (or of its organisational domain), and whether a passing SPF or
DKIM identity is aligned with it. Every lookup goes through one resolver (``host:port``, or
the system's when empty; the tests run a DNS server on loopback) and one deadline shared by
the whole check, so ``timeout`` bounds the total time. A DNS failure or timeout is a
``temperror`` result, never an exception. Blocking: call from a worker thread.
"""

import contextvars
import ipaddress
import logging
import re
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import dkim
import dns.exception
import dns.name
import dns.resolver
import spf

from mailcore.filters.spam.hits import Hit
from mailcore.queue.mx import make_resolver

log = logging.getLogger(__name__)

MAX_SIGNATURES = 5  # DKIM signatures verified per message (each costs a lookup and RSA)
PUBLIC_SUFFIX_LIST = Path("/usr/share/publicsuffix/public_suffix_list.dat")  # Debian publicsuffix
# Used when the public suffix list is not installed: registries selling third-level names.
SHORT_SLDS = frozenset({
    "co.uk", "org.uk", "me.uk", "ac.uk", "gov.uk", "ltd.uk", "plc.uk", "net.uk",
    "com.au", "net.au", "org.au", "edu.au", "gov.au", "co.nz", "org.nz", "net.nz",
    "co.jp", "ne.jp", "or.jp", "ac.jp", "go.jp", "co.kr", "or.kr", "co.in", "net.in",
    "org.in", "co.za", "org.za", "com.br", "net.br", "org.br", "com.cn", "net.cn", "org.cn",
    "com.mx", "com.tr", "com.tw", "com.hk", "com.sg", "com.ar", "com.pl", "co.il", "co.id",
    "com.my", "com.ua", "co.th", "com.vn", "com.ru", "com.es", "com.pt", "co.at", "or.at",
})

SPF_HITS = {
    "pass": Hit("SPF_PASS", -0.1, "SPF: the sender's domain authorises the client IP"),
    "fail": Hit("SPF_FAIL", 3.0, "SPF: the sender's domain forbids the client IP"),
    "softfail": Hit("SPF_SOFTFAIL", 1.0, "SPF: the sender's domain discourages the client IP"),
}
DKIM_VALID_AU = Hit("DKIM_VALID_AU", -0.1, "DKIM: valid signature from the author's domain")
DKIM_INVALID = Hit("DKIM_INVALID", 1.0, "DKIM: the message is signed but no signature verifies")
DMARC_HITS = {
    "reject": Hit("DMARC_REJECT", 4.0, "DMARC: fails, and the author's domain says reject"),
    "quarantine": Hit("DMARC_QUARANTINE", 2.5,
                      "DMARC: fails, and the author's domain says quarantine"),
    "none": Hit("DMARC_NONE", 0.5, "DMARC: fails; the author's domain asks for no action"),
}

# dkimpy raises its own exceptions for most malformed input, and a few plain ones it lets
# through (bad base64 in bh=, odd tag values).
_DKIM_ERRORS = (dkim.DKIMException, ValueError, TypeError, LookupError)
_TOKEN_RE = re.compile(r"[A-Za-z0-9!#$%&'*+\-.^_`{|}~]+")
_ADDRESS_RE = re.compile(r"[A-Za-z0-9!#$%&'*+\-/=?^_`{|}~.]*@[A-Za-z0-9.\-]+")
_CONTROL_RE = re.compile(r"[\x00-\x1f\x7f]")
_HOSTNAME_RE = re.compile(r"(?=.{1,253}$)"
                          r"([a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?\.)+[a-z0-9-]{2,63}")
_DMARC_TAG_RE = re.compile(r"^\s*v\s*=\s*DMARC1\s*(;|$)", re.IGNORECASE)


@dataclass(frozen=True)
class Signature:
    """One DKIM signature's outcome; ``domain``/``selector`` '' when unreadable."""

    result: str  # pass, fail, permerror, temperror
    domain: str
    selector: str


@dataclass(frozen=True)
class AuthResults:
    spf: str  # pass, fail, softfail, neutral, none, temperror, permerror
    dkim: str  # the best signature's result; 'none' when unsigned
    dmarc: str  # pass, fail, none, temperror
    dmarc_policy: str  # reject, quarantine, none; '' without a DMARC record
    signatures: list[Signature]
    hits: list[Hit]
    header: str  # the Authentication-Results field value (RFC 8601)


CACHE_SIZE = 10_000  # answers kept per DNS server (dnspython's LRU cache, by their TTL)
FAILURE_TTL = 60.0  # seconds a name that timed out is not asked again
_caches: dict[str, dns.resolver.LRUCache] = {}
_failures: dict[tuple[str, str, str], float] = {}  # (server, name, type) -> monotonic expiry
_cache_lock = threading.Lock()


def _cache_for(server: str) -> dns.resolver.LRUCache:
    with _cache_lock:
        if server not in _caches:
            _caches[server] = dns.resolver.LRUCache(CACHE_SIZE)
        return _caches[server]


def clear_cache() -> None:
    """Forget every cached answer and failure (tests that change their DNS records)."""
    with _cache_lock:
        _caches.clear()
        _failures.clear()


_threads = threading.local()


def _thread_resolver(server: str, timeout: float) -> dns.resolver.Resolver:
    """This thread's resolver for ``server`` (made once: making one reads resolv.conf and
    costs more than a cached answer; each check sets its timeout, so threads share none)."""
    resolvers = getattr(_threads, "resolvers", None)
    if resolvers is None:
        resolvers = _threads.resolvers = {}
    resolver = resolvers.get(server)
    if resolver is None:
        resolver = resolvers[server] = make_resolver(server, timeout, timeout)
    resolver.timeout = resolver.lifetime = timeout
    return resolver


class _Dns:
    """One resolver and one deadline for every lookup of a check.

    Answers are cached per DNS server (senders' domains repeat), and a name that
    timed out is taken for a timeout again for :data:`FAILURE_TTL` seconds, so a
    dead name server costs its timeout once a minute, not on every message.
    """

    def __init__(self, server: str, timeout: float):
        self.server = server
        self.deadline = time.monotonic() + timeout
        try:
            self.resolver: dns.resolver.Resolver | None = _thread_resolver(server, timeout)
        except dns.exception.DNSException as error:  # no /etc/resolv.conf, say
            log.warning("authres: no resolver: %s", error)
            self.resolver = None
        else:
            self.resolver.cache = _cache_for(server)

    def resolve(self, name: str, rdtype: str, timeout: float | None = None) -> list:
        """The records; [] when the name or the type does not exist; DNSException otherwise."""
        remaining = self.deadline - time.monotonic()
        if timeout is not None:
            remaining = min(remaining, timeout)
        try:
            qname = dns.name.from_text(name)
        except dns.exception.DNSException:  # no such name can exist (empty or long labels)
            return []
        if self.resolver is None or remaining <= 0:
            raise dns.exception.Timeout
        key = (self.server, qname.to_text().lower(), rdtype)
        if _failures.get(key, 0) > time.monotonic():
            raise dns.exception.Timeout
        self.resolver.timeout = remaining
        try:
            return list(self.resolver.resolve(qname, rdtype, search=False, lifetime=remaining))
        except (dns.resolver.NXDOMAIN, dns.resolver.NoAnswer):
            return []
        except dns.exception.Timeout:
            with _cache_lock:
                if len(_failures) > CACHE_SIZE:
                    _failures.clear()
                _failures[key] = time.monotonic() + FAILURE_TTL
            raise

    def txt(self, name: str) -> list[bytes]:
        return [b"".join(record.strings) for record in self.resolve(name, "TXT")]


# pyspf looks names up through its module-level ``spf.DNSLookup``, always with the system
# resolver. It is replaced once by a function that uses the resolver of the check running
# in this thread (a context variable, so concurrent checks in other threads are unaffected)
# and falls back to pyspf's own for any other caller.
_SPF_DNS: contextvars.ContextVar[_Dns | None] = contextvars.ContextVar("spf_dns", default=None)
_PYSPF_LOOKUP = spf.DNSLookup


def _spf_lookup(name, qtype, strict=True, timeout=30):
    lookup = _SPF_DNS.get()
    if lookup is None:
        return _PYSPF_LOOKUP(name, qtype, strict, timeout)
    try:
        records = lookup.resolve(name, qtype, timeout)
    except dns.exception.DNSException as error:
        raise spf.TempError(f"DNS {error or type(error).__name__}") from None
    found = []
    for rdata in records:
        if qtype in ("A", "AAAA"):
            found.append(((name, qtype), rdata.address))
        elif qtype == "MX":
            found.append(((name, qtype), (rdata.preference, rdata.exchange)))
        elif qtype == "PTR":
            found.append(((name, qtype), rdata.target.to_text(True)))
        elif qtype in ("TXT", "SPF"):
            found.append(((name, qtype), rdata.strings))
    return found


spf.DNSLookup = _spf_lookup


def check(raw: bytes, *, from_domain: str, client_ip: str, helo: str, mail_from: str,
          authserv_id: str, dns_server: str = "", timeout: float = 5.0) -> AuthResults:
    """SPF, DKIM and DMARC for one message; never raises for what the message or DNS holds.

    ``from_domain`` is the domain of the From header's address ('' when it has none),
    ``mail_from`` the envelope sender ('' for the null sender: SPF then checks ``helo``).
    ``dns_server`` is ``host:port`` ('' for the system resolver); a malformed one is a
    configuration error (ValueError), reported at start by the outbound system check.
    """
    lookup = _Dns(dns_server, timeout)
    from_domain = _domain(from_domain)
    mail_from = mail_from.strip().removeprefix("<").removesuffix(">")
    spf_result = _check_spf(lookup, client_ip, helo, mail_from)
    signatures = _check_dkim(raw, lookup)
    spf_domain = _domain(mail_from.rpartition("@")[2] if mail_from else helo)
    dmarc_result, policy = _check_dmarc(lookup, from_domain, spf_result, spf_domain, signatures)
    dkim_result = _summary(signatures)

    hits = []
    if spf_result in SPF_HITS:
        hits.append(SPF_HITS[spf_result])
    if any(s.result == "pass" and s.domain == from_domain for s in signatures) and from_domain:
        hits.append(DKIM_VALID_AU)
    if dkim_result in ("fail", "permerror"):
        hits.append(DKIM_INVALID)
    if dmarc_result == "fail":
        hits.append(DMARC_HITS[policy])

    header = _header(authserv_id, spf_result, mail_from, helo, signatures, dmarc_result,
                     policy, from_domain)
    return AuthResults(spf=spf_result, dkim=dkim_result, dmarc=dmarc_result,
                       dmarc_policy=policy, signatures=signatures, hits=hits, header=header)


def _check_spf(lookup: _Dns, client_ip: str, helo: str, mail_from: str) -> str:
    try:
        ipaddress.ip_address(client_ip)
    except ValueError:
        return "none"  # nothing to check (a local pipe, a test)
    remaining = max(lookup.deadline - time.monotonic(), 0.001)
    token = _SPF_DNS.set(lookup)
    try:
        result, _code, _explanation = spf.query(
            i=client_ip, s=mail_from, h=helo, timeout=remaining, querytime=remaining).check()
    except (spf.TempError, spf.PermError, spf.AmbiguityWarning, ValueError,
            UnicodeError) as error:  # check() catches its own; this is for what it misses
        log.info("SPF: cannot check %r from %s: %s", mail_from, client_ip, error)
        return "permerror"
    finally:
        _SPF_DNS.reset(token)
    return result if result in ("pass", "fail", "softfail", "neutral", "none", "temperror",
                                "permerror") else "permerror"


def _check_dkim(raw: bytes, lookup: _Dns) -> list[Signature]:
    try:
        verifier = dkim.DKIM(raw)
    except _DKIM_ERRORS:
        return []  # headers too broken to find a signature in
    count = sum(1 for name, _ in verifier.headers if name.lower() == b"dkim-signature")
    signatures = []
    for index in range(min(count, MAX_SIGNATURES)):
        keys = _KeyLookup(lookup)
        verifier.domain = verifier.selector = None
        try:
            result = "pass" if verifier.verify(index, dnsfunc=keys) else "fail"
        except _DKIM_ERRORS:  # a body hash mismatch, or a malformed signature header
            result = "fail" if keys.outcome == "found" else "permerror"
        if result == "fail" and keys.outcome in ("temperror", "permerror"):
            result = keys.outcome  # no key: a DNS failure, or none published
        signatures.append(Signature(result, _text(verifier.domain), _text(verifier.selector)))
    return signatures


class _KeyLookup:
    """dkimpy's ``dnsfunc``: the key record's TXT, remembering why there was none."""

    def __init__(self, lookup: _Dns):
        self.lookup = lookup
        self.outcome = "unasked"  # then found, temperror or permerror

    def __call__(self, name: bytes | str, timeout: float = 5) -> bytes | None:
        name = name.decode("ascii", "replace") if isinstance(name, bytes) else name
        try:
            records = self.lookup.txt(name)
        except dns.exception.DNSException as error:
            self.outcome = "temperror"
            raise dkim.DnsTimeoutError(str(error) or type(error).__name__) from None
        if not records:
            self.outcome = "permerror"
            return None
        self.outcome = "found"
        return next((record for record in records if b"p=" in record), records[0])


def _check_dmarc(lookup: _Dns, from_domain: str, spf_result: str, spf_domain: str,
                 signatures: list[Signature]) -> tuple[str, str]:
    """(result, policy): the From domain's record, or its organisational domain's."""
    if not _HOSTNAME_RE.fullmatch(from_domain):
        return "none", ""  # no From domain DMARC could be about
    org = organisational_domain(from_domain)
    try:
        tags = _dmarc_record(lookup, from_domain)
        if tags is None and org != from_domain:
            tags = _dmarc_record(lookup, org)
            if tags is not None and tags.get("sp") in DMARC_HITS:
                tags["p"] = tags["sp"]
    except dns.exception.DNSException:
        return "temperror", ""
    if tags is None:
        return "none", ""
    policy = tags.get("p") if tags.get("p") in DMARC_HITS else "none"

    def aligned(domain: str, mode: str | None) -> bool:
        if mode == "s":
            return domain == from_domain
        return bool(domain) and organisational_domain(domain) == org

    if spf_result == "pass" and aligned(spf_domain, tags.get("aspf")):
        return "pass", policy
    if any(s.result == "pass" and aligned(s.domain, tags.get("adkim")) for s in signatures):
        return "pass", policy
    if spf_result == "temperror" or any(s.result == "temperror" for s in signatures):
        return "temperror", policy
    return "fail", policy


def _dmarc_record(lookup: _Dns, domain: str) -> dict[str, str] | None:
    """The tags of ``_dmarc.<domain>``; None when there is not exactly one DMARC record."""
    records = [text.decode("utf-8", "replace") for text in lookup.txt(f"_dmarc.{domain}")]
    records = [text for text in records if _DMARC_TAG_RE.match(text)]
    if len(records) != 1:
        return None
    tags = {}
    for part in records[0].split(";"):
        key, _, value = part.partition("=")
        tags[key.strip().lower()] = value.strip().lower()
    return tags


def dmarc_policy(domain: str, *, dns_server: str = "", timeout: float = 5.0) -> str:
    """The DMARC policy for mail from ``domain`` (``sp=`` of its organisation for a subdomain):
    reject, quarantine or none; '' without a record. Raises DNSException on DNS errors."""
    lookup = _Dns(dns_server, timeout)
    tags = _dmarc_record(lookup, domain)
    organisation = organisational_domain(domain)
    if tags is None and organisation != domain:
        tags = _dmarc_record(lookup, organisation)
        if tags is not None and tags.get("sp"):
            tags["p"] = tags["sp"]
    return tags.get("p", "none") if tags is not None else ""


def organisational_domain(domain: str) -> str:
    """The registered domain: public suffix plus one label (RFC 7489 section 3.2)."""
    labels = _domain(domain).split(".")
    suffix_length = _public_suffix_length(labels)
    return ".".join(labels[-(suffix_length + 1):]) if len(labels) > suffix_length else domain


def _public_suffix_length(labels: list[str]) -> int:
    rules = _suffix_rules()
    if rules is None:
        return 2 if ".".join(labels[-2:]) in SHORT_SLDS else 1
    normal, wildcards, exceptions = rules
    for start in range(len(labels)):  # the longest matching rule wins
        candidate = ".".join(labels[start:])
        if candidate in exceptions:
            return len(labels) - start - 1
        if candidate in normal or ".".join(labels[start + 1:]) in wildcards:
            return len(labels) - start
    return 1  # the implicit "*" rule


_suffix_lock = threading.Lock()
_suffix_cache: list = []


def _suffix_rules() -> tuple[set[str], set[str], set[str]] | None:
    """The public suffix list's (rules, wildcard parents, exceptions), read once; or None."""
    with _suffix_lock:
        if not _suffix_cache:
            _suffix_cache.append(_read_suffix_list(PUBLIC_SUFFIX_LIST))
        return _suffix_cache[0]


def _read_suffix_list(path: Path) -> tuple[set[str], set[str], set[str]] | None:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError:
        return None
    normal, wildcards, exceptions = set(), set(), set()
    for line in lines:
        rule = line.strip().lower()
        if not rule or rule.startswith("//"):
            continue
        try:
            rule = rule.encode("idna").decode("ascii")
        except UnicodeError:
            continue
        if rule.startswith("!"):
            exceptions.add(rule[1:])
        elif rule.startswith("*."):
            wildcards.add(rule[2:])
        else:
            normal.add(rule)
    return normal, wildcards, exceptions


def _summary(signatures: list[Signature]) -> str:
    for result in ("pass", "temperror", "fail", "permerror"):
        if any(s.result == result for s in signatures):
            return result
    return "none"


def _header(authserv_id: str, spf_result: str, mail_from: str, helo: str,
            signatures: list[Signature], dmarc_result: str, policy: str,
            from_domain: str) -> str:
    if mail_from:
        spf_part = f"spf={spf_result} smtp.mailfrom={_pvalue(mail_from)}"
    elif helo:
        spf_part = f"spf={spf_result} smtp.helo={_pvalue(helo)}"
    else:
        spf_part = f"spf={spf_result}"
    parts = [_pvalue(authserv_id) or "localhost", spf_part]
    parts += [f"dkim={s.result} header.d={_pvalue(s.domain)} header.s={_pvalue(s.selector)}"
              if s.domain else f"dkim={s.result}" for s in signatures] or ["dkim=none"]
    dmarc_part = f"dmarc={dmarc_result}"
    if policy:
        dmarc_part += f" (p={policy})"
    if from_domain:
        dmarc_part += f" header.from={_pvalue(from_domain)}"
    parts.append(dmarc_part)
    return "; ".join(parts)


def _pvalue(value: str) -> str:
    """A property value as RFC 8601 allows: bare when a token or address, else quoted."""
    value = _CONTROL_RE.sub("", value)[:255]
    if not value or _TOKEN_RE.fullmatch(value) or _ADDRESS_RE.fullmatch(value):
        return value
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _domain(value: str) -> str:
    return value.strip().strip("<>").rstrip(".").lower()


def _text(value: bytes | str | None) -> str:
    if isinstance(value, bytes):
        value = value.decode("ascii", "replace")
    return _domain(value or "")

