"""kombu's filesystem transport, made safe for processes that die or race.

kombu writes a message straight into its final name in the queue folder, and a worker
takes any file with such a name without waiting for its lock. A worker could so take a
file that was still empty (a sender between open and write, or killed there with
``kill -9``), fail to decode it and stop. Here a message is written under a name the
worker ignores and renamed into place once whole (such a name left by a sender that
died before the rename is removed an hour later by the next channel opened), and a
file that still cannot be read (left by an older version) is logged and dropped: the
spool's sweep sends again whatever such a message was about.
"""

import logging
import os
import threading
import time
import uuid

from kombu.transport import filesystem
from kombu.utils.encoding import str_to_bytes
from kombu.utils.json import dumps

logger = logging.getLogger(__name__)

# Being written: no "<queue>.msg" suffix, so kombu's look-ups pass over it.
PARTIAL_PREFIX = ".partial-"
# A partial file this old was left by a sender that died writing it: a new channel removes it.
STALE_PARTIAL_SECONDS = 3600

_clock = threading.Lock()
_last_stamp = 0


def message_name(queue):
    """kombu's form of name, "<time>_<uuid>.<queue>.msg", which readers take in sorted
    order: here the time is in nanoseconds, of fixed width and never repeated within a
    process, so a process's messages are read in the order it sent them (kombu's
    milliseconds leave messages sent in the same one to the uuid's chance)."""
    global _last_stamp
    with _clock:
        _last_stamp = max(time.monotonic_ns(), _last_stamp + 1)
        stamp = _last_stamp
    return f"{stamp:020d}_{uuid.uuid4()}.{queue}.msg"


class Channel(filesystem.Channel):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._remove_stale_partials()

    def _remove_stale_partials(self):
        folder = self.data_folder_out
        too_old = time.time() - STALE_PARTIAL_SECONDS
        try:
            names = [name for name in os.listdir(folder) if name.startswith(PARTIAL_PREFIX)]
        except OSError:
            return  # kombu reports a missing folder when the channel is used
        for name in names:
            path = os.path.join(folder, name)
            try:
                if os.stat(path).st_mtime < too_old:
                    os.unlink(path)
                    logger.warning("broker: removed %s, left by a sender that died writing it",
                                   name)
            except OSError:
                pass  # renamed or removed meanwhile

    def _put(self, queue, payload, **kwargs):
        name = message_name(queue)
        folder = self.data_folder_out
        partial = os.path.join(folder, PARTIAL_PREFIX + name)
        try:
            with open(partial, "wb") as f:
                f.write(str_to_bytes(dumps(payload)))
            os.rename(partial, os.path.join(folder, name))
        except OSError as exc:
            try:
                os.unlink(partial)
            except OSError:
                pass
            raise filesystem.ChannelError(f"Cannot add file {name!r} to directory") from exc

    def _get(self, queue):
        while True:  # kombu raises Empty when nothing readable is left
            try:
                return super()._get(queue)
            except ValueError:
                logger.warning("broker: dropped an unreadable message from queue %s", queue)


class Transport(filesystem.Transport):
    Channel = Channel
