"""Where mail for an address goes, and the bookkeeping of automatic replies."""

from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from hostpanel.domains.models import Account, Domain
from hostpanel.routing.models import AutoReplySent, Autoresponder, Forward, Routing
from mailcore.addresses import AddressError, split_address
from mailcore.directory._base import Mailbox, _active_account, _database, _mailbox
from mailcore.directory.cache import cached
from mailcore.directory.lists import ListAddress, list_address


@dataclass(frozen=True)
class Vacation:
    subject: str
    message: str
    start: date | None
    end: date | None

    def active_on(self, day: date) -> bool:
        return (self.start is None or self.start <= day) and (self.end is None or day <= self.end)


@dataclass(frozen=True)
class AutoresponderInfo:
    copy_to: str  # '' for none
    subject: str
    message: str


@dataclass(frozen=True)
class Route:
    """What an address of a hosted domain resolves to.

    ``kind`` is ``mailbox`` (an account, with its routing ``mode``: ``standard``,
    ``forward`` or ``delete``, and its vacation), ``forward`` (a forward, or the
    domain's catch-all when ``via_catch_all``), ``autoresponder`` or ``list`` (a
    mailing list's address or one of its service addresses: ``list_target``).
    """

    kind: str
    address: str
    domain: str
    mailbox: Mailbox | None = None
    mode: str = "standard"
    forward_to: tuple[str, ...] = ()
    save_copy: bool = False
    vacation: Vacation | None = None
    autoresponder: AutoresponderInfo | None = None
    via_catch_all: bool = False
    list_target: ListAddress | None = None


def _account_route(account: Account) -> Route:
    mailbox = _mailbox(account)
    routing = Routing.objects.filter(account=account).first()
    if routing is None:
        return Route(kind="mailbox", address=mailbox.address, domain=mailbox.domain,
                     mailbox=mailbox)
    vacation = None
    if routing.vacation_enabled:
        vacation = Vacation(routing.vacation_subject, routing.vacation_message,
                            routing.vacation_start, routing.vacation_end)
    return Route(
        kind="mailbox", address=mailbox.address, domain=mailbox.domain, mailbox=mailbox,
        mode=routing.mode, forward_to=tuple(routing.forward_to), save_copy=routing.save_copy,
        vacation=vacation,
    )


@cached
@_database
def find_route(address: str) -> Route | None:
    """Where mail for ``address`` goes, or None when no hosted address (or catch-all) takes it.

    The caller has checked the address's syntax; an address of a domain that is
    not hosted here is None too (the caller tells "unknown user" from "relaying
    denied" with :func:`is_local_domain`).
    """
    try:
        local, domain_name = split_address(address)
    except AddressError:
        return None
    domain = Domain.objects.filter(name=domain_name, is_active=True).first()
    if domain is None:
        return None
    canonical = f"{local}@{domain.name}"
    account = _active_account(local, domain.name)
    if account is not None:
        return _account_route(account)
    forward = Forward.objects.filter(domain=domain, local_part=local).first()
    if forward is not None:
        return Route(kind="forward", address=canonical, domain=domain.name,
                     forward_to=tuple(forward.targets))
    responder = Autoresponder.objects.filter(domain=domain, local_part=local).first()
    if responder is not None:
        return Route(kind="autoresponder", address=canonical, domain=domain.name,
                     autoresponder=AutoresponderInfo(responder.copy_to, responder.subject,
                                                     responder.message))
    owned = list_address(domain, local)
    if owned:
        return Route(kind="list", address=canonical, domain=domain.name, list_target=owned)
    if owned is False:  # reserved by a list, taking no mail: not for the catch-all
        return None
    if domain.catch_all:
        return Route(kind="forward", address=canonical, domain=domain.name,
                     forward_to=(domain.catch_all,), via_catch_all=True)
    return None


@cached
@_database
def mail_language(address: str) -> str:
    """The language of mail the servers write for ``address`` (replies, notices, reports).

    The account's own choice (made in the panel's language menu), else the site's.
    """
    try:
        local_part, domain = split_address(address)
    except AddressError:
        return settings.LANGUAGE_CODE
    chosen = (Account.objects.filter(local_part=local_part, domain__name=domain)
              .values_list("language", flat=True).first())
    return chosen or settings.LANGUAGE_CODE


def today() -> date:
    """Today in the panel's time zone (HOSTPANEL_TIME_ZONE): vacation dates are read in it."""
    return timezone.localdate()


@cached
@_database
def postmaster_address(hostname: str) -> str | None:
    """Where ``RCPT TO:<postmaster>`` without a domain goes (RFC 5321 section 4.5.1).

    The postmaster of the host name's domain when it is hosted here (the host
    name itself or the nearest parent: ``mx.example.com`` -> ``example.com``),
    else of the first hosted domain; None when no domain is hosted.
    """
    labels = hostname.strip().rstrip(".").lower().split(".")
    domains = Domain.objects.filter(is_active=True)
    for index in range(len(labels) - 1):
        name = ".".join(labels[index:])
        if domains.filter(name=name).exists():
            return f"postmaster@{name}"
    first = domains.order_by("pk").first()
    return f"postmaster@{first.name}" if first else None


@cached
@_database
def sender_addresses(address: str) -> frozenset[str]:
    """The addresses the account ``address`` may send as (submission's MAIL FROM and From).

    Its own address, and every forward with the account among its targets (the
    account's aliases). Lower case.
    """
    own = address.strip().lower()
    addresses = {own}
    candidates = Forward.objects.filter(domain__is_active=True, targets__icontains=own)
    for forward in candidates.select_related("domain"):
        if any(str(target).strip().lower() == own for target in forward.targets):
            addresses.add(f"{forward.local_part}@{forward.domain.name}")
    return frozenset(addresses)


@_database
def claim_auto_reply(responder: str, sender: str, interval: timedelta) -> bool:
    """Whether ``responder`` may answer ``sender`` now; True records the reply.

    At most one reply per ``interval`` (RFC 3834's "once per period"; an
    interval of 0 allows every one). Race-safe: of two servers answering the
    same sender at once, exactly one is told True (a conditional update of the
    old row, or the unique constraint on a new one).
    """
    now = timezone.now()
    key = {"responder": responder.lower()[:320], "sender": sender.lower()[:320]}
    stale = AutoReplySent.objects.filter(**key)
    if interval > timedelta(0):
        stale = stale.filter(sent_at__lte=now - interval)
    if stale.update(sent_at=now):
        return True
    if AutoReplySent.objects.filter(**key).exists():
        return False
    try:
        with transaction.atomic():
            AutoReplySent.objects.create(sent_at=now, **key)
    except IntegrityError:  # another server answered first
        return False
    return True
