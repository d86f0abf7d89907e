"""Shared fixtures. State of a test run lives in a fresh HOSTPANEL_HOME (tests/settings.py)."""

import pytest

PASSWORD = "correct-horse-battery"


@pytest.fixture(autouse=True)
def _mail_root(settings, tmp_path):
    """Each test gets its own mail tree."""
    settings.HOSTPANEL_MAIL_ROOT = tmp_path / "mail"
    settings.HOSTPANEL_SPOOL = tmp_path / "spool"
    settings.HOSTPANEL_QUARANTINE = tmp_path / "quarantine"
    return settings.HOSTPANEL_MAIL_ROOT


@pytest.fixture
def domain_factory(db):
    from hostpanel.domains import services

    def make(name="example.com", password=PASSWORD, **kwargs):
        return services.create_domain(name, password, **kwargs)

    return make


@pytest.fixture
def account_factory(db):
    from hostpanel.domains import services

    def make(domain, name="jane", password=PASSWORD, **kwargs):
        return services.create_account(domain, name, password, **kwargs)

    return make


@pytest.fixture
def domain(domain_factory):
    return domain_factory()


@pytest.fixture
def jane(domain, account_factory):
    return account_factory(domain, "jane")


@pytest.fixture
def postmaster(domain):
    return domain.accounts.get(local_part="postmaster")
