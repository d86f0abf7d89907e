"""The one place where the mail servers read Django's models.

Everything here is synchronous ORM work: servers call it from a worker thread
(``asyncio.to_thread``), never from the event loop, and get plain frozen data
back, never model instances or QuerySets.
"""

import functools
import logging
import secrets
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.contrib.auth.hashers import check_password as django_check_password
from django.contrib.auth.hashers import make_password
from django.db import Error as DatabaseError
from django.db import IntegrityError, close_old_connections, models, transaction
from django.utils import timezone
from django.utils.translation import gettext  # noqa: F401 (for mail the servers write)
from django.utils.translation import override as translation_override  # noqa: F401

from hostpanel.domains.models import Account, Domain
from hostpanel.outbound.models import DkimKey, OutboundMessage, OutboundRecipient
from hostpanel.routing.models import AutoReplySent, Autoresponder, Forward, Routing
from mailcore.addresses import AddressError, parse_login, split_address
from mailcore.maildir import maildir_path


@dataclass(frozen=True)
class ServerConfig:
    hostname: str
    mail_root: Path
    spool: Path
    smtp_host: str
    smtp_port: int
    submission_port: int
    pop3_host: str
    pop3_port: int
    tls_cert: str
    tls_key: str
    message_size_limit: int
    smtp_timeout: int
    pop3_timeout: int
    auth_cache_ttl: int
    auth_max_failures: int
    auth_failure_window: int
    secret: bytes
    pop3_require_tls: bool = False
    auth_plaintext_loopback: bool = False
    queue_lifetime_days: int = 5
    smarthost: str = ""
    dns: str = ""
    smtp_delivery_port: int = 25  # port of remote MX hosts (tests: their sink's)
    submissions_port: int = 0  # implicit TLS submission; 0: off
    vacation_interval_days: int = 1
    autoresponder_interval_hours: int = 1


@dataclass(frozen=True)
class Mailbox:
    """A local mailbox that can receive mail and log in over POP3."""

    account_id: int
    address: str
    domain: str
    maildir: Path
    quota_bytes: int  # 0: no limit


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
    domain's catch-all when ``via_catch_all``) or ``autoresponder``.
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


@dataclass(frozen=True)
class Credentials:
    mailbox: Mailbox
    password_hash: str


def server_config() -> ServerConfig:
    return ServerConfig(
        hostname=settings.HOSTPANEL_HOSTNAME,
        mail_root=Path(settings.HOSTPANEL_MAIL_ROOT),
        spool=Path(settings.HOSTPANEL_SPOOL),
        smtp_host=settings.HOSTPANEL_SMTP_HOST,
        smtp_port=settings.HOSTPANEL_SMTP_PORT,
        submission_port=settings.HOSTPANEL_SUBMISSION_PORT,
        pop3_host=settings.HOSTPANEL_POP3_HOST,
        pop3_port=settings.HOSTPANEL_POP3_PORT,
        tls_cert=settings.HOSTPANEL_TLS_CERT,
        tls_key=settings.HOSTPANEL_TLS_KEY,
        message_size_limit=settings.HOSTPANEL_MESSAGE_SIZE_LIMIT,
        smtp_timeout=settings.HOSTPANEL_SMTP_TIMEOUT,
        pop3_timeout=settings.HOSTPANEL_POP3_TIMEOUT,
        auth_cache_ttl=settings.HOSTPANEL_AUTH_CACHE_TTL,
        auth_max_failures=settings.HOSTPANEL_AUTH_MAX_FAILURES,
        auth_failure_window=settings.HOSTPANEL_AUTH_FAILURE_WINDOW,
        secret=settings.SECRET_KEY.encode(),
        pop3_require_tls=settings.HOSTPANEL_POP3_REQUIRE_TLS,
        auth_plaintext_loopback=settings.HOSTPANEL_AUTH_PLAINTEXT_LOOPBACK,
        queue_lifetime_days=settings.HOSTPANEL_QUEUE_LIFETIME_DAYS,
        smarthost=settings.HOSTPANEL_SMARTHOST,
        dns=settings.HOSTPANEL_DNS,
        smtp_delivery_port=settings.HOSTPANEL_SMTP_DELIVERY_PORT,
        submissions_port=settings.HOSTPANEL_SUBMISSIONS_PORT,
        vacation_interval_days=settings.HOSTPANEL_VACATION_INTERVAL_DAYS,
        autoresponder_interval_hours=settings.HOSTPANEL_AUTORESPONDER_INTERVAL_HOURS,
    )


def _database(func):
    """Retry once on a dropped database connection (a restarted server)."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except DatabaseError:
            close_old_connections()
            return func(*args, **kwargs)

    return wrapper


def _mailbox(account: Account) -> Mailbox:
    domain = account.domain.name
    return Mailbox(
        account_id=account.pk,
        address=f"{account.local_part}@{domain}",
        domain=domain,
        maildir=maildir_path(settings.HOSTPANEL_MAIL_ROOT, domain, account.local_part),
        quota_bytes=account.quota_mb * 1024 * 1024,
    )


@_database
def is_local_domain(domain: str) -> bool:
    return Domain.objects.filter(name=domain, is_active=True).exists()


def _active_account(local_part: str, domain: str) -> Account | None:
    return (
        Account.objects.select_related("domain")
        .filter(
            local_part=local_part,
            domain__name=domain,
            domain__is_active=True,
            is_active=True,
        )
        .first()
    )


@_database
def find_mailbox(address: str) -> Mailbox | None:
    """The active mailbox for an envelope address, or None."""
    try:
        local, domain = split_address(address)
    except AddressError:
        return None
    account = _active_account(local, domain)
    return _mailbox(account) if account else None


@_database
def find_credentials(login: str) -> Credentials | None:
    """The mailbox and stored password hash for ``jane@example.com`` or ``jane%example.com``."""
    try:
        local, domain = parse_login(login)
    except AddressError:
        return None
    account = _active_account(local, domain)
    if account is None or not account.has_usable_password():
        return None
    return Credentials(mailbox=_mailbox(account), password_hash=account.password)


def check_password(password: str, password_hash: str) -> bool:
    """Slow on purpose (a password hash): call it from a worker thread."""
    return django_check_password(password, password_hash)


@functools.cache
def dummy_password_hash() -> str:
    """A hash no password matches, made by the current hasher: checking a password
    against it costs what a real check costs (unknown logins are not revealed by
    timing). Slow the first time: call it from a worker thread."""
    return make_password(secrets.token_urlsafe(32))


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
    if domain.catch_all:
        return Route(kind="forward", address=canonical, domain=domain.name,
                     forward_to=(domain.catch_all,), via_catch_all=True)
    return None


def mail_language(address: str) -> str:
    """The language of mail the servers write for ``address`` (automatic replies).

    The site's language for now; per-account languages come with the panel's.
    """
    return settings.LANGUAGE_CODE


def today() -> date:
    """Today in the panel's time zone (HOSTPANEL_TIME_ZONE): vacation dates are read in it."""
    return timezone.localdate()


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


@dataclass(frozen=True)
class QueuedRecipient:
    address: str
    state: str
    last_error: str = ""


@dataclass(frozen=True)
class QueuedMessage:
    """An outbound message's envelope and per-recipient state, as the delivery task needs it."""

    queue_id: str
    sender: str
    origin: str
    domain: str | None
    attempts: int
    created_at: datetime
    expires_at: datetime
    done: bool
    recipients: tuple[QueuedRecipient, ...] = field(default=())


@_database
def record_outbound(queue_id: str, sender: str, recipients, *, origin: str,
                    domain: str | None, size: int) -> None:
    """Record a spooled message and its recipients (committed when this returns).

    The delivery task is sent to the broker after the commit; if the broker
    cannot take it, the spool sweep finds the message later.
    """
    now = timezone.now()
    with transaction.atomic():
        message = OutboundMessage.objects.create(
            queue_id=queue_id,
            domain=Domain.objects.filter(name=domain).first() if domain else None,
            origin=origin,
            sender=sender,
            size=size,
            created_at=now,
            next_attempt_at=now,
            expires_at=now + timedelta(days=settings.HOSTPANEL_QUEUE_LIFETIME_DAYS),
        )
        OutboundRecipient.objects.bulk_create(
            OutboundRecipient(message=message, address=address, updated_at=now)
            for address in dict.fromkeys(recipients)
        )
    _dispatch(queue_id)


def _dispatch(queue_id: str, eta: datetime | None = None) -> None:
    from hostpanel.outbound.tasks import deliver_outbound

    try:
        deliver_outbound.apply_async((queue_id,), eta=eta)
    except Exception:  # the broker is down: the sweep re-enqueues from the database
        logging.getLogger(__name__).warning("could not enqueue delivery of %s", queue_id,
                                            exc_info=True)


# The delivery side of the outbound queue (mailcore.queue.delivery and its sweep).

_WAITING = (OutboundRecipient.PENDING, OutboundRecipient.DEFERRED)


def _queued(message: OutboundMessage) -> QueuedMessage:
    return QueuedMessage(
        queue_id=message.queue_id, sender=message.sender, origin=message.origin,
        domain=message.domain.name if message.domain else None, attempts=message.attempts,
        created_at=message.created_at, expires_at=message.expires_at, done=message.done,
        recipients=tuple(QueuedRecipient(r.address, r.state, r.last_error)
                         for r in message.recipients.order_by("pk")),
    )


@_database
def load_outbound(queue_id: str) -> QueuedMessage | None:
    message = OutboundMessage.objects.select_related("domain").filter(pk=queue_id).first()
    return _queued(message) if message else None


@_database
def claim_outbound(queue_id: str, lease: timedelta) -> QueuedMessage | None:
    """Take a due, unfinished message for one delivery attempt; None if it is not ours to send.

    One conditional UPDATE moves ``next_attempt_at`` ``lease`` into the future
    and counts the attempt: of two workers given the same message, one wins
    (PostgreSQL re-checks the condition on the locked row; SQLite serializes
    writers), and a second task for it finds it not due and does nothing.
    """
    now = timezone.now()
    claimed = OutboundMessage.objects.filter(
        pk=queue_id, done=False, next_attempt_at__lte=now + timedelta(seconds=5)
    ).update(next_attempt_at=now + lease, attempts=models.F("attempts") + 1)
    return load_outbound(queue_id) if claimed else None


@_database
def record_outcomes(queue_id: str, outcomes) -> None:
    """Store ``(address, state, error)`` for recipients still waiting (never undo a delivery)."""
    now = timezone.now()
    with transaction.atomic():
        for address, state, error in outcomes:
            OutboundRecipient.objects.filter(
                message_id=queue_id, address=address, state__in=_WAITING
            ).update(state=state, last_error=error[:2000], updated_at=now)


@_database
def retry_outbound(queue_id: str, when: datetime) -> None:
    """Try the message again at ``when`` (the delivery task is scheduled for then)."""
    OutboundMessage.objects.filter(pk=queue_id, done=False).update(next_attempt_at=when)
    _dispatch(queue_id, eta=when)


@_database
def finish_outbound(queue_id: str) -> None:
    OutboundMessage.objects.filter(pk=queue_id).update(done=True)


@_database
def overdue_outbound(grace: timedelta, limit: int = 1000) -> list[str]:
    """Unfinished messages due for more than ``grace``: their task was lost. Re-sends each.

    Each is marked due now first (a conditional update, so a message a worker
    claimed meanwhile is left alone), so it is re-sent once per ``grace`` at most.
    """
    now = timezone.now()
    candidates = (OutboundMessage.objects.filter(done=False, next_attempt_at__lte=now - grace)
                  .order_by("next_attempt_at").values_list("pk", flat=True)[:limit])
    resent = []
    for queue_id in list(candidates):
        if OutboundMessage.objects.filter(pk=queue_id, done=False,
                                          next_attempt_at__lte=now - grace
                                          ).update(next_attempt_at=now):
            _dispatch(queue_id)
            resent.append(queue_id)
    return resent


@_database
def outbound_finished(queue_ids) -> set[str]:
    """Those of ``queue_ids`` that are done or have no record at all."""
    queue_ids = set(queue_ids)
    waiting = OutboundMessage.objects.filter(pk__in=queue_ids, done=False)
    return queue_ids - set(waiting.values_list("pk", flat=True))


@dataclass(frozen=True)
class DkimSigningKey:
    domain: str
    selector: str
    private_key: str  # PKCS#1 PEM


@_database
def dkim_signing_key(domain: str) -> DkimSigningKey | None:
    """The key hosted ``domain`` signs its outbound mail with, or None."""
    key = DkimKey.objects.filter(domain__name=domain, domain__is_active=True).first()
    return DkimSigningKey(domain, key.selector, key.private_key) if key else None

