"""Who is calling the API: HTTP Basic with the panel credentials, or a bearer token.

Failed attempts are counted per client IP in Django's cache, each answered
after a growing wait (hostpanel.lib.slowdown); past HOSTPANEL_AUTH_MAX_FAILURES
within HOSTPANEL_AUTH_FAILURE_WINDOW seconds the client gets 429 before any
password hash is computed. The limits are the same
as the mail servers' (one policy for every password login).
"""

from allauth.account.adapter import get_adapter
from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from ninja.errors import HttpError
from ninja.security import HttpBasicAuth, HttpBearer

from hostpanel.api.tokens import account_for_token
from hostpanel.lib.logins import compose_username
from hostpanel.lib.slowdown import delay_failure

REALM = "hostpanel API"


class TooManyFailures(HttpError):
    def __init__(self, retry_after: int):
        super().__init__(429, "Too many failed logins; try again later.")
        self.retry_after = retry_after


def _client_ip(request) -> str:
    try:
        return get_adapter(request).get_client_ip(request)
    except PermissionDenied:
        return "unknown"


def _failures_key(request) -> str:
    return f"hostpanel:api-auth-failures:{_client_ip(request)}"


def _refuse_if_blocked(request) -> None:
    limit = settings.HOSTPANEL_AUTH_MAX_FAILURES  # 0 or less: never refuse, as on the mail servers
    if limit > 0 and cache.get(_failures_key(request), 0) >= limit:
        raise TooManyFailures(settings.HOSTPANEL_AUTH_FAILURE_WINDOW)


def _count_failure(request) -> None:
    key = _failures_key(request)
    cache.add(key, 0, timeout=settings.HOSTPANEL_AUTH_FAILURE_WINDOW)
    try:
        cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=settings.HOSTPANEL_AUTH_FAILURE_WINDOW)
    delay_failure(_client_ip(request))


class BasicAuth(HttpBasicAuth):
    """The panel's login and password: ``postmaster@example.com`` and its password."""

    def authenticate(self, request, username, password):
        if not username or not password:
            return None
        _refuse_if_blocked(request)
        account = ModelBackend().authenticate(
            request, username=compose_username(username, ""), password=password
        )
        if account is None:
            _count_failure(request)
        return account


class BearerAuth(HttpBearer):
    """A token made by ``manage.py apitoken create`` or on the panel's API tokens page."""

    def authenticate(self, request, token):
        _refuse_if_blocked(request)
        account = account_for_token(token)
        if account is None:
            _count_failure(request)
        return account
