"""What the panel shows of the outbound side: a domain's queue and its DKIM record.

The queue and the keys belong to hostpanel.outbound (and mailcore.queue); these
functions only shape them for the templates, through hostpanel.outbound.services.
"""

from dataclasses import dataclass

from django.db.models import Q

from hostpanel.domains.models import Domain
from hostpanel.outbound import services as outbound
from hostpanel.outbound.models import DkimKey, OutboundMessage, OutboundRecipient

TXT_STRING_LIMIT = 255  # one character-string of a DNS TXT record (RFC 1035)


def waiting_messages(domain: Domain, query: str = ""):
    """The domain's messages still to be delivered, the next to be tried first; with
    ``query``, those whose sender or a recipient contains it."""
    found = outbound.queue_for_domain(domain)
    if query:
        found = found.filter(Q(sender__icontains=query)
                             | Q(recipients__address__icontains=query)).distinct()
    return found


@dataclass(frozen=True)
class QueueRow:
    message: OutboundMessage
    recipients: list[OutboundRecipient]
    waiting: int  # recipients still pending or deferred


def rows(messages) -> list[QueueRow]:
    """Each message of a page with its recipients, in address order."""
    waiting_states = {OutboundRecipient.PENDING, OutboundRecipient.DEFERRED}
    result = []
    for message in messages:
        recipients = sorted(message.recipients.all(), key=lambda r: r.address)
        result.append(QueueRow(message, recipients,
                               sum(r.state in waiting_states for r in recipients)))
    return result


@dataclass(frozen=True)
class DkimRecord:
    name: str
    value: str
    selector: str

    @property
    def zone_line(self) -> str:
        """The record as a zone-file line, its value cut into 255-character strings."""
        chunks = [self.value[i:i + TXT_STRING_LIMIT]
                  for i in range(0, len(self.value), TXT_STRING_LIMIT)]
        quoted = " ".join(f'"{chunk}"' for chunk in chunks)
        return f"{self.name}. IN TXT ( {quoted} )"


def dkim_record(domain: Domain) -> DkimRecord | None:
    """The TXT record to publish for the domain's DKIM key; None while it has no key."""
    key = DkimKey.objects.filter(domain=domain).select_related("domain").first()
    if key is None:
        return None
    return DkimRecord(name=key.dns_name, value=key.dns_value, selector=key.selector)


def create_dkim_key(domain: Domain) -> DkimRecord:
    """Give a domain that has none its DKIM key; an existing key is never replaced here
    (a new key breaks signatures until its DNS record is published)."""
    if dkim_record(domain) is None:
        outbound.create_dkim_key(domain)
    return dkim_record(domain)
