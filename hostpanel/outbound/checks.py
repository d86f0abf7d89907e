"""System checks: outbound settings that would stop every delivery are reported at start."""

from django.conf import settings
from django.core import checks

from mailcore.queue.mx import parse_host_port


@checks.register(checks.Tags.compatibility)
def check_outbound_settings(app_configs=None, **kwargs):
    errors = []
    for name, check_id in (("HOSTPANEL_SMARTHOST", "outbound.E001"),
                           ("HOSTPANEL_DNS", "outbound.E002")):
        value = getattr(settings, name, "")
        if not value:
            continue
        try:
            parse_host_port(value, default_port=25)
        except ValueError:
            errors.append(checks.Error(
                f"{name} must be host:port (or [IPv6 address]:port), not {value!r}.",
                id=check_id,
            ))
    port = settings.HOSTPANEL_SMTP_DELIVERY_PORT
    if not 0 < port < 65536:
        errors.append(checks.Error(
            f"HOSTPANEL_SMTP_DELIVERY_PORT must be a port number, not {port}.", id="outbound.E003"))
    if settings.HOSTPANEL_QUEUE_LIFETIME_DAYS < 1:
        errors.append(checks.Error("HOSTPANEL_QUEUE_LIFETIME_DAYS must be at least 1.",
                                   id="outbound.E004"))
    return errors
