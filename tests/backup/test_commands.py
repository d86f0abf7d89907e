"""restore --force replaces an instance; the commands' errors say what is wrong."""

import base64
import os
import resource
import subprocess

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from hostpanel.domains.models import Domain
from hostpanel.domains.services import create_account, create_domain
from mailcore.maildir import Maildir, maildir_path
from tests.backup.conftest import mail
from tests.backup.helpers import members
from tests.conftest import PASSWORD
from tests.support import PYTHON, REPO, database_url_for_children


def _inbox(domain="example.com", name="jane"):
    return Maildir(maildir_path(settings.HOSTPANEL_MAIL_ROOT, domain, name))


def test_restore_force_replaces_everything_and_new_rows_get_fresh_ids(
    transactional_db, jane, tmp_path, capsys
):
    _inbox().deliver(mail("Before the backup"))
    archive = tmp_path / "backup.tar.gz"
    call_command("backup", output=str(archive))
    highest = Domain.objects.order_by("-pk").first().pk
    create_domain("added-later.test", PASSWORD)
    _inbox().deliver(mail("After the backup"))

    call_command("restore", str(archive), force=True)
    output = capsys.readouterr().out
    assert "Replaced: 2 domain(s)" in output and "Restored " in output
    assert list(Domain.objects.values_list("name", flat=True)) == ["example.com"]
    assert [m.path.read_bytes() for m in _inbox().messages()] == [mail("Before the backup")]
    # The sequences were reset (PostgreSQL): new rows do not collide with restored ones.
    newer = create_domain("added-after-restore.test", PASSWORD)
    assert newer.pk > highest
    create_account(newer, "ann", PASSWORD)


def test_backup_names_its_file_and_refuses_bad_outputs(transactional_db, jane, tmp_path,
                                                       capsys):
    call_command("backup", output=str(tmp_path))
    [written] = tmp_path.glob("hostpanel-backup-*.tar.gz")
    assert f"Backup written to {written}" in capsys.readouterr().out
    with pytest.raises(CommandError, match="already exists"):
        call_command("backup", output=str(written))
    with pytest.raises(CommandError, match="the folder .*/no-such-folder does not exist"):
        call_command("backup", output=str(tmp_path / "no-such-folder" / "b.tar.gz"))
    a_file = tmp_path / "a-file"
    a_file.write_text("")
    with pytest.raises(CommandError, match="does not exist|not a folder"):
        call_command("backup", output=str(a_file / "b.tar.gz"))
    with pytest.raises(CommandError, match="is inside .*/mail, which the backup holds"):
        call_command("backup", output=str(settings.HOSTPANEL_MAIL_ROOT))
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["a-file", written.name])


def test_a_backup_that_cannot_be_written_to_the_end_says_so_and_leaves_no_partial_file(
    transactional_db, jane, tmp_path
):
    """The child process may write files of at most 256 KB (ulimit -f), as a nearly full
    disk would allow; jane's mail does not compress below that."""
    _inbox().deliver(base64.encodebytes(os.urandom(600_000)))
    out = tmp_path / "backups"
    out.mkdir()
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="tests.settings",
               DATABASE_URL=database_url_for_children(),
               **{name: str(getattr(settings, name)) for name in (
                   "HOSTPANEL_MAIL_ROOT", "HOSTPANEL_SPOOL", "HOSTPANEL_QUARANTINE",
                   "HOSTPANEL_LISTS", "HOSTPANEL_SPAM_MODELS")})
    result = subprocess.run(
        [PYTHON, "manage.py", "backup", "--output", str(out)], cwd=REPO, env=env,
        capture_output=True, text=True, timeout=60,
        preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_FSIZE, (256_000, 256_000)))
    assert result.returncode == 1
    assert "CommandError: Cannot write the backup" in result.stderr
    assert "larger than this process may write" in result.stderr
    assert list(out.iterdir()) == []


def test_links_and_messages_being_written_are_not_backed_up(transactional_db, jane, tmp_path):
    inbox = _inbox()
    kept = inbox.deliver(mail("Kept"))
    (inbox.path / "tmp" / "half-written").write_bytes(b"From: partial")
    (inbox.path / "new" / "link").symlink_to("/etc/passwd")
    spool = settings.HOSTPANEL_SPOOL
    (spool / "tmp").mkdir(parents=True)
    (spool / "tmp" / "being-queued").write_bytes(b"partial")
    (spool / "passwd").symlink_to("/etc/passwd")
    archive = tmp_path / "b.tar.gz"
    call_command("backup", output=str(archive))
    names = [name for name in members(archive) if name.startswith(("mail/", "spool/"))]
    assert names == [f"mail/example.com/jane/new/{kept.uid}"]
