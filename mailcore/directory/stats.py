"""The daily mail counters of the postmaster's dashboard (hostpanel.dashboard)."""

import logging

from django.db import Error as DatabaseError
from django.db.models import F
from django.utils import timezone

from hostpanel.dashboard.models import DailyMailCount
from hostpanel.domains.models import Domain
from mailcore.directory._base import _database

log = logging.getLogger("mailcore.directory")


@_database
def _add(domain: str, changes: dict) -> None:
    day = timezone.localdate()
    rows = DailyMailCount.objects.filter(domain__name=domain, day=day)
    if rows.update(**changes):
        return  # the usual case: one UPDATE
    hosted = Domain.objects.filter(name=domain).first()
    if hosted is None:
        return  # not hosted (an SRS bounce to the host name, a domain just deleted)
    # First message of the day: get_or_create survives a race with another server
    # (the unique constraint), and the UPDATE then adds to whichever row won.
    DailyMailCount.objects.get_or_create(domain=hosted, day=day)
    rows.update(**changes)


def count_mail(domain: str, *, received: int = 0, spam: int = 0, viruses: int = 0) -> None:
    """Add to today's counters of the hosted ``domain``; never raises (only logs).

    ``received``: messages accepted for it; ``spam``: copies held in its spam
    account; ``viruses``: infected messages refused. Today is the panel's
    (HOSTPANEL_TIME_ZONE).
    """
    changes = {field: F(field) + value for field, value in
               (("received", received), ("spam", spam), ("viruses", viruses)) if value}
    if not changes:
        return
    try:
        _add(domain.lower(), changes)
    except DatabaseError:
        log.exception("mail counters of %s not updated", domain)
