"""mailcore.delivery.local: storing one message for local mailboxes, quota included (pure)."""

import pytest

from mailcore.delivery.local import deliver, has_room
from mailcore.directory import Mailbox
from mailcore.maildir import Maildir

MESSAGE = b"Subject: hi\n\nhello\n"


def mailbox(tmp_path, name="jane", quota=0) -> Mailbox:
    return Mailbox(account_id=hash(name) % 1000, address=f"{name}@example.com",
                   domain="example.com", maildir=tmp_path / name, quota_bytes=quota)


def fill(box: Mailbox, size: int) -> None:
    Maildir(box.maildir).deliver(b"x" * size)


def new_files(box: Mailbox) -> list[bytes]:
    new = box.maildir / "new"
    return [p.read_bytes() for p in sorted(new.iterdir())] if new.is_dir() else []


def test_it_stores_the_message_in_new_for_each_mailbox(tmp_path):
    jane, john = mailbox(tmp_path, "jane"), mailbox(tmp_path, "john")
    result = deliver(MESSAGE, [jane, john])
    assert result.accepted
    assert result.delivered == (jane, john)
    assert new_files(jane) == new_files(john) == [MESSAGE]
    assert list((jane.maildir / "tmp").iterdir()) == []


def test_it_stores_one_copy_per_mailbox_even_if_named_twice(tmp_path):
    jane = mailbox(tmp_path)
    assert deliver(MESSAGE, [jane, jane]).delivered == (jane,)
    assert new_files(jane) == [MESSAGE]


def test_a_quota_of_zero_means_no_limit(tmp_path):
    jane = mailbox(tmp_path, quota=0)
    fill(jane, 10_000)
    assert has_room(jane, 10**9)
    assert deliver(MESSAGE, [jane]).accepted


@pytest.mark.parametrize(
    ("used", "size", "room"),
    [
        (0, 0, True),
        (999, 0, True),  # size unknown: room while under quota
        (1000, 0, False),  # at quota
        (1200, 0, False),  # over quota (it was lowered)
        (900, 100, True),  # fits exactly
        (900, 101, False),
    ],
)
def test_it_has_room_while_the_message_fits_in_the_quota(tmp_path, used, size, room):
    jane = mailbox(tmp_path, quota=1000)
    if used:
        fill(jane, used)
    assert has_room(jane, size) is room


def test_a_message_no_recipient_has_room_for_is_refused_and_nothing_is_written(tmp_path):
    jane, john = mailbox(tmp_path, "jane", quota=100), mailbox(tmp_path, "john", quota=100)
    fill(jane, 90)
    fill(john, 60)
    result = deliver(b"y" * 50, [jane, john])
    assert not result.accepted
    assert result.refused == (jane, john)
    assert result.delivered == ()
    assert new_files(jane) == [b"x" * 90]
    assert new_files(john) == [b"x" * 60]


def test_when_some_recipients_have_room_everyone_gets_it(tmp_path):
    jane, john = mailbox(tmp_path, "jane", quota=100), mailbox(tmp_path, "john")
    fill(jane, 90)
    result = deliver(b"y" * 50, [jane, john])
    assert result.accepted
    assert result.delivered == (jane, john)
    assert result.over_quota == (jane,)
    assert new_files(john) == [b"y" * 50]
    assert b"y" * 50 in new_files(jane)


def test_stored_mail_stays_when_over_quota(tmp_path):
    jane = mailbox(tmp_path, quota=100)
    fill(jane, 500)  # more than the quota, e.g. after the quota was lowered
    assert not deliver(MESSAGE, [jane]).accepted
    assert new_files(jane) == [b"x" * 500]


def test_a_storage_error_propagates_to_the_caller(tmp_path):
    blocker = tmp_path / "blocked"
    blocker.write_text("a file where the Maildir should be")
    box = mailbox(tmp_path, "blocked")
    with pytest.raises(OSError):
        deliver(MESSAGE, [box])
