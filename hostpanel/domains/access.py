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


def _reseller_domains(user):
    # Resellers build on the domains app; asked late so that the apps import one way.
    from hostpanel.resellers.access import reseller_domains

    return reseller_domains(user)


def managed_domains(user):
    """Every domain ``user`` manages: all for the operator, its reseller's for a
    reseller's login, its own for a postmaster, none for anyone else."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return Domain.objects.none()
    if user.is_superuser:
        return Domain.objects.all()
    if user.domain_id is None:
        return _reseller_domains(user)
    if user.is_postmaster:
        return Domain.objects.filter(pk=user.domain_id)
    return Domain.objects.none()


def has_domain_list(user) -> bool:
    """Whether ``user`` starts on a list of domains (the operator, a reseller's login)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    from hostpanel.resellers.access import reseller_of

    return user.is_superuser or reseller_of(user) is not None
