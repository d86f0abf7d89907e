"""The operator's status page: superusers only; everyone else gets 404."""

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_safe

from hostpanel.operator import probes, services


@login_required
@require_safe
def status(request):
    if not request.user.is_superuser:
        raise Http404
    return render(request, "operator/status.html", {
        "report": services.status_report(), "probe_timeout": probes.PROBE_TIMEOUT,
    })
