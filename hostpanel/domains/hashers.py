import re

from django.contrib.auth.hashers import Argon2PasswordHasher

try:
    from nacl.exceptions import InvalidkeyError as _SodiumMismatch
    from nacl.pwhash import argon2id as _sodium_argon2id
except ImportError:  # PyNaCl is a dependency; without it argon2-cffi does every check
    _sodium_argon2id = None

# The argon2id strings that libsodium and argon2-cffi (the reference code) judge alike:
# version 1.3, a salt of 8 bytes or more, a hash of 16 bytes or more, at most 127
# characters. The reference code also takes version 1.0, shorter hashes, longer strings
# and argon2i/argon2d, which libsodium refuses as if the password were wrong; those stay
# with argon2-cffi.
_SODIUM_SHAPE = re.compile(
    r"\$argon2id\$v=19\$m=[1-9][0-9]{0,9},t=[1-9][0-9]{0,9},p=[1-9][0-9]{0,9}"
    r"\$[A-Za-z0-9+/]{11,}\$[A-Za-z0-9+/]{22,}"
)
_SODIUM_MAX_LENGTH = 127  # crypto_pwhash_STRBYTES - 1


def sodium_verify(phc: str, password: str | bytes) -> bool | None:
    """Whether ``password`` matches the argon2id PHC string ``phc``, checked by libsodium;
    None when libsodium cannot tell (PyNaCl missing, or a string outside _SODIUM_SHAPE).

    libsodium's argon2 (what Dovecot uses) takes about half the CPU time of argon2-cffi's
    for the same hash, and releases the GIL as argon2-cffi does.
    """
    if _sodium_argon2id is None or len(phc) > _SODIUM_MAX_LENGTH:
        return None
    if not _SODIUM_SHAPE.fullmatch(phc):
        return None
    secret = password.encode() if isinstance(password, str) else password
    try:
        return _sodium_argon2id.verify(phc.encode("ascii"), secret)
    except _SodiumMismatch:
        return False


class MailArgon2PasswordHasher(Argon2PasswordHasher):
    """argon2id at OWASP's minimum (19 MiB, 2 passes, 1 lane).

    A mail login is checked far more often than a web login; at these costs one
    check takes about 13 ms instead of the 400 ms of Django's PBKDF2 default.
    """

    algorithm = "argon2mail"
    time_cost = 2
    memory_cost = 19 * 1024
    parallelism = 1

    def verify_quickly(self, password, encoded) -> bool:
        """verify(), by libsodium where it gives the same answer: half the CPU time.

        For the mail servers, which check unknown logins against a dummy hash this same
        way. verify() itself stays with argon2-cffi: the web login answers an unknown
        user by hashing the password once (Django's and allauth's backends), which costs
        what argon2-cffi's check costs, not libsodium's; the two must not be told apart.
        """
        algorithm, rest = encoded.split("$", 1)
        assert algorithm == self.algorithm
        matched = sodium_verify("$" + rest, password)
        return self.verify(password, encoded) if matched is None else matched
