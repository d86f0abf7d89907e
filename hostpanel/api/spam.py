"""Spam preferences and caught spam: ``/api/v1/domains/{domain}/spam`` and
``/api/v1/domains/{domain}/accounts/{name}/spam``.

A postmaster reaches its own domain, an operator every domain, and a mail user
only its own account's preferences. Anything else is 404, the same answer as
for a domain or account that does not exist.
"""

from datetime import datetime
from typing import Annotated

from django.core.exceptions import ValidationError
from django.core.paginator import EmptyPage, Paginator
from django.db.models import Q
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from pydantic import BeforeValidator, ConfigDict, StrictBool, StrictStr
from pydantic_core import PydanticCustomError

from hostpanel.api.common import ERRORS, find_domain, managed_domain
from hostpanel.domains.models import Account
from hostpanel.spam import services
from hostpanel.spam.models import CaughtSpam

router = Router(tags=["spam"])

PAGE_SIZE = 50


def _number(value):
    """A JSON number (``5`` or ``4.5``), not a text or a boolean."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise PydanticCustomError("number_type", _("The threshold is a number, such as 5 or 4.5."))
    return value


Threshold = Annotated[float, BeforeValidator(_number)]

_DESCRIPTIONS = {
    "enabled": "Whether the account's mail is filtered at all.",
    "threshold": "A message scoring this many points or more is spam. Lower is more sensitive "
                 "(catches more spam, may catch real mail); 5 by default; -10 to 100.",
    "languages": "ISO 639-1 codes of the languages accepted; mail confidently detected in "
                 "another language scores as spam. Empty: every language.",
    "dnsbls": "Zones of the DNS blocklists consulted, among those the operator offers; "
              "null: the ones the operator consults by default.",
    "whitelist": "Senders never treated as spam: addresses (`bob@example.com`) or whole "
                 "domains (`example.com`, subdomains included). At most 1000.",
    "blacklist": "Senders always treated as spam, written as in `whitelist`. At most 1000.",
}


class _Input(Schema):
    model_config = ConfigDict(extra="forbid")


class SpamPreferencesPut(_Input):
    """Every field, replacing the stored ones."""

    enabled: StrictBool = Field(..., description=_DESCRIPTIONS["enabled"])
    threshold: Threshold = Field(..., description=_DESCRIPTIONS["threshold"])
    languages: list[StrictStr] = Field(..., description=_DESCRIPTIONS["languages"])
    dnsbls: list[StrictStr] | None = Field(..., description=_DESCRIPTIONS["dnsbls"])
    whitelist: list[StrictStr] = Field(..., description=_DESCRIPTIONS["whitelist"])
    blacklist: list[StrictStr] = Field(..., description=_DESCRIPTIONS["blacklist"])


class SpamPreferencesPatch(_Input):
    """Only the fields sent are changed."""

    enabled: StrictBool = Field(None, description=_DESCRIPTIONS["enabled"])
    threshold: Threshold = Field(None, description=_DESCRIPTIONS["threshold"])
    languages: list[StrictStr] = Field(None, description=_DESCRIPTIONS["languages"])
    dnsbls: list[StrictStr] | None = Field(None, description=_DESCRIPTIONS["dnsbls"])
    whitelist: list[StrictStr] = Field(None, description=_DESCRIPTIONS["whitelist"])
    blacklist: list[StrictStr] = Field(None, description=_DESCRIPTIONS["blacklist"])


class DomainSpamPatch(SpamPreferencesPatch):
    enabled: StrictBool = Field(None, description="Whether accounts created from now on are "
                                                  "filtered (existing ones keep theirs).")


class _PreferencesOut(Schema):
    enabled: bool
    threshold: float
    languages: list[str]
    dnsbls: list[str]
    default_dnsbls: bool = Field(..., description="Read only. True: `dnsbls` are the "
                                                  "operator's default blocklists.")
    whitelist: list[str]
    blacklist: list[str]


class SpamPreferencesOut(_PreferencesOut):
    own: bool = Field(..., description="Read only. True: the account has its own preferences; "
                                       "false: it uses its domain's defaults.")


class DomainSpamOut(_PreferencesOut):
    enabled: bool = Field(..., description="Whether new accounts are filtered.")
    spam_account: str = Field(..., description="Read only. The address of the domain's spam "
                                               "mailbox, where caught spam is kept.")


class CaughtOut(Schema):
    id: int
    created_at: datetime
    recipient: str = Field(..., description="The original recipient.")
    sender: str
    subject: str
    score: float
    rules: list[str] = Field(..., description="Names of the rules that fired.")
    size: int


class CaughtList(Schema):
    items: list[CaughtOut]
    count: int
    page: int
    pages: int


class CaughtFilters(Schema):
    page: int = Field(1, ge=1)
    search: str = Field("", max_length=320,
                        description="Part of the recipient's or the sender's address.")


def _account(request, domain_name: str, name: str) -> Account:
    """The account if the caller manages its domain or is the account itself; 404 otherwise."""
    caller: Account = request.auth
    domain = find_domain(domain_name)
    if domain is None:
        raise Http404
    name = name.strip().lower()
    if caller.can_manage(domain):
        account = Account.objects.filter(domain=domain, local_part=name).first()
        if account is not None:
            return account
    elif caller.is_active and caller.domain_id == domain.pk and caller.local_part == name:
        return caller
    raise Http404


def _writable(account: Account) -> Account:
    if services.is_spam_account(account):
        raise ValidationError(_("The domain's spam mailbox is never filtered: it has no spam "
                                "preferences to change."))
    return account


def _domain_out(domain) -> dict:
    row = services.domain_settings(domain)
    return {**services.domain_preferences(domain),
            "spam_account": row.spam_account.address if row.spam_account_id else ""}


def _caught_out(entry: CaughtSpam) -> dict:
    return {"id": entry.pk, "created_at": entry.created_at, "recipient": entry.recipient,
            "sender": entry.sender, "subject": entry.subject, "score": entry.score,
            "rules": [rule for rule in entry.rules.split(",") if rule], "size": entry.size}


@router.get("/domains/{domain}/spam", response={200: DomainSpamOut, **ERRORS},
            summary="Read the domain's default spam preferences")
def get_domain_spam(request, domain: str):
    return _domain_out(managed_domain(request, domain))


@router.patch("/domains/{domain}/spam", response={200: DomainSpamOut, **ERRORS},
              summary="Change the domain's default spam preferences",
              description="Accounts without their own preferences are filtered with these.")
def update_domain_spam(request, domain: str, payload: DomainSpamPatch):
    managed = managed_domain(request, domain)
    services.set_domain_preferences(managed, **payload.model_dump(exclude_unset=True))
    return _domain_out(managed)


@router.get("/domains/{domain}/spam/caught", response={200: CaughtList, **ERRORS},
            summary="List the spam caught for the domain")
def list_caught(request, domain: str, filters: Query[CaughtFilters]):
    found = services.caught_spam(managed_domain(request, domain))
    search = filters.search.strip()
    if search:
        found = found.filter(Q(recipient__icontains=search) | Q(sender__icontains=search))
    paginator = Paginator(found, PAGE_SIZE)
    try:
        items = [_caught_out(entry) for entry in paginator.page(filters.page).object_list]
    except EmptyPage:
        items = []
    return {"items": items, "count": paginator.count, "page": filters.page,
            "pages": paginator.num_pages}


def _caught(request, domain: str, entry_id: int) -> CaughtSpam:
    entry = services.caught_spam(managed_domain(request, domain)).filter(pk=entry_id).first()
    if entry is None:
        raise Http404
    return entry


@router.post("/domains/{domain}/spam/caught/{entry_id}/not-spam",
             response={204: None, **ERRORS}, summary="Deliver a caught message after all",
             description="Delivers it to its original recipient, whitelists its sender for "
                         "that account and teaches the domain's classifier that it is not "
                         "spam.")
def release_caught(request, domain: str, entry_id: int):
    services.not_spam(_caught(request, domain, entry_id))
    return Status(204, None)


@router.get("/domains/{domain}/accounts/{name}/spam",
            response={200: SpamPreferencesOut, **ERRORS},
            summary="Read an account's spam preferences")
def get_account_spam(request, domain: str, name: str):
    return services.account_preferences(_account(request, domain, name))


@router.put("/domains/{domain}/accounts/{name}/spam",
            response={200: SpamPreferencesOut, **ERRORS},
            summary="Replace an account's spam preferences")
def replace_account_spam(request, domain: str, name: str, payload: SpamPreferencesPut):
    account = _writable(_account(request, domain, name))
    return services.set_account_preferences(account, **payload.model_dump())


@router.patch("/domains/{domain}/accounts/{name}/spam",
              response={200: SpamPreferencesOut, **ERRORS},
              summary="Change some of an account's spam preferences")
def update_account_spam(request, domain: str, name: str, payload: SpamPreferencesPatch):
    account = _writable(_account(request, domain, name))
    return services.set_account_preferences(account, **payload.model_dump(exclude_unset=True))


@router.delete("/domains/{domain}/accounts/{name}/spam",
               response={200: SpamPreferencesOut, **ERRORS},
               summary="Reset an account's spam preferences to the domain's defaults",
               description="Filtering on/off (`enabled`) stays as it is. Returns the "
                           "preferences now in force.")
def reset_account_spam(request, domain: str, name: str):
    return services.reset_account_preferences(_writable(_account(request, domain, name)))
