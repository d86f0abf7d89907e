"""mailcore.auth.Authenticator with a fake directory and a fake clock."""

import asyncio
from pathlib import Path
from types import SimpleNamespace

import pytest

from mailcore.addresses import AddressError, parse_login
from mailcore.auth import Authenticator, TooManyFailures, client_key
from mailcore.directory import Credentials, Mailbox


class FakeDirectory:
    """Accounts ``<name>@example.com``; the 'hash' of a password is 'hash:<password>'."""

    def __init__(self, **passwords):
        self.hashes = {f"{name}@example.com": f"hash:{pw}" for name, pw in passwords.items()}
        self.checks: list[str] = []

    def find_credentials(self, login):
        try:
            local, domain = parse_login(login)
        except AddressError:
            return None
        address = f"{local}@{domain}"
        if address not in self.hashes:
            return None
        mailbox = Mailbox(account_id=1, address=address, domain=domain,
                          maildir=Path("/nonexistent"), quota_bytes=0)
        return Credentials(mailbox=mailbox, password_hash=self.hashes[address])

    def check_password(self, password, password_hash):
        self.checks.append(password_hash)
        return password_hash == f"hash:{password}"

    def dummy_password_hash(self):
        return "dummy"


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def make(directory=None, ttl=300, max_failures=3, window=60, **options):
    config = SimpleNamespace(secret=b"k" * 32, auth_cache_ttl=ttl,
                             auth_max_failures=max_failures, auth_failure_window=window)
    delays: list[float] = []

    async def sleep(seconds):
        delays.append(seconds)

    options.setdefault("clock", Clock())
    authenticator = Authenticator(config, directory=directory or FakeDirectory(jane="s3cret"),
                                  sleep=sleep, **options)
    authenticator.delays = delays
    return authenticator


def verify(authenticator, login, password, ip="192.0.2.1"):
    return asyncio.run(authenticator.verify(login, password, ip))


def test_a_correct_password_gives_the_mailbox_and_is_cached():
    directory = FakeDirectory(jane="s3cret")
    authenticator = make(directory)
    assert verify(authenticator, "jane@example.com", "s3cret").address == "jane@example.com"
    assert verify(authenticator, "jane%example.com", "s3cret").address == "jane@example.com"
    assert directory.checks == ["hash:s3cret"]


def test_another_password_is_not_a_cache_hit():
    directory = FakeDirectory(jane="s3cret")
    authenticator = make(directory)
    verify(authenticator, "jane@example.com", "s3cret")
    assert verify(authenticator, "jane@example.com", "s3cret!") is None
    assert len(directory.checks) == 2


def test_a_changed_password_invalidates_the_cached_login_at_once():
    directory = FakeDirectory(jane="s3cret")
    authenticator = make(directory)
    verify(authenticator, "jane@example.com", "s3cret")
    directory.hashes["jane@example.com"] = "hash:new"
    assert verify(authenticator, "jane@example.com", "s3cret") is None
    assert verify(authenticator, "jane@example.com", "new") is not None


def test_a_cached_login_expires_after_the_ttl():
    directory, clock = FakeDirectory(jane="s3cret"), Clock()
    authenticator = make(directory, ttl=60, clock=clock)
    verify(authenticator, "jane@example.com", "s3cret")
    clock.now += 59
    verify(authenticator, "jane@example.com", "s3cret")
    assert len(directory.checks) == 1
    clock.now += 2
    verify(authenticator, "jane@example.com", "s3cret")
    assert len(directory.checks) == 2


def test_a_ttl_of_zero_turns_the_cache_off():
    directory = FakeDirectory(jane="s3cret")
    authenticator = make(directory, ttl=0)
    verify(authenticator, "jane@example.com", "s3cret")
    verify(authenticator, "jane@example.com", "s3cret")
    assert len(directory.checks) == 2


def test_the_cache_keeps_only_the_most_recently_used_logins():
    directory = FakeDirectory(ann="pw-a", bob="pw-b", cat="pw-c")
    authenticator = make(directory, cache_size=2)
    for name in ("ann", "bob", "ann", "cat"):  # bob is the least recently used
        verify(authenticator, f"{name}@example.com", f"pw-{name[0]}")
    directory.checks.clear()
    verify(authenticator, "ann@example.com", "pw-a")
    verify(authenticator, "cat@example.com", "pw-c")
    assert directory.checks == []
    verify(authenticator, "bob@example.com", "pw-b")
    assert directory.checks == ["hash:pw-b"]


def test_the_cache_keeps_no_password():
    authenticator = make()
    verify(authenticator, "jane@example.com", "s3cret")
    [(key, (stored_hash, expires))] = authenticator._cache.items()
    assert len(key) == 32 and b"s3cret" not in key  # an HMAC-SHA256 digest
    assert (stored_hash, expires) == ("hash:s3cret", 1300.0)  # the directory's hash, the TTL


def test_an_unknown_login_costs_a_hash_check_too():
    directory = FakeDirectory(jane="s3cret")
    authenticator = make(directory)
    assert verify(authenticator, "nobody@example.com", "s3cret") is None
    assert verify(authenticator, "not a login", "s3cret") is None
    assert directory.checks == ["dummy", "dummy"]


def test_each_failure_is_answered_after_a_longer_delay():
    authenticator = make(max_failures=10, failure_delay=0.5, max_delay=3)
    for _ in range(5):
        verify(authenticator, "jane@example.com", "wrong")
    assert authenticator.delays == [0.5, 1.0, 2.0, 3, 3]
    verify(authenticator, "jane@example.com", "s3cret")
    assert len(authenticator.delays) == 5  # a success is not delayed


def test_too_many_failures_refuse_that_address_only_until_they_age_out():
    directory, clock = FakeDirectory(jane="s3cret"), Clock()
    authenticator = make(directory, max_failures=3, window=60, clock=clock)
    for _ in range(3):
        verify(authenticator, "jane@example.com", "wrong", ip="192.0.2.1")
    checks = len(directory.checks)
    with pytest.raises(TooManyFailures):
        verify(authenticator, "jane@example.com", "s3cret", ip="192.0.2.1")
    assert len(directory.checks) == checks  # refused without a hash check
    assert verify(authenticator, "jane@example.com", "s3cret", ip="192.0.2.2") is not None
    with pytest.raises(TooManyFailures):
        verify(authenticator, "jane@example.com", "s3cret", ip="192.0.2.1")
    clock.now += 61
    assert verify(authenticator, "jane@example.com", "s3cret", ip="192.0.2.1") is not None


def test_a_cached_login_is_refused_too_from_a_blocked_address():
    authenticator = make(max_failures=2)
    verify(authenticator, "jane@example.com", "s3cret", ip="192.0.2.7")
    verify(authenticator, "jane@example.com", "x", ip="192.0.2.7")
    verify(authenticator, "jane@example.com", "y", ip="192.0.2.7")
    with pytest.raises(TooManyFailures):
        verify(authenticator, "jane@example.com", "s3cret", ip="192.0.2.7")


def test_max_failures_of_zero_never_refuses():
    authenticator = make(max_failures=0)
    for _ in range(50):
        verify(authenticator, "jane@example.com", "wrong")
    assert verify(authenticator, "jane@example.com", "s3cret") is not None


def test_ipv6_failures_count_per_64_and_mapped_ipv4_as_ipv4():
    assert client_key("2001:db8:1:2::5") == "2001:db8:1:2::/64"
    assert client_key("2001:db8:1:2:ffff::1") == "2001:db8:1:2::/64"
    assert client_key("2001:db8:1:3::5") != client_key("2001:db8:1:2::5")
    assert client_key("::ffff:192.0.2.1") == "192.0.2.1"
    assert client_key(None) == "unknown"


def test_concurrent_guesses_from_one_address_stop_at_the_limit():
    directory = FakeDirectory(jane="s3cret")
    authenticator = make(directory, max_failures=3, max_concurrent_checks=1)

    async def storm():
        attempts = [authenticator.verify("jane@example.com", f"guess{i}", "192.0.2.9")
                    for i in range(20)]
        return await asyncio.gather(*attempts, return_exceptions=True)

    results = asyncio.run(storm())
    assert sum(isinstance(r, TooManyFailures) for r in results) == 17
    assert len(directory.checks) == 3
