from django.shortcuts import redirect
from django.views.decorators.http import require_safe

from hostpanel.domains.access import has_domain_list
from hostpanel.domains.views import domain_list


@require_safe
def home(request):
    """Where everyone starts: each kind of login has its own first page."""
    user = request.user
    if not user.is_authenticated:
        return redirect("account_login")
    if has_domain_list(user):  # the operator, a reseller's login
        return domain_list(request)
    if user.is_postmaster:
        return redirect("dashboard:domain", user.domain.name)
    return redirect("me")
