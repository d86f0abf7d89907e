"""restore refuses a non-empty instance and bad archives, and then changes nothing:
no row, no file, no staging folder."""

import gzip
import io
import json
import tarfile
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from hostpanel.domains.models import Account, Domain
from mailcore.maildir import Maildir, maildir_path
from tests.backup.conftest import mail
from tests.backup.helpers import rewrite, tree_snapshot


@pytest.fixture
def archive(transactional_db, jane, tmp_path) -> Path:
    """A backup of example.com with jane's mail, seen (cur/) and not (new/)."""
    inbox = Maildir(maildir_path(settings.HOSTPANEL_MAIL_ROOT, "example.com", "jane"))
    inbox.deliver(mail("Seen"))
    inbox.claim_new()
    inbox.deliver(mail("Not seen"))
    path = tmp_path / "backups" / "good.tar.gz"
    path.parent.mkdir()
    call_command("backup", output=str(path))
    return path


def _unchanged():
    """What a failed restore must leave exactly as it was."""
    roots = [Path(settings.HOSTPANEL_MAIL_ROOT), Path(settings.HOSTPANEL_SPOOL)]
    return (sorted(Domain.objects.values_list("name", flat=True)), Account.objects.count(),
            tree_snapshot(*roots), sorted(p.name for p in Path(settings.HOSTPANEL_HOME).iterdir()))


def test_restore_refuses_an_instance_that_holds_domains_and_mail(archive):
    before = _unchanged()
    with pytest.raises(CommandError, match=r"not empty \(1 domain\(s\), \d account\(s\), mail in"):
        call_command("restore", str(archive))
    assert _unchanged() == before


def _drop(name):
    return lambda items: [(info, data) for info, data in items if info.name != name]


def _header(change):
    def apply(items):
        for info, data in items:
            if info.name == "hostpanel-backup.json":
                data = json.dumps(change(json.loads(data))).encode()
            yield info, data
    return apply


def _add_member(info: tarfile.TarInfo, data: bytes = b""):
    def apply(items):
        items = list(items)
        return [*items[:2], (info, data), *items[2:]]
    return apply


def _link(name, target, kind):
    info = tarfile.TarInfo(name)
    info.type, info.linkname = kind, target
    return info


def _file(name):
    info = tarfile.TarInfo(name)
    info.mode = 0o600
    return info


BROKEN = {
    "missing database": (_drop("database.json"), "has no database.json"),
    "missing manifest": (_drop("manifest.json"), "incomplete: it has no manifest.json"),
    "missing mail file": (
        lambda items: [(i, d) for i, d in items if "/cur/" not in i.name],
        r"holds \d+ file\(s\) .* under mail/, its manifest says"),
    "wrong format version": (_header(lambda h: {**h, "format_version": 99}),
                             "backup format version 99"),
    "not a hostpanel archive": (_header(lambda h: {"format": "something-else"}),
                                "not a hostpanel backup"),
    "path traversal": (_add_member(_file("mail/../../evil"), b"owned"), "unsafe member name"),
    "absolute path": (_add_member(_file("/tmp/evil"), b"owned"), "unsafe member name"),
    "symlink": (_add_member(_link("mail/example.com/link", "/etc/passwd", tarfile.SYMTYPE)),
                "not a regular file"),
    "hard link": (_add_member(_link("mail/example.com/hard", "/etc/passwd", tarfile.LNKTYPE)),
                  "not a regular file"),
    "device": (_add_member(_link("mail/example.com/dev", "", tarfile.CHRTYPE)),
               "not a regular file"),
    "unknown member": (_add_member(_file("etc/cron.d/evil"), b"* * * * * root sh"),
                       "unexpected member"),
}


@pytest.mark.parametrize("case", list(BROKEN))
def test_a_damaged_or_hostile_archive_is_refused_and_nothing_is_written(archive, case):
    change, message = BROKEN[case]
    bad = rewrite(archive, archive.with_name("bad.tar.gz"), change)
    before = _unchanged()
    with pytest.raises(CommandError, match=message):
        call_command("restore", str(bad), force=True)
    assert _unchanged() == before
    assert not (Path(settings.HOSTPANEL_HOME).parent / "evil").exists()


def test_a_truncated_archive_is_refused(archive):
    data = archive.read_bytes()
    truncated = archive.with_name("truncated.tar.gz")
    truncated.write_bytes(data[: len(data) * 2 // 3])
    before = _unchanged()
    with pytest.raises(CommandError, match="damaged or incomplete"):
        call_command("restore", str(truncated), force=True)
    assert _unchanged() == before


@pytest.mark.parametrize("where", [0.4, 0.6, 0.8, 0.999])  # 0.999: gzip's CRC at the end
def test_a_corrupt_archive_is_refused(archive, where):
    data = bytearray(archive.read_bytes())
    at = min(int(len(data) * where), len(data) - 8)
    data[at:at + 8] = bytes(b ^ 0x5A for b in data[at:at + 8])
    corrupt = archive.with_name("corrupt.tar.gz")
    corrupt.write_bytes(bytes(data))
    before = _unchanged()
    with pytest.raises(CommandError, match="damaged or incomplete"):
        call_command("restore", str(corrupt), force=True)
    assert _unchanged() == before


def test_files_that_are_no_backup_are_refused(archive, tmp_path):
    text = tmp_path / "notes.txt"
    text.write_text("not an archive")
    plain_tar = tmp_path / "other.tar.gz"
    with tarfile.open(plain_tar, "w:gz") as tar:
        tar.addfile(_file("README"), io.BytesIO(b""))
    empty = tmp_path / "empty.gz"
    empty.write_bytes(gzip.compress(b""))
    before = _unchanged()
    with pytest.raises(CommandError, match="not a gzip-compressed tar archive"):
        call_command("restore", str(text), force=True)
    with pytest.raises(CommandError, match="starts with 'README', not hostpanel-backup.json"):
        call_command("restore", str(plain_tar), force=True)
    with pytest.raises(CommandError, match="not a hostpanel backup"):
        call_command("restore", str(empty), force=True)
    with pytest.raises(CommandError, match="No backup file"):
        call_command("restore", str(tmp_path / "missing.tar.gz"))
    assert _unchanged() == before


def test_rows_that_do_not_load_leave_the_database_and_the_folders_as_they_were(archive):
    def break_a_row(items):
        for info, data in items:
            if info.name == "database.json":
                rows = json.loads(data)
                account = next(row for row in rows if row["model"] == "domains.account")
                account["fields"]["domain"] = 999999  # no such domain
                data = json.dumps(rows).encode()
            yield info, data

    bad = rewrite(archive, archive.with_name("bad-row.tar.gz"), break_a_row)
    Domain.objects.create(name="added-after-the-backup.test")
    before = _unchanged()
    with pytest.raises(CommandError, match="the database could not be loaded"):
        call_command("restore", str(bad), force=True)
    assert _unchanged() == before
