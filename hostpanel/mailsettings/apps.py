from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MailSettingsConfig(AppConfig):
    """The Mail settings page and mail client autoconfiguration (Thunderbird, Outlook)."""

    name = "hostpanel.mailsettings"
    verbose_name = _("Mail settings")
