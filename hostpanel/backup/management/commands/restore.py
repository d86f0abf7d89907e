"""``manage.py restore FILE [--force]``: an archive from ``manage.py backup`` into this instance."""

from django.core.management.base import BaseCommand, CommandError

from hostpanel.backup import services
from hostpanel.backup.management.commands.backup import _size

_SHOWN = (("domains.domain", "domains"), ("domains.account", "accounts"),
          ("routing.forward", "forwards"), ("routing.autoresponder", "autoresponders"),
          ("lists.mailinglist", "mailing lists"), ("lists.member", "list members"),
          ("outbound.outboundmessage", "queued messages"),
          ("quarantine.quarantinedmessage", "quarantine entries"))


class Command(BaseCommand):
    help = ("Restore a backup made by `manage.py backup` into an empty instance (stop the "
            "servers first). Runs migrations, loads the database in one transaction and "
            "puts the folders in place; nothing is changed when the archive is bad.")

    def add_arguments(self, parser):
        parser.add_argument("file", help="The backup archive (.tar.gz).")
        parser.add_argument(
            "--force", action="store_true",
            help="Restore even though this instance holds domains, accounts or mail: "
                 "all of it is replaced by the backup.")

    def handle(self, *args, file, force=False, **options):
        try:
            restored = services.restore_backup(file, force=force)
        except services.BackupError as error:
            raise CommandError(str(error)) from None
        header = restored.header
        self.stdout.write(
            f"Backup of {header.get('created_at')} (hostpanel {header.get('hostpanel_version')}, "
            f"{header.get('database_vendor')} database).")
        if restored.replaced:
            self.stdout.write(f"Replaced: {', '.join(restored.replaced)}.")
        shown = ", ".join(f"{restored.rows.get(label, 0)} {what}" for label, what in _SHOWN)
        self.stdout.write(f"Database: {sum(restored.rows.values())} rows ({shown}).")
        for name, counts in sorted(restored.files.items()):
            self.stdout.write(f"Files: {name}: {counts['files']} ({_size(counts['bytes'])})")
        if restored.paths_rewritten:
            self.stdout.write(f"File paths pointed at the new folders: "
                              f"{restored.paths_rewritten}.")
        if restored.secret_key:
            self.stdout.write("Secret key file restored.")
        self.stdout.write(self.style.SUCCESS(f"Restored {file}. Start the servers again."))
