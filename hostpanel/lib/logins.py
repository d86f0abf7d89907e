"""Panel and API login names: the Account's username from what a person typed."""

import contextlib

from mailcore.addresses import AddressError, normalize_domain


def compose_username(account: str, domain: str) -> str:
    """``jane`` + ``example.com`` -> ``jane@example.com``; no domain: the account as typed."""
    account = account.strip().lower()
    domain = domain.strip().lower()
    if not domain:
        if "@" not in account and "%" in account:
            account = "@".join(account.rsplit("%", 1))  # jane%example.com (Eudora)
        return account
    with contextlib.suppress(AddressError):  # else no such domain exists: the login fails
        domain = normalize_domain(domain)
    if account.endswith("@" + domain):
        return account
    return f"{account}@{domain}"
