from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SpamConfig(AppConfig):
    name = "hostpanel.spam"
    verbose_name = _("Spam filtering")
