"""Password verification for the mail servers (POP3 now, SMTP AUTH later).

A mail client logs in every few minutes, and a password hash costs tens of
milliseconds of CPU on purpose, so:

- hash checks run in a worker thread, never on the event loop, and at most
  ``max_concurrent_checks`` at a time (at most one per core, 4 at most);
- a verified-credentials cache remembers successful logins for
  ``config.auth_cache_ttl`` seconds. Its key is ``HMAC-SHA256(secret, login NUL
  password)`` (no password is kept), its value the stored hash at the time and an
  expiry. The stored hash is read from the directory on every login (a cheap
  query) and a cached entry counts only while it is unchanged: a password change
  anywhere (panel, API, another process) invalidates it at once;
- an unknown login costs a check against a dummy hash, so timing does not tell
  which logins exist;
- failures are counted per client address (IPv6 per /64). Each failure is
  answered after a growing delay, and after ``config.auth_max_failures`` within
  ``config.auth_failure_window`` seconds that address is refused outright, even
  with the right password, until its failures age out. Successes reset nothing,
  so one known password cannot be used to keep guessing another.

This module does not import Django: the directory (``mailcore.directory`` by
default) is looked up only when an Authenticator is made.
"""

import asyncio
import hashlib
import hmac
import ipaddress
import logging
import os
import time
from collections import OrderedDict, deque

log = logging.getLogger(__name__)

MAX_CONCURRENT_CHECKS = min(4, os.cpu_count() or 1)


class TooManyFailures(Exception):
    """The client failed to log in too often recently: refused without a check."""


def client_key(client_ip: str | None) -> str:
    """The address failures are counted for: the IP, or its /64 for IPv6."""
    try:
        address = ipaddress.ip_address((client_ip or "").split("%", 1)[0])
    except ValueError:
        return client_ip or "unknown"
    if address.version == 6:
        if address.ipv4_mapped:
            return str(address.ipv4_mapped)
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)


class Authenticator:
    """Checks mail logins against the directory; one per server process."""

    def __init__(
        self,
        config,
        *,
        directory=None,
        clock=time.monotonic,
        sleep=asyncio.sleep,
        failure_delay: float = 0.5,
        max_delay: float = 5.0,
        cache_size: int = 10_000,
        max_clients: int = 100_000,
        max_concurrent_checks: int | None = None,
    ):
        if directory is None:
            from mailcore import directory
        self._directory = directory
        self._secret = config.secret
        self._ttl = config.auth_cache_ttl
        self._max_failures = config.auth_max_failures  # 0 or less: never refuse
        self._window = config.auth_failure_window
        self._clock = clock
        self._sleep = sleep
        self._failure_delay = failure_delay
        self._max_delay = max_delay
        self._cache: OrderedDict[bytes, tuple[str, float]] = OrderedDict()
        self._cache_size = cache_size
        self._failures: OrderedDict[str, deque[float]] = OrderedDict()
        self._max_clients = max_clients
        # More checks at once than cores only queue for the CPU, each holding its 19 MiB.
        self._checks = asyncio.Semaphore(max_concurrent_checks or MAX_CONCURRENT_CHECKS)
        self._dummy_hash: str | None = None

    async def verify(self, login: str, password: str, client_ip: str | None):
        """The Mailbox for a correct login and password, None otherwise.

        Raises TooManyFailures when the client is refused for its recent failures.
        """
        client = client_key(client_ip)
        self._refuse_if_blocked(client)
        credentials = await asyncio.to_thread(self._directory.find_credentials, login)
        if credentials is not None:
            key = self._cache_key(credentials.mailbox.address, password)
            if self._cached(key, credentials.password_hash):
                return credentials.mailbox
        async with self._checks:
            self._refuse_if_blocked(client)  # failures recorded while we waited
            stored = credentials.password_hash if credentials else await self._dummy()
            correct = await asyncio.to_thread(self._directory.check_password, password, stored)
        if correct and credentials is not None:
            self._remember(key, credentials.password_hash)
            return credentials.mailbox
        delay = self._record_failure(client)
        log.info("failed mail login for %r from %s", login[:100], client_ip)
        await self._sleep(delay)
        return None

    async def _dummy(self) -> str:
        if self._dummy_hash is None:
            self._dummy_hash = await asyncio.to_thread(self._directory.dummy_password_hash)
        return self._dummy_hash

    # The verified-credentials cache.

    def _cache_key(self, login: str, password: str) -> bytes:
        message = login.encode() + b"\0" + password.encode("utf-8", "replace")
        return hmac.new(self._secret, message, hashlib.sha256).digest()

    def _cached(self, key: bytes, current_hash: str) -> bool:
        entry = self._cache.get(key)
        if entry is None:
            return False
        cached_hash, expires = entry
        if expires <= self._clock() or not hmac.compare_digest(cached_hash, current_hash):
            del self._cache[key]
            return False
        self._cache.move_to_end(key)
        return True

    def _remember(self, key: bytes, password_hash: str) -> None:
        if self._ttl <= 0:
            return
        self._cache[key] = (password_hash, self._clock() + self._ttl)
        self._cache.move_to_end(key)
        while len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)

    # The failure throttle.

    def _recent_failures(self, client: str) -> deque[float]:
        failures = self._failures.get(client)
        if failures is None:
            return deque()
        horizon = self._clock() - self._window
        while failures and failures[0] <= horizon:
            failures.popleft()
        if not failures:
            del self._failures[client]
        return failures

    def _refuse_if_blocked(self, client: str) -> None:
        if self._max_failures > 0 and len(self._recent_failures(client)) >= self._max_failures:
            raise TooManyFailures(client)

    def _record_failure(self, client: str) -> float:
        """Count a failure; returns how long to wait before answering it."""
        failures = self._recent_failures(client)
        failures.append(self._clock())
        self._failures[client] = failures
        self._failures.move_to_end(client)
        while len(self._failures) > self._max_clients:
            self._failures.popitem(last=False)
        return min(self._failure_delay * 2 ** min(len(failures) - 1, 30), self._max_delay)
