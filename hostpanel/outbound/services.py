"""Operations on the outbound side shared by the panel, the admin and domain creation."""

from django.utils import timezone

from hostpanel.domains.models import Domain
from hostpanel.outbound.models import DkimKey, OutboundMessage
from mailcore.queue import dkim


def new_selector() -> str:
    """Selectors carry the month they were made in, so a new key never reuses a name."""
    return timezone.now().strftime("hp%Y%m")


def create_dkim_key(domain: Domain) -> DkimKey:
    """Give ``domain`` a new 2048-bit DKIM key (replacing any it had); returns it.

    The DNS record to publish is ``key.dns_name`` TXT ``key.dns_value``.
    """
    private_pem, public_b64 = dkim.generate_key()
    key, _created = DkimKey.objects.update_or_create(
        domain=domain,
        defaults={"selector": new_selector(), "private_key": private_pem,
                  "public_key": public_b64, "created_at": timezone.now()},
    )
    return key


def queue_for_domain(domain: Domain | None = None):
    """Unfinished outbound messages (of ``domain``, or all for the operator), next first.

    Each has its recipients prefetched: state ``pending`` or ``deferred`` (with
    ``last_error``) for those still to be delivered.
    """
    messages = OutboundMessage.objects.filter(done=False)
    if domain is not None:
        messages = messages.filter(domain=domain)
    return (messages.select_related("domain").prefetch_related("recipients")
            .order_by("next_attempt_at", "created_at"))
