from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _install_directory_triggers(sender, using="default", **kwargs):
    from mailcore.directory.cache import install_triggers

    install_triggers(using)


class ServersConfig(AppConfig):
    """Management commands that run hostpanel's processes (smtpd, pop3d, ...), and the
    directory generation their look-up cache follows (mailcore.directory.cache)."""

    name = "hostpanel.servers"
    verbose_name = _("Servers")

    def ready(self):
        from hostpanel.servers import checks  # noqa: F401 (registers the system checks)

        # After every migrate (a new or changed table included) the triggers are there.
        post_migrate.connect(_install_directory_triggers, sender=self)
