"""Business rules of the quarantine: deleting entries, purging old ones.

An entry's files (message and envelope) go when its last row goes: each
postmaster deletes their domain's row, and the purge deletes every row older
than HOSTPANEL_QUARANTINE_DAYS.
"""

import logging
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from hostpanel.quarantine.models import QuarantinedMessage

log = logging.getLogger("hostpanel.quarantine")


def _remove_files(path: str) -> None:
    message = Path(path)
    for file in (message, message.with_suffix(".json")):
        file.unlink(missing_ok=True)


def _remove_orphans(entry_ids) -> None:
    """Delete the files of entries that have no row left."""
    kept = set(QuarantinedMessage.objects.filter(entry_id__in=set(entry_ids))
               .values_list("entry_id", flat=True))
    for entry_id, path in entry_ids.items():
        if entry_id not in kept:
            _remove_files(path)


def delete_entry(message: QuarantinedMessage) -> None:
    """Delete one domain's row; the files too when no other domain has the entry."""
    with transaction.atomic():
        message.delete()
    _remove_orphans({message.entry_id: message.path})


def purge_quarantine(now=None) -> int:
    """Delete entries quarantined more than HOSTPANEL_QUARANTINE_DAYS ago; return the count."""
    cutoff = (now or timezone.now()) - timedelta(days=settings.HOSTPANEL_QUARANTINE_DAYS)
    old = QuarantinedMessage.objects.filter(created_at__lt=cutoff)
    entries = dict(old.values_list("entry_id", "path"))
    count, _ = old.delete()
    _remove_orphans(entries)
    if count:
        log.info("purged %d quarantined message record(s) older than %s", count, cutoff)
    return count


def read_message(message: QuarantinedMessage) -> bytes:
    """The quarantined message as received; FileNotFoundError when its file is gone."""
    return Path(message.path).read_bytes()


def _recipients_routes(recipients):
    """``(address, route)`` for each recipient: a hosted one's route, None for a remote one."""
    from mailcore import directory

    routes = []
    for address in recipients:
        route = directory.find_route(address)
        domain = address.rpartition("@")[2]
        if route is None and directory.is_local_domain(domain):
            continue  # the account is gone since: nobody to release it to
        routes.append((address, route))
    return routes


def release_entry(entry: QuarantinedMessage) -> str:
    """Rescan the message and, if clamd now finds it clean, deliver it to its recipients.

    Operator-only (the Django admin). Raises ValidationError (nothing released)
    when no scanner is configured, clamd is unavailable, or it still finds a virus.
    On success the entry (every domain's row and the files) is deleted; returns
    what the router did, for the operator.
    """
    import asyncio

    from django.core.exceptions import ValidationError
    from django.utils.translation import gettext as _

    from mailcore.directory import server_config
    from mailcore.filters import antivirus
    from mailcore.routing.executor import Router

    config = server_config()
    if not config.clamd:
        raise ValidationError(_("No virus scanner is configured: the message cannot be "
                                "rescanned, so it is not released."))
    message = read_message(entry)
    verdict = asyncio.run(antivirus.scan(message, config.clamd, config.clamd_timeout))
    if verdict.infected:
        raise ValidationError(_("The virus scanner still finds %(virus)s: not released.")
                              % {"virus": verdict.virus})
    if not verdict.clean:
        raise ValidationError(_("The virus scanner is unavailable (%(reason)s): not released.")
                              % {"reason": verdict.reason})
    recipients = _recipients_routes(entry.recipients)
    if not recipients:
        raise ValidationError(_("None of the recipients exists any more: not released."))
    header = antivirus.scanned_header(verdict)
    outcome = Router(config).route(header + message, entry.sender, recipients,
                                   origin="submission",
                                   domain=entry.domain.name if entry.domain else None)
    if outcome.refused:
        raise ValidationError(_("The message could not be delivered (%(reason)s): not "
                                "released.") % {"reason": outcome.refused})
    rows = QuarantinedMessage.objects.filter(entry_id=entry.entry_id)
    log.info("released quarantined message %s (%s) to %s", entry.entry_id, entry.virus,
             ",".join(address for address, _route in recipients))
    rows.delete()
    _remove_files(entry.path)
    return ", ".join(outcome.delivered + outcome.queued)
