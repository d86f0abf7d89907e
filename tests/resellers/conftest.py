"""A reseller "Bluebird Mail" that owns shop.example; example.com stays the operator's."""

import pytest
from django.core.cache import cache

from tests.conftest import PASSWORD
from tests.panel.conftest import operator, other_domain, other_postmaster  # noqa: F401

PANEL_HOST = "panel.bluebird.test"
POP3_HOST = "pop.bluebird.test"
SMTP_HOST = "smtp.bluebird.test"
OUR_MAIL_HOST = "mail.operator.test"
OUR_HOSTNAME = "mx.operator.test"


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()  # login rate limits
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _hosts(settings):
    """Our own names, and the reseller's panel host among the accepted hosts."""
    settings.HOSTPANEL_HOSTNAME = OUR_HOSTNAME
    settings.HOSTPANEL_MAIL_HOST = OUR_MAIL_HOST
    settings.HOSTPANEL_PANEL_URL = f"https://panel.{OUR_HOSTNAME}"
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, PANEL_HOST, ".bluebird.localhost"]
    return settings


@pytest.fixture
def reseller(db):
    from hostpanel.resellers import services

    return services.create_reseller(name="Bluebird Mail", panel_host=PANEL_HOST,
                                    pop3_host=POP3_HOST, smtp_host=SMTP_HOST,
                                    support_address="help@bluebird.test")


@pytest.fixture
def reseller_user(reseller):
    from hostpanel.resellers import services

    return services.create_login(reseller, "bluebird", PASSWORD)


@pytest.fixture
def shop(reseller):
    """The reseller's domain, with its postmaster and a mail user, ann."""
    from hostpanel.domains import services as domain_services
    from hostpanel.resellers import services

    domain = services.create_domain(reseller, "shop.example", PASSWORD)
    domain_services.create_account(domain, "ann", PASSWORD)
    return domain


@pytest.fixture
def ann(shop):
    return shop.accounts.get(local_part="ann")


@pytest.fixture
def as_reseller(client, reseller_user):
    client.force_login(reseller_user)
    return client


@pytest.fixture
def other_reseller(db):
    """A second reseller with its own domain, rival.example."""
    from hostpanel.resellers import services

    rival = services.create_reseller(name="Rival Hosting", panel_host="panel.rival.test",
                                     pop3_host="pop.rival.test", smtp_host="smtp.rival.test")
    services.create_domain(rival, "rival.example", PASSWORD)
    return rival
