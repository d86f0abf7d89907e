"""The panel page where a postmaster (or an operator) makes and revokes API tokens."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from hostpanel.api import tokens
from hostpanel.api.forms import TokenCreateForm


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
    return render(request, "api/tokens.html", {
        "form": form,
        "new_token": new_token,
        "tokens": request.user.api_tokens.all(),
    })


@login_required
@require_POST
def token_revoke(request, prefix: str):
    _check_may_use_api_tokens(request)
    if not tokens.revoke_token(prefix, account=request.user):
        raise Http404
    messages.success(request, _("The token %(prefix)s was revoked.") % {"prefix": prefix})
    return redirect("apitokens:list")
