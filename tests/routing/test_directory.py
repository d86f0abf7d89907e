"""The directory functions routing and submission use (database, no sockets)."""

import threading
from datetime import timedelta

from django.db import connections
from django.utils import timezone

from hostpanel.routing.models import AutoReplySent, Forward
from mailcore import directory

HOUR = timedelta(hours=1)


def test_a_reply_is_claimed_once_per_interval(db):
    assert directory.claim_auto_reply("jane@example.com", "Bob@Remote.test", HOUR)
    assert not directory.claim_auto_reply("jane@example.com", "bob@remote.test", HOUR)
    assert directory.claim_auto_reply("jane@example.com", "carol@remote.test", HOUR)
    assert directory.claim_auto_reply("help@example.com", "bob@remote.test", HOUR)
    AutoReplySent.objects.filter(sender="bob@remote.test").update(
        sent_at=timezone.now() - 2 * HOUR)
    assert directory.claim_auto_reply("jane@example.com", "bob@remote.test", HOUR)
    assert AutoReplySent.objects.count() == 3


def test_an_interval_of_zero_answers_every_time(db):
    assert directory.claim_auto_reply("jane@example.com", "bob@remote.test", timedelta(0))
    assert directory.claim_auto_reply("jane@example.com", "bob@remote.test", timedelta(0))


def test_of_concurrent_claims_exactly_one_wins(transactional_db):
    results, barrier = [], threading.Barrier(6)

    def claim():
        try:
            barrier.wait(5)
            results.append(directory.claim_auto_reply("jane@example.com", "bob@remote.test",
                                                      HOUR))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=claim) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert sorted(results) == [False] * 5 + [True]


def test_an_account_may_send_as_itself_and_its_forwards(domain, jane, domain_factory):
    Forward.objects.create(domain=domain, local_part="info", targets=["JANE@example.com"])
    Forward.objects.create(domain=domain, local_part="sales", targets=["janet@example.com"])
    other = domain_factory("other.example")
    Forward.objects.create(domain=other, local_part="j", targets=["x@remote.test",
                                                                   "jane@example.com"])
    assert directory.sender_addresses("jane@example.com") == {
        "jane@example.com", "info@example.com", "j@other.example"}


def test_postmaster_goes_to_the_host_names_domain_or_the_first_domain(db, domain_factory):
    assert directory.postmaster_address("mx.example.com") is None
    domain_factory("first.example")
    domain_factory("example.com")
    assert directory.postmaster_address("mx.example.com") == "postmaster@example.com"
    assert directory.postmaster_address("example.com") == "postmaster@example.com"
    assert directory.postmaster_address("localhost") == "postmaster@first.example"
