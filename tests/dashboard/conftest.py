"""Fixtures of the dashboard tests: the panel's logins, the SMTP server and clamd."""

# The panel's fixtures (operator, other_domain, as_postmaster) and the mail servers'.
from tests.filters.conftest import clamd, quarantine_dir  # noqa: F401
from tests.panel.conftest import (  # noqa: F401
    _fresh_cache,
    as_postmaster,
    operator,
    other_domain,
    other_postmaster,
)
from tests.smtp.conftest import jane_maildir, start_smtp  # noqa: F401
