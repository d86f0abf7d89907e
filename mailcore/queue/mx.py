"""Where mail for a domain goes: MX records in preference order (RFC 5321 section 5.1).

No MX record: the domain's own A/AAAA addresses (the implicit MX). A null MX
(RFC 7505: one record, preference 0, exchange ``.``) means the domain takes no
mail: a permanent failure. ``HOSTPANEL_DNS=host:port`` sends every lookup to
that one server instead of the system's resolvers (the tests run one on
loopback). Blocking: call from a worker thread or the Celery worker.
"""

import ipaddress
import random
from dataclasses import dataclass

import dns.exception
import dns.name
import dns.rdatatype
import dns.resolver

DNS_TIMEOUT = 5.0  # one query to one server
DNS_LIFETIME = 15.0  # one lookup, retries included
MAX_ADDRESSES = 5  # addresses tried per domain and attempt (as Postfix)


class LookupFailed(Exception):
    """No destination for the domain; ``permanent`` says whether to give up."""

    def __init__(self, status: str, text: str, *, permanent: bool):
        super().__init__(f"{status} {text}")
        self.status = status  # RFC 3463 enhanced status code
        self.text = text
        self.permanent = permanent


@dataclass(frozen=True)
class Destination:
    """One address to try: the MX host's name (for logs and DSNs) and an IP address."""

    host: str
    address: str


def make_resolver(server: str = "", timeout: float = DNS_TIMEOUT,
                  lifetime: float = DNS_LIFETIME) -> dns.resolver.Resolver:
    """A resolver for ``host:port`` (``[::1]:53`` for IPv6), or the system's when empty."""
    if not server:
        resolver = dns.resolver.Resolver()
    else:
        host, port = parse_host_port(server, default_port=53)
        resolver = dns.resolver.Resolver(configure=False)
        resolver.nameservers = [host]
        resolver.port = port
    resolver.timeout = timeout
    resolver.lifetime = lifetime
    resolver.cache = None
    return resolver


def parse_host_port(value: str, default_port: int) -> tuple[str, int]:
    """``host:port``, ``host``, ``[v6]:port`` -> (host, port); ValueError when malformed."""
    value = value.strip()
    if value.startswith("["):
        host, _, rest = value[1:].partition("]")
        port = rest.removeprefix(":") or str(default_port)
    elif value.count(":") == 1:
        host, port = value.split(":")
    else:
        host, port = value, str(default_port)
    if not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError(f"expected host:port, got {value!r}")
    return host, int(port)


def _query(resolver, name: str, rdtype: str):
    """The answer's records; [] when the name has none of that type."""
    try:
        return list(resolver.resolve(name, rdtype, search=False))
    except dns.resolver.NoAnswer:
        return []
    except dns.resolver.NXDOMAIN:
        raise
    except dns.exception.Timeout:
        raise LookupFailed("4.4.3", f"DNS lookup of {rdtype} {name} timed out",
                           permanent=False) from None
    except dns.exception.DNSException as error:
        raise LookupFailed("4.4.3", f"DNS lookup of {rdtype} {name} failed: {error}",
                           permanent=False) from None


def mx_hosts(domain: str, resolver) -> list[str]:
    """Host names to try for ``domain``, best preference first (ties in random order)."""
    try:
        records = _query(resolver, domain, "MX")
    except dns.resolver.NXDOMAIN:
        raise LookupFailed("5.1.2", f"domain {domain} does not exist", permanent=True) from None
    if not records:
        return [domain]  # implicit MX (RFC 5321 section 5.1)
    if any(record.exchange == dns.name.root for record in records):
        raise LookupFailed("5.1.10", f"domain {domain} accepts no mail (null MX)",
                           permanent=True)
    records.sort(key=lambda record: (record.preference, random.random()))  # noqa: S311
    return [record.exchange.to_text(omit_final_dot=True) for record in records]


def host_addresses(host: str, resolver) -> list[str]:
    """IPv4 then IPv6 addresses of ``host``; [] when it has none or does not exist."""
    addresses = []
    for rdtype in ("A", "AAAA"):
        try:
            addresses += [record.address for record in _query(resolver, host, rdtype)]
        except dns.resolver.NXDOMAIN:
            return []
    return addresses


def destinations(domain: str, resolver) -> list[Destination]:
    """Every address to try for ``domain``, in order; raises LookupFailed."""
    if domain.startswith("[") and domain.endswith("]"):
        return [Destination(domain, _address_literal(domain))]
    hosts = mx_hosts(domain, resolver)
    found: list[Destination] = []
    trouble: LookupFailed | None = None
    for host in hosts:
        try:
            found += [Destination(host, address) for address in host_addresses(host, resolver)]
        except LookupFailed as error:  # a timeout for one host: try the others
            trouble = error
        if len(found) >= MAX_ADDRESSES:
            break
    if found:
        return found[:MAX_ADDRESSES]
    if trouble is not None:
        raise trouble
    if hosts == [domain]:
        raise LookupFailed("5.1.2", f"domain {domain} has no MX or address record",
                           permanent=True)
    # Probably a DNS mistake being fixed: retry rather than bounce.
    raise LookupFailed("4.4.4", f"the MX hosts of {domain} do not exist: " + ", ".join(hosts),
                       permanent=False)


def is_ip_address(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def _address_literal(domain: str) -> str:
    text = domain[1:-1]
    text = text[5:] if text.lower().startswith("ipv6:") else text
    try:
        return str(ipaddress.ip_address(text))
    except ValueError:
        raise LookupFailed("5.1.2", f"bad address literal {domain}", permanent=True) from None
