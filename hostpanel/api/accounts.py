"""``/api/v1/domains/{domain}/accounts``: the postmaster's email accounts, for automation.

Who sees what: a postmaster its own domain, an operator every domain, and a mail
user only its own account (read it; change its password, routing and vacation).
Anything else is 404, the same answer as for a domain or account that does not exist.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import Query, Router, Status
from ninja.errors import HttpError

from hostpanel.api.common import ERRORS, ListFilters, find_domain, managed_domain, page_of
from hostpanel.api.schemas import AccountCreate, AccountList, AccountOut, AccountUpdate
from hostpanel.domains import services
from hostpanel.domains.models import Account
from hostpanel.lib.validation import collect
from hostpanel.routing import services as routing_services
from hostpanel.routing.models import Routing

router = Router(tags=["accounts"])

PAGE_SIZE = 50

# The routing service's field names, as the API shows them.
_ROUTING_FIELDS = {
    "mode": "routing.mode",
    "forward_to": "routing.forward_to",
    "save_copy": "routing.save_copy",
    "vacation_enabled": "routing.vacation.enabled",
    "vacation_subject": "routing.vacation.subject",
    "vacation_message": "routing.vacation.message",
    "vacation_start": "routing.vacation.start",
    "vacation_end": "routing.vacation.end",
}


def _routing_out(routing: Routing) -> dict:
    return {
        "mode": routing.mode,
        "forward_to": list(routing.forward_to),
        "save_copy": routing.save_copy,
        "vacation": {
            "enabled": routing.vacation_enabled,
            "subject": routing.vacation_subject,
            "message": routing.vacation_message,
            "start": routing.vacation_start,
            "end": routing.vacation_end,
        },
    }


def _out(account: Account, routing: Routing | None = None) -> dict:
    """The account as the API shows it; ``routing`` when it was fetched with the account."""
    return {
        "name": account.local_part,
        "address": account.address,
        "quota_mb": account.quota_mb,
        "spam_filtering": account.spam_filtering,
        "usage_bytes": services.mailbox_usage(account),
        "routing": _routing_out(routing or routing_services.routing_for(account)),
    }


def _listed(account: Account) -> dict:
    """``_out`` for a row of a list fetched with ``select_related("routing")``: no query each."""
    try:
        routing = account.routing
    except Routing.DoesNotExist:  # none stored: the defaults
        routing = Routing(account=account)
    return _out(account, routing)


def _routing_changes(routing: dict) -> dict:
    """``{"mode": ..., "vacation": {"enabled": ...}}`` as the service's keyword arguments."""
    changes = {key: value for key, value in routing.items() if key != "vacation"}
    for key, value in (routing.get("vacation") or {}).items():
        changes[f"vacation_{key}"] = value
    return changes


def _update_routing(account: Account, routing: dict) -> None:
    try:
        routing_services.update_routing(account, **_routing_changes(routing))
    except ValidationError as error:
        if not hasattr(error, "error_dict"):
            raise ValidationError({"routing": error.messages}) from None
        raise ValidationError({_ROUTING_FIELDS.get(field, field): messages
                               for field, messages in error.message_dict.items()}) from None


@transaction.atomic
def _change(account: Account, changes: dict, routing: dict | None) -> None:
    """Apply every change or none; the errors of all fields are reported together."""
    errors: dict = {}
    if changes:
        collect(errors, services.update_account, account, **changes)
    if routing is not None:
        collect(errors, _update_routing, account, routing)
    if errors:
        raise ValidationError(errors)  # rolls back whatever was written


def _account(request, domain_name: str, name: str) -> tuple[Account, bool]:
    """The account, and whether the caller manages it (False: it is the caller itself)."""
    caller: Account = request.auth
    domain = find_domain(domain_name)
    if domain is not None and caller.can_manage(domain):
        account = Account.objects.filter(domain=domain, local_part=name.lower()).first()
        if account is None:
            raise Http404
        return account, True
    if domain is not None and caller.domain_id == domain.pk and caller.local_part == name.lower():
        return caller, False
    raise Http404


@router.get("/domains/{domain}/accounts", response={200: AccountList, **ERRORS},
            summary="List accounts")
def list_accounts(request, domain: str, filters: Query[ListFilters]):
    found = managed_domain(request, domain).accounts.select_related("domain", "routing")
    return page_of(found, filters, _listed, page_size=PAGE_SIZE)


@router.post("/domains/{domain}/accounts", response={201: AccountOut, **ERRORS},
             summary="Create an account")
def create_account(request, domain: str, payload: AccountCreate):
    managed = managed_domain(request, domain)
    account = services.create_account(
        managed,
        payload.name,
        payload.password,
        quota_mb=payload.quota_mb,
        spam_filtering=payload.spam_filtering,
    )
    return Status(201, _out(account))


@router.get("/domains/{domain}/accounts/{name}", response={200: AccountOut, **ERRORS},
            summary="Read an account")
def get_account(request, domain: str, name: str):
    account, _manages = _account(request, domain, name)
    return _out(account)


@router.patch("/domains/{domain}/accounts/{name}", response={200: AccountOut, **ERRORS},
              summary="Change an account")
def update_account(request, domain: str, name: str, payload: AccountUpdate):
    account, manages = _account(request, domain, name)
    changes = payload.model_dump(exclude_unset=True)
    routing = changes.pop("routing", None)
    if not manages and set(changes) - {"password"}:
        raise HttpError(403, _("Only the postmaster can change the quota and spam filtering."))
    _change(account, changes, routing)
    return _out(account)


@router.delete("/domains/{domain}/accounts/{name}", response={204: None, **ERRORS},
               summary="Delete an account")
def delete_account(request, domain: str, name: str):
    account, manages = _account(request, domain, name)
    if not manages:
        raise HttpError(403, _("Only the postmaster can delete an account."))
    services.delete_account(account)
    return Status(204, None)
