"""A backup taken while the SMTP server delivers and POP3 clients move mail: every
message acknowledged before it started is in it, once, and nothing half-written is."""

import os
import threading
from pathlib import Path

from django.conf import settings

from hostpanel.backup.services import create_backup
from mailcore.directory import server_config
from mailcore.maildir import Maildir, maildir_path
from tests.backup.conftest import mail
from tests.backup.helpers import members
from tests.conftest import PASSWORD
from tests.pop3.conftest import ServerThread as Pop3Thread
from tests.smtp.helpers import DELIVERED, ClosingExecutor, ServerThread, message, send


def _jane_members(archive: Path) -> dict[str, bytes]:
    prefix = "mail/example.com/jane/"
    return {name.removeprefix(prefix): data for name, data in members(archive).items()
            if name.startswith(prefix)}


def test_mail_acknowledged_before_the_backup_is_in_it_while_smtp_and_pop3_go_on(
    transactional_db, jane, tmp_path
):
    smtp = ServerThread(server_config())
    listening = smtp.start()
    pop3 = Pop3Thread({"failure_delay": 0.01})
    pop3.loop.set_default_executor(ClosingExecutor(max_workers=4))  # no connection left open
    pop3.start()
    acknowledged: list[str] = []
    started = threading.Event()
    done = threading.Event()
    errors: list[BaseException] = []

    def deliver():
        number = 0
        try:
            while not done.is_set():
                number += 1
                subject = f"Delivery {number}"
                if send(listening, message(subject=subject))[-1] == DELIVERED:
                    acknowledged.append(subject)
                if len(acknowledged) >= 10:
                    started.set()
        except BaseException as error:  # noqa: BLE001 (reported by the test)
            errors.append(error)
            started.set()

    def read_by_pop3():
        try:
            while not done.is_set():
                client = pop3.client()  # a login moves new/ to cur/; QUIT keeps the mail
                client.user("jane@example.com")
                client.pass_(PASSWORD)
                client.quit()
        except BaseException as error:  # noqa: BLE001
            errors.append(error)

    threads = [threading.Thread(target=deliver), threading.Thread(target=read_by_pop3)]
    for thread in threads:
        thread.start()
    try:
        assert started.wait(30)
        before = list(acknowledged)
        archive, manifest = create_backup(tmp_path / "during.tar.gz")
    finally:
        done.set()
        for thread in threads:
            thread.join(30)
        pop3.stop()
        smtp.stop()
    assert not errors

    stored = _jane_members(archive)
    assert not [name for name in stored if name.startswith("tmp/")]
    uids = [name.split("/", 1)[1].split(":", 1)[0] for name in stored
            if name.startswith(("new/", "cur/"))]
    assert len(uids) == len(set(uids))  # each message once, whether found in new/ or cur/
    bodies = b"".join(stored.values())
    missing = [subject for subject in before if f"Subject: {subject}\n".encode() not in bodies]
    assert missing == []
    assert manifest.files["mail"]["files"] == len(stored)


def test_a_message_moved_or_deleted_between_listing_and_reading_is_followed_or_skipped(
    transactional_db, jane, tmp_path
):
    inbox = Maildir(maildir_path(settings.HOSTPANEL_MAIL_ROOT, "example.com", "jane"))
    moved, deleted, kept = (inbox.deliver(mail(subject)) for subject in ("Moved", "Gone", "Kept"))
    flagged = inbox.path / "cur" / f"{moved.uid}:2,S"

    def pop3_client_meanwhile(path: Path):
        if path == moved.path:
            os.rename(path, flagged)  # read and flagged as seen
        elif path == deleted.path:
            path.unlink()  # read and deleted

    archive, manifest = create_backup(tmp_path / "race.tar.gz",
                                      before_open=pop3_client_meanwhile)
    stored = _jane_members(archive)
    assert stored == {f"cur/{moved.uid}:2,S": mail("Moved"), f"new/{kept.uid}": mail("Kept")}
    assert manifest.files["mail"] == {"files": 2, "bytes": len(mail("Moved") + mail("Kept"))}
