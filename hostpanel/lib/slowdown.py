"""The growing wait before a failed web login (panel or API) is answered.

The mail servers answer each failed login after 0.5 s, 1 s, 2 s ... (see
mailcore.auth); the panel's sign-in form and the API's Basic and bearer logins
do the same, counted per client address in Django's cache for
HOSTPANEL_AUTH_FAILURE_WINDOW seconds. The wait starts at
HOSTPANEL_AUTH_FAILURE_DELAY_MS and doubles with each failure up to
``MAX_DELAY``, kept short because a waiting request holds a web worker; past the
limit the address is refused at once (allauth's rate limit, the API's 429).
"""

import time

from django.conf import settings
from django.core.cache import cache

MAX_DELAY = 2.0  # seconds

sleep = time.sleep  # the tests put a recorder here to see the waits


def delay_failure(client_ip: str) -> float:
    """Count a failed login from ``client_ip`` and wait before it is answered."""
    key = f"hostpanel:login-slowdown:{client_ip}"
    cache.add(key, 0, timeout=settings.HOSTPANEL_AUTH_FAILURE_WINDOW)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=settings.HOSTPANEL_AUTH_FAILURE_WINDOW)
        count = 1
    delay = min(settings.HOSTPANEL_AUTH_FAILURE_DELAY_MS / 1000 * 2 ** min(count - 1, 30),
                MAX_DELAY)
    if delay > 0:
        sleep(delay)
    return delay
