"""Operations on resellers, shared by the admin, the panel and the tests.

Each function validates everything first and raises ``ValidationError`` with a
message per field, so that nothing is half-written on bad input.
"""

import ipaddress

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.http.request import validate_host
from django.utils.translation import gettext as _

from hostpanel.domains import services as domain_services
from hostpanel.domains.models import Account, Domain
from hostpanel.lib.validation import add_error, collect
from hostpanel.resellers.access import operator_hosts
from hostpanel.resellers.models import Reseller, ResellerDomain, ResellerLogin
from mailcore.addresses import AddressError, is_valid_local_part, normalize_domain

HOST_FIELDS = ("panel_host", "pop3_host", "smtp_host")
FIELDS = ("name", *HOST_FIELDS, "support_address")


def clean_host_name(value: str, field: str) -> str:
    """``value`` as a lower-case ASCII (IDNA) host name; a Unicode name is converted."""
    value = (value or "").strip()
    if not value:
        raise ValidationError({field: _("A host name is required.")})
    if "://" in value or any(mark in value for mark in "/?#"):
        raise ValidationError({field: _("Enter the host name alone, without https:// "
                                        "or a path, such as mail.example.net.")})
    try:
        ipaddress.ip_address(value.strip("[]"))
    except ValueError:
        pass
    else:
        raise ValidationError({field: _("Enter a host name, not an IP address.")})
    if ":" in value:
        raise ValidationError({field: _("Enter the host name without a port.")})
    try:
        return normalize_domain(value)
    except AddressError:
        raise ValidationError(
            {field: _("Enter a valid host name, such as mail.example.net.")}) from None


def _clean_name(name: str) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise ValidationError({"name": _("The brand name is required.")})
    if len(name) > 100:
        raise ValidationError({"name": _("The brand name has at most 100 characters.")})
    return name


def _clean_support_address(address: str) -> str:
    address = (address or "").strip()
    if address:
        try:
            validate_email(address)
        except ValidationError:
            raise ValidationError(
                {"support_address": _("Enter a valid email address.")}) from None
    return address


def clean_reseller(reseller: Reseller | None = None, **fields) -> dict:
    """The given fields, cleaned; ``reseller`` is the one being changed (None: a new one)."""
    errors: dict = {}
    cleaned = {}
    unknown = set(fields) - set(FIELDS)
    if unknown:
        raise TypeError(f"unknown reseller fields: {', '.join(sorted(unknown))}")
    if "name" in fields:
        cleaned["name"] = collect(errors, _clean_name, fields["name"])
    for field in HOST_FIELDS:
        if field in fields:
            cleaned[field] = collect(errors, clean_host_name, fields[field], field)
    if "support_address" in fields:
        cleaned["support_address"] = collect(errors, _clean_support_address,
                                             fields["support_address"])
    panel_host = cleaned.get("panel_host")
    if panel_host:
        if panel_host in operator_hosts():
            add_error(errors, "panel_host", _("%(host)s is the operator's own host name.")
                      % {"host": panel_host})
        others = Reseller.objects.filter(panel_host=panel_host)
        if reseller is not None and reseller.pk:
            others = others.exclude(pk=reseller.pk)
        if others.exists():
            add_error(errors, "panel_host", _("Another reseller's panel has the host "
                                              "name %(host)s.") % {"host": panel_host})
    if errors:
        raise ValidationError(errors)
    return cleaned


def create_reseller(*, name: str, panel_host: str, pop3_host: str, smtp_host: str,
                    support_address: str = "") -> Reseller:
    cleaned = clean_reseller(name=name, panel_host=panel_host, pop3_host=pop3_host,
                             smtp_host=smtp_host, support_address=support_address)
    return Reseller.objects.create(**cleaned)


def update_reseller(reseller: Reseller, **changes) -> Reseller:
    """Change the given fields (any of ``FIELDS``)."""
    cleaned = clean_reseller(reseller, **changes)
    for field, value in cleaned.items():
        setattr(reseller, field, value)
    if cleaned:
        reseller.save(update_fields=list(cleaned))
    return reseller


@transaction.atomic
def delete_reseller(reseller: Reseller) -> None:
    """Delete the reseller and its login accounts; its domains go back to the operator."""
    Account.objects.filter(reseller_login__reseller=reseller).delete()
    reseller.delete()


def panel_host_accepted(host: str) -> bool:
    """Whether Django accepts requests for ``host`` (it is in HOSTPANEL_ALLOWED_HOSTS)."""
    return validate_host(host, settings.ALLOWED_HOSTS)


# Logins.

def check_login_account(account: Account, reseller: Reseller) -> None:
    """Refuse an account that cannot be ``reseller``'s login, with the reason."""
    if account.domain_id:
        raise ValidationError({"account": _("%(login)s is a mailbox: a reseller logs in "
                                            "with an account without a domain.")
                               % {"login": account.username}})
    if account.is_staff or account.is_superuser:
        raise ValidationError({"account": _("%(login)s is an operator's account.")
                               % {"login": account.username}})
    links = ResellerLogin.objects.filter(account=account).select_related("reseller")
    if reseller.pk is not None:  # a reseller being added in the admin has none yet
        links = links.exclude(reseller=reseller)
    link = links.first()
    if link is not None:
        raise ValidationError({"account": _("%(login)s already logs in for %(reseller)s.")
                               % {"login": account.username, "reseller": link.reseller.name}})


def add_login(reseller: Reseller, account: Account) -> ResellerLogin:
    """Make an existing account without a domain a login of ``reseller``."""
    check_login_account(account, reseller)
    return ResellerLogin.objects.get_or_create(reseller=reseller, account=account)[0]


@transaction.atomic
def create_login(reseller: Reseller, username: str, password: str) -> Account:
    """A new account ``username`` that logs in as ``reseller``."""
    errors: dict = {}
    username = (username or "").strip().lower()
    if not is_valid_local_part(username):
        add_error(errors, "username", _("A login name has letters, digits, dots, hyphens "
                                        "and underscores, and no @."))
    elif Account.objects.filter(username=username).exists():
        add_error(errors, "username", _("The login %(login)s already exists.")
                  % {"login": username})
    if not password:
        add_error(errors, "password", _("A password is required."))
    else:
        try:
            validate_password(password, Account(username=username))
        except ValidationError as error:
            errors.setdefault("password", []).extend(error.messages)
    if errors:
        raise ValidationError(errors)
    account = Account.objects.create_user(username, password)
    ResellerLogin.objects.create(reseller=reseller, account=account)
    return account


# Domains.

def assign_domain(reseller: Reseller, domain: Domain) -> ResellerDomain:
    """Give ``domain`` to ``reseller``; a domain of another reseller must be released first."""
    link = ResellerDomain.objects.filter(domain=domain).select_related("reseller").first()
    if link is not None and link.reseller_id != reseller.pk:
        raise ValidationError({"domain": _("%(domain)s belongs to the reseller %(reseller)s.")
                               % {"domain": domain.name, "reseller": link.reseller.name}})
    return link or ResellerDomain.objects.create(reseller=reseller, domain=domain)


def release_domain(domain: Domain) -> None:
    """The domain goes back to the operator."""
    ResellerDomain.objects.filter(domain=domain).delete()


@transaction.atomic
def create_domain(reseller: Reseller, name: str, postmaster_password: str,
                  default_quota_mb: int | None = None) -> Domain:
    """A new domain of ``reseller``, made as the operator makes one (with its postmaster)."""
    domain = domain_services.create_domain(name, postmaster_password,
                                           default_quota_mb=default_quota_mb)
    ResellerDomain.objects.create(reseller=reseller, domain=domain)
    return domain
