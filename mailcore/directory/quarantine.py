"""Quarantine records for infected messages (the files are written by mailcore.filters)."""

from collections.abc import Sequence
from datetime import datetime

from django.db import transaction

from hostpanel.domains.models import Domain
from hostpanel.quarantine.models import QuarantinedMessage
from mailcore.directory._base import _database


@_database
def record_quarantine(entry_id: str, path: str, *, sender: str, recipients: Sequence[str],
                      virus: str, client_ip: str, size: int, created_at: datetime,
                      domains: Sequence[str]) -> int:
    """One row per hosted domain in ``domains`` (one without a domain if none is hosted).

    Returns the number of rows written; committed when it returns.
    """
    hosted = list(Domain.objects.filter(name__in=set(domains)).order_by("name"))
    fields = dict(entry_id=entry_id, path=path, sender=sender, recipients=list(recipients),
                  virus=virus, client_ip=client_ip, size=size, created_at=created_at)
    with transaction.atomic():
        rows = [QuarantinedMessage(domain=domain, **fields) for domain in hosted or [None]]
        QuarantinedMessage.objects.bulk_create(rows)
    return len(rows)
