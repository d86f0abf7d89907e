"""The reset lock: a reset holds it exclusively, every demo page request shares it.

So a visitor never sees a half-restored demo: a page asked for during a reset waits
(under a second or two) and is served from the restored state. An ``flock`` on a file
under ``HOSTPANEL_HOME`` works across the web server's processes and the worker.
"""

import contextlib
import fcntl

from django.conf import settings


def _path():
    return settings.HOSTPANEL_HOME / "demo-reset.lock"


@contextlib.contextmanager
def reset_lock(*, exclusive: bool):
    """Hold the reset lock: exclusively for a reset, shared for a page request."""
    with open(_path(), "a+b") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
