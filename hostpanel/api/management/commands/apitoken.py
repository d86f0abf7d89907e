"""``manage.py apitoken create|list|revoke``: bearer tokens for the JSON API."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from hostpanel.api import tokens
from hostpanel.domains.models import Account
from hostpanel.lib.logins import compose_username


def _account(address: str) -> Account:
    account = Account.objects.filter(username=compose_username(address, "")).first()
    if account is None:
        raise CommandError(f"No account {address!r}.")
    return account


class Command(BaseCommand):
    help = "Create, list and revoke API tokens. A new token is printed once, never stored."

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True)
        create = actions.add_parser("create", help="Create a token and print it.")
        create.add_argument("address", help="The account, such as postmaster@example.com.")
        create.add_argument("--name", default="", help="A name to recognise the token by.")
        listing = actions.add_parser("list", help="List an account's tokens.")
        listing.add_argument("address")
        revoke = actions.add_parser("revoke", help="Revoke the token with this prefix.")
        revoke.add_argument("prefix")

    def handle(self, *args, action, **options):
        getattr(self, f"_{action}")(**options)

    def _create(self, address, name, **options):
        try:
            row, token = tokens.create_token(_account(address), name)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        self.stdout.write(token)
        self.stderr.write(f"Token {row.prefix} created for {row.account}. "
                          "It is shown only this once: keep it now.")

    def _list(self, address, **options):
        for row in _account(address).api_tokens.all():
            used = f"{row.last_used_at:%Y-%m-%d %H:%M}" if row.last_used_at else "never"
            self.stdout.write(f"{row.prefix}\t{row.created_at:%Y-%m-%d %H:%M}\t"
                              f"last used {used}\t{row.name}")

    def _revoke(self, prefix, **options):
        if not tokens.revoke_token(prefix):
            raise CommandError(f"No token with prefix {prefix!r}.")
        self.stdout.write(f"Token {prefix} revoked.")
