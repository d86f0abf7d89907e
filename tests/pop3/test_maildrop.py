"""The maildrop: lock, snapshot, reads and removals on a real Maildir."""

import subprocess
import sys

import pytest

from mailcore.maildir import Maildir
from mailcore.pop3.maildrop import LOCK_NAME, Maildrop, MaildropLocked


@pytest.fixture
def maildir(tmp_path):
    return Maildir(tmp_path / "example.com" / "jane")


def test_opening_claims_new_mail_and_takes_a_snapshot(maildir):
    first, second = maildir.deliver(b"one\n"), maildir.deliver(b"two\n")
    drop = Maildrop.open(maildir.path)
    assert [m.uid for m in drop.messages] == [first.uid, second.uid]
    assert list((maildir.path / "new").iterdir()) == []
    assert all(m.path.parent.name == "cur" and m.path.name.endswith(":2,") for m in drop.messages)
    maildir.deliver(b"three\n")
    assert len(drop.messages) == 2  # a snapshot
    drop.close()


def test_a_mailbox_that_never_got_mail_can_be_opened(maildir):
    drop = Maildrop.open(maildir.path)
    assert drop.messages == []
    assert (maildir.path / LOCK_NAME).exists()
    drop.close()


def test_a_second_open_is_refused_until_the_first_closes(maildir):
    first = Maildrop.open(maildir.path)
    with pytest.raises(MaildropLocked):
        Maildrop.open(maildir.path)
    first.close()
    Maildrop.open(maildir.path).close()


def test_the_lock_holds_across_processes_and_dies_with_its_holder(maildir):
    maildir.ensure()
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import fcntl, sys; f = open(sys.argv[1], 'a'); fcntl.flock(f, fcntl.LOCK_EX); "
         "print('locked', flush=True); sys.stdin.read()",
         str(maildir.path / LOCK_NAME)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )
    try:
        assert holder.stdout.readline() == "locked\n"
        with pytest.raises(MaildropLocked):
            Maildrop.open(maildir.path)
    finally:
        holder.kill()
        holder.wait(timeout=10)
    Maildrop.open(maildir.path).close()


def test_remove_deletes_only_the_given_messages(maildir):
    maildir.deliver(b"one\n"), maildir.deliver(b"two\n")
    drop = Maildrop.open(maildir.path)
    assert drop.remove([drop.messages[0]]) == 1
    assert drop.remove([drop.messages[0]]) == 0  # already gone
    drop.close()
    assert [m.uid for m in maildir.messages()] == [drop.messages[1].uid]


def test_a_message_renamed_by_another_reader_is_found_by_its_unique_name(maildir):
    maildir.deliver(b"one\n")
    drop = Maildrop.open(maildir.path)
    [message] = drop.messages
    message.path.rename(message.path.with_name(message.path.name + "RS"))
    assert drop.read(message) == b"one\n"
    assert drop.remove([message]) == 1
    assert maildir.messages() == []
    drop.close()


def test_reading_a_message_that_is_gone_raises_file_not_found(maildir):
    maildir.deliver(b"one\n")
    drop = Maildrop.open(maildir.path)
    drop.messages[0].path.unlink()
    with pytest.raises(FileNotFoundError):
        drop.read(drop.messages[0])
    drop.close()


def test_the_snapshot_is_in_arrival_order_to_the_microsecond(maildir):
    maildir.ensure()
    for name in ("1700000000.M71558P1Q2.host", "1700000000.M9409P1Q1.host",
                 "1699999999.M999999P1Q9.host"):
        (maildir.path / "new" / name).write_bytes(b"x\n")
    drop = Maildrop.open(maildir.path)
    assert [m.uid for m in drop.messages] == [
        "1699999999.M999999P1Q9.host", "1700000000.M9409P1Q1.host", "1700000000.M71558P1Q2.host"]
    drop.close()
