import re
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from mailcore.filters.spam import authres
from mailcore.queue import dkim as dkim_keys
from tests.net import DnsServer

MESSAGE = (
    b"From: Alice <alice@sender.test>\r\n"
    b"To: bob@ours.test\r\n"
    b"Subject: Minutes of the meeting\r\n"
    b"Date: Mon, 02 Feb 2026 10:00:00 +0000\r\n"
    b"Message-ID: <1@sender.test>\r\n"
    b"\r\n"
    b"The minutes are attached.\r\n"
)


def check(dns_server, raw=MESSAGE, **kwargs):
    kwargs.setdefault("from_domain", "sender.test")
    kwargs.setdefault("client_ip", "127.0.0.1")
    kwargs.setdefault("helo", "mail.sender.test")
    kwargs.setdefault("mail_from", "alice@sender.test")
    kwargs.setdefault("authserv_id", "mx.ours.test")
    return authres.check(raw, dns_server=dns_server.address, **kwargs)


def names(result):
    return {hit.name for hit in result.hits}


def signed(dns_server, raw=MESSAGE, domain="sender.test", selector="sel"):
    private_pem, public_key = dkim_keys.generate_key()
    dns_server.add(f"{selector}._domainkey.{domain}", "TXT", f"v=DKIM1; k=rsa; p={public_key}")
    return dkim_keys.signature_header(raw, domain, selector, private_pem) + raw


def test_spf_pass_is_a_small_bonus(dns_server):
    dns_server.add("sender.test", "TXT", "v=spf1 ip4:127.0.0.1 -all")
    result = check(dns_server)
    assert result.spf == "pass"
    assert "SPF_PASS" in names(result)
    assert result.header.startswith("mx.ours.test; spf=pass smtp.mailfrom=alice@sender.test; ")


@pytest.mark.parametrize(("record", "expected", "hit"), [
    ("v=spf1 ip4:127.0.0.1 -all", "fail", "SPF_FAIL"),
    ("v=spf1 ip4:127.0.0.1 ~all", "softfail", "SPF_SOFTFAIL"),
    ("v=spf1 ip4:127.0.0.1 ?all", "neutral", None),
    ("v=spf1 ip4:127.0.0.1 bogus -all", "permerror", None),
])
def test_spf_results_for_a_client_the_domain_does_not_list(dns_server, record, expected, hit):
    dns_server.add("sender.test", "TXT", record)
    result = check(dns_server, client_ip="127.0.0.9")
    assert result.spf == expected
    assert {name for name in names(result) if name.startswith("SPF")} == ({hit} if hit else set())
    assert f"spf={expected} smtp.mailfrom=alice@sender.test" in result.header


def test_spf_follows_includes_and_a_records_on_the_given_server(dns_server):
    dns_server.add("sender.test", "TXT", "v=spf1 include:_spf.provider.test -all")
    dns_server.add("_spf.provider.test", "TXT", "v=spf1 a:out.provider.test -all")
    dns_server.add("out.provider.test", "A", "127.0.0.5")
    assert check(dns_server, client_ip="127.0.0.5").spf == "pass"


def test_no_spf_record_is_none(dns_server):
    result = check(dns_server)
    assert result.spf == "none"
    assert not names(result)
    assert result.header == ("mx.ours.test; spf=none smtp.mailfrom=alice@sender.test; "
                             "dkim=none; dmarc=none header.from=sender.test")


@pytest.mark.parametrize("null_sender", ["", "<>"])
def test_the_null_sender_is_checked_by_its_helo_name(dns_server, null_sender):
    dns_server.add("mail.sender.test", "TXT", "v=spf1 ip4:127.0.0.1 -all")
    result = check(dns_server, mail_from=null_sender)
    assert result.spf == "pass"
    assert "spf=pass smtp.helo=mail.sender.test" in result.header


def test_a_slow_dns_server_gives_temperror_within_the_timeout(dns_server):
    dns_server.add("sender.test", "TXT", "v=spf1 ip4:127.0.0.1 -all")
    dns_server.delay("sender.test", 3)
    dns_server.delay("_dmarc.sender.test", 3)
    started = time.monotonic()
    result = check(dns_server, timeout=0.5)
    assert time.monotonic() - started < 1.5
    assert (result.spf, result.dmarc) == ("temperror", "temperror")
    assert not names(result)


def test_every_lookup_shares_one_deadline(dns_server):
    raw = signed(dns_server)
    for name in ("sender.test", "sel._domainkey.sender.test", "_dmarc.sender.test"):
        dns_server.delay(name, 3)
    started = time.monotonic()
    result = check(dns_server, raw, timeout=0.6)
    assert time.monotonic() - started < 1.5
    assert (result.spf, result.dkim, result.dmarc) == ("temperror", "temperror", "temperror")


def test_an_unreachable_dns_server_gives_temperror():
    server = DnsServer()
    server.stop()  # nothing listens on its port any more
    result = check(server, timeout=0.5)
    assert (result.spf, result.dmarc) == ("temperror", "temperror")


def test_a_valid_dkim_signature_of_the_author_domain(dns_server):
    result = check(dns_server, signed(dns_server))
    assert result.dkim == "pass"
    assert "DKIM_VALID_AU" in names(result)
    assert "dkim=pass header.d=sender.test header.s=sel" in result.header


def test_a_signature_of_another_domain_is_valid_but_not_the_author(dns_server):
    result = check(dns_server, signed(dns_server, domain="esp.test"))
    assert result.dkim == "pass"
    assert "DKIM_VALID_AU" not in names(result)


def test_an_altered_body_breaks_the_signature(dns_server):
    raw = signed(dns_server).replace(b"attached", b"ATTACHED")
    result = check(dns_server, raw)
    assert result.dkim == "fail"
    assert "DKIM_INVALID" in names(result)
    assert "dkim=fail header.d=sender.test header.s=sel" in result.header


def test_a_signature_without_a_published_key_is_a_permerror(dns_server):
    raw = signed(dns_server)
    dns_server.remove("sel._domainkey.sender.test")
    result = check(dns_server, raw)
    assert result.dkim == "permerror"
    assert "DKIM_INVALID" in names(result)


def test_dmarc_passes_with_aligned_dkim_even_when_spf_fails(dns_server):
    dns_server.add("sender.test", "TXT", "v=spf1 ip4:127.0.0.1 -all")
    dns_server.add("_dmarc.sender.test", "TXT", "v=DMARC1; p=reject; rua=mailto:d@sender.test")
    result = check(dns_server, signed(dns_server), client_ip="127.0.0.9")
    assert (result.spf, result.dkim, result.dmarc) == ("fail", "pass", "pass")
    assert "DMARC_REJECT" not in names(result)
    assert result.header.endswith("; dmarc=pass (p=reject) header.from=sender.test")


def test_dmarc_fails_with_reject_when_nothing_aligns(dns_server):
    dns_server.add("sender.test", "TXT", "v=spf1 ip4:127.0.0.1 -all")
    dns_server.add("_dmarc.sender.test", "TXT", "v=DMARC1; p=reject")
    result = check(dns_server, signed(dns_server, domain="esp.test"), client_ip="127.0.0.9")
    assert result.dmarc == "fail"
    assert names(result) == {"SPF_FAIL", "DMARC_REJECT"}
    assert sum(hit.score for hit in result.hits) == 7.0
    assert result.header.endswith("; dmarc=fail (p=reject) header.from=sender.test")


def test_dmarc_passes_with_spf_of_a_subdomain_under_relaxed_alignment(dns_server):
    dns_server.add("bounces.sender.test", "TXT", "v=spf1 ip4:127.0.0.1 -all")
    dns_server.add("_dmarc.sender.test", "TXT", "v=DMARC1; p=quarantine")
    assert check(dns_server, mail_from="b@bounces.sender.test").dmarc == "pass"
    dns_server.remove("_dmarc.sender.test")
    dns_server.add("_dmarc.sender.test", "TXT", "v=DMARC1; p=quarantine; aspf=s")
    authres.clear_cache()  # the old record would be cached for its TTL
    result = check(dns_server, mail_from="b@bounces.sender.test")
    assert result.dmarc == "fail"
    assert "DMARC_QUARANTINE" in names(result)


def test_a_subdomain_without_a_record_takes_the_organisational_sp_policy(dns_server):
    dns_server.add("_dmarc.sender.test", "TXT", "v=DMARC1; p=reject; sp=none")
    result = check(dns_server, from_domain="news.sender.test")
    assert (result.dmarc, result.dmarc_policy) == ("fail", "none")
    assert "DMARC_NONE" in names(result)
    assert queries_of(dns_server, "_dmarc.news.sender.test")


def queries_of(dns_server, name):
    return [query for query in dns_server.zone.queries if query[0] == name]


def test_a_key_lookup_timeout_makes_dmarc_temperror_not_fail(dns_server):
    dns_server.add("_dmarc.sender.test", "TXT", "v=DMARC1; p=reject")
    raw = signed(dns_server)
    dns_server.delay("sel._domainkey.sender.test", 3)
    result = check(dns_server, raw, timeout=0.5)
    assert (result.dkim, result.dmarc) == ("temperror", "temperror")
    assert "DMARC_REJECT" not in names(result)


@pytest.mark.parametrize("raw", [
    b"",
    b"\x00\xff\xfe garbage without headers",
    b"DKIM-Signature: v=1; a=rsa-sha256; d=; s=\r\nFrom: a@sender.test\r\n\r\nbody\r\n",
    b"DKIM-Signature: nonsense\r\n\r\n",
    b"From: a@sender.test\r\n" + b"DKIM-Signature: v=1\r\n" * 100 + b"\r\n",
])
def test_malformed_messages_give_results_not_exceptions(dns_server, raw):
    dns_server.add("_dmarc.sender.test", "TXT", "v=DMARC1; p=quarantine")
    result = check(dns_server, raw)
    assert result.dkim in ("none", "permerror", "fail")
    assert len(result.signatures) <= authres.MAX_SIGNATURES
    assert result.dmarc == "fail"


def test_a_signature_with_broken_base64_fails_without_an_exception(dns_server):
    raw = re.sub(rb"bh=[^;]+;", b"bh=ab=c;", signed(dns_server))  # passes dkimpy's own check
    result = check(dns_server, raw)
    assert result.dkim == "fail"
    assert "DKIM_INVALID" in names(result)


def test_hostile_identities_cannot_break_the_header(dns_server):
    result = check(dns_server, from_domain="x\r\nX-Evil: 1", helo="a; dmarc=pass",
                   mail_from="", client_ip="not an ip")
    assert "\r" not in result.header and "\n" not in result.header
    assert 'smtp.helo="a; dmarc=pass"' in result.header
    assert (result.spf, result.dmarc) == ("none", "none")


def test_concurrent_checks_use_their_own_dns_servers(dns_server):
    other = DnsServer()
    try:
        dns_server.add("sender.test", "TXT", "v=spf1 ip4:127.0.0.1 -all")
        other.add("sender.test", "TXT", "v=spf1 -all")
        with ThreadPoolExecutor(8) as pool:
            results = list(pool.map(lambda server: check(server).spf,
                                    [dns_server, other] * 8))
    finally:
        other.stop()
    assert results == ["pass", "fail"] * 8


@pytest.mark.parametrize(("domain", "organisational"), [
    ("mail.example.co.uk", "example.co.uk"),
    ("a.b.example.com", "example.com"),
    ("example.com", "example.com"),
    ("news.sender.test", "sender.test"),
])
def test_organisational_domains(domain, organisational):
    assert authres.organisational_domain(domain) == organisational


def test_organisational_domains_without_the_public_suffix_list(monkeypatch, tmp_path):
    monkeypatch.setattr(authres, "PUBLIC_SUFFIX_LIST", tmp_path / "missing.dat")
    monkeypatch.setattr(authres, "_suffix_cache", [])
    assert authres.organisational_domain("mail.example.co.uk") == "example.co.uk"
    assert authres.organisational_domain("a.b.example.com") == "example.com"


def test_answers_are_cached_and_a_timed_out_name_is_not_asked_again_at_once(dns_server):
    dns_server.add("sender.test", "TXT", "v=spf1 ip4:127.0.0.1 -all")
    dns_server.add("_dmarc.sender.test", "TXT", "v=DMARC1; p=reject")
    assert check(dns_server).spf == "pass"
    asked = len(dns_server.zone.queries)
    assert check(dns_server).spf == "pass"
    assert len(dns_server.zone.queries) == asked  # all from the cache

    dns_server.zone.slow["slow.test"] = 2.0
    started = time.monotonic()
    assert check(dns_server, mail_from="a@slow.test", timeout=0.5).spf == "temperror"
    asked = len(dns_server.zone.queries)
    assert check(dns_server, mail_from="a@slow.test", timeout=0.5).spf == "temperror"
    assert len(dns_server.zone.queries) == asked
    assert time.monotonic() - started < 1.5
