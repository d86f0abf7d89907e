"""Recipient resolution (pure, with a directory made up for the test)."""

import dataclasses
from datetime import date
from pathlib import Path

import pytest

from mailcore.directory import Mailbox, Route, server_config
from mailcore.smtp.recipients import Verdict, resolve


class FakeDirectory:
    def __init__(self, maildir: Path, quota: int = 0):
        self.jane = Mailbox(account_id=1, address="jane@example.com", domain="example.com",
                            maildir=maildir, quota_bytes=quota)
        self.looked_up: list[str] = []

    def is_local_domain(self, domain):
        return domain == "example.com"

    def find_route(self, address):
        self.looked_up.append(address)
        if address != "jane@example.com":
            return None
        return Route(kind="mailbox", address=address, domain="example.com", mailbox=self.jane)

    def postmaster_address(self, hostname):
        return "jane@example.com"  # standing in for postmaster@example.com

    def today(self):
        return date(2030, 1, 1)


@pytest.fixture
def config():
    return dataclasses.replace(server_config(), hostname="mx.test.example")


@pytest.mark.parametrize(
    ("address", "verdict"),
    [
        ("jane@example.com", Verdict.ACCEPT),
        ("Jane@EXAMPLE.com.", Verdict.ACCEPT),
        ("john@example.com", Verdict.UNKNOWN_USER),
        ("jane@other.org", Verdict.REMOTE),
        ("jane%other.org@example.com", Verdict.RELAY_DENIED),
        ("other.org!jane@example.com", Verdict.RELAY_DENIED),
        ('"x@other.org"@example.com', Verdict.RELAY_DENIED),
        ("postmaster", Verdict.ACCEPT),
        ("PostMaster", Verdict.ACCEPT),
        ("john@example.com.", Verdict.UNKNOWN_USER),
        ("x@[127.0.0.1]", Verdict.RELAY_DENIED),
        ("x@[IPv6:::1]", Verdict.RELAY_DENIED),
        ("x@-bad-.example", Verdict.RELAY_DENIED),
        ("jane", Verdict.BAD_SYNTAX),
        ("@example.com", Verdict.BAD_SYNTAX),
    ],
)
def test_it_accepts_only_existing_addresses_of_hosted_domains(tmp_path, config, address,
                                                              verdict):
    assert resolve(address, 0, FakeDirectory(tmp_path / "jane"), config).verdict is verdict


def test_odd_local_parts_are_never_looked_up(tmp_path, config):
    directory = FakeDirectory(tmp_path / "jane")
    resolve("jane%other.org@example.com", 0, directory, config)
    resolve('"jane"x@example.com', 0, directory, config)
    assert directory.looked_up == []


def test_it_returns_the_route_it_accepted_under_its_canonical_address(tmp_path, config):
    directory = FakeDirectory(tmp_path / "jane")
    resolution = resolve("JANE@Example.com.", 0, directory, config)
    assert resolution.address == "jane@example.com"
    assert resolution.route.mailbox == directory.jane


def test_a_declared_size_over_the_room_left_is_mailbox_full(tmp_path, config):
    directory = FakeDirectory(tmp_path / "jane", quota=1000)
    assert resolve("jane@example.com", 1000, directory, config).verdict is Verdict.ACCEPT
    assert resolve("jane@example.com", 1001, directory, config).verdict is Verdict.MAILBOX_FULL
