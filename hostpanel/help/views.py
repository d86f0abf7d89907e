"""The help pages: an index and one page per topic, for everyone, signed in or not.

The texts are the templates; what they say about this server (host names,
ports, how many days things are kept) comes from the settings, so the help
cannot drift from what the servers do. Signed in, a visitor sees their own
address and domain in the examples and a link to the page the topic is about.
"""

from dataclasses import replace

from django.conf import settings
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import get_language_info
from django.views.decorators.http import require_safe

from hostpanel.help.topics import BY_SLUG, TOPICS
from hostpanel.mailsettings.services import ClientSettings, client_settings
from hostpanel.resellers.access import reseller_for_account
from hostpanel.spam.models import (
    DEFAULT_THRESHOLD,
    MAX_THRESHOLD,
    MIN_THRESHOLD,
    DomainSpamSettings,
)

EXAMPLE_DOMAIN = "example.com"
EXAMPLE_ADDRESS = f"jane@{EXAMPLE_DOMAIN}"
EXAMPLE_LIST = "team"
EXAMPLE_RESELLER = "your-company.example"


def _mailbox(user):
    """The visitor's own mailbox account, or None (not signed in, or an operator)."""
    if user.is_authenticated and getattr(user, "domain_id", None):
        return user
    return None


def _spam_address(account, domain_name: str) -> str:
    if account is not None:
        row = (DomainSpamSettings.objects.filter(domain_id=account.domain_id)
               .select_related("spam_account", "spam_account__domain").first())
        if row is not None and row.spam_account_id:
            return row.spam_account.address
    return f"{settings.HOSTPANEL_SPAM_ACCOUNT}@{domain_name}"


def _client_settings(request, address) -> ClientSettings:
    """The mail settings for ``address``, with the reseller's host names where the visitor
    should see them (the reseller's panel host, a domain of a reseller)."""
    config = client_settings(address)
    reseller = reseller_for_account(request.user, request)
    if reseller is None:
        return config
    return replace(
        config,
        pop3=tuple(replace(server, host=reseller.pop3_host) for server in config.pop3),
        smtp=tuple(replace(server, host=reseller.smtp_host) for server in config.smtp))


def _languages() -> list[dict]:
    languages = []
    for code, _name in settings.LANGUAGES:
        info = get_language_info(code)
        languages.append({"code": code, "local": info["name_local"],
                          "translated": str(info["name_translated"])})
    return languages


def _facts(request) -> dict:
    """What the help says about this server and about the visitor."""
    account = _mailbox(request.user)
    domain_name = account.domain.name if account else EXAMPLE_DOMAIN
    config = _client_settings(request, account or EXAMPLE_ADDRESS)
    list_address = f"{EXAMPLE_LIST}@{domain_name}"
    return {
        "config": config,
        "local_part": account.local_part if account else EXAMPLE_ADDRESS.partition("@")[0],
        "domain_name": domain_name,
        "login_url": request.build_absolute_uri(reverse("account_login")),
        "spam_address": _spam_address(account, domain_name),
        "spam_days": settings.HOSTPANEL_SPAM_DAYS,
        "threshold": f"{DEFAULT_THRESHOLD:g}",
        "threshold_low": f"{MIN_THRESHOLD:g}",
        "threshold_high": f"{MAX_THRESHOLD:g}",
        "quarantine_days": settings.HOSTPANEL_QUARANTINE_DAYS,
        "grace_days": settings.HOSTPANEL_DELETE_GRACE_DAYS,
        "password_length": _min_password_length(),
        "max_targets": settings.HOSTPANEL_MAX_FORWARD_TARGETS,
        "vacation_days": settings.HOSTPANEL_VACATION_INTERVAL_DAYS,
        "responder_hours": settings.HOSTPANEL_AUTORESPONDER_INTERVAL_HOURS,
        "info_address": f"info@{domain_name}",
        "sales_address": f"sales@{domain_name}",
        "list_address": list_address,
        "list_subscribe": f"{EXAMPLE_LIST}-subscribe@{domain_name}",
        "list_unsubscribe": f"{EXAMPLE_LIST}-unsubscribe@{domain_name}",
        "list_request": f"{EXAMPLE_LIST}-request@{domain_name}",
        "list_help": f"{EXAMPLE_LIST}-help@{domain_name}",
        "list_owner": f"{EXAMPLE_LIST}-owner@{domain_name}",
        "moderation_days": settings.HOSTPANEL_LIST_MODERATION_DAYS,
        "languages": _languages(),
        "reseller_incoming": f"pop.{EXAMPLE_RESELLER}",
        "reseller_outgoing": f"smtp.{EXAMPLE_RESELLER}",
        "reseller_panel": f"panel.{EXAMPLE_RESELLER}",
    }


def _min_password_length() -> int:
    for validator in settings.AUTH_PASSWORD_VALIDATORS:
        if validator["NAME"].endswith(".MinimumLengthValidator"):
            return validator.get("OPTIONS", {}).get("min_length", 8)
    return 8


@require_safe
def index(request):
    return render(request, "help/index.html", {"topics": TOPICS})


@require_safe
def topic(request, slug: str):
    found = BY_SLUG.get(slug)
    if found is None:
        raise Http404
    return render(request, found.template, {
        "topic": found,
        "topics": TOPICS,
        "panel_link": found.panel_link(request.user),
        **_facts(request),
    })
