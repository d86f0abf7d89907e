import base64
import json

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache

from hostpanel.api.tokens import create_token
from tests.conftest import PASSWORD

BASE = "/api/v1"


def basic(username: str, password: str = PASSWORD) -> str:
    return "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode()


class Api:
    """The Django test client speaking JSON with one Authorization header."""

    def __init__(self, client, authorization: str | None):
        self.client = client
        self.headers = {"HTTP_AUTHORIZATION": authorization} if authorization else {}

    def _send(self, method, path, body=None, raw=None, **params):
        kwargs = dict(self.headers)
        if body is not None or raw is not None:
            kwargs.update(data=raw if raw is not None else json.dumps(body),
                          content_type="application/json")
        elif params:
            kwargs["data"] = params
        return getattr(self.client, method)(BASE + path, **kwargs)

    def get(self, path, **params):
        return self._send("get", path, **params)

    def post(self, path, body=None, raw=None):
        return self._send("post", path, body, raw)

    def patch(self, path, body=None, raw=None):
        return self._send("patch", path, body, raw)

    def delete(self, path):
        return self._send("delete", path)


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Failed-login counters live in the cache: each test starts with none."""
    cache.clear()
    yield
    cache.clear()


def authorization_for(account, kind: str) -> str:
    if kind == "basic":
        return basic(account.username)
    _row, token = create_token(account, "tests")
    return f"Bearer {token}"


@pytest.fixture(params=["basic", "bearer"])
def auth_kind(request):
    return request.param


@pytest.fixture
def as_postmaster(client, postmaster, auth_kind):
    return Api(client, authorization_for(postmaster, auth_kind))


@pytest.fixture
def as_jane(client, jane, auth_kind):
    return Api(client, authorization_for(jane, auth_kind))


@pytest.fixture
def other_domain(domain_factory):
    return domain_factory("other.org")


@pytest.fixture
def as_other_postmaster(client, other_domain, auth_kind):
    return Api(client, authorization_for(other_domain.accounts.get(local_part="postmaster"),
                                         auth_kind))


@pytest.fixture
def as_operator(client, db):
    operator = get_user_model().objects.create_superuser("admin", PASSWORD)
    return Api(client, basic(operator.username))


@pytest.fixture
def anonymous(client):
    return Api(client, None)
