"""Real Celery workers delivering over the broker, and one killed in the middle of a delivery.

The workers are ``celery -A hostpanel worker`` child processes sharing this
run's database, broker, spool and settings; the remote side is the sink, found
through the test DNS server.
"""

import os
import signal
import subprocess
from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from hostpanel.outbound.models import OutboundMessage
from mailcore.queue import spool, sweep
from tests.queue.helpers import enqueue, queued, states
from tests.support import CELERY, REPO, database_url_for_children, stop, wait_until


def start_worker(log_path, name):
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="tests.settings",
        HOSTPANEL_HOME=str(settings.HOSTPANEL_HOME),
        HOSTPANEL_MAIL_ROOT=str(settings.HOSTPANEL_MAIL_ROOT),
        HOSTPANEL_SPOOL=str(settings.HOSTPANEL_SPOOL),
        HOSTPANEL_DNS=settings.HOSTPANEL_DNS,
        HOSTPANEL_SMTP_DELIVERY_PORT=str(settings.HOSTPANEL_SMTP_DELIVERY_PORT),
        DATABASE_URL=database_url_for_children(),
    )
    with open(log_path, "wb") as log:
        return subprocess.Popen(
            [CELERY, "-A", "hostpanel", "worker", "--pool=solo", "--loglevel=INFO",
             "--without-gossip", "--without-mingle", "--without-heartbeat", "-n", f"{name}@%h"],
            cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT,
        )


def second_worker_takes_over(queue_id, tmp_path) -> subprocess.Popen:
    """After a worker died on ``queue_id``: its lease runs out, beat's sweep sends the message
    to a second worker, which finishes it. Returns that worker (to stop)."""
    OutboundMessage.objects.filter(pk=queue_id).update(
        next_attempt_at=timezone.now() - sweep.GRACE - timedelta(seconds=1))
    second = start_worker(tmp_path / "second.log", "second")
    assert sweep.sweep() == [queue_id]
    wait_until(lambda: queued(queue_id).done or second.poll() is not None, 90,
               "the second worker to finish the message")
    assert second.poll() is None, (tmp_path / "second.log").read_text()
    return second


@pytest.fixture
def remote_for_workers(transactional_db, jane, test_dns, sink):
    test_dns.add_mail_domain("remote.test")
    return sink


@pytest.mark.timeout(150)
def test_a_worker_delivers_a_queued_message_over_the_broker(remote_for_workers, tmp_path):
    worker = start_worker(tmp_path / "worker.log", "one")
    try:
        queue_id = enqueue()
        wait_until(lambda: queued(queue_id).done or worker.poll() is not None, 90,
                   "the worker to deliver the message")
        assert worker.poll() is None, (tmp_path / "worker.log").read_text()
    finally:
        stop(worker)
    assert len(remote_for_workers.received_by("bob@remote.test")) == 1
    assert f"{queue_id} to=<bob@remote.test> mx=mx.remote.test result=delivered" in (
        tmp_path / "worker.log").read_text()


@pytest.mark.timeout(200)
def test_killing_the_worker_in_the_middle_of_a_delivery_loses_nothing(remote_for_workers,
                                                                      tmp_path):
    sink = remote_for_workers
    sink.answer_data("stall")  # the first DATA hangs, as a slow remote server would
    first = start_worker(tmp_path / "first.log", "first")
    second = None
    try:
        queue_id = enqueue()
        wait_until(lambda: sink.stalled.is_set() or first.poll() is not None, 90,
                   "the first worker to reach DATA")
        assert first.poll() is None, (tmp_path / "first.log").read_text()

        first.send_signal(signal.SIGKILL)  # kill -9 mid-delivery
        first.wait(10)
        sink.release()
        assert sink.messages == []
        assert states(queue_id) == {"bob@remote.test": "pending"}
        assert not queued(queue_id).done
        assert spool.message_path(settings.HOSTPANEL_SPOOL, queue_id).exists()

        # The dead worker's lease runs out; time passes, then beat's sweep runs.
        second = second_worker_takes_over(queue_id, tmp_path)
    finally:
        stop(first)
        if second is not None:
            stop(second)

    assert len(sink.received_by("bob@remote.test")) == 1
    assert states(queue_id) == {"bob@remote.test": "delivered"}
    assert queued(queue_id).attempts == 2
    assert not spool.message_path(settings.HOSTPANEL_SPOOL, queue_id).exists()
