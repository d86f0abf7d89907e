from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OutboundConfig(AppConfig):
    """Mail leaving the machine: the durable queue, DKIM keys, delivery status notices."""

    name = "hostpanel.outbound"
    verbose_name = _("Outbound mail")

    def ready(self):
        from hostpanel.outbound import checks  # noqa: F401 (registers the system checks)
