"""SRS: forwarded mail leaves with a sender of ours that bounces can be traced back through."""

import dkim
import pytest
from django.conf import settings

from mailcore.queue import delivery, srs
from mailcore.queue.dkim import generate_key
from tests.net import run_queue
from tests.queue.helpers import enqueue, message

SECRET = b"test secret"
TODAY = 20_000  # days since 1970


def test_an_address_survives_the_round_trip():
    rewritten = srs.rewrite("alice@elsewhere.test", "example.com", SECRET, day=TODAY)
    local, _, domain = rewritten.rpartition("@")
    assert domain == "example.com"
    assert local.startswith("SRS0=") and local.endswith("=elsewhere.test=alice")
    assert srs.unwrap(local, SECRET, day=TODAY) == "alice@elsewhere.test"


def test_relays_that_lower_case_the_address_do_not_break_it():
    rewritten = srs.rewrite("Alice.B@Elsewhere.test", "example.com", SECRET, day=TODAY)
    local = rewritten.rpartition("@")[0]
    assert srs.unwrap(local.lower(), SECRET, day=TODAY) == "alice.b@elsewhere.test"


@pytest.mark.parametrize("tamper", [
    lambda parts: [parts[0], "AAAAAA", *parts[2:]],  # another hash
    lambda parts: [*parts[:3], "mallory"],  # another local part
    lambda parts: [*parts[:2], "victim.test", parts[3]],  # another domain
    lambda parts: [parts[0], parts[1], "AA", *parts[3:]],  # another day
])
def test_a_tampered_srs_address_is_refused(tamper):
    local = srs.rewrite("alice@elsewhere.test", "example.com", SECRET, day=TODAY).split("@")[0]
    prefix, rest = local.split("=", 1)
    tampered = "=".join([prefix, *tamper(rest.split("=", 3))])
    assert tampered != local
    assert srs.unwrap(tampered, SECRET, day=TODAY) is None


def test_an_srs_address_made_with_another_secret_is_refused():
    local = srs.rewrite("alice@elsewhere.test", "example.com", b"other", day=TODAY).split("@")[0]
    assert srs.unwrap(local, SECRET, day=TODAY) is None


def test_an_srs_address_is_valid_for_three_weeks():
    local = srs.rewrite("alice@elsewhere.test", "example.com", SECRET, day=TODAY).split("@")[0]
    assert srs.unwrap(local, SECRET, day=TODAY + 21) == "alice@elsewhere.test"
    assert srs.unwrap(local, SECRET, day=TODAY + 22) is None


@pytest.mark.parametrize("local", ["SRS0", "SRS0=", "SRS0=abc", "SRS0=a=b=c", "SRS1=x=y=z=w",
                                   "alice", "SRS0=====", ""])
def test_malformed_srs_addresses_are_refused(local):
    assert srs.unwrap(local, SECRET, day=TODAY) is None


def test_senders_that_need_no_rewriting_are_kept():
    assert srs.rewrite("", "example.com", SECRET) == ""  # the null sender
    ours = srs.rewrite("alice@elsewhere.test", "example.com", SECRET)
    assert srs.rewrite(ours, "example.com", SECRET) == ours  # not wrapped twice
    assert srs.rewrite('"a b"@elsewhere.test', "example.com", SECRET) == '"a b"@elsewhere.test'
    assert srs.rewrite("a%b@elsewhere.test", "example.com", SECRET) == "a%b@elsewhere.test"


def test_reverse_accepts_srs_addresses_of_hosted_domains_and_the_host_name(db, domain, settings):
    settings.HOSTPANEL_HOSTNAME = "mx.hosting.test"
    secret = settings.SECRET_KEY.encode()
    for srs_domain in ("example.com", "mx.hosting.test"):
        address = srs.rewrite("alice@elsewhere.test", srs_domain, secret)
        assert srs.reverse(address) == "alice@elsewhere.test"
        assert srs.reverse(f"<{address.upper()}>").lower() == "alice@elsewhere.test"


def test_reverse_refuses_srs_addresses_of_other_domains_and_forgeries(db, domain):
    secret = settings.SECRET_KEY.encode()
    foreign = srs.rewrite("alice@elsewhere.test", "forwarder.test", secret)
    assert srs.reverse(foreign) is None  # not one of our domains
    forged = srs.rewrite("alice@elsewhere.test", "example.com", b"guessed secret")
    assert srs.reverse(forged) is None
    assert srs.reverse("jane@example.com") is None
    assert srs.reverse("SRS0=@example.com") is None
    assert srs.reverse("not an address") is None


def test_forwarded_mail_leaves_with_an_srs_sender_and_its_original_signature(
    jane, remote, test_dns
):
    # alice@elsewhere.test signed her message; example.com forwards it to bob@remote.test.
    private_pem, public_b64 = generate_key()
    test_dns.add("s1._domainkey.elsewhere.test", "TXT", f"v=DKIM1; k=rsa; p={public_b64}")
    original = message(sender="alice@elsewhere.test").replace(b"\n", b"\r\n")
    signed = dkim.sign(original, b"s1", b"elsewhere.test", private_pem.encode()) + original
    enqueue(signed, sender="alice@elsewhere.test", origin="forward", domain="example.com")

    run_queue()

    [received] = remote.messages
    assert received.mail_from.startswith("SRS0=")
    assert received.mail_from.endswith("=elsewhere.test=alice@example.com")
    assert srs.reverse(received.mail_from) == "alice@elsewhere.test"
    assert received.data.count(b"DKIM-Signature:") == 1  # alice's, none added by us
    assert dkim.verify(received.data, dnsfunc=test_dns.dkim_dnsfunc())


def test_forwarded_mail_of_a_hosted_sender_keeps_its_sender(jane, remote):
    delivery.attempt(enqueue(sender="jane@example.com", origin="forward", domain="example.com"))
    assert remote.messages[0].mail_from == "jane@example.com"


def test_mail_forwarded_by_another_forwarder_is_wrapped_again(jane, remote):
    theirs = srs.rewrite("alice@elsewhere.test", "forwarder.test", b"their secret")
    delivery.attempt(enqueue(sender=theirs, origin="forward", domain="example.com"))
    mail_from = remote.messages[0].mail_from
    assert mail_from.endswith("@example.com")
    assert srs.reverse(mail_from) == theirs  # the bounce goes back through forwarder.test
