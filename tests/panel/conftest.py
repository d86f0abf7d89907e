import re

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache

from tests.conftest import PASSWORD


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Login rate limits live in the cache: each test starts with none used."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def operator(db):
    return get_user_model().objects.create_superuser("admin", PASSWORD)


@pytest.fixture
def other_domain(domain_factory):
    return domain_factory("other.org")


@pytest.fixture
def other_postmaster(other_domain):
    return other_domain.accounts.get(local_part="postmaster")


@pytest.fixture
def as_postmaster(client, postmaster):
    client.force_login(postmaster)
    return client


def login(client, account, domain, password=PASSWORD, follow=True):
    return client.post(
        "/accounts/login/",
        {"account": account, "domain": domain, "password": password},
        follow=follow,
    )


def page_as_seen(response) -> str:
    """A page without what differs between two requests of it: the CSRF token, and the
    language menu's way back (the address the visitor asked for)."""
    text = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", response.content.decode())
    return re.sub(r'name="next" value="[^"]*"', "", text)
