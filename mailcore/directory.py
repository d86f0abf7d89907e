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
from django.db import close_old_connections, transaction
from django.utils import timezone

from hostpanel.domains.models import Account, Domain
from hostpanel.outbound.models import OutboundMessage, OutboundRecipient
from hostpanel.routing.models import Autoresponder, Forward, Routing
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


def _dispatch(queue_id: str) -> None:
    from hostpanel.outbound.tasks import deliver_outbound

    try:
        deliver_outbound.delay(queue_id)
    except Exception:  # the broker is down: the sweep re-enqueues from the database
        logging.getLogger(__name__).warning("could not enqueue delivery of %s", queue_id,
                                            exc_info=True)
