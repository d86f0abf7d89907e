"""A reseller's own pages; its domains' pages are the operator's, reached the same way."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from hostpanel.resellers.access import reseller_of
from hostpanel.resellers.forms import DomainCreateForm


@login_required
@require_http_methods(["GET", "POST"])
def domain_new(request):
    reseller = reseller_of(request.user)
    if reseller is None:
        raise Http404
    form = DomainCreateForm(request.POST or None, reseller=reseller)
    if request.method == "POST" and form.is_valid() and (domain := form.save()):
        messages.success(request, _("The domain %(name)s was created.") % {"name": domain.name})
        return redirect("domains:accounts", domain.name)
    return render(request, "resellers/domain_new.html", {"form": form})
