"""Prepare HOSTPANEL_HOME for a run: folders, database, first-start seed, TLS certificate.

Idempotent: run it before every start (``make run`` does). Nothing that exists
is reset; pointing ``HOSTPANEL_HOME`` at an empty folder starts afresh.
"""

from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import connection

from hostpanel.domains.management.commands.seed import (
    DEMO_PASSWORD,
    SEED_ACCOUNTS,
    SEED_DOMAIN,
)
from hostpanel.domains.models import Domain
from hostpanel.lib.devtls import ensure_certificate
from hostpanel.spam.services import provide_spam_accounts


@dataclass(frozen=True)
class TLSFiles:
    cert: str
    key: str
    generated: bool  # a development certificate made by this command


def state_folders() -> list[Path]:
    home = settings.HOSTPANEL_HOME
    return [
        home,
        settings.HOSTPANEL_MAIL_ROOT,
        settings.HOSTPANEL_SPOOL,
        settings.HOSTPANEL_QUARANTINE,
        settings.HOSTPANEL_SPAM_MODELS,
        settings.HOSTPANEL_LISTS,
        home / "broker",
        Path(settings.STATIC_ROOT),
    ]


def development_tls() -> TLSFiles:
    """The configured certificate, or a self-signed one under HOSTPANEL_HOME/tls."""
    if settings.HOSTPANEL_TLS_CERT:
        return TLSFiles(settings.HOSTPANEL_TLS_CERT, settings.HOSTPANEL_TLS_KEY, False)
    cert, key, _written = ensure_certificate(
        settings.HOSTPANEL_HOME / "tls", settings.HOSTPANEL_HOSTNAME
    )
    return TLSFiles(str(cert), str(key), True)


def _without_password(url: str) -> str:
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
    return parts._replace(netloc=netloc).geturl()


def _broker_label() -> str:
    url = settings.CELERY_BROKER_URL
    if url == "filesystem://":
        return f"{url} (folders under {settings.HOSTPANEL_HOME / 'broker'})"
    return _without_password(url)


def _database_label() -> str:
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"SQLite {db['NAME']}"
    return f"{db['ENGINE'].rsplit('.', 1)[-1]} {db.get('HOST') or 'localhost'}/{db['NAME']}"


def _seed_lines() -> list[str]:
    if not Domain.objects.filter(name=SEED_DOMAIN).exists():
        return []
    lines = ["", f"  Panel login (account / domain / password), seeded with '{DEMO_PASSWORD}':"]
    for name in ("postmaster", *SEED_ACCOUNTS):
        lines.append(f"    {name:<11} {SEED_DOMAIN:<12} {DEMO_PASSWORD}")
    return lines + [
        "  The postmaster manages the domain's accounts; jane and john change their own",
        "  password. Passwords changed since the first start are kept.",
        f"  POP3 login: jane@{SEED_DOMAIN} (or jane%{SEED_DOMAIN} for Eudora),"
        f" password {DEMO_PASSWORD}",
    ]


def banner(tls: TLSFiles | None) -> str:
    """What a developer needs to reach every process, and the seeded logins."""
    web = f"http://{settings.HOSTPANEL_WEB_HOST}:{settings.HOSTPANEL_WEB_PORT}"
    smtp_host, pop3_host = settings.HOSTPANEL_SMTP_HOST, settings.HOSTPANEL_POP3_HOST
    lines = [
        f"hostpanel: state in {settings.HOSTPANEL_HOME}",
        "",
        f"  Panel        {web}/",
        f"  Admin        {web}/admin/   (operator: manage.py createsuperuser)",
        f"  API          {web}/api/v1/   (OpenAPI: {web}/api/v1/openapi.json)",
        f"  MX (SMTP)    {smtp_host}:{settings.HOSTPANEL_SMTP_PORT}",
        f"  Submission   {smtp_host}:{settings.HOSTPANEL_SUBMISSION_PORT}",
        f"  POP3         {pop3_host}:{settings.HOSTPANEL_POP3_PORT}",
        f"  Database     {_database_label()}",
        f"  Broker       {_broker_label()}",
    ]
    if tls:
        kind = "self-signed, development" if tls.generated else "configured"
        lines.append(f"  TLS          {tls.cert} ({kind})")
    lines += _seed_lines()
    return "\n".join(lines) + "\n"


class Command(BaseCommand):
    help = (
        "Prepare HOSTPANEL_HOME: state folders, database migrations, the demo seed on first "
        "start, and a development TLS certificate when HOSTPANEL_TLS_CERT is unset."
    )

    def add_arguments(self, parser):
        parser.add_argument("--no-seed", action="store_true", help="Do not seed example.com.")
        parser.add_argument("--no-banner", action="store_true", help="Do not print the summary.")

    def handle(self, *args, no_seed=False, no_banner=False, **options):
        verbosity = options["verbosity"]
        for folder in state_folders():
            folder.mkdir(parents=True, exist_ok=True)
        call_command("migrate", interactive=False, verbosity=max(verbosity - 1, 0))
        if not no_seed:
            call_command("seed", if_empty=True, verbosity=verbosity, stdout=self.stdout)
        provide_spam_accounts()
        tls = development_tls()
        if not no_banner:
            self.stdout.write("\n" + banner(tls))
        return None
