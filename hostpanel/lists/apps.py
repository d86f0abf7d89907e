from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ListsConfig(AppConfig):
    name = "hostpanel.lists"
    verbose_name = _("Mailing lists")
