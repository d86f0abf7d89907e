"""``/api/v1/domains/{domain}/autoresponders``: addresses that answer with a fixed message.

A postmaster reaches its own domain, an operator every domain; anyone else gets
404, as for a domain or autoresponder that does not exist.
"""

from django.http import Http404
from ninja import Query, Router, Status

from hostpanel.api.common import ERRORS, ListFilters, managed_domain, page_of
from hostpanel.api.schemas import (
    AutoresponderCreate,
    AutoresponderList,
    AutoresponderOut,
    AutoresponderUpdate,
)
from hostpanel.routing import services
from hostpanel.routing.models import Autoresponder

router = Router(tags=["autoresponders"])

PAGE_SIZE = 50


def _out(responder: Autoresponder) -> dict:
    return {"name": responder.local_part, "address": str(responder),
            "copy_to": responder.copy_to, "subject": responder.subject,
            "message": responder.message}


def _responder(request, domain: str, name: str) -> Autoresponder:
    responder = Autoresponder.objects.filter(domain=managed_domain(request, domain),
                                             local_part=name.strip().lower()).first()
    if responder is None:
        raise Http404
    return responder


@router.get("/domains/{domain}/autoresponders", response={200: AutoresponderList, **ERRORS},
            summary="List autoresponders")
def list_autoresponders(request, domain: str, filters: Query[ListFilters]):
    found = managed_domain(request, domain).autoresponders.select_related("domain")
    return page_of(found, filters, _out, page_size=PAGE_SIZE)


@router.post("/domains/{domain}/autoresponders", response={201: AutoresponderOut, **ERRORS},
             summary="Create an autoresponder")
def create_autoresponder(request, domain: str, payload: AutoresponderCreate):
    responder = services.create_autoresponder(
        managed_domain(request, domain), payload.name, payload.subject, payload.message,
        copy_to=payload.copy_to,
    )
    return Status(201, _out(responder))


@router.get("/domains/{domain}/autoresponders/{name}",
            response={200: AutoresponderOut, **ERRORS}, summary="Read an autoresponder")
def get_autoresponder(request, domain: str, name: str):
    return _out(_responder(request, domain, name))


@router.patch("/domains/{domain}/autoresponders/{name}",
              response={200: AutoresponderOut, **ERRORS}, summary="Change an autoresponder")
def update_autoresponder(request, domain: str, name: str, payload: AutoresponderUpdate):
    responder = services.update_autoresponder(_responder(request, domain, name),
                                              **payload.model_dump(exclude_unset=True))
    return _out(responder)


@router.delete("/domains/{domain}/autoresponders/{name}", response={204: None, **ERRORS},
               summary="Delete an autoresponder")
def delete_autoresponder(request, domain: str, name: str):
    services.delete_autoresponder(_responder(request, domain, name))
    return Status(204, None)
