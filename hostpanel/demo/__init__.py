"""The public live demo (``HOSTPANEL_DEMO=1``, ``make demo``).

The demo domain, its sign-ins shown on the login page, and the whole content are
restored from a fixture every 15 minutes by Celery beat (``hostpanel.demo.tasks.reset``).
"""

# The domain the demo restores; nothing outside it is touched by a reset.
DEMO_DOMAIN = "demo.example"

# The sign-ins the login page shows. Their passwords cannot be changed in the demo.
POSTMASTER_LOGIN = f"postmaster@{DEMO_DOMAIN}"
POSTMASTER_PASSWORD = "demo-postmaster"  # noqa: S105 (public: shown on the login page)
USER_LOGIN = f"jane@{DEMO_DOMAIN}"
USER_PASSWORD = "demo-jane"  # noqa: S105
DEMO_LOGINS = {POSTMASTER_LOGIN: POSTMASTER_PASSWORD, USER_LOGIN: USER_PASSWORD}

# Mail the demo would send to other domains lands here instead (nothing leaves the machine).
CATCH_ALL_LOGIN = f"outbox@{DEMO_DOMAIN}"
