"""The spool sweep (a Celery beat task): the spool and its records are the truth.

A message whose delivery task was lost (a broker restarted without its queue,
a worker killed mid-attempt whose lease has run out) is due for longer than
``GRACE``: it is sent to the broker again. Files left behind by a crash (a
finished message's file, a file whose record was never written, a half
written ``tmp/`` file) are removed once they are old enough not to belong to
a message being queued right now.
"""

import logging
import time
from datetime import timedelta
from pathlib import Path

from mailcore import directory as default_directory

log = logging.getLogger("mailcore.queue")

GRACE = timedelta(minutes=10)
LEFTOVER_AGE = timedelta(hours=1)


def sweep(*, directory=default_directory) -> list[str]:
    """Re-send lost deliveries and tidy the spool; returns the queue ids re-sent."""
    resent = directory.overdue_outbound(GRACE)
    for queue_id in resent:
        log.warning("%s: overdue, delivery task sent again", queue_id)
    removed = remove_leftovers(Path(directory.server_config().spool), directory=directory)
    if removed:
        log.info("spool sweep removed %d leftover files", removed)
    return resent


def _old_files(folder: Path, age: timedelta) -> list[Path]:
    if not folder.is_dir():
        return []
    cutoff = time.time() - age.total_seconds()
    old = []
    for path in folder.iterdir():
        try:
            if path.is_file() and path.stat().st_mtime < cutoff:
                old.append(path)
        except FileNotFoundError:  # removed meanwhile
            continue
    return old


def remove_leftovers(spool: Path, *, directory=default_directory,
                     age: timedelta = LEFTOVER_AGE) -> int:
    """Remove old spool files no unfinished message needs; returns how many."""
    leftovers = _old_files(spool / "tmp", age)
    files = {path.name: path for path in _old_files(spool / "messages", age)
             if path.name.isalnum()}
    finished = directory.outbound_finished(files) if files else set()
    leftovers += [files[queue_id] for queue_id in finished]
    for path in leftovers:
        path.unlink(missing_ok=True)
    return len(leftovers)
