import asyncio
import logging
import time

import pytest

from mailcore.filters.spam import dnsbl

ZONE = "bl.test"


@pytest.fixture(autouse=True)
def _empty_cache():
    dnsbl.cache.clear()
    dnsbl._failure_logged.clear()


def run_query(dns_server, ips, zones=(ZONE,), **kwargs):
    kwargs.setdefault("allow_private", True)
    return asyncio.run(dnsbl.query(ips, zones, dns_server=dns_server.address, **kwargs))


def queries_for(dns_server, name):
    return [query for query in dns_server.zone.queries if query[0] == name]


def test_it_reports_a_listed_address_with_the_zones_answers(dns_server):
    dns_server.add("2.0.0.127.bl.test", "A", "127.0.0.2")
    dns_server.add("2.0.0.127.bl.test", "A", "127.0.0.10")
    dns_server.add("2.0.0.127.other.test", "A", "127.0.0.4")
    found = run_query(dns_server, ["127.0.0.2"], [ZONE, "other.test", "clean.test"])
    assert found == {ZONE: ["127.0.0.2", "127.0.0.10"], "other.test": ["127.0.0.4"]}


def test_an_address_that_is_not_listed_gives_nothing(dns_server):
    dns_server.add("2.0.0.127.bl.test", "A", "127.0.0.2")
    assert run_query(dns_server, ["127.0.0.3"]) == {}
    assert queries_for(dns_server, "3.0.0.127.bl.test") == [("3.0.0.127.bl.test", "A")]


def test_the_connecting_ip_and_the_last_hop_are_looked_up_together(dns_server):
    dns_server.add("9.0.0.127.bl.test", "A", "127.0.0.2")
    assert run_query(dns_server, ["127.0.0.8", "127.0.0.9"]) == {ZONE: ["127.0.0.2"]}


def test_a_slow_zone_counts_as_not_listed_and_is_logged_once(dns_server, caplog):
    dns_server.add("2.0.0.127.slow.test", "A", "127.0.0.2")
    dns_server.delay("2.0.0.127.slow.test", 2)
    dns_server.delay("3.0.0.127.slow.test", 2)
    dns_server.add("2.0.0.127.bl.test", "A", "127.0.0.2")
    started = time.monotonic()
    with caplog.at_level(logging.WARNING, logger="mailcore.filters.spam.dnsbl"):
        found = run_query(dns_server, ["127.0.0.2", "127.0.0.3"], [ZONE, "slow.test"],
                          timeout=0.3)
    assert time.monotonic() - started < 1.5
    assert found == {ZONE: ["127.0.0.2"]}
    failures = [r for r in caplog.records if "slow.test" in r.getMessage()]
    assert len(failures) == 1


def test_a_failing_zone_counts_as_not_listed(dns_server):
    dns_server.fail("2.0.0.127.bl.test")
    assert run_query(dns_server, ["127.0.0.2"]) == {}


def test_a_second_query_is_answered_from_the_cache(dns_server):
    dns_server.add("2.0.0.127.bl.test", "A", "127.0.0.2")
    assert run_query(dns_server, ["127.0.0.2", "127.0.0.3"]) == {ZONE: ["127.0.0.2"]}
    asked = len(dns_server.zone.queries)
    assert run_query(dns_server, ["127.0.0.2", "127.0.0.3"]) == {ZONE: ["127.0.0.2"]}
    assert len(dns_server.zone.queries) == asked  # the listing and the NXDOMAIN were kept


def test_the_cache_is_bounded(dns_server, monkeypatch):
    monkeypatch.setattr(dnsbl, "cache", dnsbl._Cache(3))
    run_query(dns_server, [f"127.0.0.{n}" for n in range(1, 6)])
    assert len(dnsbl.cache.entries) == 3
    asked = len(dns_server.zone.queries)
    run_query(dns_server, ["127.0.0.1"])  # the oldest entry was dropped: asked again
    assert len(dns_server.zone.queries) == asked + 1


def test_an_answer_outside_127_is_ignored(dns_server, caplog):
    dns_server.add("2.0.0.127.bl.test", "A", "10.0.0.1")
    dns_server.add("2.0.0.127.quota.test", "A", "127.255.255.254")
    with caplog.at_level(logging.WARNING, logger="mailcore.filters.spam.dnsbl"):
        assert run_query(dns_server, ["127.0.0.2"], [ZONE, "quota.test"]) == {}
    assert "10.0.0.1" in caplog.text
    assert "127.255.255.254" in caplog.text


def test_ipv6_addresses_are_looked_up_by_nibbles(dns_server):
    name = "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.bl.test"
    dns_server.add(name, "A", "127.0.0.2")
    assert run_query(dns_server, ["2001:db8::1"]) == {ZONE: ["127.0.0.2"]}
    assert queries_for(dns_server, name) == [(name, "A")]


def test_private_and_malformed_addresses_are_not_looked_up(dns_server):
    dns_server.add("2.0.0.127.bl.test", "A", "127.0.0.2")
    found = run_query(dns_server, ["127.0.0.2", "10.1.2.3", "::1", "not-an-ip", ""],
                      allow_private=False)
    assert found == {}
    assert dns_server.zone.queries == []


def test_public_addresses_are_looked_up_with_reversed_octets(dns_server):
    dns_server.add("4.3.2.81.bl.test", "A", "127.0.0.2")
    assert run_query(dns_server, ["81.2.3.4"], allow_private=False) == {ZONE: ["127.0.0.2"]}


def test_the_last_untrusted_hop_is_the_client_of_the_first_header_not_ours():
    received = [
        "from relay.example.org (relay.example.org [81.2.3.7]) by mx.ours.test "
        "(hostpanel) with ESMTPS id 1; Mon, 1 Jan 2026 10:00:00 +0000",
        "from [8.8.8.8] (helo-lies.example [81.2.3.23]) by relay.example.org "
        "with ESMTP id 2; Mon, 1 Jan 2026 09:59:59 +0000",
        "from origin.example (origin.example [192.0.2.1]) by origin.example; "
        "Mon, 1 Jan 2026 09:59:58 +0000",
    ]
    assert dnsbl.last_untrusted_hop(received, {"MX.ours.test."}) == "81.2.3.23"
    assert dnsbl.last_untrusted_hop(received, {"other.test"}) == "81.2.3.7"


@pytest.mark.parametrize(("header", "expected"), [
    ("from [81.2.3.9] (helo=x) by relay.example.net with esmtp", "81.2.3.9"),
    ("from host.example (81.2.3.9) by relay.example.net", "81.2.3.9"),
    ("from host.example (host.example [IPv6:2a00:1450:4001::5]) by r.example.net",
     "2a00:1450:4001::5"),
    ("from host.example (host.example [10.0.0.5]) by relay.example.net", None),
    ("from host.example by relay.example.net", None),
])
def test_the_hop_ip_is_read_from_common_received_styles(header, expected):
    assert dnsbl.last_untrusted_hop([header], {"mx.ours.test"}) == expected


def test_a_private_hop_is_given_only_when_asked():
    header = "from host.example (host.example [10.0.0.5]) by relay.example.net"
    assert dnsbl.last_untrusted_hop([header], set(), allow_private=True) == "10.0.0.5"


def test_only_our_headers_give_no_hop():
    assert dnsbl.last_untrusted_hop(["from a (a [192.0.2.1]) by mx.ours.test"],
                                    {"mx.ours.test"}) is None
