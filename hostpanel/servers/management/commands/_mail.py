"""Shared by ``smtpd`` and ``pop3d``."""

from django.core.checks.registry import Tags, registry

# The system checks a mail server runs before it starts: every tagged one but the URL
# configuration's, which import every view of the panel and the API (about 15 MB that a
# mail server would keep for pages it never serves; `web`, `migrate` and `check` still run
# them). A list of tags leaves out the few untagged checks too: Django's and allauth's
# checks of the web sign-in.
MAIL_SERVER_CHECKS = sorted(registry.tags_available() - {Tags.urls})
