"""The outbound queue's records and the domains' DKIM keys.

The spool file (under HOSTPANEL_SPOOL) holds the message; these rows hold the
envelope and each recipient's state. Both are written, and made durable, before
the SMTP client that handed the message over gets its 250.
"""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hostpanel.domains.models import Domain


class DkimKey(models.Model):
    domain = models.OneToOneField(Domain, on_delete=models.CASCADE, related_name="dkim_key",
                                  verbose_name=_("domain"))
    selector = models.CharField(_("selector"), max_length=63)
    private_key = models.TextField(_("private key (PEM)"))
    public_key = models.TextField(_("public key (base64 DER)"))
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("DKIM key")
        verbose_name_plural = _("DKIM keys")

    def __str__(self):
        return self.dns_name

    @property
    def dns_name(self) -> str:
        return f"{self.selector}._domainkey.{self.domain.name}"

    @property
    def dns_value(self) -> str:
        return f"v=DKIM1; k=rsa; p={self.public_key}"


class OutboundMessage(models.Model):
    SUBMISSION = "submission"
    FORWARD = "forward"
    AUTOREPLY = "autoreply"
    BOUNCE = "bounce"
    LIST = "list"
    ORIGINS = [
        (SUBMISSION, _("sent by a user")),
        (FORWARD, _("forwarded")),
        (AUTOREPLY, _("automatic reply")),
        (BOUNCE, _("delivery status notice")),
        (LIST, _("mailing list")),
    ]

    queue_id = models.CharField(_("queue id"), max_length=64, primary_key=True)
    domain = models.ForeignKey(Domain, null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="outbound", verbose_name=_("domain"))
    origin = models.CharField(_("origin"), max_length=12, choices=ORIGINS)
    sender = models.CharField(_("envelope sender"), max_length=320, blank=True)
    size = models.PositiveIntegerField(_("size"))
    created_at = models.DateTimeField(_("queued"), default=timezone.now)
    next_attempt_at = models.DateTimeField(_("next attempt"), default=timezone.now,
                                           db_index=True)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    expires_at = models.DateTimeField(_("gives up after"))
    done = models.BooleanField(_("finished"), default=False, db_index=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("queued message")
        verbose_name_plural = _("queued messages")

    def __str__(self):
        return self.queue_id


class OutboundRecipient(models.Model):
    PENDING = "pending"
    DEFERRED = "deferred"
    DELIVERED = "delivered"
    FAILED = "failed"
    STATES = [
        (PENDING, _("pending")),
        (DEFERRED, _("deferred")),
        (DELIVERED, _("delivered")),
        (FAILED, _("failed")),
    ]

    message = models.ForeignKey(OutboundMessage, on_delete=models.CASCADE,
                                related_name="recipients")
    address = models.CharField(_("recipient"), max_length=320)
    state = models.CharField(_("state"), max_length=10, choices=STATES, default=PENDING)
    last_error = models.TextField(_("last error"), blank=True)
    updated_at = models.DateTimeField(_("updated"), default=timezone.now)

    class Meta:
        ordering = ["message", "address"]
        verbose_name = _("queued recipient")
        verbose_name_plural = _("queued recipients")

    def __str__(self):
        return f"{self.address} ({self.state})"
