from django.contrib.auth.hashers import Argon2PasswordHasher


class MailArgon2PasswordHasher(Argon2PasswordHasher):
    """argon2id at OWASP's minimum (19 MiB, 2 passes, 1 lane).

    A mail login is checked far more often than a web login; at these costs one
    check takes about 13 ms instead of the 400 ms of Django's PBKDF2 default.
    """

    algorithm = "argon2mail"
    time_cost = 2
    memory_cost = 19 * 1024
    parallelism = 1
