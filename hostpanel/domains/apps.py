from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DomainsConfig(AppConfig):
    name = "hostpanel.domains"
    verbose_name = _("Domains and accounts")
