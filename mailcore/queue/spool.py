"""Writing outbound messages to the spool, durably, before anyone is told 250.

A spooled message is a file ``<spool>/messages/<queue id>`` (written to
``tmp/``, fsynced, renamed, directory fsynced) plus its database record
(envelope, recipients' states). Synchronous: call from a worker thread.
"""

import os
import secrets
import time
from collections.abc import Sequence
from pathlib import Path

from mailcore import directory as default_directory


def new_queue_id() -> str:
    """Unique, sortable by time, safe as a file name."""
    return f"{time.time_ns():x}{secrets.token_hex(6)}"


def message_path(spool: Path, queue_id: str) -> Path:
    if not queue_id.isalnum():
        raise ValueError(f"not a queue id: {queue_id!r}")
    return Path(spool) / "messages" / queue_id


def write_durably(path: Path, data: bytes) -> None:
    """Write to ``../tmp`` under a unique name, fsync, rename into place, fsync the folder."""
    tmp_dir = path.parent.parent / "tmp"
    tmp_dir.mkdir(parents=True, exist_ok=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    # Unique even when a crash left a file of this name behind (the sweep removes those).
    tmp = tmp_dir / f"{path.name}.{os.getpid()}.{secrets.token_hex(4)}"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
        os.fsync(fd)
    finally:
        os.close(fd)
    os.rename(tmp, path)
    fd = os.open(path.parent, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def enqueue(
    spool: Path,
    message: bytes,
    sender: str,
    recipients: Sequence[str],
    *,
    origin: str,
    domain: str | None = None,
    directory=default_directory,
) -> str:
    """Spool ``message`` for ``recipients``; durable (file and record) when it returns.

    ``origin`` is one of ``submission``, ``forward``, ``autoreply``, ``bounce``;
    ``domain`` the hosted domain it is sent for (the panel shows the queue per
    domain), None for bounces. Returns the queue id.
    """
    if not recipients:
        raise ValueError("a queued message needs at least one recipient")
    queue_id = new_queue_id()
    path = message_path(spool, queue_id)
    write_durably(path, message)
    try:
        directory.record_outbound(queue_id, sender, list(recipients), origin=origin,
                                  domain=domain, size=len(message))
    except BaseException:
        path.unlink(missing_ok=True)  # no record, no message: the client retries
        raise
    return queue_id
