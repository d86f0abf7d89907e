"""The hourly definitions refresh (freshclam, then RELOAD) and the operator's status page."""

from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from hostpanel.celery import app
from hostpanel.quarantine import scanner, tasks
from hostpanel.quarantine.models import ScannerStatus
from tests.clamd import ClamdProcess
from tests.conftest import PASSWORD

REFRESH_TASK = "hostpanel.quarantine.tasks.refresh_definitions"


def script(folder, name: str, text: str, status: int) -> str:
    path = folder / name
    path.write_text(f"#!/bin/sh\necho '{text}'\nexit {status}\n")
    path.chmod(0o755)
    return str(path)


@pytest.fixture
def no_freshclam(settings):
    settings.HOSTPANEL_FRESHCLAM = ""


def test_the_refresh_reloads_the_real_clamd_and_records_its_answer(db, settings, clamd,
                                                                   no_freshclam):
    settings.HOSTPANEL_CLAMD = clamd.setting
    assert tasks.refresh_definitions() == "RELOADING"
    status = ScannerStatus.objects.get()
    assert status.reload_ok
    assert status.reload_answer == "RELOADING"
    assert status.version.startswith("ClamAV 1.")
    assert not status.freshclam_ran


def test_a_failing_freshclam_is_recorded_and_clamd_still_reloads(db, settings, clamd,
                                                                 tmp_path):
    settings.HOSTPANEL_CLAMD = clamd.setting
    settings.HOSTPANEL_FRESHCLAM = script(tmp_path, "freshclam", "Cannot connect to port 443",
                                          1)
    status = scanner.refresh_definitions()
    assert (status.freshclam_ran, status.freshclam_ok) == (True, False)
    assert "exit status 1" in status.freshclam_output
    assert "Cannot connect to port 443" in status.freshclam_output
    assert status.reload_ok
    assert "freshclam failed (see its output below)." in scanner.report().warnings


def test_a_successful_freshclam_is_recorded(db, settings, clamd, tmp_path):
    settings.HOSTPANEL_CLAMD = clamd.setting
    settings.HOSTPANEL_FRESHCLAM = script(tmp_path, "freshclam", "daily.cld updated", 0)
    status = scanner.refresh_definitions()
    assert (status.freshclam_ran, status.freshclam_ok) == (True, True)


def test_a_missing_freshclam_is_skipped(db, settings, clamd):
    settings.HOSTPANEL_CLAMD = clamd.setting
    settings.HOSTPANEL_FRESHCLAM = "no-such-freshclam-here"
    status = scanner.refresh_definitions()
    assert not status.freshclam_ran
    assert status.freshclam_output == "no-such-freshclam-here not found"


def test_a_stopped_clamd_is_recorded_as_not_reloaded(db, settings, tmp_path, no_freshclam):
    stopped = ClamdProcess(tmp_path).start()
    stopped.stop()
    settings.HOSTPANEL_CLAMD = stopped.setting
    status = scanner.refresh_definitions()
    assert not status.reload_ok
    assert status.reload_answer
    assert any(w.startswith("clamd did not reload the definitions") for w in
               scanner.report().warnings)


def test_the_version_answer_gives_the_definitions_version_and_date():
    parsed = scanner.parse_version("ClamAV 1.4.6/27470/Tue Nov 25 09:30:00 2026")
    assert parsed == scanner.Version("ClamAV 1.4.6", "27470",
                                     datetime(2026, 11, 25, 9, 30, tzinfo=UTC))
    assert scanner.parse_version("ClamAV 1.4.6") == scanner.Version("ClamAV 1.4.6")


def _record(age: timedelta):
    ScannerStatus.objects.create(
        pk=1, reload_ok=True, reload_answer="RELOADING",
        version="ClamAV 1.4.6/27470/Tue Nov 25 09:30:00 2026", definitions_version="27470",
        definitions_date=timezone.now() - age)


@pytest.fixture
def operator_client(client, db):
    client.force_login(get_user_model().objects.create_superuser("admin", PASSWORD))
    return client


def test_the_status_page_shows_version_and_age_without_warning_when_fresh(
        operator_client, settings):
    settings.HOSTPANEL_CLAMD = "127.0.0.1:3310"
    _record(timedelta(hours=3))
    text = operator_client.get("/status/").content.decode()
    assert "ClamAV 1.4.6/27470/Tue Nov 25 09:30:00 2026" in text
    assert "version 27470 of" in text and "3\xa0hours old" in text
    assert "more than a day old" not in text


def test_the_status_page_warns_when_the_definitions_are_older_than_a_day(
        operator_client, settings):
    settings.HOSTPANEL_CLAMD = "127.0.0.1:3310"
    _record(timedelta(days=1, hours=1))
    text = operator_client.get("/status/").content.decode()
    assert "The virus definitions are more than a day old." in text


def test_the_status_page_says_when_no_scanner_is_configured(operator_client, settings):
    settings.HOSTPANEL_CLAMD = ""
    text = operator_client.get("/status/").content.decode()
    assert "No virus scanner is configured: mail is accepted unscanned." in text


def test_only_operators_see_the_status_page(client, postmaster):
    client.force_login(postmaster)
    assert client.get("/status/").status_code == 404


def test_the_beat_schedule_refreshes_the_definitions_every_hour():
    [entry] = [e for e in app.conf.beat_schedule.values() if e["task"] == REFRESH_TASK]
    assert entry["schedule"].minute == {7}
    assert entry["schedule"].hour == set(range(24))
