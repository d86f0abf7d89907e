from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HelpConfig(AppConfig):
    """The help pages: one per topic of the old support page, readable without a login."""

    name = "hostpanel.help"
    verbose_name = _("Help")
