"""Spam preferences, the spam account and caught spam: rules shared by panel, API and commands.

Preferences are plain values: ``enabled`` (bool), ``threshold`` (float),
``languages`` (ISO 639-1 codes; empty: every language), ``dnsbls`` (blocklist
zones; None sets the operator's default ones, and ``default_dnsbls`` says
which applies), ``whitelist`` and ``blacklist`` (addresses ``bob@example.com`` or whole
domains ``example.com``, which also cover their subdomains). Setters validate
every field first and write nothing when one is wrong.
"""

import secrets
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import get_language_info
from django.utils.translation import gettext as _

from hostpanel.domains.models import Account, Domain
from hostpanel.lib.validation import add_error
from hostpanel.spam.models import (
    MAX_LIST_ENTRIES,
    MAX_THRESHOLD,
    MIN_THRESHOLD,
    AccountSpamSettings,
    Blocklist,
    CaughtSpam,
    DomainSpamSettings,
    Preferences,
)
from mailcore.addresses import AddressError, normalize_domain, split_address
from mailcore.filters.spam import language, store
from mailcore.filters.spam.message import MAX_BYTES, parse
from mailcore.maildir import Maildir, StoredMessage, maildir_path
from mailcore.routing.facts import header_block

FIELDS = ("enabled", "threshold", "languages", "dnsbls", "whitelist", "blacklist")

# Languages a user can accept: those the detector names, the panel's 20 first.
LANGUAGES = tuple(language.LANGUAGES)
PANEL_LANGUAGES = LANGUAGES[:20]
_DJANGO_LANGUAGE = {"zh": "zh-hans"}


def language_choices() -> list[tuple[str, str]]:
    """``(code, name in the current language)`` for every language a user can accept."""
    return [(code, str(get_language_info(_DJANGO_LANGUAGE.get(code, code))["name_translated"]))
            for code in LANGUAGES]


def available_blocklists():
    return Blocklist.objects.filter(is_active=True)


# -- reading ---------------------------------------------------------------------------

def domain_settings(domain: Domain) -> DomainSpamSettings:
    """The domain's defaults row (made with the system defaults when missing)."""
    row, _created = DomainSpamSettings.objects.get_or_create(domain=domain)
    return row


def _values(row: Preferences) -> dict:
    if row.choose_blocklists:
        zones = [b.zone for b in row.blocklists.all() if b.is_active]
    else:
        zones = list(available_blocklists().filter(default_on=True)
                     .values_list("zone", flat=True))
    return {"threshold": row.threshold, "languages": list(row.languages), "dnsbls": zones,
            "default_dnsbls": not row.choose_blocklists,
            "whitelist": list(row.whitelist), "blacklist": list(row.blacklist)}


def domain_preferences(domain: Domain) -> dict:
    row = domain_settings(domain)
    return {"enabled": row.enabled, **_values(row)}


def account_preferences(account: Account) -> dict:
    """What filters the account's mail; ``own`` says whether it has its own preferences."""
    row = AccountSpamSettings.objects.filter(account=account).first()
    values = _values(row) if row else _values(domain_settings(account.domain))
    return {"enabled": account.spam_filtering, **values, "own": row is not None}


# -- validation ------------------------------------------------------------------------

def _clean_threshold(value, errors: dict) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        add_error(errors, "threshold", _("The threshold is a number, such as 5 or 4.5."))
        return None
    try:
        number = float(str(value).strip().replace(",", "."))
    except ValueError:
        add_error(errors, "threshold", _("The threshold is a number, such as 5 or 4.5."))
        return None
    if not MIN_THRESHOLD <= number <= MAX_THRESHOLD:
        add_error(errors, "threshold",
                  _("The threshold must be between %(low)s and %(high)s.")
                  % {"low": f"{MIN_THRESHOLD:g}", "high": f"{MAX_THRESHOLD:g}"})
        return None
    return round(number, 1)


def _string_list(value, field: str, errors: dict) -> list[str] | None:
    if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
        add_error(errors, field, _("Give a list of texts."))
        return None
    if len(value) > MAX_LIST_ENTRIES:
        add_error(errors, field, _("At most %(count)d entries.") % {"count": MAX_LIST_ENTRIES})
        return None
    return [v.strip() for v in value if v.strip()]


def _clean_languages(value, errors: dict) -> list[str] | None:
    codes = _string_list(value, "languages", errors)
    if codes is None:
        return None
    codes = [code.lower() for code in codes]
    unknown = [code for code in codes if code not in LANGUAGES]
    if unknown:
        add_error(errors, "languages", _("Unknown language code: %(codes)s.")
                  % {"codes": ", ".join(unknown[:10])})
        return None
    return list(dict.fromkeys(codes))


def _clean_dnsbls(value, errors: dict) -> list[Blocklist] | None:
    """The chosen blocklists; None (given or after an error) means the operator's default."""
    if value is None:
        return None
    zones = _string_list(value, "dnsbls", errors)
    if zones is None:
        return None
    zones = [zone.lower().rstrip(".") for zone in zones]
    found = {b.zone: b for b in available_blocklists().filter(zone__in=zones)}
    unknown = [zone for zone in zones if zone not in found]
    if unknown:
        add_error(errors, "dnsbls", _("Not a blocklist offered here: %(zones)s.")
                  % {"zones": ", ".join(unknown[:10])})
        return None
    return [found[zone] for zone in dict.fromkeys(zones)]


def clean_list_entry(entry: str) -> str:
    """``bob@example.com`` or ``example.com`` (also written ``@example.com``, ``*@example.com``).

    Raises ``ValueError`` for anything else.
    """
    entry = entry.strip().lower()
    if entry.startswith("*@"):
        entry = entry[1:]
    if "@" in entry.lstrip("@"):
        try:
            local, domain = split_address(entry)
        except AddressError:
            raise ValueError(entry) from None
        return f"{local}@{domain}"
    try:
        return normalize_domain(entry.lstrip("@"))
    except AddressError:
        raise ValueError(entry) from None


def _clean_sender_list(value, field: str, errors: dict) -> list[str] | None:
    entries = _string_list(value, field, errors)
    if entries is None:
        return None
    cleaned, bad = [], []
    for entry in entries:
        try:
            cleaned.append(clean_list_entry(entry))
        except ValueError:
            bad.append(entry)
    if bad:
        add_error(errors, field, _("Not an address or a domain: %(entries)s.")
                  % {"entries": ", ".join(bad[:10])})
        return None
    return list(dict.fromkeys(cleaned))


def _clean(fields: dict) -> dict:
    unknown = set(fields) - set(FIELDS)
    if unknown:
        raise TypeError(f"unknown spam preference: {', '.join(sorted(unknown))}")
    errors: dict = {}
    cleaned = {}
    if "enabled" in fields:
        if isinstance(fields["enabled"], bool):
            cleaned["enabled"] = fields["enabled"]
        else:
            add_error(errors, "enabled", _("Spam filtering is either on or off."))
    checks = {"threshold": lambda v: _clean_threshold(v, errors),
              "languages": lambda v: _clean_languages(v, errors),
              "dnsbls": lambda v: _clean_dnsbls(v, errors),
              "whitelist": lambda v: _clean_sender_list(v, "whitelist", errors),
              "blacklist": lambda v: _clean_sender_list(v, "blacklist", errors)}
    for name, check in checks.items():
        if name in fields:
            cleaned[name] = check(fields[name])
    if errors:
        raise ValidationError(errors)
    return cleaned


def _apply(row: Preferences, cleaned: dict) -> None:
    for name in ("threshold", "languages", "whitelist", "blacklist"):
        if name in cleaned:
            setattr(row, name, cleaned[name])
    if "dnsbls" in cleaned:
        row.choose_blocklists = cleaned["dnsbls"] is not None
    row.save()
    if "dnsbls" in cleaned:
        row.blocklists.set(cleaned["dnsbls"] or [])


def _copy_of_defaults(account: Account) -> AccountSpamSettings:
    defaults = domain_settings(account.domain)
    row = AccountSpamSettings(
        account=account, threshold=defaults.threshold, languages=list(defaults.languages),
        choose_blocklists=defaults.choose_blocklists, whitelist=list(defaults.whitelist),
        blacklist=list(defaults.blacklist))
    row.save()
    row.blocklists.set(defaults.blocklists.all())
    return row


# -- writing ---------------------------------------------------------------------------

@transaction.atomic
def set_account_preferences(account: Account, **fields) -> dict:
    """Change the given preferences of ``account`` (the others stay); returns them all."""
    cleaned = _clean(fields)
    if "enabled" in cleaned:
        account.spam_filtering = cleaned.pop("enabled")
        account.save(update_fields=["spam_filtering"])
    if cleaned:
        row = (AccountSpamSettings.objects.select_for_update().filter(account=account).first()
               or _copy_of_defaults(account))
        _apply(row, cleaned)
    return account_preferences(account)


@transaction.atomic
def set_domain_preferences(domain: Domain, **fields) -> dict:
    """Change the domain's defaults (for accounts without their own preferences)."""
    cleaned = _clean(fields)
    row = domain_settings(domain)
    if "enabled" in cleaned:
        row.enabled = cleaned.pop("enabled")
    _apply(row, cleaned)
    return domain_preferences(domain)


def reset_account_preferences(account: Account) -> dict:
    """Back to the domain's defaults."""
    AccountSpamSettings.objects.filter(account=account).delete()
    return account_preferences(account)


def add_to_whitelist(account: Account, sender: str) -> None:
    """'Not spam': the sender's mail is never spam for this account again."""
    with transaction.atomic():
        prefs = account_preferences(account)
        if sender.lower() not in prefs["whitelist"]:
            set_account_preferences(account, whitelist=[*prefs["whitelist"], sender])


# -- the spam account ------------------------------------------------------------------

def spam_account_name() -> str:
    return settings.HOSTPANEL_SPAM_ACCOUNT


def is_spam_account(account: Account) -> bool:
    return DomainSpamSettings.objects.filter(spam_account=account).exists()


def create_spam_account(domain: Domain) -> DomainSpamSettings:
    """Give ``domain`` its spam account, with a random first password kept to show once.

    Does nothing when it has one already. When the name is taken by something
    else, the account is ``spam-2``, ``spam-3``... (call inside a transaction).
    """
    from hostpanel.domains.services import address_in_use, create_account

    row = domain_settings(domain)
    if row.spam_account_id:
        return row
    base = spam_account_name()
    name, number = base, 1
    while address_in_use(domain, name):
        number += 1
        name = f"{base}-{number}"
    # 16 characters, or longer when the minimum password length asks for more.
    password = secrets.token_urlsafe(max(12, settings.HOSTPANEL_MIN_PASSWORD_LENGTH))
    account = create_account(domain, name, password, quota_mb=0, spam_filtering=False)
    row.spam_account = account
    row.initial_password = password
    row.save(update_fields=["spam_account", "initial_password"])
    return row


def provide_spam_accounts() -> int:
    """Give every domain without one its spam account (domains made before spam filtering)."""
    made = 0
    for domain in Domain.objects.exclude(spam__spam_account__isnull=False):
        with transaction.atomic():
            create_spam_account(domain)
        made += 1
    return made


def take_initial_password(domain: Domain) -> tuple[str, str] | None:
    """``(spam address, first password)`` once; None afterwards."""
    # Asked on every page that may show it: a plain read first, so that the usual answer
    # (already seen) takes no row lock and, on SQLite, no write lock on the database.
    if not (DomainSpamSettings.objects.filter(domain=domain)
            .exclude(initial_password="").exists()):
        return None
    with transaction.atomic():
        # of=self: PostgreSQL locks no row of the outer-joined (nullable) spam account.
        row = (DomainSpamSettings.objects.select_for_update(of=("self",))
               .select_related("spam_account")
               .filter(domain=domain).exclude(initial_password="").first())
        if row is None or row.spam_account is None:
            return None
        password, row.initial_password = row.initial_password, ""
        row.save(update_fields=["initial_password"])
        return row.spam_account.address, password


def spam_maildir(domain: Domain) -> Maildir | None:
    row = DomainSpamSettings.objects.select_related("spam_account").filter(domain=domain).first()
    if row is None or row.spam_account is None:
        return None
    return Maildir(maildir_path(settings.HOSTPANEL_MAIL_ROOT, domain.name,
                                row.spam_account.local_part))


# -- caught spam -----------------------------------------------------------------------

def caught_spam(domain: Domain, recipient: str | None = None):
    rows = CaughtSpam.objects.filter(domain=domain)
    return rows.filter(recipient=recipient) if recipient else rows


def _purge_maildir(maildir: Maildir, cutoff: float) -> int:
    old = []
    for message in maildir.messages():
        try:
            if message.path.stat().st_mtime < cutoff:
                old.append(message)
        except FileNotFoundError:
            continue
    maildir.remove(old)
    return len(old)


def purge_caught_spam(now=None) -> int:
    """Delete the spam accounts' mail older than HOSTPANEL_SPAM_DAYS; returns messages removed."""
    cutoff = (now or timezone.now()) - timedelta(days=settings.HOSTPANEL_SPAM_DAYS)
    removed = 0
    for row in DomainSpamSettings.objects.select_related("domain", "spam_account") \
            .exclude(spam_account=None):
        folder = maildir_path(settings.HOSTPANEL_MAIL_ROOT, row.domain.name,
                              row.spam_account.local_part)
        removed += _purge_maildir(Maildir(folder), cutoff.timestamp())
    CaughtSpam.objects.filter(created_at__lt=cutoff).delete()
    return removed


# -- learning and 'not spam' -----------------------------------------------------------

def learn_message(domain: Domain, raw: bytes, is_spam: bool) -> None:
    """Teach the domain's classifier one message a user marked as spam or as not spam."""
    parsed = parse(raw[:MAX_BYTES])
    store.update(Path(settings.HOSTPANEL_SPAM_MODELS), domain.name,
                 lambda model: model.learn(parsed, is_spam) or 1)


def _caught_message(caught: CaughtSpam) -> tuple[Maildir, StoredMessage] | None:
    """The spam account and the caught message in it (``new/`` or, once read, ``cur/``)."""
    box = spam_maildir(caught.domain)
    if box is None or not caught.filename:
        return None
    found = next((m for m in box.messages() if m.uid == caught.filename), None)
    return (box, found) if found else None


def _as_received(stored: bytes) -> bytes:
    """The caught copy (LF, as stored) without the lines that filed it as spam, in CRLF.

    Those are the first lines (Delivered-To for the spam account, X-Original-To)
    and an X-Spam-Flag in the header.
    """
    head = header_block(stored)
    lines = [line for line in head.split(b"\n")[:-1]
             if not line.lower().startswith(b"x-spam-flag:")]
    while lines and lines[0].lower().startswith((b"delivered-to:", b"x-original-to:")):
        lines.pop(0)
    return b"\r\n".join(line.rstrip(b"\r") for line in lines + stored[len(head):].split(b"\n"))


def not_spam(caught: CaughtSpam) -> None:
    """Deliver a caught message to its original recipient after all, whitelist its sender
    for that recipient (when an account), teach the domain's classifier, and drop the copy.

    Raises ``ValidationError`` when the message is gone or the recipient no longer exists.
    """
    from mailcore import directory
    from mailcore.routing.executor import Router

    found = _caught_message(caught)
    if found is None:
        raise ValidationError(_("This message is no longer in the spam account."))
    box, stored_message = found
    stored = stored_message.path.read_bytes()
    route = directory.find_route(caught.recipient)
    if route is None:
        raise ValidationError(_("%(address)s no longer exists.") % {"address": caught.recipient})
    message = _as_received(stored)
    outcome = Router(directory.server_config()).route(
        message, caught.sender, [(caught.recipient, route)], origin="forward",
        domain=caught.domain.name)
    if outcome.refused:
        raise ValidationError(_("The message could not be delivered: %(reason)s.")
                              % {"reason": outcome.refused})
    account = Account.objects.filter(username=caught.recipient).first()
    if account is not None and caught.sender:
        try:
            add_to_whitelist(account, caught.sender)
        except ValidationError:
            pass  # a sender that is no address (or a full list): delivered all the same
    learn_message(caught.domain, stored, is_spam=False)
    box.remove([stored_message])
    caught.delete()
