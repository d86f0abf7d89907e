"""The postmaster's email control panel and the mail user's self-service page."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from hostpanel.domains import services
from hostpanel.domains.access import get_domain_for_user, has_domain_list, managed_domains
from hostpanel.domains.forms import AccountCreateForm, AccountUpdateForm, ChangeOwnPasswordForm
from hostpanel.domains.models import Account, Domain
from hostpanel.routing.forms import RoutingForm
from hostpanel.spam.views import initial_password_notice

ACCOUNTS_PER_PAGE = 25


def _get_account(domain: Domain, name: str) -> Account:
    account = Account.objects.filter(domain=domain, local_part=name.lower()).first()
    if account is None:
        raise Http404
    return account


def _save_together(*forms) -> bool:
    """Save every bound form or none of them; the errors of all are shown at once."""
    forms = [form for form in forms if form.is_bound]
    valid = [form.is_valid() for form in forms]
    with transaction.atomic():
        saved = [ok and form.save() is not None for ok, form in zip(valid, forms, strict=True)]
        if all(saved):
            return True
        transaction.set_rollback(True)
    return False


def _accounts_url(domain: Domain) -> str:
    return reverse("domains:accounts", args=[domain.name])


@login_required
@require_safe
def accounts(request, domain_name: str):
    domain = get_domain_for_user(request, domain_name)
    query = request.GET.get("q", "").strip()
    found = domain.accounts.select_related("domain", "routing").order_by("local_part")
    if query:
        found = found.filter(local_part__icontains=query.lower())
    page = Paginator(found, ACCOUNTS_PER_PAGE).get_page(request.GET.get("page"))
    # The routing fetched with each account, None without one: a missing row looked up
    # in the template would cost a dir() of the account per field (Django's lookup rules).
    rows = [(account, services.mailbox_usage(account), getattr(account, "routing", None))
            for account in page.object_list]
    return render(request, "domains/accounts.html", {
        "domain": domain, "page": page, "rows": rows, "query": query,
        "spam_password": initial_password_notice(request, domain),
    })


@login_required
@require_http_methods(["GET", "POST"])
def account_new(request, domain_name: str):
    domain = get_domain_for_user(request, domain_name)
    form = AccountCreateForm(request.POST or None, domain=domain)
    if request.method == "POST" and form.is_valid() and (account := form.save()):
        messages.success(request, _("The account %(address)s was created.")
                         % {"address": account.address})
        return redirect(_accounts_url(domain))
    return render(request, "domains/account_new.html", {"domain": domain, "form": form})


@login_required
@require_http_methods(["GET", "POST"])
def account_edit(request, domain_name: str, name: str):
    domain = get_domain_for_user(request, domain_name)
    account = _get_account(domain, name)
    form = AccountUpdateForm(request.POST or None, account=account)
    # A client that sends no routing (no ``mode``) leaves it as it is.
    routing_form = RoutingForm(request.POST if "mode" in request.POST else None, account=account)
    if request.method == "POST" and _save_together(form, routing_form):
        if account.pk == request.user.pk:
            update_session_auth_hash(request, account)  # stay logged in
        messages.success(request, _("The account %(address)s was changed.")
                         % {"address": account.address})
        return redirect(_accounts_url(domain))
    return render(request, "domains/account_edit.html",
                  {"domain": domain, "account": account, "form": form,
                   "routing_form": routing_form})


@login_required
@require_http_methods(["GET", "POST"])
def account_delete(request, domain_name: str, name: str):
    domain = get_domain_for_user(request, domain_name)
    account = _get_account(domain, name)
    if request.method == "POST":
        address = account.address
        try:
            services.delete_account(account)
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("The account %(address)s was deleted.")
                             % {"address": address})
        return redirect(_accounts_url(domain))
    return render(request, "domains/account_delete.html", {
        "domain": domain, "account": account,
        "grace_days": settings.HOSTPANEL_DELETE_GRACE_DAYS,
    })


@login_required
@require_http_methods(["GET", "POST"])
def me(request):
    """Self-service: the logged-in account's address, quota use, password, routing, vacation.

    Two forms on one page; the routing form says so with ``form=routing``.
    """
    account = request.user
    posted = request.POST if request.method == "POST" else None
    routing_posted = posted is not None and posted.get("form") == "routing"
    form = ChangeOwnPasswordForm(None if routing_posted else posted, account=account)
    routing_form = None
    if account.domain_id:
        routing_form = RoutingForm(posted if routing_posted else None, account=account)
    if routing_posted and routing_form is not None:
        if routing_form.is_valid() and routing_form.save():
            messages.success(request, _("Your routing and vacation settings were saved."))
            return redirect("me")
    elif posted is not None and form.is_valid() and form.save():
        update_session_auth_hash(request, account)
        messages.success(request, _("Your password was changed."))
        return redirect("me")
    usage = services.mailbox_usage(account) if account.domain_id else None
    return render(request, "domains/me.html", {
        "account": account, "usage": usage, "form": form, "routing_form": routing_form,
    })


def domain_list(request):
    """The start page of the operator (every domain) and of a reseller's login (its own)."""
    if not has_domain_list(request.user):
        raise Http404
    query = request.GET.get("q", "").strip()[:255]
    found = managed_domains(request.user).order_by("name")
    if query:
        found = found.filter(name__icontains=query.lower())
    page = Paginator(found, 100).get_page(request.GET.get("page"))
    return render(request, "domains/domain_list.html", {"page": page, "query": query})
