"""Mailboxes and their credentials: what SMTP delivery and POP3 logins look up."""

import functools
import secrets
from dataclasses import dataclass

from django.contrib.auth.hashers import check_password as django_check_password
from django.contrib.auth.hashers import get_hasher, identify_hasher, make_password

from hostpanel.domains.hashers import MailArgon2PasswordHasher
from hostpanel.domains.models import Domain
from mailcore.addresses import AddressError, parse_login, split_address
from mailcore.directory._base import Mailbox, _active_account, _database, _mailbox
from mailcore.directory.cache import cached


@dataclass(frozen=True)
class Credentials:
    mailbox: Mailbox
    password_hash: str


@cached
@_database
def is_local_domain(domain: str) -> bool:
    return Domain.objects.filter(name=domain, is_active=True).exists()


@cached
@_database
def find_mailbox(address: str) -> Mailbox | None:
    """The active mailbox for an envelope address, or None."""
    try:
        local, domain = split_address(address)
    except AddressError:
        return None
    account = _active_account(local, domain)
    return _mailbox(account) if account else None


@_database
def find_credentials(login: str) -> Credentials | None:
    """The mailbox and stored password hash for ``jane@example.com`` or ``jane%example.com``."""
    try:
        local, domain = parse_login(login)
    except AddressError:
        return None
    account = _active_account(local, domain)
    if account is None or not account.has_usable_password():
        return None
    return Credentials(mailbox=_mailbox(account), password_hash=account.password)


def check_password(password: str, password_hash: str) -> bool:
    """Slow on purpose (a password hash): call it from a worker thread.

    Django's check_password() without a setter (a hash that must be updated is updated
    at the next web login), step by step as its verify_password() goes, except that our
    own argon2id hashes (the dummy one too) are checked by libsodium where it gives the
    same answer: half the CPU time of argon2-cffi.
    """
    try:
        hasher = identify_hasher(password_hash)
    except ValueError:  # unusable, or an unknown algorithm: Django fakes the runtime
        hasher = None
    if password is None or not isinstance(hasher, MailArgon2PasswordHasher):
        return django_check_password(password, password_hash)
    preferred = get_hasher()
    hasher_changed = hasher.algorithm != preferred.algorithm
    must_update = hasher_changed or preferred.must_update(password_hash)
    correct = hasher.verify_quickly(password, password_hash)
    if not correct and not hasher_changed and must_update:
        hasher.harden_runtime(password, password_hash)
    return correct


@functools.cache
def dummy_password_hash() -> str:
    """A hash no password matches, made by the current hasher: checking a password
    against it costs what a real check costs (unknown logins are not revealed by
    timing). Slow the first time: call it from a worker thread."""
    return make_password(secrets.token_urlsafe(32))
