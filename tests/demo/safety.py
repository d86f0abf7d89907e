"""Fixtures of the demo safety tests: demo mode on, and demo.example as the reset builds it.

Imported by each test module (``demo_site_fixture``, ...): the
functions have other names than the fixtures, so that a test's parameter does not
shadow an import.
"""

import base64

import pytest
from django.core.cache import cache

from hostpanel.demo import DEMO_DOMAIN, POSTMASTER_LOGIN, POSTMASTER_PASSWORD


@pytest.fixture(name="demo_mode")
def demo_mode_fixture(settings):
    """HOSTPANEL_DEMO on; rate counters and login limits start from nothing."""
    settings.HOSTPANEL_DEMO = True
    cache.clear()
    yield settings
    cache.clear()


@pytest.fixture(name="demo_site")
def demo_site_fixture(db, demo_mode):
    """demo.example restored from the fixture, the way beat's reset does it."""
    from hostpanel.demo import services
    from hostpanel.domains.models import Domain

    services.reset()
    return Domain.objects.get(name=DEMO_DOMAIN)


def sign_in(client, login: str, password: str):
    """The sign-in form, as a visitor fills it in with the address the login page shows."""
    return client.post("/accounts/login/", {"account": login, "domain": "", "password": password})


def basic(login: str = POSTMASTER_LOGIN, password: str = POSTMASTER_PASSWORD) -> dict:
    token = base64.b64encode(f"{login}:{password}".encode()).decode()
    return {"HTTP_AUTHORIZATION": f"Basic {token}"}
