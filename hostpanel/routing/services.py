"""Forwards, autoresponders, an account's routing and vacation, a domain's catch-all.

The panel, the API and commands call these functions. Each validates everything
first and raises ``ValidationError`` with every invalid field at once; nothing
is written on bad input. One address space per domain: an address is an
account, a forward or an autoresponder, never two (``postmaster`` is always the
account).
"""

import unicodedata
from datetime import date, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from hostpanel.domains.models import Account, Domain
from hostpanel.domains.services import address_in_use, lock_domain
from hostpanel.lib.validation import add_error, collect
from hostpanel.routing.models import AutoReplySent, Autoresponder, Forward, Routing
from hostpanel.routing.targets import clean_address, clean_addresses
from mailcore.addresses import is_valid_local_part

MAX_SUBJECT_LENGTH = 200
MAX_MESSAGE_LENGTH = 10_000
_LINE_BREAKS = {"Cc", "Zl", "Zp"}  # control characters, Unicode line and paragraph separators


def clean_name(name) -> str:
    """The part before the @ of a new forward or autoresponder."""
    name = name.strip().lower() if isinstance(name, str) else ""
    if not is_valid_local_part(name):
        raise ValidationError(
            {"name": _("An address has letters, digits, dots, hyphens and underscores, "
                       "starts and ends with a letter or digit, and is at most 64 "
                       "characters long.")}
        )
    return name


def clean_subject(subject, field: str = "subject", required: bool = True) -> str:
    """A subject line: one line of text, so that nobody can add headers through it."""
    if not isinstance(subject, str):
        raise ValidationError({field: _("The subject is a text.")})
    if any(unicodedata.category(char) in _LINE_BREAKS for char in subject):
        raise ValidationError({field: _("The subject is one line: no line breaks or "
                                        "control characters.")})
    subject = subject.strip()
    if required and not subject:
        raise ValidationError({field: _("Enter a subject.")})
    if len(subject) > MAX_SUBJECT_LENGTH:
        raise ValidationError({field: _("The subject has at most %(max)d characters "
                                        "(it has %(count)d).")
                               % {"max": MAX_SUBJECT_LENGTH, "count": len(subject)}})
    return subject


def clean_message(message, field: str = "message", required: bool = True) -> str:
    """A message body: line breaks as ``\\n``, no other control characters."""
    if not isinstance(message, str):
        raise ValidationError({field: _("The message is a text.")})
    message = message.replace("\r\n", "\n").replace("\r", "\n")
    if required and not message.strip():
        raise ValidationError({field: _("Enter a message.")})
    if any(unicodedata.category(char) == "Cc" and char not in "\n\t" for char in message):
        raise ValidationError({field: _("The message cannot contain control characters.")})
    if len(message) > MAX_MESSAGE_LENGTH:
        raise ValidationError({field: _("The message has at most %(max)d characters "
                                        "(it has %(count)d).")
                               % {"max": MAX_MESSAGE_LENGTH, "count": len(message)}})
    return message


def _field(field: str, check, *args, **kwargs):
    """Run a field-less check (targets) and file its messages under ``field``."""
    try:
        return check(*args, **kwargs)
    except ValidationError as error:
        raise ValidationError({field: error.messages}) from None


def _new_name(errors: dict, domain: Domain, name) -> str | None:
    name = collect(errors, clean_name, name)
    if name and (taken := address_in_use(domain, name)):
        add_error(errors, "name", taken)
        return None
    return name


# Forwards ---------------------------------------------------------------------------------


def _forward_targets(targets, address: str | None) -> list[str]:
    return _field("targets", clean_addresses, targets, itself=address)


@transaction.atomic
def create_forward(domain: Domain, name, targets) -> Forward:
    """``name@domain`` forwards to ``targets`` (local or remote addresses)."""
    lock_domain(domain)
    errors: dict = {}
    name = _new_name(errors, domain, name)
    address = f"{name}@{domain.name}" if name else None
    targets = collect(errors, _forward_targets, targets, address)
    if errors:
        raise ValidationError(errors)
    return Forward.objects.create(domain=domain, local_part=name, targets=targets)


@transaction.atomic
def update_forward(forward: Forward, targets) -> Forward:
    """Replace the forward's targets (the panel adds and removes them one by one)."""
    forward.targets = _forward_targets(targets, str(forward))
    forward.save(update_fields=["targets"])
    return forward


def delete_forward(forward: Forward) -> None:
    forward.delete()


# Autoresponders ---------------------------------------------------------------------------


def _copy_to(copy_to, address: str | None) -> str:
    if isinstance(copy_to, str) and not copy_to.strip():
        return ""
    return _field("copy_to", clean_address, copy_to, itself=address,
                  self_message=_("The copy cannot go to the autoresponder itself "
                                 "(%(address)s)."))


@transaction.atomic
def create_autoresponder(domain: Domain, name, subject, message, copy_to="") -> Autoresponder:
    """``name@domain`` answers every sender with ``subject`` and ``message``."""
    lock_domain(domain)
    errors: dict = {}
    name = _new_name(errors, domain, name)
    address = f"{name}@{domain.name}" if name else None
    copy_to = collect(errors, _copy_to, copy_to, address)
    subject = collect(errors, clean_subject, subject)
    message = collect(errors, clean_message, message)
    if errors:
        raise ValidationError(errors)
    return Autoresponder.objects.create(domain=domain, local_part=name, copy_to=copy_to,
                                        subject=subject, message=message)


@transaction.atomic
def update_autoresponder(responder: Autoresponder, *, copy_to=None, subject=None,
                         message=None) -> Autoresponder:
    """Change what was given (None: keep it)."""
    errors: dict = {}
    changes = {}
    if copy_to is not None:
        changes["copy_to"] = collect(errors, _copy_to, copy_to, str(responder))
    if subject is not None:
        changes["subject"] = collect(errors, clean_subject, subject)
    if message is not None:
        changes["message"] = collect(errors, clean_message, message)
    if errors:
        raise ValidationError(errors)
    for field, value in changes.items():
        setattr(responder, field, value)
    if changes:
        responder.save(update_fields=list(changes))
    return responder


def delete_autoresponder(responder: Autoresponder) -> None:
    responder.delete()


# Catch-all --------------------------------------------------------------------------------


@transaction.atomic
def set_catch_all(domain: Domain, target) -> Domain:
    """Mail for unknown addresses of ``domain`` goes to ``target``; '' turns it off."""
    if isinstance(target, str) and not target.strip():
        domain.catch_all = ""
    else:
        domain.catch_all = _field("catch_all", clean_address, target)
    domain.save(update_fields=["catch_all"])
    return domain


def clear_catch_all(domain: Domain) -> Domain:
    return set_catch_all(domain, "")


# Account routing and vacation -------------------------------------------------------------

ROUTING_FIELDS = ("mode", "forward_to", "save_copy", "vacation_enabled", "vacation_subject",
                  "vacation_message", "vacation_start", "vacation_end")


def routing_for(account: Account) -> Routing:
    """The account's routing; an unsaved default (standard, no vacation) when it has none."""
    return Routing.objects.filter(account=account).first() or Routing(account=account)


def _check_bool(value, field: str, message: str) -> bool:
    if not isinstance(value, bool):
        raise ValidationError({field: message})
    return value


def _check_mode(mode, account: Account) -> str:
    if mode not in dict(Routing.MODES):
        raise ValidationError({"mode": _("Choose standard, forward or delete.")})
    if mode == Routing.DELETE and account.is_postmaster:
        raise ValidationError({"mode": _("Mail to postmaster cannot be deleted: every domain "
                                         "must be able to receive it.")})
    return mode


def _check_date(value, field: str) -> date | None:
    if value is not None and (not isinstance(value, date) or hasattr(value, "hour")):
        raise ValidationError({field: _("Enter a date.")})
    return value


def _check_forward_to(targets, account: Account, required: bool) -> list[str]:
    return _field("forward_to", clean_addresses, targets, itself=account.address,
                  required=required,
                  self_message=_("Mail cannot be forwarded to the account itself "
                                 "(%(address)s): tick “save a copy” instead."))


def _clean_routing_fields(changes: dict, account: Account, errors: dict) -> dict:
    """Each given field on its own; the cross-field rules come after."""
    checks = {
        "mode": lambda value: _check_mode(value, account),
        "save_copy": lambda value: _check_bool(value, "save_copy",
                                               _("“Save a copy” is either on or off.")),
        "vacation_enabled": lambda value: _check_bool(
            value, "vacation_enabled", _("The vacation message is either on or off.")),
        "vacation_subject": lambda value: clean_subject(value, "vacation_subject",
                                                        required=False),
        "vacation_message": lambda value: clean_message(value, "vacation_message",
                                                        required=False),
        "vacation_start": lambda value: _check_date(value, "vacation_start"),
        "vacation_end": lambda value: _check_date(value, "vacation_end"),
    }
    cleaned = {}
    for field, check in checks.items():
        if field in changes:
            before = len(errors)
            value = collect(errors, check, changes[field])
            if len(errors) == before:
                cleaned[field] = value
    return cleaned


def _check_routing(merged: dict, changes: dict, account: Account, errors: dict) -> None:
    forwarding = merged["mode"] == Routing.FORWARD
    if "forward_to" in changes or (forwarding and "mode" in changes):
        targets = collect(errors, _check_forward_to, merged["forward_to"], account, forwarding)
        if targets is not None:
            merged["forward_to"] = targets
    if merged["vacation_enabled"]:
        if not merged["vacation_subject"] and "vacation_subject" not in errors:
            add_error(errors, "vacation_subject", _("Enter the subject of the vacation "
                                                    "message."))
        if not merged["vacation_message"].strip() and "vacation_message" not in errors:
            add_error(errors, "vacation_message", _("Enter the vacation message."))
    start, end = merged["vacation_start"], merged["vacation_end"]
    if start and end and end < start:
        add_error(errors, "vacation_end", _("The vacation cannot end before it starts."))


@transaction.atomic
def update_routing(account: Account, **changes) -> Routing:
    """Change the account's routing and vacation; only the fields given are changed.

    ``mode`` standard (deliver here), forward (to ``forward_to``, keeping a copy
    when ``save_copy``) or delete; the vacation (``vacation_enabled``, ``_subject``,
    ``_message``, ``_start``, ``_end``) answers senders whatever the mode.
    """
    unknown = set(changes) - set(ROUTING_FIELDS)
    if unknown:
        raise TypeError(f"unknown routing fields: {sorted(unknown)}")
    if not account.domain_id:
        raise ValidationError(_("Only a mailbox has routing."))
    routing = routing_for(account)
    errors: dict = {}
    cleaned = _clean_routing_fields(changes, account, errors)
    merged = {field: getattr(routing, field) for field in ROUTING_FIELDS}
    merged.update(cleaned)
    if "forward_to" in changes:
        merged["forward_to"] = changes["forward_to"]
    if "mode" in changes and "mode" not in cleaned:
        merged["mode"] = Routing.STANDARD  # its error is reported; check the rest calmly
    _check_routing(merged, changes, account, errors)
    if errors:
        raise ValidationError(errors)
    for field, value in merged.items():
        setattr(routing, field, value)
    routing.save()
    return routing


def purge_auto_reply_log(now=None) -> int:
    """Forget automatic replies older than the longest reply interval: they decide nothing.

    A record only matters while it is younger than the vacation or autoresponder
    interval (one reply per sender per period); older ones are replaced on the
    next reply anyway. Returns how many were removed.
    """
    longest = max(timedelta(days=settings.HOSTPANEL_VACATION_INTERVAL_DAYS),
                  timedelta(hours=settings.HOSTPANEL_AUTORESPONDER_INTERVAL_HOURS))
    cutoff = (now or timezone.now()) - longest
    removed, _ = AutoReplySent.objects.filter(sent_at__lt=cutoff).delete()
    return removed
