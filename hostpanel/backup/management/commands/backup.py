"""``manage.py backup [--output FILE]``: the database and the mail tree in one archive."""

from django.core.management.base import BaseCommand, CommandError

from hostpanel.backup import services


def _size(count: int) -> str:
    for unit in ("bytes", "KB", "MB", "GB"):
        if count < 1024 or unit == "GB":
            return f"{count} {unit}" if unit == "bytes" else f"{count:.1f} {unit}"
        count /= 1024
    return ""


class Command(BaseCommand):
    help = ("Back up this instance (database, Maildirs, outbound spool, quarantine, mailing "
            "lists, spam models, secret key file) into one .tar.gz archive, while it runs.")

    def add_arguments(self, parser):
        parser.add_argument(
            "--output", metavar="FILE",
            help="The archive to write, or an existing folder to write it in (default: "
                 "HOSTPANEL_HOME/backups/hostpanel-backup-YYYYmmdd-HHMMSS.tar.gz).")

    def handle(self, *args, output=None, **options):
        try:
            path, manifest = services.create_backup(output)
        except services.BackupError as error:
            raise CommandError(str(error)) from None
        rows = sum(manifest.rows.values())
        files = ", ".join(f"{name} {counts['files']} ({_size(counts['bytes'])})"
                          for name, counts in manifest.files.items())
        self.stdout.write(f"Database ({manifest.header['database_vendor']}): {rows} rows "
                          f"in {sum(1 for count in manifest.rows.values() if count)} tables.")
        self.stdout.write(f"Files: {files}.")
        if not manifest.secret_key:
            self.stdout.write("The secret key is not in the backup (set by "
                              "HOSTPANEL_SECRET_KEY): keep it with the backup.")
        self.stdout.write(self.style.SUCCESS(f"Backup written to {path}"))
