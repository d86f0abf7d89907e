"""Which addresses of a list the MX takes at RCPT."""

import pytest

from tests.smtp.helpers import RECIPIENT_OK, UNKNOWN_USER, connect, reply_code


def rcpt(server, address: str):
    with connect(server) as client:
        client.mail("bob@remote.test")
        return reply_code(client.rcpt(address))


@pytest.mark.parametrize("address", [
    "team@example.com", "TEAM@example.com", "team-subscribe@example.com",
    "team-unsubscribe@example.com", "team-request@example.com", "team-help@example.com",
    "team-owner@example.com", "team-index@example.com", "team-get-12@example.com",
    "team-confirm-sub-abc-def-bob=remote.test@example.com",
    "team-accept-post-abc-0123456789abcdef0123-0123456789abcdef0123456789abcdef@example.com",
    "team-reject-x@example.com", "team-return-12-bob=remote.test@example.com",
])
def test_the_list_and_its_service_addresses_are_accepted(mx, list_factory, address):
    list_factory()
    assert rcpt(mx, address) == RECIPIENT_OK


@pytest.mark.parametrize("address", [
    "team-bogus@example.com",  # no such service
    "team-confirm@example.com",  # a confirmation without its cookie
    "team-help-me@example.com",  # help takes no argument
    "team-digest-subscribe@example.com",  # the list has no digest
    "team-allow@example.com",  # ezmlm's allow list: reserved, not offered
    "teams@example.com",
])
def test_unknown_service_addresses_are_refused_as_unknown_users(mx, list_factory, address):
    list_factory()
    assert rcpt(mx, address) == UNKNOWN_USER


def test_a_catch_all_takes_free_names_but_not_a_lists_reserved_ones(mx, domain, list_factory):
    domain.catch_all = "jane"
    domain.save()
    list_factory(request_address=False)
    assert rcpt(mx, "team-lunch@example.com") == RECIPIENT_OK  # a free name: the catch-all's
    assert rcpt(mx, "team-request@example.com") == UNKNOWN_USER  # the list's, switched off
    assert rcpt(mx, "x=y@example.com") == UNKNOWN_USER  # no catch-all for non-account names


def test_the_digest_addresses_exist_when_the_list_has_a_digest(mx, list_factory):
    list_factory(digest=True)
    assert rcpt(mx, "team-digest-subscribe@example.com") == RECIPIENT_OK
