"""What a backup archive is: its member names, format version, and errors for people.

See :mod:`hostpanel.backup.services` for the layout of an archive.
"""

import errno
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

FORMAT = "hostpanel-backup"
FORMAT_VERSION = 1
HEADER = "hostpanel-backup.json"
DATABASE = "database.json"
SECRET_KEY_MEMBER = "secret_key"  # noqa: S105 (a member name)
MANIFEST = "manifest.json"
CHUNK = 1 << 20


class BackupError(Exception):
    """A backup or restore that cannot be done; the message says why, for a person."""


def hostpanel_version() -> str:
    try:
        return metadata.version("hostpanel")
    except metadata.PackageNotFoundError:
        return "unknown"


def default_name(now: datetime | None = None) -> str:
    return f"hostpanel-backup-{(now or datetime.now(UTC)):%Y%m%d-%H%M%S}.tar.gz"


def os_error(action: str, path: Path, error: OSError) -> BackupError:
    reasons = {
        errno.ENOSPC: "the disk is full",
        errno.EDQUOT: "the disk quota is exceeded",
        errno.EFBIG: "the file is larger than this process may write (ulimit -f)",
        errno.EACCES: "permission denied",
        errno.EPERM: "permission denied",
        errno.EROFS: "the file system is read-only",
        errno.ENOENT: "no such folder",
        errno.ENOTDIR: "not a folder",
    }
    return BackupError(f"Cannot {action} {path}: {reasons.get(error.errno, error.strerror)}.")


def check_header(header: dict) -> None:
    if header.get("format") != FORMAT:
        raise BackupError("Refused: not a hostpanel backup (no hostpanel-backup header).")
    if header.get("format_version") != FORMAT_VERSION:
        raise BackupError(
            f"Refused: backup format version {header.get('format_version')!r}; this hostpanel "
            f"({hostpanel_version()}) reads version {FORMAT_VERSION}.")

