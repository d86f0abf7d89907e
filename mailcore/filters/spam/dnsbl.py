"""DNS blocklists (RFC 5782): is the connecting IP, or the last untrusted hop, listed?

Lookups run concurrently on the event loop with dnspython's async resolver, each bounded by
``timeout``. A blocklist that times out or fails counts as "not listed": a broken list must
not hold mail up or mark it as spam. Answers are cached in-process for their TTL (negative
answers too, failures briefly) so that a busy server asks a list once per client and a dead
list costs its timeout once a minute, not on every message.
"""

import asyncio
import functools
import ipaddress
import logging
import re
import threading
import time
from collections import OrderedDict
from collections.abc import Iterable

import dns.asyncresolver
import dns.exception
import dns.resolver

from mailcore.queue.mx import parse_host_port

log = logging.getLogger(__name__)

CACHE_SIZE = 10_000  # (zone, ip) answers kept
MIN_TTL, MAX_TTL = 60, 3600  # seconds a positive answer is kept, whatever its TTL says
NEGATIVE_TTL = 300  # seconds a "not listed" is kept
FAILURE_TTL = 60  # seconds a timeout or SERVFAIL is remembered (as "not listed")
FAILURE_LOG_INTERVAL = 300  # seconds between two log lines about one failing zone
MAX_IPS, MAX_ZONES = 8, 32  # lookups per call are bounded by their product
LISTED = ipaddress.ip_network("127.0.0.0/8")  # RFC 5782 section 2.3: answers are here
# Spamhaus answers 127.255.255.252/254/255 for "query refused" (a public or over-quota
# resolver), not for "listed"; that range is never a listing on any list.
REFUSED = ipaddress.ip_network("127.255.255.0/24")
MAX_RECEIVED = 50  # Received headers examined
MAX_RECEIVED_LENGTH = 2_000  # characters examined per Received header

_ZONE_RE = re.compile(r"(?=.{1,200}$)([a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?\.)+[a-z0-9-]+")
_BY_RE = re.compile(r"\bby\s+([^\s;()\[\]]+)", re.IGNORECASE)
_BRACKET_IP_RE = re.compile(r"\[(?:ipv6:)?([0-9a-f:.]{2,45})\]", re.IGNORECASE)
_PAREN_RE = re.compile(r"\(([^()]{0,500})\)")
_BARE_IP_RE = re.compile(r"^\s*(?:ipv6:)?([0-9a-f:.]{2,45})\s*$", re.IGNORECASE)


class _Cache:
    """A bounded (LRU) TTL cache of lookup results, shared by threads and event loops."""

    def __init__(self, size: int):
        self.size = size
        self.entries: OrderedDict[tuple[str, str], tuple[float, tuple[str, ...]]] = \
            OrderedDict()
        self.lock = threading.Lock()

    def get(self, key: tuple[str, str]) -> tuple[str, ...] | None:
        with self.lock:
            entry = self.entries.get(key)
            if entry is None:
                return None
            if entry[0] <= time.monotonic():
                del self.entries[key]
                return None
            self.entries.move_to_end(key)
            return entry[1]

    def put(self, key: tuple[str, str], answers: tuple[str, ...], ttl: float) -> None:
        with self.lock:
            self.entries[key] = (time.monotonic() + ttl, answers)
            self.entries.move_to_end(key)
            while len(self.entries) > self.size:
                self.entries.popitem(last=False)

    def clear(self) -> None:
        with self.lock:
            self.entries.clear()


cache = _Cache(CACHE_SIZE)
_failure_logged: dict[str, float] = {}
_failure_lock = threading.Lock()


async def query(ips: Iterable[str], zones: Iterable[str], *, dns_server: str = "",
                timeout: float = 2.0, allow_private: bool = False) -> dict[str, list[str]]:
    """The blocklists listing any of ``ips``: {zone: sorted 127.x.y.z answers}.

    Zones not listing them are absent. Private, loopback and malformed addresses are not
    looked up (a blocklist knows nothing of them) unless ``allow_private`` (for tests).
    ``dns_server`` is ``host:port`` ('' for the system resolver).
    """
    addresses = _addresses(ips, allow_private)
    zone_names = list(dict.fromkeys(_zone(zone) for zone in zones if _zone(zone)))[:MAX_ZONES]
    pairs = [(zone, address) for zone in zone_names for address in addresses]
    if not pairs:
        return {}
    resolver = _resolver(dns_server, timeout)
    answers = await asyncio.gather(*(_lookup(resolver, zone, address, timeout)
                                     for zone, address in pairs))
    listed: dict[str, set[str]] = {}
    for (zone, _address), found in zip(pairs, answers, strict=True):
        if found:
            listed.setdefault(zone, set()).update(found)
    return {zone: sorted(found, key=ipaddress.ip_address) for zone, found in listed.items()}


def reverse_name(address: str, zone: str) -> str:
    """``4.3.2.1.zone`` for 1.2.3.4; 32 nibbles, lowest first, for IPv6 (RFC 5782 2.4)."""
    ip = ipaddress.ip_address(address)
    if ip.version == 4:
        labels = reversed(str(ip).split("."))
    else:
        labels = reversed(ip.exploded.replace(":", ""))
    return ".".join(labels) + "." + zone


async def _lookup(resolver, zone: str, address: str, timeout: float) -> tuple[str, ...]:
    key = (zone, address)
    cached = cache.get(key)
    if cached is not None:
        return cached
    name = reverse_name(address, zone)
    try:
        answer = await resolver.resolve(name, "A", search=False, lifetime=timeout)
    except (dns.resolver.NXDOMAIN, dns.resolver.NoAnswer):
        cache.put(key, (), NEGATIVE_TTL)
        return ()
    except dns.exception.DNSException as error:
        _log_failure(zone, name, error)
        cache.put(key, (), FAILURE_TTL)
        return ()
    found = []
    for record in answer:
        ip = ipaddress.ip_address(record.address)
        if ip in LISTED and ip not in REFUSED:
            found.append(str(ip))
        else:
            log.warning("DNSBL %s answered %s for %s: not a listing, ignored", zone, ip, name)
    ttl = min(max(answer.rrset.ttl if answer.rrset is not None else 0, MIN_TTL), MAX_TTL)
    cache.put(key, tuple(found), ttl)
    return tuple(found)


def _log_failure(zone: str, name: str, error: Exception) -> None:
    now = time.monotonic()
    with _failure_lock:
        if now - _failure_logged.get(zone, -FAILURE_LOG_INTERVAL) < FAILURE_LOG_INTERVAL:
            return
        _failure_logged[zone] = now
    log.warning("DNSBL %s: lookup of %s failed (%s); counted as not listed",
                zone, name, str(error) or type(error).__name__)


@functools.lru_cache(maxsize=16)
def _resolver(server: str, timeout: float) -> dns.asyncresolver.Resolver:
    """An async resolver for ``host:port`` or the system's, made once per setting."""
    if server:
        host, port = parse_host_port(server, default_port=53)
        resolver = dns.asyncresolver.Resolver(configure=False)
        resolver.nameservers = [host]
        resolver.port = port
    else:
        resolver = dns.asyncresolver.Resolver()
    resolver.timeout = timeout
    resolver.lifetime = timeout
    resolver.cache = None  # our cache keeps the answers (and the negative ones)
    return resolver


def _addresses(ips: Iterable[str], allow_private: bool) -> list[str]:
    found: list[str] = []
    for text in ips:
        try:
            ip = ipaddress.ip_address(str(text).strip())
        except ValueError:
            continue
        if ip.version == 6 and ip.ipv4_mapped is not None:
            ip = ip.ipv4_mapped
        if (allow_private or ip.is_global) and str(ip) not in found:
            found.append(str(ip))
        if len(found) >= MAX_IPS:
            break
    return found


def _zone(zone: str) -> str:
    zone = str(zone).strip().rstrip(".").lower()
    return zone if _ZONE_RE.fullmatch(zone) else ""


def last_untrusted_hop(received_headers: list[str], our_hostnames: set[str], *,
                       allow_private: bool = False) -> str | None:
    """The client IP of the topmost Received header not added by one of ``our_hostnames``.

    That header was written by the server that handed us the message, so the IP is where
    that server got it from: the hop before the connecting client. None when it records no
    usable IP (private ones are skipped unless ``allow_private``).
    """
    ours = {name.strip().rstrip(".").lower() for name in our_hostnames}
    for value in received_headers[:MAX_RECEIVED]:
        value = value[:MAX_RECEIVED_LENGTH]
        by = _BY_RE.search(value)
        if by and by.group(1).rstrip(".").lower() in ours:
            continue
        from_part = value[:by.start()] if by else value
        address = _client_ip(from_part)
        if address is None:
            return None
        found = _addresses([address], allow_private)
        return found[0] if found else None
    return None


def _client_ip(from_part: str) -> str | None:
    """The IP a server recorded: ``(host [1.2.3.4])``/``(1.2.3.4)`` first, then ``[1.2.3.4]``.

    The parenthesised comment is what the server saw; a bare ``from [1.2.3.4]`` can be the
    HELO the client chose, so it comes last.
    """
    for comment in _PAREN_RE.findall(from_part):
        for candidate in [*_BRACKET_IP_RE.findall(comment), *_BARE_IP_RE.findall(comment)]:
            if _is_ip(candidate):
                return candidate
    for candidate in _BRACKET_IP_RE.findall(from_part):
        if _is_ip(candidate):
            return candidate
    return None


def _is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True
