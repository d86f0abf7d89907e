"""The JSON API at /api/v1/ (django-ninja): same operations as the panel, for automation.

No cookie sessions here, so no CSRF either: every request carries its own
credentials (HTTP Basic or a bearer token).
"""

from ninja import NinjaAPI

from hostpanel.api import errors
from hostpanel.api.accounts import router as accounts_router
from hostpanel.api.auth import BasicAuth, BearerAuth
from hostpanel.api.autoresponders import router as autoresponders_router
from hostpanel.api.forwards import router as forwards_router
from hostpanel.api.lists import router as lists_router
from hostpanel.api.quarantine import router as quarantine_router
from hostpanel.api.spam import router as spam_router

api = NinjaAPI(
    title="hostpanel API",
    version="1",
    description=(
        "Email accounts, forwards, autoresponders, spam preferences, quarantine and mailing "
        "lists of hosted domains. Authenticate "
        "with HTTP Basic (`postmaster@example.com` and its password) or with a bearer token from "
        "`manage.py apitoken create` or the panel's API tokens page. Invalid input gets "
        '400 with `{"errors": {"field": ["message"]}}`.'
    ),
    urls_namespace="api",
    openapi_url="/openapi.json",
    docs_url="/docs",
    auth=[BasicAuth(), BearerAuth()],
)
errors.install(api)
api.add_router("", accounts_router)
api.add_router("", forwards_router)
api.add_router("", autoresponders_router)
api.add_router("", quarantine_router)
api.add_router("", spam_router)
api.add_router("", lists_router)
