"""Maildir storage: durable delivery, listing, and the Maildir++ size file."""

import os

from mailcore.maildir import SIZE_FILE, SIZE_FILE_LIMIT, Maildir


def test_a_delivered_message_is_in_new_with_its_sizes_in_the_name(tmp_path):
    maildir = Maildir(tmp_path / "jane")
    stored = maildir.deliver(b"Subject: hi\n\nline one\nline two\n")

    assert stored.path.parent == tmp_path / "jane" / "new"
    assert stored.path.read_bytes() == b"Subject: hi\n\nline one\nline two\n"
    assert stored.uid.endswith(",S=31,W=35")
    assert not os.listdir(tmp_path / "jane" / "tmp")


def test_usage_counts_deliveries_and_removals(tmp_path):
    maildir = Maildir(tmp_path / "jane")
    assert maildir.usage() == 0
    first = maildir.deliver(b"a" * 100)
    maildir.deliver(b"b" * 50)
    assert maildir.usage() == 150

    maildir.remove([first])

    assert maildir.usage() == 50
    assert (tmp_path / "jane" / SIZE_FILE).exists()


def test_usage_does_not_scan_the_folders_while_the_size_file_is_valid(tmp_path):
    maildir = Maildir(tmp_path / "jane")
    maildir.deliver(b"x" * 10)
    assert maildir.usage() == 10
    # A file that another program drops in is not seen until the next recount...
    (tmp_path / "jane" / "new" / "foreign").write_bytes(b"y" * 7)
    assert maildir.usage() == 10
    # ...which a missing size file triggers.
    (tmp_path / "jane" / SIZE_FILE).unlink()
    assert maildir.usage() == 17


def test_a_grown_or_damaged_size_file_is_rebuilt_from_the_folders(tmp_path):
    maildir = Maildir(tmp_path / "jane")
    maildir.deliver(b"x" * 10)
    size_file = tmp_path / "jane" / SIZE_FILE

    size_file.write_bytes(b"0S\n10 1\n" + b"0 0\n" * (SIZE_FILE_LIMIT // 4 + 1))
    assert maildir.usage() == 10
    assert len(size_file.read_bytes()) < 100

    size_file.write_bytes(b"0S\nnonsense\n")
    assert maildir.usage() == 10


def test_messages_are_listed_oldest_first_across_new_and_cur(tmp_path):
    maildir = Maildir(tmp_path / "jane")
    first = maildir.deliver(b"1")
    maildir.claim_new()
    second = maildir.deliver(b"2")

    assert [m.uid for m in maildir.messages()] == [first.uid, second.uid]


def test_the_maildir_size_file_is_not_listed_as_a_message(tmp_path):
    maildir = Maildir(tmp_path / "jane")
    maildir.deliver(b"1")
    maildir.usage()
    assert len(maildir.messages()) == 1
