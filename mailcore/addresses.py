"""Mail address and login grammar, shared by the servers and the panel."""

import re

# Account names: what a mailbox may be called on disk and in the panel.
_LOCAL_PART = re.compile(r"^[a-z0-9](?:[a-z0-9._-]{0,62}[a-z0-9])?$")
_DOMAIN_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")


class AddressError(ValueError):
    """The text is not a usable address, login or domain name."""


def normalize_domain(name: str) -> str:
    """Lower-case ASCII (IDNA) form of a domain name; raises AddressError."""
    name = (name or "").strip().rstrip(".").lower()
    if not name:
        raise AddressError("empty domain")
    try:
        ascii_name = name.encode("idna").decode("ascii")
    except UnicodeError:
        raise AddressError(f"invalid domain name: {name!r}") from None
    labels = ascii_name.split(".")
    if len(ascii_name) > 253 or len(labels) < 2:
        raise AddressError(f"invalid domain name: {name!r}")
    if not all(_DOMAIN_LABEL.match(label) for label in labels) or labels[-1].isdigit():
        raise AddressError(f"invalid domain name: {name!r}")
    return ascii_name


def is_valid_local_part(name: str) -> bool:
    """Whether ``name`` can be an account name (letters, digits, ``. _ -``)."""
    return bool(_LOCAL_PART.match(name)) and ".." not in name


def parse_login(login: str) -> tuple[str, str]:
    """Split ``jane@example.com`` or ``jane%example.com`` (Eudora) into its parts.

    Returns ``(local_part, domain)`` lower-cased; raises AddressError.
    """
    login = (login or "").strip()
    separator = "@" if "@" in login else "%"
    local, sep, domain = login.rpartition(separator)
    if not sep or not local:
        raise AddressError("a login is account@domain or account%domain")
    return local.lower(), normalize_domain(domain)


def split_address(address: str) -> tuple[str, str]:
    """Split a plain envelope address into ``(local_part, domain)``.

    Only the simple form our mailboxes have is accepted: anything with quotes,
    source routes, ``%`` or ``!`` in the local part is left for the caller to
    refuse. Raises AddressError.
    """
    address = (address or "").strip()
    if address.startswith("<") and address.endswith(">"):
        address = address[1:-1]
    local, sep, domain = address.rpartition("@")
    if not sep or not local or not domain:
        raise AddressError(f"not an address: {address!r}")
    if domain.startswith("["):
        raise AddressError("address literals are not hosted here")
    return local.lower(), normalize_domain(domain)
