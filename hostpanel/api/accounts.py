"""``/api/v1/domains/{domain}/accounts``: the postmaster's email accounts, for automation.

Who sees what: a postmaster its own domain, an operator every domain, and a mail
user only its own account (read it, change its password). Anything else is 404,
the same answer as for a domain or account that does not exist.
"""

from django.core.paginator import EmptyPage, Paginator
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.errors import HttpError

from hostpanel.api.schemas import (
    AccountCreate,
    AccountList,
    AccountOut,
    AccountUpdate,
    Detail,
    Errors,
)
from hostpanel.domains import services
from hostpanel.domains.models import Account, Domain

router = Router(tags=["accounts"])

PAGE_SIZE = 50
_ERRORS = {400: Errors, 401: Detail, 403: Detail, 404: Detail, 429: Detail}


class ListFilters(Schema):
    page: int = Field(1, ge=1)
    search: str = Field("", description="Part of the account name.")


def _out(account: Account) -> dict:
    return {
        "name": account.local_part,
        "address": account.address,
        "quota_mb": account.quota_mb,
        "spam_filtering": account.spam_filtering,
        "usage_bytes": services.mailbox_usage(account),
    }


def _find_domain(name: str) -> Domain | None:
    return Domain.objects.filter(name=name.strip().lower()).first()


def _managed_domain(request, name: str) -> Domain:
    domain = _find_domain(name)
    if domain is None or not request.auth.can_manage(domain):
        raise Http404
    return domain


def _account(request, domain_name: str, name: str) -> tuple[Account, bool]:
    """The account, and whether the caller manages it (False: it is the caller itself)."""
    caller: Account = request.auth
    domain = _find_domain(domain_name)
    if domain is not None and caller.can_manage(domain):
        account = Account.objects.filter(domain=domain, local_part=name.lower()).first()
        if account is None:
            raise Http404
        return account, True
    if domain is not None and caller.domain_id == domain.pk and caller.local_part == name.lower():
        return caller, False
    raise Http404


@router.get("/domains/{domain}/accounts", response={200: AccountList, **_ERRORS},
            summary="List accounts")
def list_accounts(request, domain: str, filters: Query[ListFilters]):
    found = _managed_domain(request, domain).accounts.select_related("domain").order_by(
        "local_part")
    if filters.search.strip():
        found = found.filter(local_part__icontains=filters.search.strip().lower())
    paginator = Paginator(found, PAGE_SIZE)
    try:
        items = [_out(account) for account in paginator.page(filters.page).object_list]
    except EmptyPage:
        items = []
    return {"items": items, "count": paginator.count, "page": filters.page,
            "pages": paginator.num_pages}


@router.post("/domains/{domain}/accounts", response={201: AccountOut, **_ERRORS},
             summary="Create an account")
def create_account(request, domain: str, payload: AccountCreate):
    managed = _managed_domain(request, domain)
    account = services.create_account(
        managed,
        payload.name,
        payload.password,
        quota_mb=payload.quota_mb,
        spam_filtering=payload.spam_filtering,
    )
    return Status(201, _out(account))


@router.get("/domains/{domain}/accounts/{name}", response={200: AccountOut, **_ERRORS},
            summary="Read an account")
def get_account(request, domain: str, name: str):
    account, _manages = _account(request, domain, name)
    return _out(account)


@router.patch("/domains/{domain}/accounts/{name}", response={200: AccountOut, **_ERRORS},
              summary="Change an account")
def update_account(request, domain: str, name: str, payload: AccountUpdate):
    account, manages = _account(request, domain, name)
    changes = payload.model_dump(exclude_unset=True)
    if not manages and set(changes) - {"password"}:
        raise HttpError(403, _("Only the postmaster can change the quota and spam filtering."))
    services.update_account(account, **changes)
    return _out(account)


@router.delete("/domains/{domain}/accounts/{name}", response={204: None, **_ERRORS},
               summary="Delete an account")
def delete_account(request, domain: str, name: str):
    account, manages = _account(request, domain, name)
    if not manages:
        raise HttpError(403, _("Only the postmaster can delete an account."))
    services.delete_account(account)
    return Status(204, None)
