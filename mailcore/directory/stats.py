"""The daily mail counters of the postmaster's dashboard (hostpanel.dashboard)."""

import logging

from django.db import Error as DatabaseError
from django.db import connection
from django.utils import timezone

from hostpanel.dashboard.models import DailyMailCount
from hostpanel.domains.models import Domain
from mailcore.directory._base import _database

log = logging.getLogger("mailcore.directory")


def _update(domain: str, day, changes: dict[str, int]) -> int:
    """Add to today's row of ``domain`` with one plain UPDATE (the ORM's own costs ten
    times as much CPU, on every message); the number of rows changed, 0 or 1."""
    count, hosted = DailyMailCount._meta, Domain._meta
    columns = sorted(changes)
    assignments = ", ".join(f"{connection.ops.quote_name(count.get_field(name).column)} = "
                            f"{connection.ops.quote_name(count.get_field(name).column)} + %s"
                            for name in columns)
    sql = (f"UPDATE {connection.ops.quote_name(count.db_table)} SET {assignments} "  # noqa: S608
           f"WHERE {connection.ops.quote_name(count.get_field('day').column)} = %s AND "
           f"{connection.ops.quote_name(count.get_field('domain').column)} = "
           f"(SELECT {connection.ops.quote_name(hosted.pk.column)} FROM "
           f"{connection.ops.quote_name(hosted.db_table)} WHERE "
           f"{connection.ops.quote_name(hosted.get_field('name').column)} = %s)")
    with connection.cursor() as cursor:
        cursor.execute(sql, [*(changes[name] for name in columns), day, domain])
        return cursor.rowcount


@_database
def _add(domain: str, changes: dict[str, int]) -> None:
    day = timezone.localdate()
    if _update(domain, day, changes):
        return  # the usual case: one UPDATE
    hosted = Domain.objects.filter(name=domain).first()
    if hosted is None:
        return  # not hosted (an SRS bounce to the host name, a domain just deleted)
    # First message of the day: get_or_create survives a race with another server
    # (the unique constraint), and the UPDATE then adds to whichever row won.
    DailyMailCount.objects.get_or_create(domain=hosted, day=day)
    _update(domain, day, changes)


def count_mail(domain: str, *, received: int = 0, spam: int = 0, viruses: int = 0) -> None:
    """Add to today's counters of the hosted ``domain``; never raises (only logs).

    ``received``: messages accepted for it; ``spam``: copies held in its spam
    account; ``viruses``: infected messages refused. Today is the panel's
    (HOSTPANEL_TIME_ZONE).
    """
    changes = {field: value for field, value in
               (("received", received), ("spam", spam), ("viruses", viruses)) if value}
    if not changes:
        return
    try:
        _add(domain.lower(), changes)
    except DatabaseError:
        log.exception("mail counters of %s not updated", domain)
