"""Spam preferences pages: a domain's defaults, one account's, the user's own; caught spam.

Domain pages go through get_domain_for_user (404 for a domain the logged-in
account does not manage, as for one that does not exist); ``/me/spam/`` only
ever shows the logged-in account.
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from hostpanel.domains.access import get_domain_for_user
from hostpanel.domains.models import Account, Domain
from hostpanel.lib.confirm import ask_first
from hostpanel.spam import services
from hostpanel.spam.forms import PreferencesForm
from hostpanel.spam.models import AccountSpamSettings

PER_PAGE = 25


def initial_password_notice(request, domain: Domain) -> dict | None:
    """The spam account's first password, for its domain's postmaster, once.

    ``{"address", "password", "name"}`` (name: the part before the @) the first
    time the postmaster is shown a page that displays it; None afterwards, and
    always None for anyone else (an operator looking at the domain must not use
    it up). For any page that includes ``spam/_password_notice.html``.
    """
    user = request.user
    if request.method == "HEAD" or not (user.is_postmaster and user.domain_id == domain.pk):
        return None
    taken = services.take_initial_password(domain)
    if taken is None:
        return None
    address, password = taken
    return {"address": address, "password": password, "name": address.partition("@")[0]}


def _get_account(domain: Domain, name: str) -> Account:
    account = Account.objects.filter(domain=domain, local_part=name.lower()).first()
    if account is None:
        raise Http404
    return account


def _spam_address(domain: Domain) -> str:
    row = services.domain_settings(domain)
    return row.spam_account.address if row.spam_account_id else ""


def _domain_context(request, domain: Domain) -> dict:
    return {"domain": domain, "spam_address": _spam_address(domain),
            "days": settings.HOSTPANEL_SPAM_DAYS,
            "spam_password": initial_password_notice(request, domain)}


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def domain_spam(request, domain_name: str):
    """The domain's defaults, and the accounts that have preferences of their own."""
    domain = get_domain_for_user(request, domain_name)
    form = PreferencesForm(request.POST or None, domain=domain)
    if request.method == "POST" and form.is_valid() and form.save() is not None:
        messages.success(request, _("The spam preferences of %(domain)s were saved.")
                         % {"domain": domain.name})
        return redirect(reverse("spam:domain", args=[domain.name]))
    own = (AccountSpamSettings.objects.filter(account__domain=domain)
           .select_related("account__domain").order_by("account__local_part"))
    query = request.GET.get("q", "").strip()[:320]
    if query:
        own = own.filter(account__local_part__icontains=query.lower().split("@")[0])
    return render(request, "spam/domain.html", {
        **_domain_context(request, domain), "form": form, "query": query,
        "own": Paginator(own, PER_PAGE).get_page(request.GET.get("page")),
    })


@login_required
@require_safe
def caught(request, domain_name: str):
    """The spam mailbox's contents: what was caught, for whom, and why."""
    domain = get_domain_for_user(request, domain_name)
    query = request.GET.get("q", "").strip()[:320]
    found = services.caught_spam(domain)
    if query:
        found = found.filter(Q(recipient__icontains=query) | Q(sender__icontains=query))
    page = Paginator(found, PER_PAGE).get_page(request.GET.get("page"))
    rows = [(entry, [rule for rule in entry.rules.split(",") if rule])
            for entry in page.object_list]
    return render(request, "spam/caught.html", {**_domain_context(request, domain),
                                                "page": page, "rows": rows, "query": query})


@login_required
@require_POST
def not_spam(request, domain_name: str, entry_id: int):
    """Deliver a caught message to its recipient after all (and learn from it)."""
    domain = get_domain_for_user(request, domain_name)
    entry = services.caught_spam(domain).filter(pk=entry_id).first()
    if entry is None:
        raise Http404
    try:
        services.not_spam(entry)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The message was delivered to %(address)s, and its sender "
                                    "added to their whitelist.") % {"address": entry.recipient})
    return redirect("spam:caught", domain.name)


def _preferences_page(request, account: Account, template: str, done_url: str, extra: dict,
                      saved: str):
    """One account's preferences form (the user's own, or the postmaster's view of it)."""
    spam_mailbox = services.is_spam_account(account)
    form = None if spam_mailbox else PreferencesForm(request.POST or None, account=account)
    if (request.method == "POST" and form is not None and form.is_valid()
            and form.save() is not None):
        messages.success(request, saved)
        return redirect(done_url)
    return render(request, template, {
        **extra, "account": account, "form": form, "spam_mailbox": spam_mailbox,
        "own": form.current["own"] if form is not None else False,
    })


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def account_spam(request, domain_name: str, name: str):
    domain = get_domain_for_user(request, domain_name)
    account = _get_account(domain, name)
    url = reverse("spam:account", args=[domain.name, account.local_part])
    saved = _("The spam preferences of %(address)s were saved.") % {"address": account.address}
    return _preferences_page(request, account, "spam/account.html", url,
                             _domain_context(request, domain), saved)




@login_required
@require_POST
def account_reset(request, domain_name: str, name: str):
    domain = get_domain_for_user(request, domain_name)
    account = _get_account(domain, name)
    back = reverse("spam:account", args=[domain.name, account.local_part])
    if question := ask_first(
            request, title=_("Use the domain's defaults"),
            question=_("The own spam preferences of %(address)s, its whitelist and blacklist "
                       "included, are deleted as soon as you confirm.")
            % {"address": account.address},
            button=_("Use the domain's defaults"), cancel_url=back):
        return question
    services.reset_account_preferences(account)
    messages.success(request, _("%(address)s now uses the domain's default spam preferences.")
                     % {"address": account.address})
    return redirect(reverse("spam:account", args=[domain.name, account.local_part]))


def _own_account(request) -> Account:
    if not request.user.domain_id:
        raise Http404  # an operator has no mailbox to filter
    return request.user


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def me_spam(request):
    """Self-service: the logged-in account's own spam preferences, nobody else's."""
    account = _own_account(request)
    return _preferences_page(request, account, "spam/me.html", reverse("spam:me"),
                             {"domain": account.domain}, _("Your spam preferences were saved."))


@login_required
@require_POST
def me_reset(request):
    account = _own_account(request)
    if question := ask_first(
            request, title=_("Use the domain's defaults"),
            question=_("Your own spam preferences, your whitelist and blacklist included, are "
                       "deleted as soon as you confirm."),
            button=_("Use the domain's defaults"), cancel_url=reverse("spam:me")):
        return question
    services.reset_account_preferences(account)
    messages.success(request, _("You now use your domain's default spam preferences."))
    return redirect(reverse("spam:me"))
