"""The beat heartbeat: one row per name, the time a periodic task last ran."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

BEAT = "beat"


class Heartbeat(models.Model):
    name = models.CharField(_("name"), max_length=50, primary_key=True)
    at = models.DateTimeField(_("last run"), default=timezone.now)

    class Meta:
        verbose_name = _("heartbeat")
        verbose_name_plural = _("heartbeats")

    def __str__(self):
        return f"{self.name} {self.at:%Y-%m-%d %H:%M:%S}"

    @classmethod
    def beat(cls, now=None) -> "Heartbeat":
        """Record that the beat schedule reached a worker just now."""
        row, _ = cls.objects.update_or_create(pk=BEAT, defaults={"at": now or timezone.now()})
        return row
