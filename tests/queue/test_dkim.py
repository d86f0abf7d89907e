"""DKIM keys: one per domain, made when the domain is created; the record to publish."""

import base64
import importlib

import dkim
import pytest
from cryptography.hazmat.primitives import serialization
from django.core.exceptions import ValidationError

from hostpanel.domains import services
from hostpanel.outbound.models import DkimKey
from hostpanel.outbound.services import create_dkim_key
from mailcore.queue import dkim as signing
from tests.conftest import PASSWORD

MESSAGE = (b"From: Jane <jane@example.com>\r\nTo: bob@remote.test\r\nSubject: hi\r\n"
           b"Date: Mon, 02 Jun 2025 10:00:00 +0000\r\n\r\nhello\r\n")


@pytest.mark.real_dkim_keys
def test_a_new_domain_gets_a_2048_bit_key_and_a_record_to_publish(db):
    domain = services.create_domain("shop.test", PASSWORD)

    key = DkimKey.objects.get(domain=domain)
    private = serialization.load_pem_private_key(key.private_key.encode(), password=None)
    assert private.key_size == 2048
    assert key.private_key.startswith("-----BEGIN RSA PRIVATE KEY-----")  # what dkimpy reads
    public = serialization.load_der_public_key(base64.b64decode(key.public_key))
    assert public.public_numbers() == private.public_key().public_numbers()
    assert key.dns_name == f"{key.selector}._domainkey.shop.test"
    assert key.dns_value == f"v=DKIM1; k=rsa; p={key.public_key}"


def test_a_domain_that_fails_validation_gets_no_key(db):
    with pytest.raises(ValidationError):
        services.create_domain("not a domain", PASSWORD)
    assert not DkimKey.objects.exists()


@pytest.mark.real_dkim_keys
def test_a_new_key_replaces_the_old_one(domain):
    old = domain.dkim_key.public_key
    key = create_dkim_key(domain)
    assert DkimKey.objects.filter(domain=domain).count() == 1
    assert key.public_key != old


def test_a_signed_message_verifies_against_the_published_key(test_dns):
    private_pem, public_b64 = signing.generate_key()
    test_dns.add("sel._domainkey.example.com", "TXT", f"v=DKIM1; k=rsa; p={public_b64}")

    signed = signing.sign(MESSAGE, "example.com", "sel", private_pem)

    assert signed.endswith(MESSAGE)
    assert dkim.verify(signed, dnsfunc=test_dns.dkim_dnsfunc())


def test_a_message_that_cannot_be_signed_goes_out_unsigned(caplog):
    assert signing.sign(MESSAGE, "example.com", "sel", "not a key") == MESSAGE
    assert "could not sign" in caplog.text


def test_domains_made_before_keys_existed_get_one_when_migrating(domain, domain_factory):
    from django.apps import apps

    migration = importlib.import_module(
        "hostpanel.outbound.migrations.0002_dkim_keys_for_existing_domains")
    other = domain_factory("other.test")
    kept = other.dkim_key.public_key
    DkimKey.objects.filter(domain=domain).delete()

    migration.add_missing_keys(apps, None)

    key = DkimKey.objects.get(domain=domain)
    signed = signing.sign(MESSAGE, "example.com", key.selector, key.private_key)
    assert signed != MESSAGE
    assert DkimKey.objects.get(domain=other).public_key == kept
