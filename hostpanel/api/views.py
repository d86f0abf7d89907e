"""The panel page where a postmaster (or an operator) makes and revokes API tokens."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from hostpanel.api import tokens
from hostpanel.api.forms import TokenCreateForm
from hostpanel.api.models import ApiToken
from hostpanel.lib.confirm import ask_first

PER_PAGE = 25


def _check_may_use_api_tokens(request) -> None:
    user = request.user
    if not (user.is_postmaster or user.is_superuser):
        raise Http404


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def token_list(request):
    _check_may_use_api_tokens(request)
    form = TokenCreateForm(request.POST or None, account=request.user)
    new_token = None
    if request.method == "POST" and form.is_valid():
        new_token = form.save()
        if new_token:
            form = TokenCreateForm(account=request.user)
    query = request.GET.get("q", "").strip()[:100]
    found = request.user.api_tokens.all()
    if query:
        found = found.filter(Q(name__icontains=query) | Q(prefix__icontains=query))
    page = Paginator(found, PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "api/tokens.html", {
        "form": form,
        "new_token": new_token,
        "tokens": page.object_list,
        "page": page,
        "query": query,
        "any_token": query or page.paginator.count,
    })


@login_required
@require_POST
def token_revoke(request, prefix: str):
    _check_may_use_api_tokens(request)
    if not ApiToken.objects.filter(prefix=prefix.strip().lower(), account=request.user).exists():
        raise Http404
    if question := ask_first(
            request, title=_("Revoke an API token"),
            question=_("The token %(prefix)s stops working for good as soon as you confirm.")
            % {"prefix": prefix},
            button=_("Revoke the token"), cancel_url=reverse("apitokens:list")):
        return question
    if not tokens.revoke_token(prefix, account=request.user):
        raise Http404
    messages.success(request, _("The token %(prefix)s was revoked.") % {"prefix": prefix})
    return redirect("apitokens:list")
