"""The quarantine's retention: the beat task deletes exactly the entries older than it."""

from datetime import timedelta

import pytest
from django.utils import timezone

from hostpanel.celery import app
from hostpanel.quarantine import services, tasks
from hostpanel.quarantine.models import QuarantinedMessage
from mailcore.filters import quarantine

PURGE_TASK = "hostpanel.quarantine.tasks.purge_quarantine"


def put(folder, age: timedelta, domains=("example.com",), virus="Eicar-Test-Signature"):
    infected = quarantine.Infected(sender="bob@remote.test", recipients=("jane@example.com",),
                                   virus=virus, client_ip="192.0.2.1", domains=domains)
    return quarantine.store(folder, b"Subject: x\r\n\r\nbody\r\n", infected,
                            now=timezone.now() - age)


def files(folder) -> set[str]:
    return {path.name for path in (folder / "messages").iterdir()}


def test_the_purge_deletes_exactly_the_entries_older_than_the_retention(
        db, domain, settings, quarantine_dir):
    settings.HOSTPANEL_QUARANTINE_DAYS = 4
    old = put(quarantine_dir, timedelta(days=4, minutes=1))
    older = put(quarantine_dir, timedelta(days=30))
    recent = put(quarantine_dir, timedelta(days=3, hours=23, minutes=59))
    new = put(quarantine_dir, timedelta(0))
    assert tasks.purge_quarantine() == 2
    remaining = set(QuarantinedMessage.objects.values_list("entry_id", flat=True))
    assert remaining == {recent, new}
    assert files(quarantine_dir) == {f"{recent}.eml", f"{recent}.json", f"{new}.eml",
                                     f"{new}.json"}
    assert old not in remaining and older not in remaining


def test_the_retention_is_configurable(db, domain, settings, quarantine_dir):
    settings.HOSTPANEL_QUARANTINE_DAYS = 1
    put(quarantine_dir, timedelta(days=1, minutes=1))
    kept = put(quarantine_dir, timedelta(hours=23))
    assert services.purge_quarantine() == 1
    assert list(QuarantinedMessage.objects.values_list("entry_id", flat=True)) == [kept]


def test_an_entry_of_two_domains_keeps_its_file_until_both_rows_are_deleted(
        db, domain, domain_factory, quarantine_dir):
    domain_factory("other.test")
    entry = put(quarantine_dir, timedelta(0), domains=("example.com", "other.test"))
    first, second = QuarantinedMessage.objects.order_by("domain__name")
    services.delete_entry(first)
    assert files(quarantine_dir) == {f"{entry}.eml", f"{entry}.json"}
    assert services.read_message(second).endswith(b"body\r\n")
    services.delete_entry(second)
    assert files(quarantine_dir) == set()
    assert QuarantinedMessage.objects.count() == 0


def test_a_failed_record_leaves_no_file(db, quarantine_dir):
    class Broken:
        def record_quarantine(self, *args, **kwargs):
            raise RuntimeError("database down")

    infected = quarantine.Infected("bob@remote.test", ("jane@example.com",), "X", "", ())
    with pytest.raises(RuntimeError):
        quarantine.store(quarantine_dir, b"data", infected, directory=Broken())
    assert files(quarantine_dir) == set()


def test_the_beat_schedule_purges_the_quarantine_every_hour():
    [entry] = [e for e in app.conf.beat_schedule.values() if e["task"] == PURGE_TASK]
    assert entry["schedule"].minute == {29}
    assert entry["schedule"].hour == set(range(24))
