"""``/api/v1/domains/{domain}/quarantine``: the domain's quarantined (infected) messages.

A postmaster reaches its own domain, an operator every domain; anyone else gets
404, as for a domain or entry that does not exist. Releasing a message is not
offered here: it is the operator's (Django admin), after a rescan.
"""

from datetime import datetime

from django.core.paginator import EmptyPage, Paginator
from django.http import Http404
from ninja import Field, Query, Router, Schema, Status

from hostpanel.api.common import ERRORS, managed_domain
from hostpanel.quarantine import services
from hostpanel.quarantine.models import QuarantinedMessage
from hostpanel.quarantine.views import raw_response

router = Router(tags=["quarantine"])

PAGE_SIZE = 50


class QuarantineOut(Schema):
    id: int
    created_at: datetime
    sender: str = Field(..., description="Envelope sender ('' for the null sender).")
    recipients: list[str]
    virus: str
    client_ip: str
    size: int


class QuarantineList(Schema):
    items: list[QuarantineOut]
    count: int
    page: int
    pages: int


class QuarantineFilters(Schema):
    page: int = Field(1, ge=1)


def _out(entry: QuarantinedMessage) -> dict:
    return {"id": entry.pk, "created_at": entry.created_at, "sender": entry.sender,
            "recipients": list(entry.recipients), "virus": entry.virus,
            "client_ip": entry.client_ip, "size": entry.size}


def _entry(request, domain: str, entry_id: int) -> QuarantinedMessage:
    entry = QuarantinedMessage.objects.filter(domain=managed_domain(request, domain),
                                              pk=entry_id).first()
    if entry is None:
        raise Http404
    return entry


@router.get("/domains/{domain}/quarantine", response={200: QuarantineList, **ERRORS},
            summary="List quarantined messages")
def list_quarantine(request, domain: str, filters: Query[QuarantineFilters]):
    found = managed_domain(request, domain).quarantined_messages.all()
    paginator = Paginator(found, PAGE_SIZE)
    try:
        items = [_out(entry) for entry in paginator.page(filters.page).object_list]
    except EmptyPage:
        items = []
    return {"items": items, "count": paginator.count, "page": filters.page,
            "pages": paginator.num_pages}


@router.get("/domains/{domain}/quarantine/{entry_id}", response={200: QuarantineOut, **ERRORS},
            summary="Read a quarantined message's envelope")
def get_quarantined(request, domain: str, entry_id: int):
    return _out(_entry(request, domain, entry_id))


@router.get("/domains/{domain}/quarantine/{entry_id}/raw", response=ERRORS,
            summary="Download a quarantined message",
            openapi_extra={"responses": {200: {
                "description": "The message as received (message/rfc822), as an attachment.",
                "content": {"message/rfc822": {"schema": {"type": "string",
                                                          "format": "binary"}}}}}})
def get_quarantined_raw(request, domain: str, entry_id: int):
    return raw_response(_entry(request, domain, entry_id))


@router.delete("/domains/{domain}/quarantine/{entry_id}", response={204: None, **ERRORS},
               summary="Delete a quarantined message")
def delete_quarantined(request, domain: str, entry_id: int):
    services.delete_entry(_entry(request, domain, entry_id))
    return Status(204, None)
