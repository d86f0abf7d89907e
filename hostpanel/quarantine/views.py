"""The postmaster's quarantine: infected messages refused for the domain, kept a few days.

Every page goes through get_domain_for_user (404 for a domain the account does
not manage), and an entry is looked up within that domain (404 otherwise).
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from hostpanel.domains.access import get_domain_for_user
from hostpanel.quarantine import services
from hostpanel.quarantine.models import QuarantinedMessage

PER_PAGE = 25


def _entry(domain, entry_id: int) -> QuarantinedMessage:
    entry = QuarantinedMessage.objects.filter(domain=domain, pk=entry_id).first()
    if entry is None:
        raise Http404
    return entry


def raw_response(entry: QuarantinedMessage) -> HttpResponse:
    """The message as an attachment ``quarantine-<id>.eml``; 404 when its file is gone."""
    try:
        data = services.read_message(entry)
    except FileNotFoundError:
        raise Http404 from None
    response = HttpResponse(data, content_type="message/rfc822")
    response["Content-Disposition"] = f'attachment; filename="quarantine-{entry.pk}.eml"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
@require_safe
def quarantine(request, domain_name: str):
    domain = get_domain_for_user(request, domain_name)
    query = request.GET.get("q", "").strip()[:320]
    found = domain.quarantined_messages.all()
    if query:
        found = found.filter(Q(sender__icontains=query) | Q(virus__icontains=query))
    page = Paginator(found, PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "quarantine/list.html", {
        "query": query,
        "domain": domain, "page": page, "days": settings.HOSTPANEL_QUARANTINE_DAYS,
        "scanning": bool(settings.HOSTPANEL_CLAMD),
    })


@login_required
@require_safe
def download(request, domain_name: str, entry_id: int):
    return raw_response(_entry(get_domain_for_user(request, domain_name), entry_id))


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def delete(request, domain_name: str, entry_id: int):
    domain = get_domain_for_user(request, domain_name)
    entry = _entry(domain, entry_id)
    if request.method == "POST":
        services.delete_entry(entry)
        messages.success(request, _("The quarantined message was deleted."))
        return redirect(reverse("quarantine:list", args=[domain.name]))
    return render(request, "quarantine/delete.html", {"domain": domain, "entry": entry})
