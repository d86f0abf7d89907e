"""The Mail settings page and the autoconfiguration answers for mail programs.

The page only ever shows the logged-in account (no parameter chooses another).
The XML answers need no login, since mail programs fetch them before they have
one; they answer for active hosted domains only, and what they say depends on
the domain alone, so they reveal nothing about which accounts exist.
"""

from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.exceptions import BadRequest
from django.http import Http404, HttpResponse
from django.http.request import split_domain_port
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_safe

from hostpanel.mailsettings import autoconfig as thunderbird
from hostpanel.mailsettings import autodiscover as outlook
from hostpanel.mailsettings import services
from hostpanel.resellers import access as resellers
from mailcore.addresses import AddressError

XML = "application/xml; charset=utf-8"


def _autoconfig_links(request, address: str) -> dict:
    query = "?" + urlencode({"emailaddress": address})
    return {
        "autoconfig_url": request.build_absolute_uri(reverse("mailsettings:autoconfig")) + query,
        "wellknown_url": request.build_absolute_uri(
            reverse("mailsettings:autoconfig_wellknown")) + query,
        "autodiscover_url": request.build_absolute_uri(reverse("mailsettings:autodiscover")),
    }


@login_required
@require_safe
def mail_settings(request):
    """What to type into a mail program, for the logged-in account's own mailbox."""
    account = request.user
    # A reseller's customers (and the reseller) see the reseller's server names.
    config = services.client_settings(
        account, **resellers.mail_hosts(resellers.reseller_for_account(account, request)))
    return render(request, "mailsettings/mail_settings.html", {
        "config": config,
        "domain_name": account.domain.name if account.domain_id else "",
        "may_set_up_dns": account.is_postmaster or account.is_superuser,
        **_autoconfig_links(request, config.address),
    })


def _autoconfig_domain(request) -> str:
    """The domain asked about: from ``emailaddress``, else from the autoconfig.<domain> host."""
    address = request.GET.get("emailaddress")
    try:
        if address is not None:
            return services.domain_of(address)
        host, _port = split_domain_port(request.get_host())
        return host.removeprefix("autoconfig.")
    except AddressError:
        raise BadRequest("not an email address") from None


@require_safe
def autoconfig(request):
    """Thunderbird's config-v1.1.xml (at /mail/ and at /.well-known/autoconfig/mail/)."""
    domain = services.hosted_domain(_autoconfig_domain(request))
    if domain is None:
        raise Http404
    config = services.client_settings(
        None, **resellers.mail_hosts(resellers.reseller_of_domain(domain)))
    body = thunderbird.config_xml(domain.name, config)
    return HttpResponse(body, content_type=XML)


def _read_request(request) -> bytes:
    """The request body, at most REQUEST_LIMIT bytes; raises AutodiscoverError."""
    if request.method != "POST":
        raise outlook.invalid_request(status=405)
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > outlook.REQUEST_LIMIT:
        raise outlook.invalid_request(status=413)
    try:
        body = request.read(outlook.REQUEST_LIMIT + 1)
    except OSError as error:  # the client went away mid-body
        raise outlook.invalid_request() from error
    if len(body) > outlook.REQUEST_LIMIT:
        raise outlook.invalid_request(status=413)
    return body


@csrf_exempt  # mail programs post without a token; nothing here changes any state
def autodiscover(request):
    """Outlook's autodiscover.xml: POST the request XML, get the POP3 and SMTP settings."""
    try:
        address = outlook.requested_address(_read_request(request))
        domain = services.hosted_domain(services.domain_of(address))
        if domain is None:
            raise outlook.unknown_address()
    except outlook.AutodiscoverError as error:
        response = HttpResponse(outlook.error_xml(error), content_type=outlook.CONTENT_TYPE,
                                status=error.status)
        if error.status == 405:
            response["Allow"] = "POST"
        return response
    body = outlook.response_xml(services.client_settings(
        address, **resellers.mail_hosts(resellers.reseller_of_domain(domain))))
    return HttpResponse(body, content_type=outlook.CONTENT_TYPE)
