"""What the operator and the panel see of the outbound side."""

import pytest
from django.contrib.auth import get_user_model

from hostpanel.outbound.services import queue_for_domain
from mailcore.queue import delivery
from tests.conftest import PASSWORD
from tests.queue.helpers import enqueue


@pytest.fixture
def operator(db):
    return get_user_model().objects.create_superuser("admin", PASSWORD)


def test_the_queue_of_a_domain_lists_its_waiting_messages_with_their_errors(
    jane, domain_factory, remote
):
    other = domain_factory("other.test")
    remote.answer_rcpt("bob@remote.test", "451 4.2.0 mailbox busy")
    waiting = enqueue()
    delivered = enqueue(recipients=["carol@remote.test"])
    elsewhere = enqueue(sender="postmaster@other.test", domain="other.test")
    for queue_id in (waiting, delivered):
        delivery.attempt(queue_id)

    [message] = queue_for_domain(jane.domain)
    assert message.pk == waiting
    [recipient] = message.recipients.all()
    assert (recipient.state, recipient.last_error) == (
        "deferred", "mx.remote.test: 451 4.2.0 mailbox busy")
    assert [m.pk for m in queue_for_domain(other)] == [elsewhere]
    assert {m.pk for m in queue_for_domain()} == {waiting, elsewhere}  # the operator's view


def test_the_operator_sees_the_queue_read_only_in_the_admin(client, operator, jane, remote):
    remote.answer_rcpt("bob@remote.test", "451 4.2.0 mailbox busy")
    queue_id = enqueue()
    delivery.attempt(queue_id)
    client.force_login(operator)

    listing = client.get("/admin/outbound/outboundmessage/").content.decode()
    assert queue_id in listing
    page = client.get(f"/admin/outbound/outboundmessage/{queue_id}/change/").content.decode()
    assert "451 4.2.0 mailbox busy" in page
    assert 'name="sender"' not in page  # nothing to edit
    assert client.get("/admin/outbound/outboundmessage/add/").status_code == 403


def test_the_admin_shows_the_dkim_record_but_never_the_private_key(client, operator, domain):
    key = domain.dkim_key
    client.force_login(operator)
    page = client.get(f"/admin/outbound/dkimkey/{key.pk}/change/").content.decode()
    assert key.dns_name in page
    assert key.public_key in page
    assert "PRIVATE KEY" not in page
    assert key.private_key.splitlines()[1] not in page


def test_malformed_outbound_settings_are_reported_at_start(settings):
    from django.core import checks

    settings.HOSTPANEL_SMARTHOST = "relay.example.net:smtp"
    settings.HOSTPANEL_DNS = "127.0.0.1:99999"
    settings.HOSTPANEL_SMTP_DELIVERY_PORT = 0
    settings.HOSTPANEL_QUEUE_LIFETIME_DAYS = 0
    found = {error.id: error.msg for error in checks.run_checks()
             if error.id.startswith("outbound.")}
    assert found == {
        "outbound.E001": "HOSTPANEL_SMARTHOST must be host:port (or [IPv6 address]:port), "
                         "not 'relay.example.net:smtp'.",
        "outbound.E002": "HOSTPANEL_DNS must be host:port (or [IPv6 address]:port), "
                         "not '127.0.0.1:99999'.",
        "outbound.E003": "HOSTPANEL_SMTP_DELIVERY_PORT must be a port number, not 0.",
        "outbound.E004": "HOSTPANEL_QUEUE_LIFETIME_DAYS must be at least 1.",
    }


def test_the_default_outbound_settings_pass_the_checks():
    from django.core import checks

    assert not [e for e in checks.run_checks() if e.id.startswith("outbound.")]
