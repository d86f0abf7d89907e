"""Per-domain mail counters, one row per day, kept up by the mail servers.

The SMTP server adds to them through :func:`mailcore.directory.count_mail`
(one ``UPDATE ... SET received = received + n`` per message and domain).
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from hostpanel.domains.models import Domain


class DailyMailCount(models.Model):
    domain = models.ForeignKey(Domain, on_delete=models.CASCADE, related_name="daily_counts",
                               verbose_name=_("domain"))
    day = models.DateField(_("day"))
    received = models.PositiveIntegerField(_("mail received"), default=0)
    spam = models.PositiveIntegerField(_("spam caught"), default=0)
    viruses = models.PositiveIntegerField(_("viruses blocked"), default=0)

    class Meta:
        ordering = ["domain", "day"]
        verbose_name = _("daily mail count")
        verbose_name_plural = _("daily mail counts")
        constraints = [
            models.UniqueConstraint(fields=["domain", "day"], name="daily_count_one_per_day"),
        ]

    def __str__(self):
        return f"{self.domain} {self.day}"
