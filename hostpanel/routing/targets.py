"""Addresses mail may be sent on to: forward targets, copy-to, catch-all, account forwarding.

Only plain ``local@domain`` addresses are accepted: a dot-atom local part without
quotes, ``%``, ``!`` or source routes, and a real domain name (no IP literals),
254 characters at most. The domain is stored in its lower-case ASCII form; the
local part of a hosted address is lower-cased too (our names are), a remote one
is kept as typed. A target at a domain hosted here must exist, or mail to it
would bounce.
"""

import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from hostpanel.domains.models import Account, Domain
from hostpanel.routing.models import Autoresponder, Forward
from mailcore.addresses import AddressError, normalize_domain

MAX_ADDRESS_LENGTH = 254  # RFC 5321 path limit minus the angle brackets
MAX_LOCAL_LENGTH = 64
_ATOM = r"[A-Za-z0-9#$&'*+/=?^_`{|}~-]+"
_DOT_ATOM = re.compile(rf"^{_ATOM}(?:\.{_ATOM})*$")
_SHOWN = 60


def shown(text: str) -> str:
    """``text`` short enough to be quoted in an error message."""
    text = "".join(char if char.isprintable() else "?" for char in text)
    return text if len(text) <= _SHOWN else text[: _SHOWN - 1] + "…"


def _invalid(text: str) -> ValidationError:
    return ValidationError(
        _("“%(address)s” is not a valid email address (such as jane@example.com).")
        % {"address": shown(text)}
    )


def parse_address(text) -> tuple[str, str]:
    """``(local_part, domain)`` of a plain address; ValidationError (no field) if unusable."""
    if not isinstance(text, str):
        raise ValidationError(_("An address is a text, such as jane@example.com."))
    if any(not char.isprintable() for char in text):
        raise ValidationError(_("An address cannot contain line breaks or control characters."))
    value = text.strip()
    if len(value) > MAX_ADDRESS_LENGTH:
        raise ValidationError(_("“%(address)s” is longer than %(max)d characters.")
                              % {"address": shown(value), "max": MAX_ADDRESS_LENGTH})
    local, _at, domain = value.rpartition("@")
    if not local or len(local) > MAX_LOCAL_LENGTH or not _DOT_ATOM.match(local):
        raise _invalid(value)
    if domain.startswith("["):
        raise ValidationError(_("“%(address)s”: send to a domain name, not to an IP address.")
                              % {"address": shown(value)})
    try:
        domain = normalize_domain(domain)
    except AddressError:
        raise _invalid(value) from None
    return local, domain


def _hosted(domain_names) -> dict[str, Domain]:
    return {domain.name: domain for domain in Domain.objects.filter(name__in=set(domain_names))}


def _existing(domain: Domain, local_parts: set[str]) -> set[str]:
    """Which of ``local_parts`` are an account, a forward or an autoresponder of ``domain``."""
    found = set(Account.objects.filter(domain=domain, local_part__in=local_parts)
                .values_list("local_part", flat=True))
    for model in (Forward, Autoresponder):
        found |= set(model.objects.filter(domain=domain, local_part__in=local_parts)
                     .values_list("local_part", flat=True))
    return found


def _canonical(parsed: list[tuple[str, str]], hosted: dict[str, Domain]) -> list[str]:
    return [f"{local.lower() if domain in hosted else local}@{domain}" for local, domain in parsed]


def _missing_messages(addresses: list[str], hosted: dict[str, Domain]) -> list[str]:
    """One message per hosted address that is neither an account, a forward nor an
    autoresponder (each address once, in the order given)."""
    addresses = list(dict.fromkeys(addresses))
    by_domain: dict[str, set[str]] = {}
    for address in addresses:
        local, _at, domain = address.rpartition("@")
        if domain in hosted:
            by_domain.setdefault(domain, set()).add(local)
    existing = {f"{local}@{name}" for name, locals_ in by_domain.items()
                for local in _existing(hosted[name], locals_)}
    return [
        _("%(address)s does not exist here: create it first, or mail to it would bounce.")
        % {"address": address}
        for address in addresses
        if address.rpartition("@")[2] in hosted and address not in existing
    ]


def clean_addresses(values, *, itself: str | None = None, required: bool = True,
                    maximum: int | None = None, self_message: str | None = None) -> list[str]:
    """Validate a list of addresses; every problem is one message of one ValidationError.

    ``itself`` is the address being configured (a forward cannot point at itself);
    ``required`` asks for at least one address.
    """
    if not isinstance(values, (list, tuple)):
        raise ValidationError(_("Give a list of addresses."))
    maximum = settings.HOSTPANEL_MAX_FORWARD_TARGETS if maximum is None else maximum
    if len(values) > maximum:
        raise ValidationError(ngettext("At most %(max)d address is allowed (%(count)d given).",
                                       "At most %(max)d addresses are allowed (%(count)d given).",
                                       maximum) % {"max": maximum, "count": len(values)})
    if required and not values:
        raise ValidationError(_("Enter at least one address."))
    problems, parsed = [], []
    for value in values:
        try:
            parsed.append(parse_address(value))
        except ValidationError as error:
            problems.extend(error.messages)
    hosted = _hosted(domain for _local, domain in parsed)
    addresses = _canonical(parsed, hosted)
    seen: set[str] = set()
    for address in addresses:
        if address.lower() in seen:
            problems.append(_("%(address)s is listed twice.") % {"address": address})
        seen.add(address.lower())
        if itself and address.lower() == itself.lower():
            problems.append((self_message or _("%(address)s cannot forward to itself."))
                            % {"address": address})
    problems.extend(_missing_messages(
        [address for address in addresses if address.lower() != (itself or "").lower()],
        hosted))
    if problems:
        raise ValidationError(problems)
    return addresses


def clean_address(value, *, itself: str | None = None, self_message: str | None = None) -> str:
    """One address, by the same rules as a list of them."""
    return clean_addresses([value], itself=itself, maximum=1, self_message=self_message)[0]
