"""The daily counters over real SMTP: received, spam caught, viruses blocked, per domain."""

import logging

import pytest
from django.db import OperationalError
from django.utils import timezone

from hostpanel.dashboard.models import DailyMailCount
from mailcore import directory
from tests.filters import messages
from tests.routing.helpers import inbox
from tests.smtp.helpers import DELIVERED, UNKNOWN_USER, message, send

GTUBE = "XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X"


def counts(name="example.com") -> tuple[int, int, int]:
    row = DailyMailCount.objects.filter(domain__name=name, day=timezone.localdate()).first()
    return (row.received, row.spam, row.viruses) if row else (0, 0, 0)


class BrokenManager:
    def filter(self, *args, **kwargs):
        raise OperationalError("database is locked")

    get_or_create = filter


def test_count_mail_makes_todays_row_then_adds_with_one_query(domain,
                                                              django_assert_num_queries):
    directory.count_mail("example.com", received=1, spam=1)
    with django_assert_num_queries(1):
        directory.count_mail("Example.COM", received=2, viruses=1)
    assert counts() == (3, 1, 1)
    assert DailyMailCount.objects.count() == 1


def test_count_mail_ignores_a_domain_not_hosted_and_empty_changes(db,
                                                                  django_assert_num_queries):
    directory.count_mail("nowhere.example", received=1)
    with django_assert_num_queries(0):
        directory.count_mail("example.com")
    assert DailyMailCount.objects.count() == 0


def test_count_mail_logs_a_database_error_instead_of_raising(domain, monkeypatch, caplog):
    monkeypatch.setattr(DailyMailCount, "objects", BrokenManager())
    with caplog.at_level(logging.ERROR, logger="mailcore.directory"):
        directory.count_mail("example.com", received=1)
    assert "mail counters of example.com not updated" in caplog.text


@pytest.fixture
def server(start_smtp, jane, account_factory, domain, domain_factory):
    account_factory(domain, "john")
    account_factory(domain_factory("other.org"), "ann")
    return start_smtp()


def test_a_message_counts_once_per_hosted_recipient_domain(server):
    to = ("jane@example.com", "john@example.com", "ann@other.org")
    assert send(server, message(), to=to)[-1] == DELIVERED
    assert send(server, message(), to=("jane@example.com",))[-1] == DELIVERED
    assert counts("example.com") == (2, 0, 0)
    assert counts("other.org") == (1, 0, 0)


def test_a_refused_message_is_not_counted(server):
    replies = send(server, message(), to=("nobody@example.com",))
    assert replies[1] == UNKNOWN_USER
    assert counts() == (0, 0, 0)


def test_spam_held_in_the_spam_account_counts_as_received_and_as_spam(server):
    to = ("jane@example.com", "john@example.com", "ann@other.org")
    assert send(server, message(body=GTUBE + "\r\n"), to=to)[-1] == DELIVERED
    assert len(inbox("spam@example.com")) == 2  # a copy per original recipient
    assert counts("example.com") == (1, 2, 0)
    assert counts("other.org") == (1, 1, 0)


def test_an_infected_message_counts_as_a_virus_for_each_recipient_domain(start_smtp, clamd,
                                                                         quarantine_dir, jane,
                                                                         account_factory,
                                                                         domain_factory):
    account_factory(domain_factory("other.org"), "ann")
    server = start_smtp(clamd=clamd.setting, clamd_timeout=10, quarantine=quarantine_dir)
    replies = send(server, messages.eicar_plain(), to=("jane@example.com", "ann@other.org"))
    assert replies[-1] == (554, "5.7.1")
    assert counts("example.com") == (0, 0, 1)
    assert counts("other.org") == (0, 0, 1)
    assert send(server, message(), to=("jane@example.com",))[-1] == DELIVERED
    assert counts("example.com") == (1, 0, 1)


def test_a_broken_counter_never_fails_a_message(server, monkeypatch, caplog):
    monkeypatch.setattr(DailyMailCount, "objects", BrokenManager())
    with caplog.at_level(logging.ERROR, logger="mailcore.directory"):
        assert send(server, message(subject="Still here"), to=("jane@example.com",))[-1] \
            == DELIVERED
    [stored] = inbox("jane@example.com")
    assert b"Subject: Still here" in stored
    assert "mail counters of example.com not updated" in caplog.text
