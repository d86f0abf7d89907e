"""Mailing lists and their members: the rules shared by the panel, the API and the mail side.

Every function validates everything first and raises ``ValidationError`` with a
message per field; nothing is half-written. A list takes its name and its
service addresses (``name-subscribe``, ``name-request``...) in the domain's one
address space.
"""

import csv
import io

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from hostpanel.domains.models import Domain
from hostpanel.lib.validation import add_error, collect
from hostpanel.lists.models import (
    SERVICE_SUFFIXES,
    ArchiveAccess,
    MailingList,
    Member,
    Posting,
    ReplyTo,
    Role,
)
from mailcore.addresses import AddressError, split_address
from mailcore.lists import cookies

# The languages of the texts a list sends: the panel's 20.
LIST_LANGUAGES = ("en", "fr", "es", "de", "it", "pt-br", "nl", "sv", "da", "nb", "fi", "pl",
                  "cs", "sk", "hu", "ru", "bg", "tr", "ja", "zh-hans")
MAX_TEXT = 20_000  # characters of a trailer, welcome, help or goodbye text
MAX_IMPORT = 100_000  # addresses in one CSV import
MAX_MESSAGE_KB = 1024 * 1024

BOOLEAN_OPTIONS = ("digest", "request_address", "remote_admin", "private",
                   "remote_view_subscribers", "remote_edit_texts", "subscribe_confirm",
                   "subscribe_moderated", "unsubscribe_confirm", "archive")
TEXT_OPTIONS = ("trailer", "welcome_text", "help_text", "goodbye_text")
CHOICE_OPTIONS = {"posting": Posting, "reply_to": ReplyTo, "archive_access": ArchiveAccess}
OPTIONS = ("owner", "prefix", "reply_to_address", "language", "max_message_kb",
           *BOOLEAN_OPTIONS, *TEXT_OPTIONS, *CHOICE_OPTIONS)


def service_addresses(name: str) -> list[str]:
    """The local parts a list called ``name`` takes besides its own."""
    return [f"{name}-{suffix}" for suffix in SERVICE_SUFFIXES]


def list_for_local_part(domain: Domain, local_part: str) -> MailingList | None:
    """The list whose address or service address ``local_part`` is (``team-request``...)."""
    candidates = [local_part]
    while "-" in candidates[-1]:
        candidates.append(candidates[-1].rpartition("-")[0])
    return (MailingList.objects.filter(domain=domain, local_part__in=candidates)
            .order_by("-local_part").first())


def service_of(local_part: str, name: str) -> tuple[str, str] | None:
    """Which address of list ``name`` ``local_part`` is: ``(service, argument)``.

    ``("", "")`` for the list itself, ``("confirm", "<cookie>")`` for
    ``team-confirm-<cookie>``, the longest suffix winning (``digest-subscribe``
    over ``digest``); None when it is none of the list's.
    """
    if local_part == name:
        return "", ""
    if not local_part.startswith(name + "-"):
        return None
    rest = local_part[len(name) + 1:]
    matches = [s for s in SERVICE_SUFFIXES if rest == s or rest.startswith(s + "-")]
    if not matches:
        return None
    service = max(matches, key=len)
    return service, rest[len(service) + 1:]


def list_taking(domain: Domain, local_part: str) -> MailingList | None:
    """The list that owns ``local_part@domain`` as its address or a service address."""
    found = list_for_local_part(domain, local_part)
    if found is None or service_of(local_part, found.local_part) is None:
        return None
    return found


# -- validation ------------------------------------------------------------------------

def clean_address(value, field: str, errors: dict, *, required: bool = False) -> str:
    if not isinstance(value, str):
        add_error(errors, field, _("Enter an email address."))
        return ""
    value = value.strip().lower()
    if not value:
        if required:
            add_error(errors, field, _("Enter an email address."))
        return ""
    try:
        local, domain = split_address(value)
    except AddressError:
        add_error(errors, field, _("Enter a valid email address, such as jane@example.com."))
        return ""
    if len(value) > 320 or any(ch in value for ch in "\r\n\t ,;<>\"()"):
        add_error(errors, field, _("Enter a valid email address, such as jane@example.com."))
        return ""
    return f"{local}@{domain}"


def _clean_options(options: dict, errors: dict) -> dict:
    unknown = set(options) - set(OPTIONS)
    if unknown:
        raise TypeError(f"unknown list option: {', '.join(sorted(unknown))}")
    cleaned = {}
    for name, value in options.items():
        if name in BOOLEAN_OPTIONS:
            if isinstance(value, bool):
                cleaned[name] = value
            else:
                add_error(errors, name, _("Enter true or false."))
        elif name in CHOICE_OPTIONS:
            choices = CHOICE_OPTIONS[name]
            if value in choices.values:
                cleaned[name] = value
            else:
                add_error(errors, name, _("Choose one of: %(choices)s.")
                          % {"choices": ", ".join(choices.values)})
        elif name in TEXT_OPTIONS:
            if not isinstance(value, str) or len(value) > MAX_TEXT:
                add_error(errors, name, _("Enter a text of at most %(count)d characters.")
                          % {"count": MAX_TEXT})
            else:
                cleaned[name] = value.replace("\r\n", "\n").strip("\n")
        elif name in ("owner", "reply_to_address"):
            cleaned[name] = clean_address(value, name, errors)
        elif name == "prefix":
            if not isinstance(value, str) or len(value) > 64 or any(c in value for c in "\r\n"):
                add_error(errors, name, _("A prefix is one line of at most 64 characters."))
            else:
                cleaned[name] = value.strip()
        elif name == "language":
            if value in LIST_LANGUAGES:
                cleaned[name] = value
            else:
                add_error(errors, name, _("Choose one of: %(choices)s.")
                          % {"choices": ", ".join(LIST_LANGUAGES)})
        elif name == "max_message_kb":
            if isinstance(value, bool) or not isinstance(value, int) \
                    or not 0 <= value <= MAX_MESSAGE_KB:
                add_error(errors, name, _("Enter a whole number of KB from 0 to %(max)d.")
                          % {"max": MAX_MESSAGE_KB})
            else:
                cleaned[name] = value
    return cleaned


def _check_reply_to(values: dict, errors: dict) -> None:
    if values.get("reply_to") == ReplyTo.ADDRESS and not values.get("reply_to_address"):
        add_error(errors, "reply_to_address",
                  _("Give the address replies go to, or choose another reply setting."))


def _names_free(domain: Domain, name: str, errors: dict) -> None:
    from hostpanel.domains.services import address_in_use

    for local_part in [name, *service_addresses(name)]:
        taken = address_in_use(domain, local_part)
        if taken:
            add_error(errors, "name", taken)
            return


# -- lists -----------------------------------------------------------------------------

@transaction.atomic
def create_list(domain: Domain, name: str, **options) -> MailingList:
    """A list with qmailadmin's defaults for every option not given."""
    from hostpanel.domains.services import clean_account_name, lock_domain

    lock_domain(domain)
    errors: dict = {}
    name = collect(errors, clean_account_name, name)
    if name and len(name) > 40:
        add_error(errors, "name", _("A list name has at most 40 characters."))
        name = None
    if name:
        _names_free(domain, name, errors)
    cleaned = _clean_options(options, errors)
    cleaned.setdefault("prefix", f"[{name}]" if name else "")
    _check_reply_to(cleaned, errors)
    if errors:
        raise ValidationError(errors)
    return MailingList.objects.create(domain=domain, local_part=name, **cleaned)


@transaction.atomic
def update_list(mailing_list: MailingList, **options) -> MailingList:
    """Change the options given; the others stay."""
    errors: dict = {}
    cleaned = _clean_options(options, errors)
    current = {name: getattr(mailing_list, name) for name in OPTIONS}
    _check_reply_to({**current, **cleaned}, errors)
    if errors:
        raise ValidationError(errors)
    for name, value in cleaned.items():
        setattr(mailing_list, name, value)
    mailing_list.save()
    return mailing_list


def delete_list(mailing_list: MailingList) -> None:
    from hostpanel.lists import storage

    with transaction.atomic():
        folder = storage.list_folder(mailing_list)
        mailing_list.delete()
    storage.remove(folder)


# -- members ---------------------------------------------------------------------------

def _role(role: str) -> str:
    if role not in Role.values:
        raise ValidationError({"role": _("Choose one of: %(choices)s.")
                               % {"choices": ", ".join(Role.values)}})
    return role


def members(mailing_list: MailingList, role: str = Role.SUBSCRIBER, search: str = ""):
    found = mailing_list.members.filter(role=_role(role))
    return found.filter(address__icontains=search.strip().lower()) if search.strip() else found


def is_member(mailing_list: MailingList, address: str, role: str = Role.SUBSCRIBER) -> bool:
    return mailing_list.members.filter(role=role, address=address.strip().lower()).exists()


def add_member(mailing_list: MailingList, address: str, role: str = Role.SUBSCRIBER) -> Member:
    """Add ``address`` in ``role``; an address already there is an error."""
    errors: dict = {}
    role = collect(errors, _role, role)
    address = clean_address(address, "address", errors, required=True)
    if address and role and is_member(mailing_list, address, role):
        add_error(errors, "address", _("%(address)s is already on the list.")
                  % {"address": address})
    if errors:
        raise ValidationError(errors)
    return Member.objects.create(mailing_list=mailing_list, address=address, role=role)


def remove_member(mailing_list: MailingList, address: str,
                  role: str = Role.SUBSCRIBER) -> bool:
    """Whether ``address`` was there (and is now gone)."""
    deleted, _count = mailing_list.members.filter(
        role=_role(role), address=(address or "").strip().lower()).delete()
    return bool(deleted)


def import_members(mailing_list: MailingList, text: str,
                   role: str = Role.SUBSCRIBER) -> tuple[int, list[str]]:
    """Add the addresses of a CSV text (first column; a header row is skipped).

    Returns (how many were added, the lines that were not addresses). Addresses
    already on the list are left as they are. All or nothing on a database error.
    """
    role = _role(role)
    if not isinstance(text, str):
        raise ValidationError({"file": _("Upload a CSV file with one address per line.")})
    existing = set(mailing_list.members.filter(role=role).values_list("address", flat=True))
    new, bad = [], []
    for number, row in enumerate(csv.reader(io.StringIO(text)), start=1):
        if not row or not row[0].strip():
            continue
        errors: dict = {}
        address = clean_address(row[0], "address", errors)
        if errors:
            if number > 1 or "@" in row[0]:
                bad.append(row[0].strip()[:100])
            continue
        if address not in existing:
            existing.add(address)
            new.append(Member(mailing_list=mailing_list, address=address, role=role))
        if len(new) > MAX_IMPORT:
            raise ValidationError({"file": _("At most %(count)d addresses at once.")
                                   % {"count": MAX_IMPORT}})
    with transaction.atomic():
        Member.objects.bulk_create(new, batch_size=1000)
    return len(new), bad


def export_members(mailing_list: MailingList, role: str = Role.SUBSCRIBER) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["address", "added"])
    for member in members(mailing_list, role).order_by("address"):
        writer.writerow([member.address, member.created_at.date().isoformat()])
    return out.getvalue()


# -- moderation from the panel -----------------------------------------------------------

def moderate(pending, accept: bool) -> bool:
    """Accept (send to the list) or reject (tell the sender) a held post, as by mail.

    False when it was decided or expired meanwhile. Sending goes through the mail
    side (the router and the outbound queue), exactly as a moderator's reply would.
    """
    from mailcore import directory
    from mailcore.lists.moderation import decide_post
    from mailcore.routing.executor import Router

    info = directory.list_info(pending.mailing_list_id)
    if info is None:
        return False
    return decide_post(Router(directory.server_config()), info, pending.token, accept)


def one_click_member(list_id: int, cookie: str) -> tuple[MailingList, str, str] | None:
    """The list, address and role an unsubscribe link names; None when it is not valid.

    The links are made by :mod:`mailcore.lists.oneclick` for each subscriber's copy.
    """
    found = cookies.check(settings.SECRET_KEY.encode(), list_id, cookie)
    address = cookies.decode_address(found.payload) if found else None
    if found is None or address is None or found.action not in ("out", "dout"):
        return None
    mailing_list = MailingList.objects.select_related("domain").filter(
        pk=list_id, domain__is_active=True).first()
    if mailing_list is None:
        return None
    return mailing_list, address, Role.DIGEST if found.action == "dout" else Role.SUBSCRIBER
