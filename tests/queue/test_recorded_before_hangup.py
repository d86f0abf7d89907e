"""A delivery is recorded as soon as the remote server has answered, before hanging up.

A worker killed after the remote server's 250 but before the result is stored
sends that copy again when the message is retried. The result is therefore
stored before QUIT (and, for a mailing list, before the next copy's
transaction): a kill while the remote server is slow to say goodbye, or in the
middle of a list's session, sends no copy twice. Found by the crash-safety test
(tests/security/test_crash_safety.py), which kills workers under load.
"""

import asyncio
import signal
import threading

import pytest
from django.conf import settings
from django.db import connections

from mailcore.queue import delivery, spool
from tests.net import SinkHandler
from tests.queue.helpers import enqueue, queued, states
from tests.queue.test_worker import second_worker_takes_over, start_worker
from tests.support import stop, wait_until


class QuitStalls(SinkHandler):
    """A sink that takes the message, then is slow to answer QUIT (until released)."""

    async def handle_QUIT(self, server, session, envelope):
        self.sink.stalled.set()
        await asyncio.to_thread(self.sink.release_event.wait, 60)
        return "221 2.0.0 Bye"


@pytest.fixture
def slow_goodbye(transactional_db, jane, test_dns, sink):
    test_dns.add_mail_domain("remote.test")
    sink.controller.handler = QuitStalls(sink)  # for the connections made from now on
    return sink


def attempt_in_thread(queue_id) -> threading.Thread:
    def attempt():
        try:
            delivery.attempt(queue_id)
        finally:
            connections.close_all()

    thread = threading.Thread(target=attempt, daemon=True)
    thread.start()
    return thread


def test_a_delivery_is_recorded_before_quit(slow_goodbye):
    sink = slow_goodbye
    queue_id = enqueue()
    thread = attempt_in_thread(queue_id)
    try:
        assert sink.stalled.wait(30), "the delivery never reached QUIT"
        assert len(sink.received_by("bob@remote.test")) == 1
        assert states(queue_id) == {"bob@remote.test": "delivered"}
    finally:
        sink.release()
        thread.join(30)
    assert queued(queue_id).done


@pytest.mark.timeout(200)
def test_killing_the_worker_while_it_says_quit_sends_no_second_copy(slow_goodbye, tmp_path):
    sink = slow_goodbye
    first = start_worker(tmp_path / "first.log", "first")
    second = None
    try:
        queue_id = enqueue()
        wait_until(lambda: sink.stalled.is_set() or first.poll() is not None, 90,
                   "the first worker to say QUIT")
        assert first.poll() is None, (tmp_path / "first.log").read_text()
        first.send_signal(signal.SIGKILL)
        first.wait(10)
        sink.release()

        # The dead worker's lease runs out; beat's sweep sends the message to a worker again.
        second = second_worker_takes_over(queue_id, tmp_path)
    finally:
        stop(first)
        if second is not None:
            stop(second)
    assert len(sink.received_by("bob@remote.test")) == 1
    assert states(queue_id) == {"bob@remote.test": "delivered"}
    assert not spool.message_path(settings.HOSTPANEL_SPOOL, queue_id).exists()


def test_each_copy_of_a_list_post_is_recorded_before_the_next_is_sent(
        transactional_db, jane, test_dns, sink):
    test_dns.add_mail_domain("remote.test")
    sink.answer_data("250 2.0.0 accepted", "stall")  # the second copy's DATA hangs
    queue_id = enqueue(sender="team-return-1-@example.com", origin="list",
                       recipients=("ann@remote.test", "bob@remote.test"))
    thread = attempt_in_thread(queue_id)
    try:
        assert sink.stalled.wait(30), "the second copy never reached DATA"
        assert states(queue_id) == {"ann@remote.test": "delivered",
                                    "bob@remote.test": "pending"}
    finally:
        sink.release()  # the stalled DATA is answered 451: bob's copy waits for a retry
        thread.join(30)
    assert states(queue_id) == {"ann@remote.test": "delivered", "bob@remote.test": "deferred"}
    assert len(sink.messages) == 1
