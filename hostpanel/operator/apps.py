from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OperatorConfig(AppConfig):
    """The operator's status page: services, queue, filters, disk use."""

    name = "hostpanel.operator"
    label = "operator"
    verbose_name = _("Operator")
