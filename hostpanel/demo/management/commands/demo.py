"""``manage.py demo reset``: restore the live demo (demo.example) to its fixture now."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from hostpanel.demo import DEMO_DOMAIN, services


class Command(BaseCommand):
    help = "The live demo: 'reset' restores demo.example to its fixture."

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", metavar="ACTION")
        reset = actions.add_parser(
            "reset", help=f"Delete everything of {DEMO_DOMAIN} and build it again from the "
                          "fixture (what beat does every 15 minutes in demo mode).")
        reset.add_argument(
            "--force", action="store_true",
            help=f"Reset even when HOSTPANEL_DEMO is off (deletes {DEMO_DOMAIN}!).")

    def handle(self, *args, action=None, force=False, **options):
        if action != "reset":
            raise CommandError("Give an action: 'manage.py demo reset' restores the demo.")
        if not settings.HOSTPANEL_DEMO and not force:
            raise CommandError(
                f"The demo is off (HOSTPANEL_DEMO is not set), and a reset deletes everything "
                f"of {DEMO_DOMAIN}. Set HOSTPANEL_DEMO=1, or give --force to reset anyway.")
        elapsed = services.reset()
        self.stdout.write(f"Restored {DEMO_DOMAIN} to the demo fixture in {elapsed:.2f} s.")
