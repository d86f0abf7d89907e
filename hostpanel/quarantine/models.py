"""Records of quarantined messages; the files live under HOSTPANEL_QUARANTINE.

One entry (``entry_id``) is one message file ``<entry_id>.eml`` and its
envelope ``<entry_id>.json``; it has a row per hosted domain involved (each
local recipient's, and the sender's for an authenticated submission), so each
postmaster sees and deletes their own row. The files go with the last row.
"""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hostpanel.domains.models import Domain


class QuarantinedMessage(models.Model):
    domain = models.ForeignKey(Domain, on_delete=models.CASCADE, null=True, blank=True,
                               related_name="quarantined_messages", verbose_name=_("domain"))
    entry_id = models.CharField(_("entry"), max_length=64, db_index=True)
    sender = models.CharField(_("sender"), max_length=320, blank=True)
    recipients = models.JSONField(_("recipients"), default=list)
    virus = models.CharField(_("virus"), max_length=200)
    client_ip = models.CharField(_("client IP"), max_length=64, blank=True)
    size = models.PositiveIntegerField(_("size"), default=0)
    path = models.CharField(_("message file"), max_length=500)
    created_at = models.DateTimeField(_("quarantined"), default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("quarantined message")
        verbose_name_plural = _("quarantined messages")

    def __str__(self):
        return f"{self.virus} from <{self.sender}>"


class ScannerStatus(models.Model):
    """The last definitions refresh (one row): freshclam's outcome, clamd's RELOAD and VERSION."""

    checked_at = models.DateTimeField(_("checked"), default=timezone.now)
    freshclam_ran = models.BooleanField(_("freshclam ran"), default=False)
    freshclam_ok = models.BooleanField(_("freshclam succeeded"), default=False)
    freshclam_output = models.TextField(_("freshclam output"), blank=True)
    reload_ok = models.BooleanField(_("clamd reloaded"), default=False)
    reload_answer = models.CharField(_("clamd's answer to RELOAD"), max_length=500, blank=True)
    version = models.CharField(_("clamd version"), max_length=200, blank=True)
    definitions_version = models.CharField(_("definitions version"), max_length=50,
                                           blank=True)
    definitions_date = models.DateTimeField(_("definitions date"), null=True, blank=True)

    class Meta:
        verbose_name = _("virus scanner status")
        verbose_name_plural = _("virus scanner status")

    def __str__(self):
        return self.version or str(_("unknown"))
