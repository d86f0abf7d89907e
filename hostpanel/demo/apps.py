from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DemoConfig(AppConfig):
    """The live demo: a fixture restored every 15 minutes, and the limits that keep it safe."""

    name = "hostpanel.demo"
    label = "demo"
    verbose_name = _("Live demo")

    def ready(self):
        # The write guard's signal handlers (they do nothing outside demo mode).
        from hostpanel.demo import limits  # noqa: F401
