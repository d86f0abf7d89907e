"""Real network peers on 127.0.0.1 for tests: a DNS server and a sink SMTP server.

``DnsServer`` answers, over UDP and TCP on one free port, from a zone the
test fills (``add(name, "MX", (10, "mx.remote.test"))``, ``add_mail_domain``,
TXT records for DKIM keys or blocklists); unknown names get NXDOMAIN.
``SinkServer`` is an aiosmtpd server standing for "the rest of the world": it
records every message it accepts and can be told to answer a recipient or a
DATA with 4xx or 5xx replies, to stall in DATA, and to offer STARTTLS.

Fixtures (registered in tests/conftest.py):
``dns_server`` (a server), ``test_dns`` (the same, and settings.HOSTPANEL_DNS
points at it), ``sink`` (a sink; settings.HOSTPANEL_SMTP_DELIVERY_PORT points
at it, so MX hosts resolving to 127.0.0.1 are this sink), ``tls_sink`` (a
sink offering STARTTLS with a trustme certificate). ``run_queue()`` makes
every waiting outbound message due and attempts it once, in this process.
"""

import asyncio
import collections
import dataclasses
import ssl
import threading
import time

import dns.resolver
import pytest
import trustme
from aiosmtpd.controller import Controller
from dnslib import AAAA, CNAME, MX, QTYPE, RCODE, RR, TXT, A
from dnslib.server import BaseResolver, DNSLogger, DNSServer

from mailcore.filters.spam import authres, dnsbl

HOST = "127.0.0.1"
TXT_STRING_LIMIT = 255


def _name(name: str) -> str:
    return name.strip().rstrip(".").lower()


class Zone(BaseResolver):
    """Records by (name, type); answers what it has, NXDOMAIN for names it lacks."""

    def __init__(self):
        self.records: dict[tuple[str, str], list] = collections.defaultdict(list)
        self.servfail: set[str] = set()
        self.slow: dict[str, float] = {}
        self.queries: list[tuple[str, str]] = []
        self.lock = threading.Lock()

    def resolve(self, request, handler):
        qname, qtype = _name(str(request.q.qname)), QTYPE[request.q.qtype]
        with self.lock:
            self.queries.append((qname, qtype))
            answers = list(self.records.get((qname, qtype), ()))
            exists = any(name == qname for name, _type in self.records)
            delay = self.slow.get(qname, 0)
            failing = qname in self.servfail
        if delay:
            time.sleep(delay)
        reply = request.reply()
        if failing:
            reply.header.rcode = RCODE.SERVFAIL
        elif not exists:
            reply.header.rcode = RCODE.NXDOMAIN
        for rdata in answers:
            reply.add_answer(RR(request.q.qname, getattr(QTYPE, qtype), rdata=rdata, ttl=60))
        return reply


def _rdata(rtype: str, value):
    if rtype == "A":
        return A(value)
    if rtype == "AAAA":
        return AAAA(value)
    if rtype == "MX":
        preference, exchange = value
        return MX(exchange, preference)
    if rtype == "CNAME":
        return CNAME(value)
    if rtype == "TXT":
        chunks = [value[i:i + TXT_STRING_LIMIT] for i in range(0, len(value), TXT_STRING_LIMIT)]
        return TXT(chunks or [""])
    raise ValueError(f"unsupported record type {rtype}")


class DnsServer:
    """A DNS server on 127.0.0.1, UDP and TCP on the same free port."""

    def __init__(self):
        self.zone = Zone()
        logger = DNSLogger(log="-request,-reply,-truncated,-error,-recv,-send,-data")
        for _ in range(20):
            udp = DNSServer(self.zone, address=HOST, port=0, logger=logger)
            self.port = udp.server.server_address[1]
            try:
                tcp = DNSServer(self.zone, address=HOST, port=self.port, tcp=True, logger=logger)
            except OSError:  # that port is taken for TCP: try another one
                udp.server.server_close()
                continue
            break
        else:
            raise RuntimeError("no free port for a DNS server")
        self.servers = (udp, tcp)
        for server in self.servers:  # a short poll interval: stop() returns at once
            # A late answer (see delay()) to a socket closed by stop() is no error worth printing.
            server.server.handle_error = lambda request, client_address: None
            threading.Thread(target=server.server.serve_forever, kwargs={"poll_interval": 0.05},
                             daemon=True).start()

    @property
    def address(self) -> str:
        """``host:port``, what HOSTPANEL_DNS takes."""
        return f"{HOST}:{self.port}"

    def add(self, name: str, rtype: str, value) -> None:
        """One record: A/AAAA take an address, MX ``(preference, host)``, TXT a string."""
        with self.zone.lock:
            self.zone.records[(_name(name), rtype.upper())].append(_rdata(rtype.upper(), value))

    def remove(self, name: str, rtype: str | None = None) -> None:
        with self.zone.lock:
            for key in [key for key in self.zone.records if key[0] == _name(name)
                        and rtype in (None, key[1])]:
                del self.zone.records[key]

    def add_mail_domain(self, domain: str, address: str = HOST) -> str:
        """``domain`` MX 10 ``mx.<domain>``, which has ``address``; returns the MX host name."""
        host = f"mx.{_name(domain)}"
        self.add(domain, "MX", (10, host))
        self.add(host, "A", address)
        return host

    def fail(self, name: str) -> None:
        """Answer SERVFAIL for ``name`` (a broken authoritative server)."""
        self.zone.servfail.add(_name(name))

    def delay(self, name: str, seconds: float) -> None:
        """Answer for ``name`` only after ``seconds`` (a timeout for an impatient client)."""
        self.zone.slow[_name(name)] = seconds

    def resolver(self) -> dns.resolver.Resolver:
        resolver = dns.resolver.Resolver(configure=False)
        resolver.nameservers = [HOST]
        resolver.port = self.port
        resolver.lifetime = 5
        return resolver

    def dkim_dnsfunc(self):
        """A ``dnsfunc`` for dkimpy's ``dkim.verify`` that asks this server."""
        resolver = self.resolver()

        def txt(name, timeout=5):
            name = name.decode() if isinstance(name, bytes) else name
            try:
                answer = resolver.resolve(name, "TXT", search=False)
            except dns.exception.DNSException:
                return None
            return b"".join(b"".join(record.strings) for record in answer)

        return txt

    def stop(self) -> None:
        for server in self.servers:
            server.server.shutdown()
            server.server.server_close()


@dataclasses.dataclass
class Received:
    """One message the sink accepted."""

    mail_from: str
    rcpt_tos: list[str]
    data: bytes
    tls: bool
    mail_options: list[str]
    helo: str


class SinkHandler:
    def __init__(self, sink: "SinkServer"):
        self.sink = sink

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        self.sink.transactions.append("" if address == "<>" else address)
        envelope.mail_from = address  # "<>" for the null sender (aiosmtpd needs it non-empty)
        envelope.mail_options.extend(mail_options)
        return "250 2.1.0 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        reply = self.sink.next_reply(address.lower())
        self.sink.rcpt_attempts.append((address, reply))
        if reply.startswith("2"):
            envelope.rcpt_tos.append(address)
        return reply

    async def handle_DATA(self, server, session, envelope):
        reply = self.sink.next_reply(None)
        if reply == "stall":
            self.sink.stalled.set()
            await asyncio.to_thread(self.sink.release_event.wait, 60)
            return "451 4.3.0 stalled transaction abandoned"
        if reply.startswith("2"):
            with self.sink.lock:
                sender = "" if envelope.mail_from == "<>" else envelope.mail_from
                self.sink.messages.append(Received(
                    sender, list(envelope.rcpt_tos), envelope.content,
                    bool(session.ssl), list(envelope.mail_options), session.host_name or ""))
        return reply


class _Controller(Controller):
    def _trigger_server(self):
        self.port = self.server.sockets[0].getsockname()[1]  # started on port 0
        super()._trigger_server()


class SinkServer:
    """An SMTP server on 127.0.0.1 that accepts everything unless told otherwise."""

    def __init__(self, tls_context=None, **smtp_parameters):
        """``smtp_parameters`` go to aiosmtpd's SMTP, e.g. ``data_size_limit``."""
        self.messages: list[Received] = []
        self.transactions: list[str] = []
        self.rcpt_attempts: list[tuple[str, str]] = []
        self.scripts: dict[str | None, collections.deque] = collections.defaultdict(
            collections.deque)
        self.lock = threading.Lock()
        self.stalled = threading.Event()
        self.release_event = threading.Event()
        params = {"tls_context": tls_context, "require_starttls": False} if tls_context else {}
        params.update(smtp_parameters)
        self.controller = _Controller(SinkHandler(self), hostname=HOST, port=0,
                                      server_hostname="sink.test", enable_SMTPUTF8=True,
                                      decode_data=False, **params)
        self.controller.start()
        self.port = self.controller.port

    def answer_rcpt(self, address: str, *replies: str) -> None:
        """The next RCPTs of ``address`` get these replies in turn, then 250."""
        with self.lock:
            self.scripts[address.lower()].extend(replies)

    def answer_data(self, *replies: str) -> None:
        """The next DATAs get these replies in turn (``"stall"``: wait until released), then 250."""
        with self.lock:
            self.scripts[None].extend(replies)

    def next_reply(self, address: str | None) -> str:
        with self.lock:
            script = self.scripts.get(address)
            if script:
                return script.popleft()
        return "250 2.1.5 OK" if address else "250 2.0.0 accepted"

    def received_by(self, address: str) -> list[Received]:
        with self.lock:
            return [message for message in self.messages
                    if address.lower() in (rcpt.lower() for rcpt in message.rcpt_tos)]

    def release(self) -> None:
        self.release_event.set()

    def stop(self) -> None:
        self.release()
        self.controller.stop()


def run_queue() -> list[str]:
    """Attempt every unfinished outbound message once, now (in this process); their ids."""
    from django.utils import timezone

    from hostpanel.outbound.models import OutboundMessage
    from mailcore.queue import delivery

    waiting = list(OutboundMessage.objects.filter(done=False).order_by("created_at")
                   .values_list("pk", flat=True))
    for queue_id in waiting:
        OutboundMessage.objects.filter(pk=queue_id).update(next_attempt_at=timezone.now())
        delivery.attempt(queue_id)
    return waiting


@pytest.fixture
def dns_server():
    # The spam filter caches DNS answers per server address: a new server (maybe on
    # the port of an earlier test's) starts with nothing cached.
    authres.clear_cache()
    dnsbl.cache.clear()
    server = DnsServer()
    yield server
    server.stop()


@pytest.fixture
def test_dns(dns_server, settings):
    """The DNS server every lookup of this process goes to (settings.HOSTPANEL_DNS)."""
    settings.HOSTPANEL_DNS = dns_server.address
    return dns_server


@pytest.fixture
def sink(settings):
    """A sink SMTP server; the outbound queue delivers to its port."""
    server = SinkServer()
    settings.HOSTPANEL_SMTP_DELIVERY_PORT = server.port
    yield server
    server.stop()


@pytest.fixture
def tls_sink(settings):
    """A sink offering STARTTLS (certificate of a throwaway CA); the queue delivers to it."""
    ca = trustme.CA()
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("sink.test", HOST).configure_cert(context)
    server = SinkServer(tls_context=context)
    settings.HOSTPANEL_SMTP_DELIVERY_PORT = server.port
    yield server
    server.stop()
