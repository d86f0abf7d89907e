"""Spam policies of recipients, the spam accounts, and the record of caught spam."""

from collections.abc import Sequence
from dataclasses import dataclass

from hostpanel.domains.models import Account, Domain
from hostpanel.spam.models import AccountSpamSettings, Blocklist, CaughtSpam, DomainSpamSettings
from mailcore.directory._base import Mailbox, _database, _mailbox
from mailcore.directory.cache import cached
from mailcore.directory.routes import Route
from mailcore.filters.spam.engine import Policy


@dataclass(frozen=True)
class SpamPolicy:
    """How one recipient wants its mail filtered, and where its domain keeps caught spam."""

    policy: Policy  # its own preferences or its domain's
    spam_box: Mailbox | None  # the domain's spam account; None: caught spam stays in the inbox


def _zones(row, active: dict[str, float]) -> tuple[tuple[str, float], ...]:
    if row.choose_blocklists:
        chosen = [b.zone for b in row.blocklists.all()]
    else:
        chosen = [zone for zone, (_score, default_on) in active.items() if default_on]
    return tuple((zone, active[zone][0]) for zone in chosen if zone in active)


def _policy(row, domain: str, enabled: bool, active) -> Policy:
    return Policy(
        domain=domain, enabled=enabled, threshold=float(row.threshold),
        languages=frozenset(row.languages), dnsbls=_zones(row, active),
        whitelist=frozenset(row.whitelist), blacklist=frozenset(row.blacklist))


def spam_policies(routes: Sequence[tuple[str, Route | None]]) -> dict[str, SpamPolicy]:
    """The policy of each hosted recipient, by address as given; remote ones have none."""
    return {address: spam_policy(route) for address, route in routes if route is not None}


@cached
@_database
def spam_policy(route: Route) -> SpamPolicy:
    """The policy of a hosted recipient.

    A mailbox uses its account's preferences (or its domain's defaults); a
    forward, an autoresponder or a catch-all uses its domain's defaults. The
    spam account itself is never filtered.
    """
    active = {b.zone: (b.score, b.default_on) for b in Blocklist.objects.filter(is_active=True)}
    defaults = (DomainSpamSettings.objects.select_related("spam_account__domain")
                .prefetch_related("blocklists").filter(domain__name=route.domain).first())
    box = _mailbox(defaults.spam_account) if defaults and defaults.spam_account else None
    if route.kind == "mailbox" and route.mailbox is not None:
        enabled = Account.objects.filter(pk=route.mailbox.account_id) \
            .values_list("spam_filtering", flat=True).first()
        if box is not None and route.mailbox.account_id == box.account_id:
            enabled = False
        own = (AccountSpamSettings.objects.prefetch_related("blocklists")
               .filter(account_id=route.mailbox.account_id).first())
        row = own or defaults
    else:
        enabled, row = (defaults.enabled if defaults else True), defaults
    row = row or DomainSpamSettings()  # never saved: the system defaults
    return SpamPolicy(_policy(row, route.domain, bool(enabled), active), box)


@_database
def record_caught_spam(*, domain: str, recipient: str, sender: str, subject: str, score: float,
                       rules: Sequence[str], filename: str, size: int) -> None:
    hosted = Domain.objects.filter(name=domain).first()
    if hosted is None:
        return
    CaughtSpam.objects.create(domain=hosted, recipient=recipient[:320], sender=sender[:320],
                              subject=subject[:500], score=score,
                              rules=",".join(rules)[:2000], filename=filename[:255], size=size)
