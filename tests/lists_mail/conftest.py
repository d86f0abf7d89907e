"""Fixtures of the mailing-list mail tests: the MX in-process, remote.test's MX is the sink."""

import pytest
from django.core.cache import cache

from hostpanel.lists import services

# The SMTP tests' fixtures, shared: start_smtp, the test CA and its certificate.
from tests.smtp.conftest import (  # noqa: F401
    ca,
    client_tls_context,
    jane_maildir,
    start_smtp,
    tls_files,
)


@pytest.fixture(autouse=True)
def _list_files(settings, tmp_path):
    """Each test gets its own list folder and fresh notice counters."""
    settings.HOSTPANEL_LISTS = tmp_path / "lists"
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def remote(test_dns, sink):
    """remote.test and strict.test (DMARC p=reject): their MX is the sink."""
    test_dns.add_mail_domain("remote.test")
    test_dns.add_mail_domain("strict.test")
    test_dns.add("_dmarc.strict.test", "TXT", "v=DMARC1; p=reject")
    test_dns.add("strict.test", "TXT", "v=spf1 ip4:127.0.0.1 -all")
    return sink


@pytest.fixture
def mx(start_smtp, jane, remote):  # noqa: F811 (a fixture, imported above)
    return start_smtp()


@pytest.fixture
def tls_mx(start_smtp, tls_files, jane, remote):  # noqa: F811 (fixtures, imported above)
    """The MX and the submission listener, with the test CA's certificate."""
    cert, key = tls_files
    return start_smtp(tls_cert=cert, tls_key=key)


@pytest.fixture
def list_factory(domain):
    def make(name="team", *, subscribers=(), moderators=(), **options):
        mailing_list = services.create_list(domain, name, **options)
        for address in subscribers:
            services.add_member(mailing_list, address)
        for address in moderators:
            services.add_member(mailing_list, address, "moderator")
        return mailing_list

    return make
