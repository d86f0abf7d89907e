"""Backups of a whole instance: ``create_backup`` and ``restore_backup``.

An archive is one ``.tar.gz`` with, in this order:

- ``hostpanel-backup.json``: what it is (format, format version, hostpanel version,
  time, database vendor), first so a wrong file is refused before anything is read;
- ``database.json``: every row (see :mod:`hostpanel.backup.database`);
- ``mail/``, ``spool/``, ``quarantine/``, ``lists/``, ``spam/``: the file trees
  (see :mod:`hostpanel.backup.trees`), regular files only;
- ``secret_key``: ``HOSTPANEL_HOME/secret_key`` when the instance uses that file;
- ``manifest.json``: the same header plus the counts of rows per model and of files
  per tree, last: an archive without it is incomplete.

The database is read first (one snapshot), then the files: a file still referenced
by a row is in the backup unless its work was finished in between (a queued
message delivered, a quarantine entry deleted).
"""

import io
import json
import os
import tarfile
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.db import DEFAULT_DB_ALIAS, connections, transaction

from hostpanel.backup import database, trees
from hostpanel.backup.archive import (
    DATABASE,
    FORMAT,
    FORMAT_VERSION,
    HEADER,
    MANIFEST,
    SECRET_KEY_MEMBER,
    BackupError,
    default_name,
    hostpanel_version,
    os_error,
)
from hostpanel.backup.places import Place
from hostpanel.backup.unpack import Staged, load_rows, unpack
from mailcore.maildir import fsync_dir

__all__ = ["BackupError", "create_backup", "instance_contents", "restore_backup"]


# -- backup ----------------------------------------------------------------------------

@dataclass
class Manifest:
    header: dict
    rows: dict[str, int] = field(default_factory=dict)
    files: dict[str, dict[str, int]] = field(default_factory=dict)
    roots: dict[str, str] = field(default_factory=dict)
    migrations: dict[str, list[str]] = field(default_factory=dict)
    secret_key: bool = False

    def as_json(self) -> dict:
        return {**self.header, "rows": self.rows, "files": self.files, "roots": self.roots,
                "migrations": self.migrations, "secret_key": self.secret_key}


def _outside_trees(path: Path, what: str) -> None:
    """An archive inside a backed-up folder would back itself up, or be replaced."""
    for tree in trees.TREES:
        if path.resolve().is_relative_to(tree.root.resolve()):
            raise BackupError(f"{what} {path} is inside {tree.root}, which the backup "
                              "holds; choose a place outside it.")


def _output_path(output: str | Path | None, now: datetime) -> Path:
    if output is None:
        folder = Path(settings.HOSTPANEL_HOME) / "backups"
        try:
            folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        except OSError as error:
            raise os_error("create the backup folder", folder, error) from None
        return folder / default_name(now)
    path = Path(output).expanduser()
    if path.is_dir():
        return path / default_name(now)
    if not path.parent.is_dir():
        raise BackupError(f"Cannot write {path}: the folder {path.parent} does not exist.")
    if path.exists():
        raise BackupError(f"{path} already exists; choose another name.")
    return path


def _member(name: str, size: int, mtime: float) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.size, info.mtime, info.mode, info.type = size, int(mtime), 0o600, tarfile.REGTYPE
    return info


def _add_bytes(tar: tarfile.TarFile, name: str, data: bytes, mtime: float) -> None:
    tar.addfile(_member(name, len(data), mtime), io.BytesIO(data))


def create_backup(output: str | Path | None = None, *,
                  before_open: trees.BeforeOpen = None,
                  using: str = DEFAULT_DB_ALIAS) -> tuple[Path, Manifest]:
    """Write a backup archive; returns its path and manifest.

    ``output`` is a file name or an existing folder (default: HOSTPANEL_HOME/backups).
    The archive is written to a hidden temporary name, fsynced and renamed: a
    file with the final name is always complete. ``before_open`` is called with
    each file's path before it is read (a seam for tests).
    """
    now = datetime.now(UTC)
    path = _output_path(output, now)
    _outside_trees(path, "The backup")
    header = {"format": FORMAT, "format_version": FORMAT_VERSION,
              "hostpanel_version": hostpanel_version(), "created_at": now.isoformat(),
              "database_vendor": connections[using].vendor}
    manifest = Manifest(header)
    partial = path.with_name(f".{path.name}.part-{os.getpid()}")
    try:
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600)
    except OSError as error:
        raise os_error("write the backup in", path.parent, error) from None
    try:
        with os.fdopen(fd, "wb") as raw:
            with tarfile.open(fileobj=raw, mode="w:gz", compresslevel=6) as tar:
                _write_members(tar, manifest, path.parent, before_open, using)
            raw.flush()
            os.fsync(raw.fileno())
        os.rename(partial, path)
        fsync_dir(path.parent)
    except OSError as error:
        partial.unlink(missing_ok=True)
        raise os_error("write the backup", path, error) from None
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return path, manifest


def _write_members(tar: tarfile.TarFile, manifest: Manifest, scratch: Path,
                   before_open: trees.BeforeOpen, using: str) -> None:
    now = datetime.now(UTC).timestamp()
    _add_bytes(tar, HEADER, json.dumps(manifest.header, indent=1).encode(), now)
    with tempfile.TemporaryFile("w+b", dir=scratch) as dump:
        text = io.TextIOWrapper(dump, encoding="utf-8", newline="\n")
        with database.snapshot(using):
            manifest.rows = database.dump(text, using)
            manifest.migrations = database.applied_migrations(using)
        text.flush()
        size = dump.seek(0, os.SEEK_END)
        dump.seek(0)
        tar.addfile(_member(DATABASE, size, now), dump)
        text.detach()
    for tree in trees.TREES:
        manifest.roots[tree.name] = str(tree.root)
        count = total = 0
        for file in trees.walk(tree, before_open):
            _add_bytes(tar, f"{tree.name}/{file.relative}", file.data, file.mtime)
            count, total = count + 1, total + len(file.data)
        manifest.files[tree.name] = {"files": count, "bytes": total}
    secret = Path(settings.HOSTPANEL_HOME) / "secret_key"
    if secret.is_file() and not secret.is_symlink():
        _add_bytes(tar, SECRET_KEY_MEMBER, secret.read_bytes(), secret.stat().st_mtime)
        manifest.secret_key = True
    _add_bytes(tar, MANIFEST, json.dumps(manifest.as_json(), indent=1).encode(), now)


# -- restore ---------------------------------------------------------------------------

def instance_contents(using: str = DEFAULT_DB_ALIAS) -> list[str]:
    """What the instance already holds that a restore would replace (empty: nothing)."""
    from hostpanel.domains.models import Account, Domain

    held = []
    tables = set(connections[using].introspection.table_names())
    for model, what in ((Domain, "domain(s)"), (Account, "account(s)")):
        if model._meta.db_table in tables:
            count = model.objects.using(using).count()
            if count:
                held.append(f"{count} {what}")
    if trees.has_mail(Path(settings.HOSTPANEL_MAIL_ROOT)):
        held.append(f"mail in {settings.HOSTPANEL_MAIL_ROOT}")
    return held



@dataclass
class Restored:
    header: dict
    rows: dict[str, int]
    files: dict[str, dict[str, int]]
    paths_rewritten: int
    secret_key: bool
    replaced: list[str]


def restore_backup(archive: str | Path, *, force: bool = False,
                   using: str = DEFAULT_DB_ALIAS) -> Restored:
    """Restore an archive into this instance (its database and its folders).

    Refused (BackupError) when the instance holds domains, accounts or mail,
    unless ``force``. The archive is read and checked completely, into staging
    folders, before anything is changed; then migrations run, the rows are
    loaded in one transaction and the staging folders renamed into place before
    it commits. Any error leaves the database and the folders as they were.
    """
    archive = Path(archive).expanduser()
    if not archive.is_file():
        raise BackupError(f"No backup file {archive}.")
    _outside_trees(archive, "The archive")
    replaced = instance_contents(using)
    if replaced and not force:
        raise BackupError(
            f"Refused: this instance is not empty ({', '.join(replaced)}). Restore into an "
            "empty instance, or add --force to replace all of it with the backup.")
    home = Path(settings.HOSTPANEL_HOME)
    with tempfile.TemporaryDirectory(prefix=".restore-", dir=home) as work:
        staged = Staged(Path(work))
        try:
            unpack(archive, staged)
            objects = load_rows(staged)
            unknown = database.unknown_migrations(staged.manifest.get("migrations") or {}, using)
            if unknown:
                raise BackupError(
                    "Refused: the backup comes from a newer hostpanel "
                    f"({staged.header.get('hostpanel_version')}); unknown migrations: "
                    f"{', '.join(unknown[:5])}.")
            old_roots = staged.manifest.get("roots") or {}
            new_roots = {tree.name: str(tree.root) for tree in trees.TREES}
            rewritten = database.rewrite_paths(objects, old_roots, new_roots)
            call_command("migrate", interactive=False, verbosity=0, database=using)
            _commit(staged, objects, using)
        finally:
            staged.discard()
    return Restored(staged.header, database.count_rows(objects), staged.files, rewritten,
                    staged.secret_key is not None, replaced)


def _commit(staged: Staged, objects: list, using: str) -> None:
    """Load the rows and put the folders in place: all of it, or none of it."""
    places = list(staged.trees.values())
    secret = Path(settings.HOSTPANEL_HOME) / "secret_key"
    old_secret = None
    swapped: list[Place] = []
    try:
        with transaction.atomic(using=using):
            try:
                database.replace_all(objects, using)
            except Exception as error:
                raise BackupError(f"Refused: the database could not be loaded ({error}); "
                                  "nothing was changed.") from None
            target = secret
            try:
                for place in places:
                    target = place.destination
                    swapped.append(place)  # undo() copes with a swap that failed half-way
                    place.swap()
                if staged.secret_key is not None:
                    target = secret
                    if secret.exists():
                        old_secret = secret.with_name(f".secret_key.old-{os.getpid()}")
                        os.rename(secret, old_secret)
                    os.rename(staged.secret_key, secret)
            except OSError as error:
                raise os_error("put in place", target, error) from None
    except BaseException:
        for place in reversed(swapped):
            place.undo()
        if old_secret is not None:
            os.replace(old_secret, secret)
        raise
    for place in places:
        place.discard_old()
    if old_secret is not None:
        old_secret.unlink(missing_ok=True)
