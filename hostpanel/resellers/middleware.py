"""White label: which reseller's panel a request reached, by its Host header."""

from django.http import Http404
from django.urls import reverse

from hostpanel.resellers.access import reseller_for_host


class ResellerHostMiddleware:
    """Sets ``request.reseller`` (None at the operator's own host names).

    The Host was already checked against ALLOWED_HOSTS (``get_host()`` raises
    DisallowedHost otherwise): a reseller's panel host must be listed there, as
    must any other name the panel answers to. Under a reseller's host the
    operator's administration does not exist (404), so it never shows our names.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.reseller = reseller_for_host(request.get_host())
        if request.reseller is not None and request.path.startswith(reverse("admin:index")):
            raise Http404
        return self.get_response(request)
