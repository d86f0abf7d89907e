"""The SMTP and POP3 tests' fixtures, shared: servers in-process on 127.0.0.1."""

from tests.pop3.conftest import pop3_factory  # noqa: F401
from tests.smtp.conftest import jane_maildir, start_smtp  # noqa: F401
