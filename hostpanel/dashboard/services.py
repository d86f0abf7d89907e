"""What the dashboard shows: the menu's counts, mail per day, quota use per account."""

from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone
from django.utils.translation import gettext as _

from hostpanel.dashboard.charts import LineChart, line_chart
from hostpanel.dashboard.models import DailyMailCount
from hostpanel.domains.models import Account, Domain
from mailcore.maildir import Maildir, maildir_path

DAYS = 30
TOP_ACCOUNTS = 20  # accounts shown in the quota chart
USAGE_SCAN_LIMIT = 2000  # accounts whose usage is read at most (one small file each)
QUOTA_CHART_SECONDS = 60  # the quota chart is measured again after this long


def menu_counts(domain: Domain) -> dict[str, int]:
    """What each menu entry counts: one COUNT each (joined, they would multiply rows)."""
    return {
        "accounts": domain.accounts.count(),
        "forwards": domain.forwards.count(),
        "autoresponders": domain.autoresponders.count(),
        "lists": domain.mailing_lists.count(),
        "spam": domain.caught_spam.count(),
        "quarantine": domain.quarantined_messages.count(),
    }


def last_days(today: date | None = None, days: int = DAYS) -> list[date]:
    today = today or timezone.localdate()
    return [today - timedelta(days=n) for n in range(days - 1, -1, -1)]


def mail_chart(domain: Domain, today: date | None = None) -> LineChart:
    """Mail received, spam caught and viruses blocked on each of the last 30 days."""
    days = last_days(today)
    rows = {row.day: row for row in
            DailyMailCount.objects.filter(domain=domain, day__gte=days[0], day__lte=days[-1])}

    def values(field: str) -> list[int]:
        return [getattr(rows[day], field) if day in rows else 0 for day in days]

    return line_chart(days, [
        ("received", _("Mail received"), values("received")),
        ("spam", _("Spam caught"), values("spam")),
        ("viruses", _("Viruses blocked"), values("viruses")),
    ])


@dataclass(frozen=True)
class QuotaUse:
    address: str
    local_part: str
    used: int  # bytes
    quota: int  # bytes, 0: no limit

    @property
    def percent(self) -> float | None:
        """Share of the quota in use (capped at 100 for the bar), None without a quota."""
        if not self.quota:
            return None
        return round(min(100.0, 100.0 * self.used / self.quota), 1)

    @property
    def over(self) -> bool:
        return bool(self.quota) and self.used >= self.quota


@dataclass(frozen=True)
class QuotaChart:
    rows: list[QuotaUse]
    accounts: int  # in the domain
    scanned: int  # of which read for the chart


def quota_chart(domain: Domain, top: int = TOP_ACCOUNTS,
                scan_limit: int = USAGE_SCAN_LIMIT) -> QuotaChart:
    """The ``top`` accounts by usage (Maildir++ ``maildirsize``: no directory scan each).

    Reads one small file per account, up to ``scan_limit`` of them: tens of
    milliseconds for thousands of accounts, so the dashboard asks
    :func:`cached_quota_chart` instead. Only names and quotas come from the
    database (no model instances: they cost more than the files).
    """
    accounts = Account.objects.filter(domain=domain).order_by("local_part")
    total = accounts.count()
    scanned = accounts.values_list("local_part", "quota_mb")[:scan_limit]
    root = settings.HOSTPANEL_MAIL_ROOT
    usage = [QuotaUse(f"{local_part}@{domain.name}", local_part,
                      Maildir(maildir_path(root, domain.name, local_part)).usage(),
                      quota_mb * 1024 * 1024)
             for local_part, quota_mb in scanned]
    usage.sort(key=lambda row: (-row.used, row.address))
    return QuotaChart(rows=usage[:top], accounts=total, scanned=len(usage))


def cached_quota_chart(domain: Domain) -> QuotaChart:
    """:func:`quota_chart`, measured at most once per ``QUOTA_CHART_SECONDS`` per domain."""
    key = f"hostpanel:quota-chart:{domain.pk}"
    chart = cache.get(key)
    if chart is None:
        chart = quota_chart(domain)
        cache.set(key, chart, QUOTA_CHART_SECONDS)
    return chart
