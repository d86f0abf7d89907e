"""What the operator's status page shows, gathered in one call for the view."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Min
from django.utils import timezone

from hostpanel.operator import disk, probes

DAY = timedelta(hours=24)
LAST_ERRORS = 10


@dataclass(frozen=True)
class QueueSummary:
    waiting: int
    deferred: int
    oldest: datetime | None
    failed_last_day: int
    errors: list  # OutboundRecipient rows with a diagnostic, newest first


@dataclass(frozen=True)
class FilterSummary:
    quarantined_last_day: int
    quarantined_total: int
    spam_last_day: int
    spam_total: int


@dataclass(frozen=True)
class StatusReport:
    services: list[probes.Service]
    queue: QueueSummary
    filters: FilterSummary
    folders: list[disk.Folder]
    filesystems: list[disk.Filesystem]
    scanner: object  # hostpanel.quarantine.scanner.Report
    now: datetime

    @property
    def problems(self) -> int:
        return sum(service.state == probes.DOWN for service in self.services)

    @property
    def low_disk(self) -> bool:
        return any(filesystem.low for filesystem in self.filesystems)


def queue_summary(now: datetime) -> QueueSummary:
    from hostpanel.outbound.models import OutboundMessage, OutboundRecipient

    waiting = OutboundMessage.objects.filter(done=False)
    errors = (OutboundRecipient.objects.exclude(last_error="")
              .filter(state__in=[OutboundRecipient.DEFERRED, OutboundRecipient.FAILED])
              .select_related("message").order_by("-updated_at", "-pk")[:LAST_ERRORS])
    return QueueSummary(
        waiting=waiting.count(),
        deferred=waiting.filter(recipients__state=OutboundRecipient.DEFERRED)
        .distinct().count(),
        oldest=waiting.aggregate(oldest=Min("created_at"))["oldest"],
        failed_last_day=OutboundRecipient.objects.filter(
            state=OutboundRecipient.FAILED, updated_at__gte=now - DAY).count(),
        errors=list(errors),
    )


def filter_summary(now: datetime) -> FilterSummary:
    from hostpanel.quarantine.models import QuarantinedMessage
    from hostpanel.spam.models import CaughtSpam

    # A quarantined message has one row per domain involved: count the messages.
    quarantined = QuarantinedMessage.objects.values("entry_id").distinct()
    return FilterSummary(
        quarantined_last_day=quarantined.filter(created_at__gte=now - DAY).count(),
        quarantined_total=quarantined.count(),
        spam_last_day=CaughtSpam.objects.filter(created_at__gte=now - DAY).count(),
        spam_total=CaughtSpam.objects.count(),
    )


def status_report() -> StatusReport:
    """Probe every service and walk the folders (together, bounded), then count the rest."""
    from hostpanel.quarantine import scanner

    services, jobs = probes.run_all({"sizes": disk.folder_sizes})
    sizes = jobs["sizes"]
    now = timezone.now()
    return StatusReport(
        services=services,
        queue=queue_summary(now),
        filters=filter_summary(now),
        folders=disk.report(sizes if isinstance(sizes, dict) else None),
        filesystems=disk.filesystems(),
        scanner=scanner.report(now),
        now=now,
    )
