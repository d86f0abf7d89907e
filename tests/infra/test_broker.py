"""The filesystem broker (the default without Redis): a message is seen only once whole,
and a file that cannot be read is dropped instead of stopping the worker; a sender that
died writing leaves nothing for long.

These use the transport itself, with kombu's own producer and consumer, on folders of
their own, so they run whichever broker the suite is configured with.
"""

import json
import os
import subprocess
import time

import pytest
from kombu import Connection
from kombu.transport.virtual import BrokerState

from hostpanel.lib import broker
from tests.support import PYTHON, REPO, fresh_environment


@pytest.fixture
def connection(tmp_path):
    folder = tmp_path / "queue"
    folder.mkdir()
    options = {"data_folder_in": str(folder), "data_folder_out": str(folder),
               "store_processed": False, "control_folder": str(tmp_path)}
    # kombu keeps declared bindings in a class attribute: each test gets a fresh one.
    transport = type("Transport", (broker.Transport,), {"global_state": BrokerState()})
    with Connection("filesystem://", transport=transport,
                    transport_options=options) as conn:
        conn.folder = folder
        yield conn


def test_messages_go_through_in_order(connection):
    queue = connection.SimpleQueue("work")
    for number in range(20):
        queue.put({"number": number})
    assert [queue.get(timeout=1).payload["number"] for _ in range(20)] == list(range(20))
    assert list(connection.folder.iterdir()) == []
    queue.close()


def test_an_empty_or_broken_message_file_is_dropped_and_the_next_one_read(connection, caplog):
    # What a sender killed between creating the file and writing it leaves behind.
    (connection.folder / broker.message_name("work")).write_bytes(b"")
    (connection.folder / broker.message_name("work")).write_bytes(b'{"body": "cut sh')
    queue = connection.SimpleQueue("work")
    queue.put({"number": 7})
    assert queue.get(timeout=1).payload == {"number": 7}
    assert list(connection.folder.iterdir()) == []
    assert caplog.text.count("dropped an unreadable message from queue work") == 2
    queue.close()


def test_a_message_is_written_under_a_name_no_reader_takes_then_renamed(connection, monkeypatch):
    seen_while_writing = []

    def dumps(payload):
        seen_while_writing.extend(path.name for path in connection.folder.iterdir())
        return json.dumps(payload)

    monkeypatch.setattr(broker, "dumps", dumps)
    queue = connection.SimpleQueue("work")
    queue.put({"number": 1})
    [partial] = seen_while_writing
    assert partial.startswith(broker.PARTIAL_PREFIX)
    [whole] = [path.name for path in connection.folder.iterdir()]
    assert partial == broker.PARTIAL_PREFIX + whole and whole.endswith(".work.msg")
    assert queue.get(timeout=1).payload == {"number": 1}
    queue.close()


def test_a_partial_file_left_by_a_dead_sender_is_removed_by_the_next_channel(connection):
    old = connection.folder / (broker.PARTIAL_PREFIX + broker.message_name("work"))
    old.write_bytes(b'{"body": "cut')
    an_hour_ago = time.time() - broker.STALE_PARTIAL_SECONDS - 1
    os.utime(old, (an_hour_ago, an_hour_ago))
    being_written = connection.folder / (broker.PARTIAL_PREFIX + broker.message_name("work"))
    being_written.write_bytes(b'{"body": "half')
    connection.channel().close()
    assert list(connection.folder.iterdir()) == [being_written]


def test_without_redis_celery_uses_this_transport(tmp_path):
    code = ("from hostpanel.celery import app\n"
            "with app.connection_for_write() as conn:\n"
            "    print(type(conn.transport).__module__)")
    result = subprocess.run([PYTHON, "-c", code], cwd=REPO, capture_output=True, text=True,
                            env=fresh_environment(tmp_path, CELERY_BROKER_URL="filesystem://"),
                            timeout=60)
    assert result.stdout.strip() == "hostpanel.lib.broker", result.stderr
