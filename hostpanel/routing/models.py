"""Where mail for an address goes, besides a plain mailbox.

An address of a domain is one of: an account (hostpanel.domains), a forward, an
autoresponder (and later a mailing list); services keep them from overlapping.
"""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hostpanel.domains.models import Account, Domain


class Forward(models.Model):
    """``info@example.com`` -> one or many local or remote addresses (alias and forward in one)."""

    domain = models.ForeignKey(Domain, on_delete=models.CASCADE, related_name="forwards",
                               verbose_name=_("domain"))
    local_part = models.CharField(_("address"), max_length=64)
    targets = models.JSONField(_("forward to"), default=list)
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)

    class Meta:
        ordering = ["domain", "local_part"]
        verbose_name = _("forward")
        verbose_name_plural = _("forwards")
        constraints = [
            models.UniqueConstraint(fields=["domain", "local_part"], name="forward_unique_address"),
        ]

    def __str__(self):
        return f"{self.local_part}@{self.domain.name}"


class Autoresponder(models.Model):
    """An address that answers every sender with a fixed message (RFC 3834 rules apply)."""

    domain = models.ForeignKey(Domain, on_delete=models.CASCADE, related_name="autoresponders",
                               verbose_name=_("domain"))
    local_part = models.CharField(_("address"), max_length=64)
    copy_to = models.CharField(_("send a copy of each message to"), max_length=320, blank=True)
    subject = models.CharField(_("subject"), max_length=200)
    message = models.TextField(_("message"))
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)

    class Meta:
        ordering = ["domain", "local_part"]
        verbose_name = _("autoresponder")
        verbose_name_plural = _("autoresponders")
        constraints = [
            models.UniqueConstraint(fields=["domain", "local_part"],
                                    name="autoresponder_unique_address"),
        ]

    def __str__(self):
        return f"{self.local_part}@{self.domain.name}"


class Routing(models.Model):
    """An account's routing (qmailadmin's 'Modify User' radio buttons) and its vacation."""

    STANDARD = "standard"
    FORWARD = "forward"
    DELETE = "delete"
    MODES = [
        (STANDARD, _("Standard (deliver to this mailbox)")),
        (FORWARD, _("Forward to other addresses")),
        (DELETE, _("Delete all mail")),
    ]

    account = models.OneToOneField(Account, on_delete=models.CASCADE, primary_key=True,
                                   related_name="routing", verbose_name=_("account"))
    mode = models.CharField(_("routing"), max_length=10, choices=MODES, default=STANDARD)
    forward_to = models.JSONField(_("forward to"), default=list, blank=True)
    save_copy = models.BooleanField(_("save a copy in this mailbox"), default=False)
    vacation_enabled = models.BooleanField(_("vacation message on"), default=False)
    vacation_subject = models.CharField(_("vacation subject"), max_length=200, blank=True)
    vacation_message = models.TextField(_("vacation message"), blank=True)
    vacation_start = models.DateField(_("from"), null=True, blank=True)
    vacation_end = models.DateField(_("until"), null=True, blank=True)

    class Meta:
        verbose_name = _("routing")
        verbose_name_plural = _("routings")

    def __str__(self):
        return f"{self.account}: {self.mode}"


class AutoReplySent(models.Model):
    """When ``responder`` last answered ``sender``: at most one reply per period (RFC 3834)."""

    responder = models.CharField(max_length=320)
    sender = models.CharField(max_length=320)
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["responder", "sender"], name="auto_reply_once"),
        ]
        indexes = [models.Index(fields=["sent_at"])]

    def __str__(self):
        return f"{self.responder} -> {self.sender}"
