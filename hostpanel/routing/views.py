"""The postmaster's pages for forwards, autoresponders, the mail queue and domain settings.

Every page goes through get_domain_for_user: 404 for a domain the logged-in
account does not manage, exactly as for one that does not exist.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from hostpanel.domains.access import get_domain_for_user
from hostpanel.routing import outbound_info, services
from hostpanel.routing.forms import (
    AutoresponderCreateForm,
    AutoresponderModifyForm,
    CatchAllForm,
    ForwardCreateForm,
    ForwardModifyForm,
)
from hostpanel.routing.models import Autoresponder, Forward

PER_PAGE = 25


def _search(request, found):
    query = request.GET.get("q", "").strip()
    if query:
        found = found.filter(local_part__icontains=query.lower())
    page = Paginator(found.order_by("local_part"), PER_PAGE).get_page(request.GET.get("page"))
    return page, query


def _get_forward(domain, name: str) -> Forward:
    forward = Forward.objects.filter(domain=domain, local_part=name.lower()).first()
    if forward is None:
        raise Http404
    return forward


def _get_responder(domain, name: str) -> Autoresponder:
    responder = Autoresponder.objects.filter(domain=domain, local_part=name.lower()).first()
    if responder is None:
        raise Http404
    return responder


def _forwards_url(domain) -> str:
    return reverse("routing:forwards", args=[domain.name])


def _responders_url(domain) -> str:
    return reverse("routing:autoresponders", args=[domain.name])


# Forwards ---------------------------------------------------------------------------------


def _forwards_page(request, domain, catch_all_form=None):
    page, query = _search(request, domain.forwards.select_related("domain"))
    return render(request, "routing/forwards.html", {
        "domain": domain, "page": page, "query": query,
        "catch_all_form": catch_all_form or CatchAllForm(domain=domain),
    })


@login_required
@require_safe
def forwards(request, domain_name: str):
    return _forwards_page(request, get_domain_for_user(request, domain_name))


@login_required
@require_POST
def catch_all(request, domain_name: str):
    domain = get_domain_for_user(request, domain_name)
    form = CatchAllForm(request.POST, domain=domain)
    if form.is_valid() and form.save():
        if domain.catch_all:
            messages.success(request, _("Mail for unknown addresses of %(domain)s now goes to "
                                        "%(address)s.")
                             % {"domain": domain.name, "address": domain.catch_all})
        else:
            messages.success(request, _("Mail for unknown addresses of %(domain)s is refused.")
                             % {"domain": domain.name})
        return redirect(_forwards_url(domain))
    domain.refresh_from_db()
    return _forwards_page(request, domain, catch_all_form=form)


@login_required
@require_http_methods(["GET", "POST"])
def forward_new(request, domain_name: str):
    domain = get_domain_for_user(request, domain_name)
    form = ForwardCreateForm(request.POST or None, domain=domain)
    if request.method == "POST" and form.is_valid() and (forward := form.save()):
        messages.success(request, _("The forward %(address)s was created.")
                         % {"address": str(forward)})
        return redirect(_forwards_url(domain))
    return render(request, "routing/forward_new.html", {"domain": domain, "form": form})


@login_required
@require_http_methods(["GET", "POST"])
def forward_edit(request, domain_name: str, name: str):
    domain = get_domain_for_user(request, domain_name)
    forward = _get_forward(domain, name)
    form = ForwardModifyForm(request.POST or None, forward=forward)
    if request.method == "POST" and form.is_valid() and form.save():
        messages.success(request, _("The forward %(address)s was changed.")
                         % {"address": str(forward)})
        return redirect(_forwards_url(domain))
    forward.refresh_from_db()  # a refused change leaves the stored list as it was
    return render(request, "routing/forward_edit.html",
                  {"domain": domain, "forward": forward, "form": form})


@login_required
@require_http_methods(["GET", "POST"])
def forward_delete(request, domain_name: str, name: str):
    domain = get_domain_for_user(request, domain_name)
    forward = _get_forward(domain, name)
    if request.method == "POST":
        services.delete_forward(forward)
        messages.success(request, _("The forward %(address)s was deleted.")
                         % {"address": str(forward)})
        return redirect(_forwards_url(domain))
    return render(request, "routing/forward_delete.html", {"domain": domain, "forward": forward})


# Autoresponders ---------------------------------------------------------------------------


@login_required
@require_safe
def autoresponders(request, domain_name: str):
    domain = get_domain_for_user(request, domain_name)
    page, query = _search(request, domain.autoresponders.select_related("domain"))
    return render(request, "routing/autoresponders.html",
                  {"domain": domain, "page": page, "query": query})


@login_required
@require_http_methods(["GET", "POST"])
def autoresponder_new(request, domain_name: str):
    domain = get_domain_for_user(request, domain_name)
    form = AutoresponderCreateForm(request.POST or None, domain=domain)
    if request.method == "POST" and form.is_valid() and (responder := form.save()):
        messages.success(request, _("The autoresponder %(address)s was created.")
                         % {"address": str(responder)})
        return redirect(_responders_url(domain))
    return render(request, "routing/autoresponder_new.html", {"domain": domain, "form": form})


@login_required
@require_http_methods(["GET", "POST"])
def autoresponder_edit(request, domain_name: str, name: str):
    domain = get_domain_for_user(request, domain_name)
    responder = _get_responder(domain, name)
    form = AutoresponderModifyForm(request.POST or None, responder=responder)
    if request.method == "POST" and form.is_valid() and form.save():
        messages.success(request, _("The autoresponder %(address)s was changed.")
                         % {"address": str(responder)})
        return redirect(_responders_url(domain))
    return render(request, "routing/autoresponder_edit.html",
                  {"domain": domain, "responder": responder, "form": form})


@login_required
@require_http_methods(["GET", "POST"])
def autoresponder_delete(request, domain_name: str, name: str):
    domain = get_domain_for_user(request, domain_name)
    responder = _get_responder(domain, name)
    if request.method == "POST":
        services.delete_autoresponder(responder)
        messages.success(request, _("The autoresponder %(address)s was deleted.")
                         % {"address": str(responder)})
        return redirect(_responders_url(domain))
    return render(request, "routing/autoresponder_delete.html",
                  {"domain": domain, "responder": responder})


# Mail queue and domain settings -----------------------------------------------------------


@login_required
@require_safe
def mail_queue(request, domain_name: str):
    domain = get_domain_for_user(request, domain_name)
    query = request.GET.get("q", "").strip()[:320]
    page = Paginator(outbound_info.waiting_messages(domain, query), PER_PAGE).get_page(
        request.GET.get("page"))
    return render(request, "routing/queue.html", {
        "query": query,
        "domain": domain, "page": page, "rows": outbound_info.rows(page.object_list),
    })


@login_required
@require_safe
def domain_settings(request, domain_name: str):
    domain = get_domain_for_user(request, domain_name)
    return render(request, "routing/settings.html",
                  {"domain": domain, "dkim": outbound_info.dkim_record(domain)})


@login_required
@require_POST
def dkim_create(request, domain_name: str):
    """A domain made before keys existed gets one; an existing key is kept."""
    domain = get_domain_for_user(request, domain_name)
    had_key = outbound_info.dkim_record(domain) is not None
    outbound_info.create_dkim_key(domain)
    if not had_key:
        messages.success(request, _("A DKIM key was created: publish its DNS record below."))
    return redirect(reverse("routing:settings", args=[domain.name]) + "#dkim")
