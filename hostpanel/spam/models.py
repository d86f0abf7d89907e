"""Spam preferences, the operator's blocklists, and the record of caught spam.

Preferences exist at two levels: a domain's defaults (set by its postmaster)
and an account's own (set by the user or the postmaster). An account without
its own row is filtered with its domain's defaults; saving its own starts from
a copy of them. Whether an account is filtered at all is
``Account.spam_filtering``; the domain's ``enabled`` is what new accounts get.

Caught spam goes to the domain's spam account (``spam@domain``, created with the
domain): one Maildir file per original recipient, with a :class:`CaughtSpam`
row that keeps the recipient, so that 'not spam' can deliver it there later.
"""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hostpanel.domains.models import Account, Domain

DEFAULT_THRESHOLD = 5.0
MIN_THRESHOLD = -10.0
MAX_THRESHOLD = 100.0
MAX_LIST_ENTRIES = 1000  # per whitelist or blacklist


class Blocklist(models.Model):
    """A DNS blocklist the operator offers (``zen.spamhaus.org``), with the points it adds."""

    zone = models.CharField(_("zone"), max_length=253, unique=True)
    score = models.FloatField(_("score"), default=3.0,
                              help_text=_("Points added when the sender's address is listed."))
    description = models.CharField(_("description"), max_length=200, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    default_on = models.BooleanField(
        _("consulted by default"), default=True,
        help_text=_("Used for accounts and domains that have not chosen their blocklists."))

    class Meta:
        ordering = ["zone"]
        verbose_name = _("DNS blocklist")
        verbose_name_plural = _("DNS blocklists")

    def __str__(self):
        return self.zone

    def clean(self):
        """A DNS zone name (stored in lower case) and a score a message can carry."""
        from django.core.exceptions import ValidationError

        from mailcore.addresses import AddressError, normalize_domain

        errors = {}
        try:
            self.zone = normalize_domain((self.zone or "").strip().rstrip("."))
        except AddressError:
            errors["zone"] = _("Enter a DNS zone, such as zen.spamhaus.org.")
        if self.score is not None and not -100 <= self.score <= 100:
            errors["score"] = _("The score must be between -100 and 100.")
        if errors:
            raise ValidationError(errors)


class Preferences(models.Model):
    threshold = models.FloatField(
        _("sensitivity threshold"), default=DEFAULT_THRESHOLD,
        help_text=_("Mail scoring this many points or more is spam. Lower catches more."))
    languages = models.JSONField(
        _("accepted languages"), default=list, blank=True,
        help_text=_("Language codes; mail in another language counts as spam. Empty: all."))
    choose_blocklists = models.BooleanField(
        _("own choice of blocklists"), default=False,
        help_text=_("Off: the blocklists the operator consults by default."))
    blocklists = models.ManyToManyField(Blocklist, blank=True, related_name="+",
                                        verbose_name=_("blocklists"))
    whitelist = models.JSONField(
        _("whitelist"), default=list, blank=True,
        help_text=_("Addresses or whole domains whose mail is never spam."))
    blacklist = models.JSONField(
        _("blacklist"), default=list, blank=True,
        help_text=_("Addresses or whole domains whose mail is always spam."))
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        abstract = True


class DomainSpamSettings(Preferences):
    """A domain's defaults, and its spam account."""

    domain = models.OneToOneField(Domain, on_delete=models.CASCADE, related_name="spam",
                                  verbose_name=_("domain"))
    enabled = models.BooleanField(_("filter new accounts"), default=True)
    spam_account = models.OneToOneField(
        Account, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("spam account"))
    # The spam account's first password, until the postmaster has seen it once.
    initial_password = models.CharField(max_length=128, blank=True, editable=False)

    class Meta:
        verbose_name = _("domain spam settings")
        verbose_name_plural = _("domain spam settings")

    def __str__(self):
        return str(self.domain)


class AccountSpamSettings(Preferences):
    account = models.OneToOneField(Account, on_delete=models.CASCADE, related_name="spam",
                                   verbose_name=_("account"))

    class Meta:
        verbose_name = _("account spam preferences")
        verbose_name_plural = _("account spam preferences")

    def __str__(self):
        return str(self.account)


class CaughtSpam(models.Model):
    """A message held in the domain's spam account instead of a recipient's inbox."""

    domain = models.ForeignKey(Domain, on_delete=models.CASCADE, related_name="caught_spam",
                               verbose_name=_("domain"))
    recipient = models.CharField(_("original recipient"), max_length=320, db_index=True)
    sender = models.CharField(_("sender"), max_length=320, blank=True)
    subject = models.CharField(_("subject"), max_length=500, blank=True)
    score = models.FloatField(_("score"))
    rules = models.CharField(_("rules"), max_length=2000, blank=True)
    filename = models.CharField(_("message file"), max_length=255)
    size = models.PositiveIntegerField(_("size"), default=0)
    created_at = models.DateTimeField(_("caught"), default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("caught spam")
        verbose_name_plural = _("caught spam")

    def __str__(self):
        return f"{self.score:.1f} for <{self.recipient}>"
