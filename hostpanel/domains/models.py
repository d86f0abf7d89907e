"""The directory: hosted domains and their accounts.

An account is both a mailbox and a panel login. ``postmaster`` is the domain's
administrator (its password is the domain's master password, as in vpopmail);
accounts without a domain are the operator's staff and resellers.
"""

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

POSTMASTER = "postmaster"


class Domain(models.Model):
    name = models.CharField(_("name"), max_length=253, unique=True)
    is_active = models.BooleanField(_("active"), default=True)
    default_quota_mb = models.PositiveIntegerField(
        _("default quota (MB)"), default=1024, help_text=_("0 means no limit.")
    )
    catch_all = models.CharField(
        _("catch-all"), max_length=320, blank=True,
        help_text=_("Where mail for unknown addresses of the domain goes; empty: refused."),
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)

    class Meta:
        ordering = ["name"]
        verbose_name = _("domain")
        verbose_name_plural = _("domains")

    def __str__(self):
        return self.name


class AccountManager(BaseUserManager):
    use_in_migrations = True

    def create_user(self, username, password=None, **fields):
        account = self.model(username=username.lower(), **fields)
        account.set_password(password)
        account.save(using=self._db)
        return account

    def create_superuser(self, username, password=None, **fields):
        fields.update(is_staff=True, is_superuser=True)
        return self.create_user(username, password, **fields)


class Account(AbstractBaseUser, PermissionsMixin):
    """A mailbox of a domain (``jane@example.com``), or an operator without one."""

    username = models.CharField(
        _("login"),
        max_length=320,
        unique=True,
        help_text=_("The full address for a mailbox; any name for an operator."),
    )
    domain = models.ForeignKey(
        Domain,
        verbose_name=_("domain"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="accounts",
    )
    local_part = models.CharField(_("account name"), max_length=64, blank=True)
    quota_mb = models.PositiveIntegerField(
        _("quota (MB)"), default=0, help_text=_("0 means no limit.")
    )
    spam_filtering = models.BooleanField(_("spam filtering"), default=True)
    is_active = models.BooleanField(_("active"), default=True)
    is_staff = models.BooleanField(_("staff"), default=False)
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    password_changed_at = models.DateTimeField(_("password changed"), null=True, blank=True)
    language = models.CharField(
        _("language"), max_length=16, blank=True, choices=settings.LANGUAGES,
        help_text=_("Of the panel and of the mail the system writes to this account. "
                    "Empty: the browser's."))

    objects = AccountManager()

    USERNAME_FIELD = "username"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        ordering = ["username"]
        verbose_name = _("account")
        verbose_name_plural = _("accounts")
        constraints = [
            models.UniqueConstraint(
                fields=["domain", "local_part"],
                condition=Q(domain__isnull=False),
                name="account_unique_local_part_per_domain",
            ),
            models.CheckConstraint(
                condition=(Q(domain__isnull=True) & Q(local_part=""))
                | (Q(domain__isnull=False) & ~Q(local_part="")),
                name="account_mailbox_has_local_part",
            ),
        ]

    def __str__(self):
        return self.username

    @property
    def address(self) -> str:
        return f"{self.local_part}@{self.domain.name}" if self.domain_id else ""

    @property
    def is_postmaster(self) -> bool:
        return self.domain_id is not None and self.local_part == POSTMASTER

    @property
    def quota_bytes(self) -> int:
        return self.quota_mb * 1024 * 1024

    def can_manage(self, domain: Domain) -> bool:
        """Whether this login administers ``domain`` (its accounts, forwards, ...)."""
        if not self.is_active:
            return False
        if self.is_superuser:
            return True
        if self.domain_id is None:  # a reseller's login manages its reseller's domains
            from hostpanel.domains.access import managed_domains

            return managed_domains(self).filter(pk=domain.pk).exists()
        return self.is_postmaster and self.domain_id == domain.pk

    def set_password(self, raw_password):
        super().set_password(raw_password)
        self.password_changed_at = timezone.now()


class DeletedMailbox(models.Model):
    """A deleted account's mail, kept aside until ``purge_after`` in case of regret."""

    address = models.CharField(_("address"), max_length=320)
    path = models.CharField(_("folder"), max_length=1024, unique=True)
    deleted_at = models.DateTimeField(_("deleted"), default=timezone.now)
    purge_after = models.DateTimeField(_("removed from disk after"), db_index=True)

    class Meta:
        ordering = ["purge_after"]
        verbose_name = _("deleted mailbox")
        verbose_name_plural = _("deleted mailboxes")

    def __str__(self):
        return self.address
