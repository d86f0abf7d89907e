"""``/api/v1/domains/{domain}/forwards``: forwards and aliases, for the domain's managers.

A postmaster reaches its own domain, an operator every domain; anyone else gets
404, as for a domain or forward that does not exist.
"""

from django.http import Http404
from ninja import Query, Router, Status

from hostpanel.api.common import ERRORS, ListFilters, managed_domain, page_of
from hostpanel.api.schemas import ForwardCreate, ForwardList, ForwardOut, ForwardUpdate
from hostpanel.routing import services
from hostpanel.routing.models import Forward

router = Router(tags=["forwards"])

PAGE_SIZE = 50


def _out(forward: Forward) -> dict:
    return {"name": forward.local_part, "address": str(forward), "targets": forward.targets}


def _forward(request, domain: str, name: str) -> Forward:
    forward = Forward.objects.filter(domain=managed_domain(request, domain),
                                     local_part=name.strip().lower()).first()
    if forward is None:
        raise Http404
    return forward


@router.get("/domains/{domain}/forwards", response={200: ForwardList, **ERRORS},
            summary="List forwards")
def list_forwards(request, domain: str, filters: Query[ListFilters]):
    found = managed_domain(request, domain).forwards.select_related("domain")
    return page_of(found, filters, _out, page_size=PAGE_SIZE)


@router.post("/domains/{domain}/forwards", response={201: ForwardOut, **ERRORS},
             summary="Create a forward")
def create_forward(request, domain: str, payload: ForwardCreate):
    forward = services.create_forward(managed_domain(request, domain), payload.name,
                                      payload.targets)
    return Status(201, _out(forward))


@router.get("/domains/{domain}/forwards/{name}", response={200: ForwardOut, **ERRORS},
            summary="Read a forward")
def get_forward(request, domain: str, name: str):
    return _out(_forward(request, domain, name))


@router.patch("/domains/{domain}/forwards/{name}", response={200: ForwardOut, **ERRORS},
              summary="Replace a forward's targets")
def update_forward(request, domain: str, name: str, payload: ForwardUpdate):
    forward = services.update_forward(_forward(request, domain, name), payload.targets)
    return _out(forward)


@router.delete("/domains/{domain}/forwards/{name}", response={204: None, **ERRORS},
               summary="Delete a forward")
def delete_forward(request, domain: str, name: str):
    services.delete_forward(_forward(request, domain, name))
    return Status(204, None)
