"""Release from the quarantine: operator-only, in the Django admin, after a rescan."""

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from hostpanel.quarantine.models import QuarantinedMessage
from mailcore.filters import quarantine
from tests.clamd import EICAR
from tests.conftest import PASSWORD
from tests.routing.helpers import inbox

CHANGELIST = "/admin/quarantine/quarantinedmessage/"
CLEAN = b"From: bob@remote.test\r\nTo: jane@example.com\r\nSubject: False alarm\r\n\r\nhello\r\n"
INFECTED = b"From: bob@remote.test\r\nSubject: Real\r\n\r\n" + EICAR + b"\r\n"


def put(folder, data: bytes):
    infected = quarantine.Infected(sender="bob@remote.test", recipients=("jane@example.com",),
                                   virus="Old.Signature", client_ip="192.0.2.7",
                                   domains=("example.com",))
    entry = quarantine.store(folder, data, infected, now=timezone.now())
    return QuarantinedMessage.objects.get(entry_id=entry)


@pytest.fixture
def operator_client(client, db):
    client.force_login(get_user_model().objects.create_superuser("admin", PASSWORD))
    return client


@pytest.fixture
def scanning(settings, clamd, quarantine_dir):
    settings.HOSTPANEL_CLAMD = clamd.setting
    return quarantine_dir


def release(client, entry):
    return client.post(CHANGELIST, {"action": "release", "_selected_action": [entry.pk]},
                       follow=True).content.decode()


def test_a_message_clean_on_rescan_is_delivered_and_leaves_the_quarantine(
        operator_client, jane, scanning):
    entry = put(scanning, CLEAN)
    text = release(operator_client, entry)
    assert "released" in text
    [stored] = inbox("jane@example.com")
    assert b"Subject: False alarm" in stored
    assert b"X-Virus-Scanned: clamd ClamAV " in stored
    assert QuarantinedMessage.objects.count() == 0
    assert list((scanning / "messages").iterdir()) == []


def test_a_message_still_infected_is_not_released(operator_client, jane, scanning):
    entry = put(scanning, INFECTED)
    text = release(operator_client, entry)
    assert "The virus scanner still finds Eicar-Test-Signature.UNOFFICIAL: not released." in text
    assert inbox("jane@example.com") == []
    assert QuarantinedMessage.objects.count() == 1


def test_without_a_scanner_nothing_is_released(operator_client, jane, settings,
                                               quarantine_dir):
    settings.HOSTPANEL_CLAMD = ""
    entry = put(quarantine_dir, CLEAN)
    assert "the message cannot be rescanned" in release(operator_client, entry)
    assert inbox("jane@example.com") == []
    assert QuarantinedMessage.objects.count() == 1


def test_a_postmaster_cannot_reach_the_admin_to_release(client, postmaster, jane, scanning):
    entry = put(scanning, CLEAN)
    client.force_login(postmaster)
    response = client.post(CHANGELIST, {"action": "release", "_selected_action": [entry.pk]})
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    assert inbox("jane@example.com") == []
    assert QuarantinedMessage.objects.count() == 1
