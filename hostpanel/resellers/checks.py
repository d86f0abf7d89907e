"""A system check: every reseller's panel host must be accepted by ALLOWED_HOSTS.

It reads the database, so it runs with the database checks (``migrate``,
``check --database default``), which ``make run`` does on every start.
"""

from django.core.checks import Tags, Warning, register
from django.db import DatabaseError


@register(Tags.database)
def check_panel_hosts(app_configs=None, databases=None, **kwargs):
    if not databases:
        return []
    from hostpanel.resellers.models import Reseller
    from hostpanel.resellers.services import panel_host_accepted

    try:
        resellers = list(Reseller.objects.only("name", "panel_host"))
    except DatabaseError:  # not migrated yet
        return []
    return [
        Warning(f"The panel host {reseller.panel_host} of the reseller {reseller.name} is "
                "not in HOSTPANEL_ALLOWED_HOSTS: requests for it are refused.",
                hint=f"Add {reseller.panel_host} to HOSTPANEL_ALLOWED_HOSTS.",
                obj=reseller, id="resellers.W001")
        for reseller in resellers if not panel_host_accepted(reseller.panel_host)
    ]
