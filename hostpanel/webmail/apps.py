from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WebmailConfig(AppConfig):
    """The web mail program: one mailbox read, written and cleaned of spam in the browser."""

    name = "hostpanel.webmail"
    verbose_name = _("Web mail")
