from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DashboardConfig(AppConfig):
    """The postmaster's home: the main menu with counts, mail per day and quota use."""

    name = "hostpanel.dashboard"
    verbose_name = _("Dashboard")
