"""What every API router shares: who manages a domain, list filters, paging, error shapes."""

from django.core.paginator import EmptyPage, Paginator
from django.http import Http404
from ninja import Field, Schema

from hostpanel.api.schemas import Detail, Errors
from hostpanel.domains.models import Domain

ERRORS = {400: Errors, 401: Detail, 403: Detail, 404: Detail, 429: Detail}


class ListFilters(Schema):
    page: int = Field(1, ge=1)
    search: str = Field("", description="Part of the name (the part before the @).")


def find_domain(name: str) -> Domain | None:
    return Domain.objects.filter(name=name.strip().lower()).first()


def managed_domain(request, name: str) -> Domain:
    """The domain if the caller manages it; 404 otherwise (as for a domain not hosted here)."""
    domain = find_domain(name)
    if domain is None or not request.auth.can_manage(domain):
        raise Http404
    return domain


def page_of(found, filters: ListFilters, out, page_size: int) -> dict:
    """One page of ``found`` (searched by local part), each item shaped by ``out``."""
    if filters.search.strip():
        found = found.filter(local_part__icontains=filters.search.strip().lower())
    paginator = Paginator(found.order_by("local_part"), page_size)
    try:
        items = [out(item) for item in paginator.page(filters.page).object_list]
    except EmptyPage:
        items = []
    return {"items": items, "count": paginator.count, "page": filters.page,
            "pages": paginator.num_pages}
