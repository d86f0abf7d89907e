"""The spool sweep: lost delivery tasks are sent again, leftover spool files removed."""

import os
import time
from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from hostpanel.celery import app
from hostpanel.outbound.models import OutboundMessage
from mailcore.queue import delivery, spool, sweep
from tests.queue.helpers import enqueue, queued, states

SWEEP_TASK = "hostpanel.outbound.tasks.sweep_outbound"


@pytest.fixture
def eager_tasks():
    """Tasks sent to the broker run at once in this process (the broker itself is not tested)."""
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = False


def due_since(queue_id, minutes):
    OutboundMessage.objects.filter(pk=queue_id).update(
        next_attempt_at=timezone.now() - timedelta(minutes=minutes))


def test_the_beat_schedule_sweeps_the_spool_every_minute():
    [entry] = [e for e in app.conf.beat_schedule.values() if e["task"] == SWEEP_TASK]
    assert entry["schedule"] == 60.0
    app.loader.import_default_modules()
    assert SWEEP_TASK in app.tasks


def test_the_sweep_sends_again_a_message_whose_task_was_lost(jane, remote, eager_tasks):
    app.conf.task_always_eager = False
    queue_id = enqueue()  # its task goes to a broker nobody reads: lost
    app.conf.task_always_eager = True
    due_since(queue_id, 11)

    assert sweep.sweep() == [queue_id]

    assert len(remote.received_by("bob@remote.test")) == 1
    assert states(queue_id) == {"bob@remote.test": "delivered"}
    assert queued(queue_id).done


def test_the_sweep_task_runs_the_sweep(jane, remote, eager_tasks):
    app.conf.task_always_eager = False
    queue_id = enqueue()
    app.conf.task_always_eager = True
    due_since(queue_id, 60)
    assert app.tasks[SWEEP_TASK].delay().get() == 1
    assert queued(queue_id).done


def test_the_sweep_leaves_alone_messages_due_only_just_now_or_being_delivered(jane):
    recent, leased = enqueue(), enqueue()
    due_since(recent, 1)
    OutboundMessage.objects.filter(pk=leased).update(
        next_attempt_at=timezone.now() + delivery.LEASE)
    assert sweep.sweep() == []


def test_a_lost_message_is_sent_again_once_per_grace_period(jane):
    queue_id = enqueue()
    due_since(queue_id, 11)
    assert sweep.sweep() == [queue_id]
    assert sweep.sweep() == []  # its task is in the broker again: give it time
    due_since(queue_id, 11)
    assert sweep.sweep() == [queue_id]


def test_finished_messages_are_not_sent_again(jane, remote):
    queue_id = enqueue()
    delivery.attempt(queue_id)
    due_since(queue_id, 60)
    assert sweep.sweep() == []


def _age(path, hours):
    old = time.time() - hours * 3600
    os.utime(path, (old, old))


def test_the_sweep_removes_spool_files_nothing_needs_any_more(jane, remote):
    root = settings.HOSTPANEL_SPOOL
    waiting = enqueue()
    finished = enqueue()
    orphan = spool.message_path(root, "0badc0ffee")
    orphan.write_bytes(b"Subject: its record was never written\n\n")
    young_orphan = spool.message_path(root, "0badbeef")
    young_orphan.write_bytes(b"Subject: being queued right now\n\n")
    half_written = root / "tmp" / "0deadbeef"
    half_written.write_bytes(b"Subject: cut off")
    OutboundMessage.objects.filter(pk=finished).update(done=True)
    for path in (spool.message_path(root, waiting), spool.message_path(root, finished), orphan,
                 half_written):
        _age(path, 2)
    due_since(waiting, 0)

    sweep.sweep()

    assert spool.message_path(root, waiting).exists()
    assert young_orphan.exists()
    assert not spool.message_path(root, finished).exists()
    assert not orphan.exists()
    assert not half_written.exists()
