"""kombu's filesystem transport, made safe for processes that die or race.

kombu writes a message straight into its final name in the queue folder, and a worker
takes any file with such a name without waiting for its lock. A worker could so take a
file that was still empty (a sender between open and write, or killed there with
``kill -9``), fail to decode it and stop. Here a message is written under a name the
worker ignores and renamed into place once whole, and a file that still cannot be read
(left by an older version) is logged and dropped: the spool's sweep sends again whatever
such a message was about.
"""

import logging
import os
import time
import uuid

from kombu.transport import filesystem
from kombu.utils.encoding import str_to_bytes
from kombu.utils.json import dumps

logger = logging.getLogger(__name__)

# Being written: no "<queue>.msg" suffix, so kombu's look-ups pass over it.
PARTIAL_PREFIX = ".partial-"


class Channel(filesystem.Channel):
    def _put(self, queue, payload, **kwargs):
        # kombu's own name: sorted by time, then the queue the worker looks for.
        name = f"{int(time.monotonic() * 1000)}_{uuid.uuid4()}.{queue}.msg"
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
