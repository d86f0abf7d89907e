"""Who may open a domain's pages: one permission check shared by every panel view."""

from django.http import Http404

from hostpanel.domains.models import Domain


def get_domain_for_user(request, name: str) -> Domain:
    """The domain ``name`` if the logged-in account manages it; 404 otherwise.

    The same 404 for a domain that does not exist and for one managed by
    someone else, so that nobody learns which other domains are hosted here.
    """
    domain = Domain.objects.filter(name=name.lower()).first()
    if domain is None or not request.user.can_manage(domain):
        raise Http404
    return domain
