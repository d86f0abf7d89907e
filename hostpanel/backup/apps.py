from django.apps import AppConfig


class BackupConfig(AppConfig):
    """Backups: ``manage.py backup`` and ``manage.py restore`` (database and mail tree)."""

    name = "hostpanel.backup"
    label = "backup"
    verbose_name = "Backup"
