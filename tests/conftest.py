"""Shared fixtures. State of a test run lives in a fresh HOSTPANEL_HOME (tests/settings.py)."""

import itertools

import pytest

PASSWORD = "correct-horse-battery"

# Slow tests whose outcome does not depend on the database engine: .ci/run runs them in
# its SQLite pass only (-m "not engine_independent" on PostgreSQL), so that both passes fit
# CI's 30 minutes. `make test` runs everything.
ENGINE_INDEPENDENT = (
    "tests/browser/",
    "tests/infra/",
    "tests/security/test_fuzz_",
    "tests/security/test_hostile_wire.py",
    "tests/security/test_api_schemathesis.py",
    "tests/security/test_crash_safety.py",
)


def pytest_collection_modifyitems(config, items):
    for item in items:
        path = item.nodeid.split("::", 1)[0]
        if path.startswith(ENGINE_INDEPENDENT):
            item.add_marker(pytest.mark.engine_independent)


@pytest.fixture(autouse=True)
def _english():
    """Every test starts in English: a page asked for in German leaves German active in the
    thread (LocaleMiddleware does not switch back), which must not leak into the next test."""
    from django.utils import translation

    translation.activate("en")
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _mail_root(settings, tmp_path):
    """Each test gets its own mail tree (and spam models)."""
    settings.HOSTPANEL_MAIL_ROOT = tmp_path / "mail"
    settings.HOSTPANEL_SPOOL = tmp_path / "spool"
    settings.HOSTPANEL_QUARANTINE = tmp_path / "quarantine"
    settings.HOSTPANEL_SPAM_MODELS = tmp_path / "spam"
    settings.HOSTPANEL_LISTS = tmp_path / "lists"
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


_DKIM_KEYS: list[tuple[str, str]] = []


@pytest.fixture(autouse=True)
def _pooled_dkim_keys(request, monkeypatch):
    """New domains take their DKIM key from a few real keys made once per run.

    Making a 2048-bit RSA key takes 50-100 ms and the suite creates hundreds of
    domains; tests marked ``real_dkim_keys`` make real new ones.
    """
    if request.node.get_closest_marker("real_dkim_keys"):
        return
    from mailcore.queue import dkim

    if not _DKIM_KEYS:
        _DKIM_KEYS.extend(dkim.generate_key() for _ in range(4))
    turn = itertools.count()
    monkeypatch.setattr(dkim, "generate_key",
                        lambda bits=dkim.KEY_BITS: _DKIM_KEYS[next(turn) % len(_DKIM_KEYS)])


# Real network peers on loopback: a DNS server and a sink SMTP server (see tests/net.py).
from tests.net import dns_server, sink, test_dns, tls_sink  # noqa: E402,F401
