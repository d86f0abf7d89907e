"""The one place where the mail servers read Django's models.

Everything here is synchronous ORM work: servers call it from a worker thread
(``asyncio.to_thread``), never from the event loop, and get plain frozen data
back, never model instances or QuerySets.
"""

import functools
import secrets
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.contrib.auth.hashers import check_password as django_check_password
from django.contrib.auth.hashers import make_password
from django.db import Error as DatabaseError
from django.db import close_old_connections

from hostpanel.domains.models import Account, Domain
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


@dataclass(frozen=True)
class Mailbox:
    """A local mailbox that can receive mail and log in over POP3."""

    account_id: int
    address: str
    domain: str
    maildir: Path
    quota_bytes: int  # 0: no limit


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
