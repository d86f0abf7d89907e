"""A backup restored into an empty instance (another HOSTPANEL_HOME, a fresh SQLite
database, in child processes) holds every row, message and setting; POP3 logins work."""

import json
import poplib
import stat
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

from tests.backup.helpers import manage, members, start_pop3d, state_of
from tests.backup.state import describe
from tests.conftest import PASSWORD
from tests.support import stop


@pytest.mark.timeout(180)
def test_a_backup_restored_into_an_empty_instance_has_every_row_message_and_setting(
    instance, tmp_path
):
    before = describe()
    archive = tmp_path / "hostpanel.tar.gz"
    call_command("backup", output=str(archive))

    home = tmp_path / "restored"
    result = manage(home, "restore", str(archive))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Database:" in result.stdout and "1 forwards, 1 autoresponders" in result.stdout
    assert "Files: mail: 6" in result.stdout

    secret = Path(settings.HOSTPANEL_HOME) / "secret_key"
    if secret.exists():  # sessions, signed links and cookies stay valid
        assert (home / "secret_key").read_bytes() == secret.read_bytes()
        assert "Secret key file restored." in result.stdout

    after = state_of(home)
    assert after["files"] == before["files"]
    assert after["rows"] == before["rows"]
    # The rows naming files now point into the new home, and those files are there.
    assert after["rows"]["lists.archivedpost"][0]["fields"]["path"].startswith("lists/")
    assert len(after["rows"]["domains.deletedmailbox"]) == 2

    pop3d, port = start_pop3d(home)
    try:
        client = poplib.POP3("127.0.0.1", port, timeout=10)
        client.user("jane@example.com")
        assert client.pass_(PASSWORD).startswith(b"+OK jane@example.com has 5 messages")
        count, _size = client.stat()
        fetched = [b"\n".join(client.retr(number)[1]) + b"\n" for number in range(1, count + 1)]
        client.quit()
    finally:
        stop(pop3d)
    assert sorted(fetched) == sorted(instance.messages["jane@example.com"])


def test_the_archive_is_private_complete_and_described_by_its_manifest(instance, tmp_path):
    call_command("backup", output=str(tmp_path))
    [archive] = tmp_path.glob("hostpanel-backup-*.tar.gz")
    assert stat.S_IMODE(archive.stat().st_mode) == 0o600
    assert not list(tmp_path.glob(".*part*"))  # the temporary name is gone

    contents = members(archive)
    names = list(contents)
    assert names[0] == "hostpanel-backup.json" and names[-1] == "manifest.json"
    manifest = json.loads(contents["manifest.json"])
    assert manifest["format"] == "hostpanel-backup" and manifest["format_version"] == 1
    assert manifest["database_vendor"] in ("sqlite", "postgresql")
    assert manifest["rows"]["domains.domain"] == 2
    assert manifest["rows"]["outbound.dkimkey"] == 2
    assert manifest["files"]["mail"]["files"] == 6  # jane's 5, the deleted account's 1
    assert manifest["files"]["spool"]["files"] == 1
    assert manifest["files"]["quarantine"]["files"] == 2  # message and envelope
    assert manifest["files"]["lists"]["files"] == 2  # archived and held post
    assert manifest["files"]["spam"]["files"] == 1
    assert not any("/tmp/" in name or name.endswith(("maildirsize", "pop3.lock"))
                   for name in names)
    rows = json.loads(contents["database.json"])
    assert not {row["model"] for row in rows} & {"contenttypes.contenttype", "auth.permission",
                                                 "sessions.session"}
    assert sum(manifest["rows"].values()) == len(rows)
