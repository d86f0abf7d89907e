"""Recipient resolution (pure, with a directory made up for the test)."""

from pathlib import Path

import pytest

from mailcore.directory import Mailbox
from mailcore.smtp.recipients import Verdict, resolve


class FakeDirectory:
    def __init__(self, maildir: Path, quota: int = 0):
        self.jane = Mailbox(account_id=1, address="jane@example.com", domain="example.com",
                            maildir=maildir, quota_bytes=quota)
        self.looked_up: list[str] = []

    def is_local_domain(self, domain):
        return domain == "example.com"

    def find_mailbox(self, address):
        self.looked_up.append(address)
        return self.jane if address == "jane@example.com" else None


@pytest.mark.parametrize(
    ("address", "verdict"),
    [
        ("jane@example.com", Verdict.ACCEPT),
        ("Jane@EXAMPLE.com.", Verdict.ACCEPT),
        ("john@example.com", Verdict.UNKNOWN_USER),
        ("jane@other.org", Verdict.RELAY_DENIED),
        ("jane%other.org@example.com", Verdict.UNKNOWN_USER),
        ("other.org!jane@example.com", Verdict.UNKNOWN_USER),
        ('"x@other.org"@example.com', Verdict.UNKNOWN_USER),
        ("x@[127.0.0.1]", Verdict.RELAY_DENIED),
        ("x@[IPv6:::1]", Verdict.RELAY_DENIED),
        ("x@-bad-.example", Verdict.RELAY_DENIED),
        ("jane", Verdict.BAD_SYNTAX),
        ("@example.com", Verdict.BAD_SYNTAX),
    ],
)
def test_it_accepts_only_existing_mailboxes_of_hosted_domains(tmp_path, address, verdict):
    assert resolve(address, 0, FakeDirectory(tmp_path / "jane")).verdict is verdict


def test_odd_local_parts_are_never_looked_up(tmp_path):
    directory = FakeDirectory(tmp_path / "jane")
    resolve("jane%other.org@example.com", 0, directory)
    resolve('"jane"x@example.com', 0, directory)
    assert directory.looked_up == []


def test_it_returns_the_mailbox_it_accepted(tmp_path):
    directory = FakeDirectory(tmp_path / "jane")
    assert resolve("JANE@example.com", 0, directory).mailbox == directory.jane


def test_a_declared_size_over_the_room_left_is_mailbox_full(tmp_path):
    directory = FakeDirectory(tmp_path / "jane", quota=1000)
    assert resolve("jane@example.com", 1000, directory).verdict is Verdict.ACCEPT
    assert resolve("jane@example.com", 1001, directory).verdict is Verdict.MAILBOX_FULL
