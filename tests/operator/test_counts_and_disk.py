"""The outbound queue, the filters' counts and the disk use, as numbers on the page."""

import shutil
from collections import namedtuple
from datetime import timedelta

from django.utils import timezone

from hostpanel.operator import disk
from hostpanel.outbound.models import OutboundMessage, OutboundRecipient
from hostpanel.quarantine.models import QuarantinedMessage
from hostpanel.spam.models import CaughtSpam
from tests.operator.helpers import page_text, section


def _queued(queue_id, age, *recipients, done=False, domain=None):
    now = timezone.now()
    message = OutboundMessage.objects.create(
        queue_id=queue_id, domain=domain, origin=OutboundMessage.SUBMISSION,
        sender="jane@example.com", size=1200, created_at=now - age,
        expires_at=now + timedelta(days=5), done=done)
    for address, state, error, updated in recipients:
        OutboundRecipient.objects.create(message=message, address=address, state=state,
                                         last_error=error, updated_at=now - updated)
    return message


def test_the_queue_numbers_come_from_the_outbound_records(operator_client, domain):
    hour = timedelta(hours=1)
    _queued("q-new", timedelta(minutes=5),
            ("bob@remote.test", OutboundRecipient.PENDING, "", timedelta(0)), domain=domain)
    _queued("q-old", timedelta(hours=5, minutes=3),
            ("ann@slow.test", OutboundRecipient.DEFERRED,
             "451 4.3.0 mx.slow.test: try again later", hour))
    _queued("q-failed", 3 * hour,
            ("nobody@gone.test", OutboundRecipient.FAILED,
             "550 5.1.1 mx.gone.test: no such user", 2 * hour), done=True)
    _queued("q-failed-long-ago", timedelta(days=3),
            ("old@gone.test", OutboundRecipient.FAILED, "550 5.1.1 old failure",
             timedelta(days=2)), done=True)
    _queued("q-sent", hour, ("ok@fine.test", OutboundRecipient.DELIVERED, "", hour), done=True)

    response = operator_client.get("/status/")
    assert section(response, "queue") == (
        "Messages waiting 2 Deferred 1 Oldest 5\xa0hours, 3\xa0minutes old "
        "Failed in the last 24 hours 1")
    errors = section(response, "delivery-errors")
    assert errors.index("ann@slow.test") < errors.index("nobody@gone.test") < errors.index(
        "old@gone.test")
    assert "451 4.3.0 mx.slow.test: try again later" in errors
    assert "550 5.1.1 mx.gone.test: no such user" in errors
    assert "bob@remote.test" not in errors and "ok@fine.test" not in errors


def test_an_empty_queue_says_so(operator_client):
    response = operator_client.get("/status/")
    assert section(response, "queue") == (
        "Messages waiting 0 Deferred 0 Oldest none waiting Failed in the last 24 hours 0")
    assert "No delivery errors." in page_text(response)


def test_only_the_last_ten_delivery_errors_are_listed(operator_client):
    for number in range(12):
        _queued(f"q{number}", timedelta(hours=1),
                (f"r{number}@remote.test", OutboundRecipient.DEFERRED, f"451 error {number}",
                 timedelta(minutes=number)))
    errors = section(operator_client.get("/status/"), "delivery-errors")
    assert "r0@remote.test" in errors and "r9@remote.test" in errors
    assert "r10@remote.test" not in errors and "r11@remote.test" not in errors


def test_the_filter_counts_show_the_last_day_and_everything_kept(operator_client, domain,
                                                                  domain_factory):
    other = domain_factory("other.org")
    now = timezone.now()
    for entry, domains, age in (("e1", [domain, other], timedelta(hours=2)),
                                ("e2", [domain], timedelta(days=2))):
        for owner in domains:
            QuarantinedMessage.objects.create(domain=owner, entry_id=entry, virus="Eicar",
                                              path=f"{entry}.eml", created_at=now - age)
    for age in (timedelta(minutes=1), timedelta(hours=23), timedelta(days=3)):
        CaughtSpam.objects.create(domain=domain, recipient="jane@example.com", score=9.0,
                                  filename="x", created_at=now - age)
    assert section(operator_client.get("/status/"), "filters") == (
        "Quarantined messages 1 in the last 24 hours, 2 kept "
        "Caught spam 2 in the last 24 hours, 3 kept")


def test_the_folders_sizes_and_the_free_space_are_shown(operator_client, settings):
    mail = settings.HOSTPANEL_MAIL_ROOT / "example.com" / "jane" / "new"
    mail.mkdir(parents=True)
    (mail / "1").write_bytes(b"x" * 3000)
    (mail / "2").write_bytes(b"y" * 2000)
    settings.HOSTPANEL_SPOOL.mkdir()
    response = operator_client.get("/status/")
    folders = section(response, "folders")
    assert f"Mail root {settings.HOSTPANEL_MAIL_ROOT} 4.9\xa0KB 2" in folders
    assert f"Outbound spool {settings.HOSTPANEL_SPOOL} 0\xa0bytes 0" in folders
    assert f"Quarantine {settings.HOSTPANEL_QUARANTINE} missing" in folders
    filesystems = section(response, "filesystems")
    assert "Mail root, Outbound spool, Quarantine, Mailing lists" in filesystems
    assert "free of" in filesystems and "% free)" in filesystems
    assert "Less than 10% free." not in page_text(response)


def test_a_filesystem_with_less_than_a_tenth_free_is_a_warning(operator_client, monkeypatch):
    usage = namedtuple("usage", "total used free")
    monkeypatch.setattr(shutil, "disk_usage", lambda path: usage(1000 * 2**30, 950 * 2**30,
                                                                 50 * 2**30))
    response = operator_client.get("/status/")
    assert "50.0\xa0GB free of 1000.0\xa0GB (5% free) Less than 10% free." in section(
        response, "filesystems")
    assert "A filesystem has less than 10% free space." in page_text(response)


def test_folder_sizes_are_kept_for_five_minutes(db, settings):
    settings.HOSTPANEL_MAIL_ROOT.mkdir()
    (settings.HOSTPANEL_MAIL_ROOT / "a").write_bytes(b"a" * 10)
    first = disk.folder_sizes()[str(settings.HOSTPANEL_MAIL_ROOT)]
    (settings.HOSTPANEL_MAIL_ROOT / "b").write_bytes(b"b" * 10)
    assert disk.folder_sizes()[str(settings.HOSTPANEL_MAIL_ROOT)] == first == disk.FolderSize(
        10, 1, True)
    assert disk.CACHE_SECONDS == 300


def test_a_walk_out_of_time_gives_a_minimum(operator_client, settings, monkeypatch):
    for number in range(3):
        folder = settings.HOSTPANEL_MAIL_ROOT / f"d{number}"
        folder.mkdir(parents=True)
        (folder / "m").write_bytes(b"m" * 100)
    assert disk.walk(settings.HOSTPANEL_MAIL_ROOT, deadline=0).complete is False
    monkeypatch.setattr(disk, "WALK_BUDGET", -1)
    folders = section(operator_client.get("/status/"), "folders")
    assert f"Mail root {settings.HOSTPANEL_MAIL_ROOT} at least 0\xa0bytes 0" in folders
