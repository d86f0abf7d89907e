from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class QuarantineConfig(AppConfig):
    """Infected messages kept aside for a few days, and the virus scanner's status."""

    name = "hostpanel.quarantine"
    verbose_name = _("Virus quarantine")
