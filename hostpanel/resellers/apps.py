from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ResellersConfig(AppConfig):
    """Resellers: their domains, their logins and their own (white-label) host names."""

    name = "hostpanel.resellers"
    verbose_name = _("Resellers")

    def ready(self):
        from hostpanel.resellers import checks  # noqa: F401  (registers the system check)
