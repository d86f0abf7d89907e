"""Configuration, the database guard and the mailbox record shared by the directory."""

import functools
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import Error as DatabaseError
from django.db import close_old_connections

from hostpanel.demo import CATCH_ALL_LOGIN
from hostpanel.domains.models import Account
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
    pop3_require_tls: bool = True
    auth_plaintext_loopback: bool = False
    queue_lifetime_days: int = 5
    smarthost: str = ""
    dns: str = ""
    smtp_delivery_port: int = 25  # port of remote MX hosts (tests: their sink's)
    submissions_port: int = 0  # implicit TLS submission; 0: off
    vacation_interval_days: int = 1
    autoresponder_interval_hours: int = 1
    quarantine: Path = Path("quarantine")
    clamd: str = ""  # host:port or socket path; '': no virus scanning
    clamd_timeout: int = 30
    spam_models: Path = Path("spam")  # the classifier's models (mailcore.filters.spam.store)
    spam_dns_timeout: int = 3
    panel_url: str = ""  # https://panel.example.com: links in mail; '' or http: none
    # The live demo: the mailbox that takes every copy for other domains (nothing is
    # sent); '' when this is no demo.
    demo_outbox: str = ""


@dataclass(frozen=True)
class Mailbox:
    """A local mailbox that can receive mail and log in over POP3."""

    account_id: int
    address: str
    domain: str
    maildir: Path
    quota_bytes: int  # 0: no limit


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
        quarantine=Path(settings.HOSTPANEL_QUARANTINE),
        clamd=settings.HOSTPANEL_CLAMD,
        clamd_timeout=settings.HOSTPANEL_CLAMD_TIMEOUT,
        spam_models=Path(settings.HOSTPANEL_SPAM_MODELS),
        spam_dns_timeout=settings.HOSTPANEL_SPAM_DNS_TIMEOUT,
        panel_url=settings.HOSTPANEL_PANEL_URL,
        demo_outbox=CATCH_ALL_LOGIN if settings.HOSTPANEL_DEMO else "",
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
