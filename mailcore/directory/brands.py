"""Whose names the mail we write shows: a reseller's, for the domains it owns."""

from dataclasses import dataclass

from hostpanel.resellers.models import Reseller
from mailcore.addresses import AddressError, normalize_domain
from mailcore.directory._base import _database


@dataclass(frozen=True)
class Brand:
    name: str
    panel_host: str
    pop3_host: str
    smtp_host: str
    support_address: str


@_database
def brand_for_domain(domain: str) -> Brand | None:
    """The reseller's brand of hosted ``domain``; None for the operator's own domains.

    Mail we write to people of a reseller's domain (delivery reports, virus
    notices) names the reseller's mail host instead of ours in what they read;
    protocol fields (HELO, Received, Reporting-MTA, Message-ID) keep our host name.
    """
    try:
        domain = normalize_domain(domain)
    except AddressError:
        return None
    reseller = Reseller.objects.filter(domain_links__domain__name=domain).first()
    if reseller is None:
        return None
    return Brand(name=reseller.name, panel_host=reseller.panel_host,
                 pop3_host=reseller.pop3_host, smtp_host=reseller.smtp_host,
                 support_address=reseller.support_address)
