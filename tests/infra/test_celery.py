"""Celery: the beat schedule, and a real worker process doing real work over the broker.

The worker is ``celery -A hostpanel worker`` as a child process, on the broker
the suite is configured with: kombu's filesystem transport in this run's
HOSTPANEL_HOME by default, Redis when CELERY_BROKER_URL is set (as in CI).
"""

import os
import signal
import subprocess
from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from hostpanel.celery import app
from hostpanel.domains import services
from hostpanel.domains.models import DeletedMailbox
from hostpanel.domains.tasks import purge_deleted_mailboxes
from mailcore.maildir import Maildir, maildir_path
from tests.support import CELERY, REPO, database_url_for_children, stop, wait_until

PURGE_TASK = "hostpanel.domains.tasks.purge_deleted_mailboxes"


def test_the_beat_schedule_purges_deleted_mailboxes_every_hour():
    entries = [entry for entry in app.conf.beat_schedule.values() if entry["task"] == PURGE_TASK]
    assert len(entries) == 1
    schedule = entries[0]["schedule"]
    assert schedule.minute == {17}
    assert schedule.hour == set(range(24))
    app.loader.import_default_modules()
    assert PURGE_TASK in app.tasks


def test_beat_keeps_its_schedule_file_under_hostpanel_home():
    assert app.conf.beat_schedule_filename == str(settings.HOSTPANEL_HOME / "celerybeat-schedule")


def _start_worker(log_path):
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="tests.settings",
        HOSTPANEL_HOME=str(settings.HOSTPANEL_HOME),
        HOSTPANEL_MAIL_ROOT=str(settings.HOSTPANEL_MAIL_ROOT),
        DATABASE_URL=database_url_for_children(),
    )
    log = open(log_path, "wb")  # noqa: SIM115 - closed with the process
    process = subprocess.Popen(
        [CELERY, "-A", "hostpanel", "worker", "--pool=solo", "--loglevel=INFO",
         "--without-gossip", "--without-mingle", "--without-heartbeat"],
        cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    log.close()
    return process


@pytest.mark.timeout(120)
def test_a_real_worker_removes_the_mail_of_an_account_deleted_past_its_grace_period(
    transactional_db, domain, jane, tmp_path
):
    Maildir(maildir_path(settings.HOSTPANEL_MAIL_ROOT, domain.name, "jane")).deliver(
        b"Subject: keep me for a while\n\nhello\n"
    )
    record = services.delete_account(jane)
    folder = settings.HOSTPANEL_MAIL_ROOT / record.path
    assert (folder / "new").is_dir()
    DeletedMailbox.objects.filter(pk=record.pk).update(
        purge_after=timezone.now() - timedelta(minutes=1)
    )

    worker = _start_worker(tmp_path / "worker.log")
    try:
        purge_deleted_mailboxes.delay()
        wait_until(lambda: not folder.exists() or worker.poll() is not None, 60,
                   "the worker to remove the deleted mailbox")
        assert worker.poll() is None, (tmp_path / "worker.log").read_text()
        assert not folder.exists()
        assert not DeletedMailbox.objects.filter(pk=record.pk).exists()

        worker.send_signal(signal.SIGTERM)
        assert worker.wait(30) == 0
    finally:
        stop(worker)
    assert "succeeded" in (tmp_path / "worker.log").read_text()
