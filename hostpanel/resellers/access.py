"""Which reseller a login, a domain or a request's host belongs to.

``hostpanel.domains.access`` asks here which domains a reseller's login
manages; this is the only place that answers it.
"""

from urllib.parse import urlsplit

from django.conf import settings

from hostpanel.domains.models import Account, Domain
from hostpanel.resellers.models import Reseller
from mailcore.addresses import AddressError, normalize_domain

_CACHE = "_reseller_of_login"


def reseller_of(account) -> Reseller | None:
    """The reseller ``account`` logs in for (None for a mailbox, an operator, anonymous)."""
    if not getattr(account, "is_authenticated", False) or not account.is_active:
        return None
    if account.domain_id is not None or account.is_superuser:
        return None
    if not hasattr(account, _CACHE):  # asked by the context processor and the view
        setattr(account, _CACHE, Reseller.objects.filter(logins__account=account).first())
    return getattr(account, _CACHE)


def reseller_domains(account: Account):
    """The domains of the reseller ``account`` logs in for; none for anyone else."""
    reseller = reseller_of(account)
    if reseller is None:
        return Domain.objects.none()
    return Domain.objects.filter(reseller_link__reseller=reseller)


def reseller_of_domain(domain: Domain | None) -> Reseller | None:
    if domain is None:
        return None
    return Reseller.objects.filter(domain_links__domain=domain).first()


def operator_hosts() -> set[str]:
    """Our own host names: never a reseller's panel."""
    hosts = {settings.HOSTPANEL_HOSTNAME, settings.HOSTPANEL_MAIL_HOST,
             urlsplit(settings.HOSTPANEL_PANEL_URL).hostname or ""}
    return {host.strip().rstrip(".").lower() for host in hosts if host}


def reseller_for_host(host: str) -> Reseller | None:
    """The reseller whose panel is ``host`` (``name`` or ``name:port``), or None.

    Only a name that can be a reseller's panel host is looked up: not our own
    names, not an IP address or a one-label name (``localhost``).
    """
    name = host.rsplit(":", 1)[0] if host.count(":") == 1 else host
    try:
        name = normalize_domain(name)
    except AddressError:
        return None
    if name in operator_hosts():
        return None
    return Reseller.objects.filter(panel_host=name).first()


def reseller_for_account(account, request=None) -> Reseller | None:
    """Whose host names ``account`` should see: its domain's reseller, the reseller it logs
    in for, and for an account of neither (the operator) the reseller of the request's host.
    """
    if getattr(account, "domain_id", None):
        return reseller_of_domain(account.domain)
    return reseller_of(account) or getattr(request, "reseller", None)


def mail_hosts(reseller: Reseller | None) -> dict:
    """Keyword arguments for mailsettings' ``client_settings``: the reseller's names, or none."""
    if reseller is None:
        return {}
    return {"pop3_host": reseller.pop3_host, "smtp_host": reseller.smtp_host}
