from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RoutingConfig(AppConfig):
    """Where mail for an address goes: forwards, autoresponders, account routing, vacation."""

    name = "hostpanel.routing"
    verbose_name = _("Routing")
