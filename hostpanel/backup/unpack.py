"""Reading a backup archive, checking all of it, into staging folders.

Nothing is put in place here: the database rows go to a work folder, the files
to a staging folder next to each destination (see :mod:`hostpanel.backup.places`).
Anything wrong (a damaged or truncated archive, a member that is not a regular
file or would land outside its folder, counts that differ from the manifest)
raises BackupError; the caller removes what was staged.
"""

import gzip
import json
import os
import secrets
import tarfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from django.conf import settings

from hostpanel.backup import database, trees
from hostpanel.backup.archive import (
    CHUNK,
    DATABASE,
    HEADER,
    MANIFEST,
    SECRET_KEY_MEMBER,
    BackupError,
    check_header,
    os_error,
)
from hostpanel.backup.places import Place, owner_of


class _Corrupt(Exception):
    """The archive cannot be read to its end (truncated, damaged, not gzip/tar)."""


@dataclass
class Staged:
    """What was unpacked, not yet in place."""

    work: Path
    header: dict | None = None
    manifest: dict | None = None
    database: Path | None = None
    secret_key: Path | None = None
    trees: dict[str, Place] = field(default_factory=dict)
    files: dict[str, dict[str, int]] = field(default_factory=dict)

    def discard(self) -> None:
        for place in self.trees.values():
            place.discard_staging()
        if self.secret_key is not None:
            self.secret_key.unlink(missing_ok=True)


def _check_name(member: tarfile.TarInfo) -> tuple[str, PurePosixPath | None]:
    """(tree or fixed member name, path below the tree); BackupError for anything unsafe."""
    name = member.name
    parts = PurePosixPath(name).parts
    if (not parts or name.startswith("/") or "\\" in name or "\x00" in name
            or any(part in ("", ".", "..") for part in name.split("/"))):
        raise BackupError(f"Refused: the archive has an unsafe member name {name!r}.")
    if not member.isreg():
        raise BackupError(f"Refused: the archive member {name!r} is not a regular file "
                          "(links, devices and folders are not part of a hostpanel backup).")
    try:
        tarfile.data_filter(member, "/nonexistent-destination")
    except tarfile.FilterError as error:
        raise BackupError(f"Refused: unsafe archive member {name!r} ({error}).") from None
    if len(parts) == 1 and name in (HEADER, DATABASE, SECRET_KEY_MEMBER, MANIFEST):
        return name, None
    if len(parts) > 1 and parts[0] in trees.TREE_NAMES:
        return parts[0], PurePosixPath(*parts[1:])
    raise BackupError(f"Refused: unexpected member {name!r}; not a hostpanel backup.")


def _read_json(tar: tarfile.TarFile, member: tarfile.TarInfo) -> dict:
    data = _read_member(tar, member)
    try:
        value = json.loads(data)
    except (UnicodeDecodeError, ValueError):
        raise BackupError(f"Refused: {member.name} is not valid JSON.") from None
    if not isinstance(value, dict):
        raise BackupError(f"Refused: {member.name} is not a JSON object.")
    return value


def _read_member(tar: tarfile.TarFile, member: tarfile.TarInfo) -> bytes:
    try:
        return tar.extractfile(member).read()
    except (tarfile.TarError, EOFError, OSError, zlib.error) as error:
        raise _Corrupt(str(error)) from None


def _copy_member(tar: tarfile.TarFile, member: tarfile.TarInfo, target: Path,
                 place: Place | None = None) -> int:
    """Write one member to ``target`` (new file, 0600); its size."""
    try:
        source = tar.extractfile(member)
    except (tarfile.TarError, EOFError, OSError, zlib.error) as error:
        raise _Corrupt(str(error)) from None
    made = []
    try:
        folder = target.parent
        missing = []
        while not folder.exists():
            missing.append(folder)
            folder = folder.parent
        for folder in reversed(missing):
            folder.mkdir(mode=0o700)
            made.append(folder)
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC,
                     0o600)
        made.append(target)
    except FileExistsError:
        raise BackupError(f"Refused: the archive holds {member.name!r} twice.") from None
    except OSError as error:
        raise os_error("write", target, error) from None
    written = 0
    with os.fdopen(fd, "wb") as out:
        while True:
            try:
                chunk = source.read(CHUNK)
            except (tarfile.TarError, EOFError, OSError, zlib.error) as error:
                raise _Corrupt(str(error)) from None
            if not chunk:
                break
            try:
                out.write(chunk)
            except OSError as error:
                raise os_error("write", target, error) from None
            written += len(chunk)
    os.utime(target, (member.mtime, member.mtime))
    if place is not None:
        for path in made:
            place.chown(path)
    return written


def unpack(archive: Path, staged: Staged) -> None:
    """Read the whole archive, checking it, into staging folders; BackupError when bad."""
    try:
        raw = open(archive, "rb")  # noqa: SIM115 (closed below)
    except OSError as error:
        raise os_error("read", archive, error) from None
    with raw, gzip.GzipFile(fileobj=raw) as stream:
        if raw.read(2) != b"\x1f\x8b":
            raise BackupError(f"Refused: {archive} is not a hostpanel backup "
                              "(not a gzip-compressed tar archive).")
        raw.seek(0)
        try:
            with tarfile.open(fileobj=stream, mode="r|") as tar:
                for member in tar:
                    try:
                        _unpack_member(tar, member, staged)
                    except BackupError:
                        _drain(stream)  # damage explains it better, when there is some
                        raise
            _drain(stream)
        except (_Corrupt, tarfile.TarError, EOFError, zlib.error, OSError) as error:
            if type(error) is not gzip.BadGzipFile and isinstance(error, OSError) and error.errno:
                raise os_error("read", archive, error) from None
            damaged_stream = isinstance(error.__context__, (zlib.error, EOFError, OSError))
            if staged.header is None and isinstance(error, tarfile.ReadError) \
                    and not damaged_stream:
                raise BackupError(f"Refused: {archive} is not a hostpanel backup "
                                  f"(not a tar archive: {error}).") from None
            raise BackupError(f"Refused: {archive} is damaged or incomplete "
                              f"(truncated or corrupt: {error or 'unexpected end'}).") from None
    if staged.header is None:
        raise BackupError(f"Refused: {archive} is not a hostpanel backup (empty archive).")
    if staged.manifest is None:
        raise BackupError(f"Refused: {archive} is incomplete: it has no {MANIFEST} "
                          "(the backup was interrupted or the file truncated).")
    _check_counts(staged)


def _drain(stream: gzip.GzipFile) -> None:
    """Read to the end: gzip checks its CRC and length there."""
    while stream.read(CHUNK):
        pass


def _unpack_member(tar: tarfile.TarFile, member: tarfile.TarInfo, staged: Staged) -> None:
    if staged.header is None:
        if member.name != HEADER:
            raise BackupError(f"Refused: not a hostpanel backup (it starts with "
                              f"{member.name!r}, not {HEADER}).")
        header = _read_json(tar, member)
        check_header(header)
        staged.header = header
        for tree in trees.TREES:
            staged.trees[tree.name] = Place(tree.root)
        return
    if staged.manifest is not None:
        raise BackupError(f"Refused: member {member.name!r} after {MANIFEST}.")
    name, relative = _check_name(member)
    if name == HEADER:
        raise BackupError(f"Refused: the archive holds {HEADER} twice.")
    if name == MANIFEST:
        staged.manifest = _read_json(tar, member)
    elif name == DATABASE:
        staged.database = staged.work / DATABASE
        _copy_member(tar, member, staged.database)
    elif name == SECRET_KEY_MEMBER:
        secret = Path(settings.HOSTPANEL_HOME) / "secret_key"
        staged.secret_key = secret.with_name(
            f".secret_key.restore-{os.getpid()}-{secrets.token_hex(4)}")
        _copy_member(tar, member, staged.secret_key)
        owner = owner_of(secret.parent)
        if owner is not None:
            os.chown(staged.secret_key, *owner)
    else:
        place = staged.trees[name]
        size = _copy_member(tar, member, place.staging / relative, place)
        counts = staged.files.setdefault(name, {"files": 0, "bytes": 0})
        counts["files"] += 1
        counts["bytes"] += size


def _check_counts(staged: Staged) -> None:
    manifest = staged.manifest
    check_header(manifest)
    if staged.database is None:
        raise BackupError(f"Refused: the archive has no {DATABASE}.")
    if bool(manifest.get("secret_key")) != (staged.secret_key is not None):
        raise BackupError(
            f"Refused: the manifest and the archive disagree about {SECRET_KEY_MEMBER}.")
    for tree in trees.TREES:
        want = (manifest.get("files") or {}).get(tree.name, {"files": 0, "bytes": 0})
        got = staged.files.get(tree.name, {"files": 0, "bytes": 0})
        if want != got:
            raise BackupError(
                f"Refused: the archive holds {got['files']} file(s) ({got['bytes']} bytes) "
                f"under {tree.name}/, its manifest says {want.get('files')} "
                f"({want.get('bytes')} bytes).")


def load_rows(staged: Staged) -> list:
    try:
        with open(staged.database, encoding="utf-8") as handle:
            objects = json.load(handle)
    except (UnicodeDecodeError, ValueError):
        raise BackupError(f"Refused: {DATABASE} in the archive is not valid JSON.") from None
    if not isinstance(objects, list) or not all(
        isinstance(item, dict) and isinstance(item.get("model"), str)
        and isinstance(item.get("fields"), dict) for item in objects
    ):
        raise BackupError(f"Refused: {DATABASE} is not a Django serialisation.")
    rows = {label: count for label, count in (staged.manifest.get("rows") or {}).items() if count}
    if database.count_rows(objects) != rows:
        raise BackupError(f"Refused: the rows in {DATABASE} do not match the manifest.")
    return objects


