"""MX lookup against a real DNS server on loopback (tests/net.py)."""

import pytest

from mailcore.directory import server_config
from mailcore.queue import mx


@pytest.fixture
def resolver(test_dns):
    return mx.make_resolver(server_config().dns, timeout=1, lifetime=2)


def test_hosted_dns_setting_points_every_lookup_at_the_given_server(test_dns, resolver):
    test_dns.add("only-here.test", "A", "192.0.2.7")
    assert server_config().dns == f"127.0.0.1:{test_dns.port}"
    assert mx.destinations("only-here.test", resolver) == [
        mx.Destination("only-here.test", "192.0.2.7")
    ]
    assert ("only-here.test", "MX") in test_dns.zone.queries


def test_mx_hosts_are_tried_in_preference_order(test_dns, resolver):
    test_dns.add("remote.test", "MX", (30, "c.remote.test"))
    test_dns.add("remote.test", "MX", (10, "a.remote.test"))
    test_dns.add("remote.test", "MX", (20, "b.remote.test"))
    test_dns.add("a.remote.test", "A", "192.0.2.1")
    test_dns.add("b.remote.test", "A", "192.0.2.2")
    test_dns.add("b.remote.test", "AAAA", "2001:db8::2")
    test_dns.add("c.remote.test", "A", "192.0.2.3")

    assert mx.destinations("remote.test", resolver) == [
        mx.Destination("a.remote.test", "192.0.2.1"),
        mx.Destination("b.remote.test", "192.0.2.2"),
        mx.Destination("b.remote.test", "2001:db8::2"),
        mx.Destination("c.remote.test", "192.0.2.3"),
    ]


def test_a_domain_without_mx_gets_its_own_addresses(test_dns, resolver):
    test_dns.add("plain.test", "A", "192.0.2.9")
    test_dns.add("plain.test", "AAAA", "2001:db8::9")

    assert mx.destinations("plain.test", resolver) == [
        mx.Destination("plain.test", "192.0.2.9"),
        mx.Destination("plain.test", "2001:db8::9"),
    ]


def test_a_domain_that_does_not_exist_fails_for_good(test_dns, resolver):
    with pytest.raises(mx.LookupFailed) as failure:
        mx.destinations("nowhere.test", resolver)
    assert failure.value.permanent
    assert failure.value.status == "5.1.2"
    assert "nowhere.test does not exist" in failure.value.text


def test_a_domain_with_neither_mx_nor_address_fails_for_good(test_dns, resolver):
    test_dns.add("text-only.test", "TXT", "v=spf1 -all")
    with pytest.raises(mx.LookupFailed) as failure:
        mx.destinations("text-only.test", resolver)
    assert failure.value.permanent
    assert "no MX or address record" in failure.value.text


def test_a_null_mx_means_the_domain_takes_no_mail(test_dns, resolver):
    test_dns.add("nomail.test", "MX", (0, "."))
    test_dns.add("nomail.test", "A", "192.0.2.10")  # a web site, but no mail
    with pytest.raises(mx.LookupFailed) as failure:
        mx.destinations("nomail.test", resolver)
    assert failure.value.permanent
    assert failure.value.status == "5.1.10"
    assert "null MX" in failure.value.text


def test_a_server_failure_is_temporary(test_dns, resolver):
    test_dns.fail("broken.test")
    with pytest.raises(mx.LookupFailed) as failure:
        mx.destinations("broken.test", resolver)
    assert not failure.value.permanent
    assert failure.value.status == "4.4.3"


@pytest.mark.timeout(20)
def test_a_lookup_that_times_out_is_temporary(test_dns):
    test_dns.add("slow.test", "MX", (10, "mx.slow.test"))
    test_dns.delay("slow.test", 1.5)
    impatient = mx.make_resolver(test_dns.address, timeout=0.3, lifetime=0.6)
    with pytest.raises(mx.LookupFailed) as failure:
        mx.destinations("slow.test", impatient)
    assert not failure.value.permanent
    assert "timed out" in failure.value.text


def test_mx_hosts_that_do_not_resolve_are_skipped(test_dns, resolver):
    test_dns.add("remote.test", "MX", (10, "gone.remote.test"))
    test_dns.add("remote.test", "MX", (20, "backup.remote.test"))
    test_dns.add("backup.remote.test", "A", "192.0.2.20")

    assert mx.destinations("remote.test", resolver) == [
        mx.Destination("backup.remote.test", "192.0.2.20")
    ]


def test_mx_hosts_that_all_fail_to_resolve_are_retried_later(test_dns, resolver):
    test_dns.add("remote.test", "MX", (10, "gone.remote.test"))
    with pytest.raises(mx.LookupFailed) as failure:
        mx.destinations("remote.test", resolver)
    assert not failure.value.permanent
    assert "gone.remote.test" in failure.value.text


def test_an_address_literal_needs_no_lookup(test_dns, resolver):
    assert mx.destinations("[192.0.2.30]", resolver) == [
        mx.Destination("[192.0.2.30]", "192.0.2.30")
    ]
    assert mx.destinations("[IPv6:2001:db8::1]", resolver)[0].address == "2001:db8::1"


@pytest.mark.parametrize(("value", "expected"), [
    ("127.0.0.1:5353", ("127.0.0.1", 5353)),
    ("dns.example.net", ("dns.example.net", 53)),
    ("[::1]:5300", ("::1", 5300)),
    ("[::1]", ("::1", 53)),
    ("::1", ("::1", 53)),
])
def test_host_and_port_settings_are_parsed(value, expected):
    assert mx.parse_host_port(value, default_port=53) == expected


@pytest.mark.parametrize("value", ["", "host:", "host:port", "host:70000", "[::1]:x"])
def test_malformed_host_and_port_settings_are_refused(value):
    with pytest.raises(ValueError, match="expected host:port"):
        mx.parse_host_port(value, default_port=53)
