"""``manage.py createdomain example.com --password SECRET [--quota MB]``."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from hostpanel.domains import services


class Command(BaseCommand):
    help = "Create a hosted domain and its postmaster account."

    def add_arguments(self, parser):
        parser.add_argument("name", help="The domain name, such as example.com.")
        parser.add_argument("--password", required=True,
                            help="The postmaster's (master) password.")
        parser.add_argument("--quota", type=int, default=None, metavar="MB",
                            help="Default quota of new accounts in MB (0: no limit).")

    def handle(self, *args, name, password, quota, **options):
        try:
            domain = services.create_domain(name, password, default_quota_mb=quota)
        except ValidationError as error:
            problems = "; ".join(
                f"{field}: {' '.join(messages)}" for field, messages in error.message_dict.items()
            ) if hasattr(error, "error_dict") else " ".join(error.messages)
            raise CommandError(f"Domain not created. {problems}") from None
        self.stdout.write(self.style.SUCCESS(
            f"Domain {domain.name} created; log in to the panel as postmaster@{domain.name}."
        ))
