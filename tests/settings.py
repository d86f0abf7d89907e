"""Settings for the test suite: hostpanel's own, in a fresh HOSTPANEL_HOME.

Set before Django reads anything, so a developer's ./var is never touched; the
variable is inherited by the servers the tests start, which share the home.
"""

import os
import tempfile

os.environ.setdefault("HOSTPANEL_HOME", tempfile.mkdtemp(prefix="hostpanel-test-"))

from hostpanel.settings import *  # noqa: E402,F403

# whitenoise serves from STATIC_ROOT and warns on every request when it is missing.
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # noqa: F405

# Failed web logins wait 1 ms, 2 ms ... instead of half a second and more (hostpanel.lib.slowdown).
HOSTPANEL_AUTH_FAILURE_DELAY_MS = 1
