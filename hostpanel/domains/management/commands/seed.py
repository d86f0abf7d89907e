"""Seed a development database: example.com with jane and john, every password ``demo``.

``demo`` would be refused by the password validators, and rightly so for real
users. Only this command sets it: the domain and accounts are created through
``hostpanel.domains.services`` with a strong throwaway password (so every rule
of creation applies), and the demo password is then set directly. Nothing that
exists is changed, so a password changed since the first start is kept.
"""

import secrets

from django.core.management.base import BaseCommand
from django.db import transaction

from hostpanel.domains import services
from hostpanel.domains.models import POSTMASTER, Account, Domain

SEED_DOMAIN = "example.com"
SEED_ACCOUNTS = ("jane", "john")
DEMO_PASSWORD = "demo"  # noqa: S105 - the documented demo login, set only here


def _set_demo_password(account: Account) -> None:
    account.set_password(DEMO_PASSWORD)
    account.save(update_fields=["password", "password_changed_at"])


@transaction.atomic
def seed() -> list[str]:
    """Create what is missing of the demo data; return the addresses created."""
    created = []
    domain = Domain.objects.filter(name=SEED_DOMAIN).first()
    if domain is None:
        domain = services.create_domain(SEED_DOMAIN, secrets.token_urlsafe(24))
        _set_demo_password(domain.accounts.get(local_part=POSTMASTER))
        created.append(f"{POSTMASTER}@{SEED_DOMAIN}")
    for name in SEED_ACCOUNTS:
        if domain.accounts.filter(local_part=name).exists():
            continue
        account = services.create_account(domain, name, secrets.token_urlsafe(24))
        _set_demo_password(account)
        created.append(account.username)
    return created


class Command(BaseCommand):
    help = (
        f"Create the development domain {SEED_DOMAIN} (postmaster, "
        f"{', '.join(SEED_ACCOUNTS)}; password '{DEMO_PASSWORD}'). Existing data is kept."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Seed only when the database has no domain yet (first start).",
        )

    def handle(self, *args, if_empty=False, **options):
        if if_empty and Domain.objects.exists():
            self.stdout.write("Domains exist already: nothing seeded.")
            return
        created = seed()
        if created:
            self.stdout.write(
                f"Seeded {', '.join(created)} with the password '{DEMO_PASSWORD}'."
            )
        else:
            self.stdout.write(f"{SEED_DOMAIN} and its demo accounts exist already.")
