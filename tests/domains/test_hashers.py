"""The argon2mail hasher: made by argon2-cffi; mail logins checked by libsodium where both
libraries agree, web logins by argon2-cffi as Django does."""

import base64

import nacl.pwhash.argon2id
import pytest
from argon2.low_level import Type, hash_secret
from django.contrib.auth.hashers import check_password, make_password

from hostpanel.domains import hashers
from mailcore import directory

RIGHT = "corr3ct horse ✓"
WRONG = "corr3ct horse ✗"


@pytest.fixture
def sodium_calls(monkeypatch):
    """The PHC strings libsodium was asked about."""
    calls = []
    real = hashers._sodium_argon2id.verify

    def spy(phc, password):
        calls.append(phc.decode())
        return real(phc, password)

    monkeypatch.setattr(hashers._sodium_argon2id, "verify", spy)
    return calls


def phc(encoded: str) -> str:
    return "$" + encoded.split("$", 1)[1]


def by_libsodium(password: str) -> str:
    made = nacl.pwhash.argon2id.str(password.encode(), opslimit=2, memlimit=19 * 1024 * 1024)
    return "argon2mail" + made.decode()


def test_a_hash_made_by_the_panel_verifies_through_libsodium():
    encoded = make_password(RIGHT)
    assert encoded.startswith("argon2mail$argon2id$")
    assert hashers.sodium_verify(phc(encoded), RIGHT) is True
    assert hashers.sodium_verify(phc(encoded), WRONG) is False
    assert hashers.sodium_verify(phc(encoded), RIGHT.encode()) is True


def test_a_hash_made_by_libsodium_verifies_through_check_password():
    encoded = by_libsodium(RIGHT)
    assert check_password(RIGHT, encoded)
    assert not check_password(WRONG, encoded)
    assert directory.check_password(RIGHT, encoded)
    assert not directory.check_password(WRONG, encoded)


def test_mail_logins_check_panel_hashes_with_libsodium(sodium_calls):
    encoded = make_password(RIGHT)
    assert directory.check_password(RIGHT, encoded)
    assert not directory.check_password(WRONG, encoded)
    assert sodium_calls == [phc(encoded)] * 2


def test_unknown_mail_logins_are_checked_the_same_way(sodium_calls):
    dummy = directory.dummy_password_hash()
    assert not directory.check_password(RIGHT, dummy)
    assert sodium_calls == [phc(dummy)]


def test_web_logins_keep_argon2_cffi(sodium_calls):
    # An unknown user costs a hash made by argon2-cffi: a known one must cost the same.
    encoded = make_password(RIGHT)
    assert check_password(RIGHT, encoded)
    assert not check_password(WRONG, encoded)
    assert sodium_calls == []


def _variant(version=19, parallelism=1, hash_len=32, salt_len=16, kind=Type.ID) -> str:
    made = hash_secret(RIGHT.encode(), b"s" * salt_len, time_cost=1, memory_cost=64,
                       parallelism=parallelism, hash_len=hash_len, type=kind, version=version)
    return "argon2mail" + made.decode()


def _tampered(encoded: str) -> str:
    *head, digest = encoded.split("$")
    flipped = base64.b64encode(bytes(b ^ 1 for b in base64.b64decode(digest + "=")))
    return "$".join([*head, flipped.decode().rstrip("=")])


@pytest.mark.parametrize("encoded, by_sodium", [
    (_variant(), True),
    (_variant(parallelism=3), True),
    (_variant(salt_len=8, hash_len=16), True),
    (_tampered(_variant()), True),
    (_variant(version=16), False),  # argon2 1.0: libsodium refuses it
    (_variant(hash_len=12), False),  # shorter than libsodium's minimum
    (_variant(salt_len=64), False),  # over libsodium's 127 characters
    (_variant(kind=Type.I), False),
    (_variant(kind=Type.D), False),
])
def test_mail_logins_get_djangos_answer_for_any_argon2_hash(encoded, by_sodium, sodium_calls):
    for password in (RIGHT, WRONG):
        assert directory.check_password(password, encoded) == check_password(password, encoded)
    assert bool(sodium_calls) == by_sodium


def test_mail_logins_get_djangos_answer_for_hashes_that_must_be_updated():
    cheaper = hashers.MailArgon2PasswordHasher()
    cheaper.memory_cost = 8 * 1024
    for encoded in (cheaper.encode(RIGHT, cheaper.salt()), by_libsodium(RIGHT),
                    make_password(RIGHT, hasher="argon2"),
                    make_password(RIGHT, hasher="pbkdf2_sha256")):
        assert directory.check_password(RIGHT, encoded)
        assert not directory.check_password(WRONG, encoded)


@pytest.mark.parametrize("stored", [make_password(None), "nohasher$x$y", ""])
def test_mail_logins_refuse_unusable_hashes(stored):
    assert not directory.check_password(RIGHT, stored)


def _outcome(check, password, stored):
    try:
        return check(password, stored)
    except Exception as error:  # compared, not hidden
        return type(error)


@pytest.mark.parametrize("stored", [
    "argon2mail$garbage",
    "argon2mail$argon2id$v=19$m=64,t=1,p=1$c3Nzc3Nzc3M$",  # no hash
    "argon2mail$argon2id$v=19$m=64,t=1,p=1$c3Nzc3Nzc3Nzc$" + "A" * 43,  # salt of 13 chars
    "argon2mail$argon2id$v=19$m=4,t=1,p=1$c3Nzc3Nzc3M$" + "A" * 43,  # too little memory
])
def test_mail_logins_answer_broken_hashes_as_django_does(stored):
    assert _outcome(directory.check_password, RIGHT, stored) == _outcome(
        check_password, RIGHT, stored)


def test_without_pynacl_argon2_cffi_checks_everything(monkeypatch):
    monkeypatch.setattr(hashers, "_sodium_argon2id", None)
    encoded = make_password(RIGHT)
    assert hashers.sodium_verify(phc(encoded), RIGHT) is None
    assert directory.check_password(RIGHT, encoded)
    assert not directory.check_password(WRONG, encoded)
