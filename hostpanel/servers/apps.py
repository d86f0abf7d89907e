from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ServersConfig(AppConfig):
    """Management commands that run hostpanel's processes (smtpd, pop3d, ...)."""

    name = "hostpanel.servers"
    verbose_name = _("Servers")

    def ready(self):
        from hostpanel.servers import checks  # noqa: F401 (registers the system checks)
