"""Operations on domains and accounts, shared by the panel, the API and commands.

Each function validates everything first and raises ``ValidationError`` with a
message per field, so that nothing is half-written on bad input.
"""

from datetime import timedelta

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from hostpanel.domains.models import POSTMASTER, Account, DeletedMailbox, Domain
from hostpanel.lib.validation import collect
from hostpanel.lists.services import list_taking
from hostpanel.outbound.services import create_dkim_key
from hostpanel.spam.services import create_spam_account, is_spam_account
from mailcore.addresses import AddressError, is_valid_local_part, normalize_domain
from mailcore.maildir import Maildir, maildir_path, remove_tree

MAX_QUOTA_MB = 10 * 1024 * 1024  # 10 TB: anything above is a typing error


def _check_password(password: str, account: Account | None = None) -> None:
    if not password:
        raise ValidationError({"password": _("A password is required.")})
    try:
        validate_password(password, account)
    except ValidationError as error:
        raise ValidationError({"password": error.messages}) from None


def _check_quota(quota_mb, field: str = "quota_mb") -> int:
    if isinstance(quota_mb, bool) or not isinstance(quota_mb, int):
        raise ValidationError({field: _("The quota is a whole number of megabytes.")})
    if quota_mb < 0 or quota_mb > MAX_QUOTA_MB:
        raise ValidationError(
            {field: _("The quota must be between 0 (no limit) and %(max)d MB.")
             % {"max": MAX_QUOTA_MB}}
        )
    return quota_mb


def _check_spam_filtering(value) -> bool:
    if not isinstance(value, bool):
        raise ValidationError({"spam_filtering": _("Spam filtering is either on or off.")})
    return value


def clean_domain_name(name: str) -> str:
    try:
        return normalize_domain(name)
    except AddressError:
        raise ValidationError(
            {"name": _("Enter a valid domain name, such as example.com.")}
        ) from None


def clean_account_name(name: str) -> str:
    name = (name or "").strip().lower()
    if not is_valid_local_part(name):
        raise ValidationError(
            {"name": _("An account name has letters, digits, dots, hyphens and "
                       "underscores, starts and ends with a letter or digit, "
                       "and is at most 64 characters long.")}
        )
    return name


def lock_domain(domain: Domain) -> None:
    """Serialize changes to the domain's address space until the transaction ends."""
    Domain.objects.select_for_update().filter(pk=domain.pk).exists()


def address_in_use(domain: Domain, name: str) -> str | None:
    """Why ``name@domain`` cannot be given to something new, or None when it is free.

    One address space per domain: an address is an account, a forward, an
    autoresponder or a mailing list's (its own or a service address), never two.
    Call it after :func:`lock_domain` in a transaction.
    """
    address = f"{name}@{domain.name}"
    if Account.objects.filter(domain=domain, local_part=name).exists():
        return _("The account %(address)s already exists.") % {"address": address}
    if domain.forwards.filter(local_part=name).exists():
        return _("%(address)s is already a forward.") % {"address": address}
    if domain.autoresponders.filter(local_part=name).exists():
        return _("%(address)s is already an autoresponder.") % {"address": address}
    mailing_list = list_taking(domain, name)
    if mailing_list is not None:
        return _("%(address)s belongs to the mailing list %(list)s.") % {
            "address": address, "list": mailing_list.address}
    return None


@transaction.atomic
def create_domain(name: str, postmaster_password: str, default_quota_mb: int | None = None):
    """Create a domain and its ``postmaster`` account with the master password."""
    errors: dict = {}
    name = collect(errors, clean_domain_name, name)
    if default_quota_mb is None:
        default_quota_mb = settings.HOSTPANEL_DEFAULT_QUOTA_MB
    collect(errors, _check_quota, default_quota_mb, "default_quota_mb")
    collect(errors, _check_password, postmaster_password)
    if name and Domain.objects.filter(name=name).exists():
        errors.setdefault("name", []).append(
            _("The domain %(name)s already exists.") % {"name": name}
        )
    if errors:
        raise ValidationError(errors)
    domain = Domain.objects.create(name=name, default_quota_mb=default_quota_mb)
    create_account(domain, POSTMASTER, postmaster_password, quota_mb=default_quota_mb)
    create_spam_account(domain)
    create_dkim_key(domain)
    return domain


@transaction.atomic
def create_account(
    domain: Domain,
    name: str,
    password: str,
    quota_mb: int | None = None,
    spam_filtering: bool = True,
) -> Account:
    """Create a mailbox; every invalid field is reported, and nothing is written."""
    lock_domain(domain)
    errors: dict = {}
    name = collect(errors, clean_account_name, name)
    quota_mb = domain.default_quota_mb if quota_mb is None else quota_mb
    collect(errors, _check_quota, quota_mb)
    collect(errors, _check_spam_filtering, spam_filtering)
    username = f"{name}@{domain.name}" if name else ""
    if name and (taken := address_in_use(domain, name)):
        errors.setdefault("name", []).append(taken)
    collect(errors, _check_password, password, Account(username=username))
    if errors:
        raise ValidationError(errors)
    account = Account(
        username=username,
        domain=domain,
        local_part=name,
        quota_mb=quota_mb,
        spam_filtering=spam_filtering,
    )
    account.set_password(password)
    account.save()
    leftover = maildir_path(settings.HOSTPANEL_MAIL_ROOT, domain.name, name)
    if leftover.exists():
        # Mail that raced with the deletion of an earlier account of this name:
        # a new account starts empty, the old mail goes where deleted mail goes.
        _set_aside(username, domain.name, name, timezone.now())
    return account


def update_account(
    account: Account,
    *,
    password: str | None = None,
    quota_mb: int | None = None,
    spam_filtering: bool | None = None,
) -> Account:
    """Change what was given; a new password also invalidates cached mail logins."""
    errors: dict = {}
    if password is not None:
        collect(errors, _check_password, password, account)
    if quota_mb is not None:
        collect(errors, _check_quota, quota_mb)
    if spam_filtering is not None:
        collect(errors, _check_spam_filtering, spam_filtering)
    if errors:
        raise ValidationError(errors)
    fields = []
    if password is not None:
        account.set_password(password)
        fields += ["password", "password_changed_at"]
    if quota_mb is not None:
        account.quota_mb = quota_mb
        fields.append("quota_mb")
    if spam_filtering is not None:
        account.spam_filtering = spam_filtering
        fields.append("spam_filtering")
    if fields:
        account.save(update_fields=fields)
    return account


def mailbox_usage(account: Account) -> int:
    """Bytes the account's mail takes on disk."""
    return Maildir(maildir_path(settings.HOSTPANEL_MAIL_ROOT, account.domain.name,
                                account.local_part)).usage()


def _set_aside(address: str, domain: str, local_part: str, now) -> DeletedMailbox:
    """Record a mailbox folder to be moved aside and removed after the grace period."""
    relative = f".deleted/{domain}/{local_part}.{now:%Y%m%dT%H%M%S%f}"
    record = DeletedMailbox.objects.create(
        address=address,
        path=relative,
        deleted_at=now,
        purge_after=now + timedelta(days=settings.HOSTPANEL_DELETE_GRACE_DAYS),
    )
    Maildir(maildir_path(settings.HOSTPANEL_MAIL_ROOT, domain, local_part)).move_to(
        settings.HOSTPANEL_MAIL_ROOT / relative
    )
    return record


def delete_account(account: Account) -> DeletedMailbox:
    """Delete an account now; its mail is set aside and removed after the grace period."""
    if account.is_postmaster:
        raise ValidationError({"name": _("The postmaster account cannot be deleted.")})
    if is_spam_account(account):
        raise ValidationError({"name": _("The domain's spam account cannot be deleted.")})
    with transaction.atomic():
        address = account.username
        account.delete()
        # Last step inside the transaction: if the move fails, nothing was deleted.
        return _set_aside(address, account.domain.name, account.local_part, timezone.now())


def purge_deleted_mailboxes(now=None) -> int:
    """Remove from disk the mail of accounts deleted longer ago than the grace period."""
    purged = 0
    for record in DeletedMailbox.objects.filter(purge_after__lte=now or timezone.now()):
        remove_tree(settings.HOSTPANEL_MAIL_ROOT / record.path)
        record.delete()
        purged += 1
    return purged
