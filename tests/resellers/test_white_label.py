"""Under a reseller's panel host, pages show its brand and its host names, never ours."""

import re

import pytest
from django.test import Client

from tests.mailsettings.helpers import parse_xml
from tests.resellers.conftest import (
    OUR_HOSTNAME,
    OUR_MAIL_HOST,
    PANEL_HOST,
    POP3_HOST,
    SMTP_HOST,
)
from tests.resellers.test_access import PLAIN_PAGES

OURS = re.compile(r"hostpanel|operator\.test", re.IGNORECASE)
THEIRS = {"HTTP_HOST": PANEL_HOST}


@pytest.fixture(autouse=True)
def _configured(settings):
    """A complete installation: a certificate and a virus scanner (no warnings for the
    operator on the pages, which name HOSTPANEL_* settings)."""
    settings.HOSTPANEL_TLS_CERT = "/etc/hostpanel/cert.pem"
    settings.HOSTPANEL_CLAMD = "127.0.0.1:3310"
    settings.HOSTPANEL_POP3_PORT, settings.HOSTPANEL_POP3S_PORT = 110, 995
    settings.HOSTPANEL_SUBMISSION_PORT, settings.HOSTPANEL_SUBMISSIONS_PORT = 587, 465


def _ours_in(response) -> list[str]:
    """Our brand or host names anywhere in the page (the stylesheet's file name aside)."""
    html = response.content.decode().replace("/static/hostpanel.css", "")
    return sorted(set(OURS.findall(html)))


def _title(response) -> str:
    return " ".join(re.search(r"<title>(.*?)</title>", response.content.decode(), re.S)
                    .group(1).split())


def _brand(response) -> str:
    return re.search(r'<a class="brand"[^>]*>(.*?)</a>', response.content.decode()).group(1)


def _pages_for(client, paths):
    """Each page of ``paths`` as seen under the reseller's host (POST-only actions aside)."""
    seen = 0
    for path in paths:
        response = client.get(path, follow=True, **THEIRS)
        if response.status_code == 405:  # an action, not a page
            continue
        assert response.status_code == 200, path
        seen += 1
        yield path, response
    assert seen >= min(len(paths), 4)


def test_the_sign_in_page_shows_the_resellers_brand_under_its_host(client, reseller):
    response = client.get("/accounts/login/", **THEIRS)
    assert response.status_code == 200
    assert _brand(response) == "Bluebird Mail"
    assert _title(response).endswith("· Bluebird Mail")
    assert _ours_in(response) == []


def test_at_our_own_host_the_brand_is_ours(client, reseller):
    response = client.get("/accounts/login/")
    assert _brand(response) == "hostpanel"
    assert _title(response).endswith("· hostpanel")


def test_every_page_the_reseller_opens_under_its_host_shows_only_its_brand(
        as_reseller, shop):
    help_pages = re.findall(r'href="(/help/[^"]+)"',
                            as_reseller.get("/help/", **THEIRS).content.decode())
    paths = ["/", "/me/", "/mail-settings/", "/reseller/domains/new/", "/help/",
             *sorted(set(help_pages)),
             *[path.format(domain="shop.example") for path in PLAIN_PAGES]]
    for path, response in _pages_for(as_reseller, paths):
        assert _brand(response) == "Bluebird Mail", path
        assert _ours_in(response) == [], path


@pytest.mark.parametrize("who", ["postmaster", "ann"])
def test_every_page_of_the_resellers_customers_shows_only_its_brand(client, shop, ann, who):
    account = ann if who == "ann" else shop.accounts.get(local_part="postmaster")
    client.force_login(account)
    paths = ["/", "/me/", "/mail-settings/", "/me/spam/", "/help/"]
    if who == "postmaster":
        paths += [path.format(domain="shop.example") for path in PLAIN_PAGES]
    for path, response in _pages_for(client, paths):
        assert _brand(response) == "Bluebird Mail", path
        assert _ours_in(response) == [], path


def test_a_page_not_found_under_the_resellers_host_shows_its_brand(as_reseller, domain):
    response = as_reseller.get("/domains/example.com/accounts/", **THEIRS)
    assert response.status_code == 404
    assert _brand(response) == "Bluebird Mail"
    assert _ours_in(response) == []


def test_the_admin_does_not_exist_under_a_resellers_host_even_for_the_operator(
        client, operator, reseller):
    client.force_login(operator)
    assert client.get("/admin/", **THEIRS).status_code == 404
    assert client.get("/admin/login/", **THEIRS).status_code == 404
    assert client.get("/admin/").status_code == 200
    home = client.get("/", **THEIRS)
    assert 'href="/admin/"' not in home.content.decode()


def test_an_unknown_host_is_still_refused(client, reseller):
    assert client.get("/accounts/login/", HTTP_HOST="panel.nobody.test").status_code == 400


def _facts(response, section: str) -> dict[str, str]:
    block = re.search(rf'<dl class="facts" id="{section}">(.*?)</dl>',
                      response.content.decode(), re.S).group(1)
    terms = re.findall(r"<dt>(.*?)</dt>", block)
    values = [" ".join(re.sub(r"<[^>]+>", " ", value).split())
              for value in re.findall(r"<dd>(.*?)</dd>", block, re.S)]
    return dict(zip(terms, values, strict=True))


def test_mail_settings_show_the_resellers_host_names_to_its_customers(client, ann):
    client.force_login(ann)
    for host in ({}, THEIRS):  # decided by her domain, under either host
        response = client.get("/mail-settings/", **host)
        assert _facts(response, "incoming")["Server"] == POP3_HOST
        assert _facts(response, "outgoing")["Server"] == SMTP_HOST
        assert OUR_MAIL_HOST not in response.content.decode()


def test_mail_settings_show_the_resellers_host_names_to_the_reseller(as_reseller):
    response = as_reseller.get("/mail-settings/")
    assert (_facts(response, "incoming")["Server"],
            _facts(response, "outgoing")["Server"]) == (POP3_HOST, SMTP_HOST)


def test_our_customers_and_the_operator_keep_our_host_names(client, jane, operator, reseller):
    client.force_login(jane)
    assert _facts(client.get("/mail-settings/"), "incoming")["Server"] == OUR_MAIL_HOST
    client.force_login(operator)
    assert _facts(client.get("/mail-settings/"), "outgoing")["Server"] == OUR_MAIL_HOST
    # The operator looking through the reseller's host sees what its customers see.
    assert _facts(client.get("/mail-settings/", **THEIRS), "outgoing")["Server"] == SMTP_HOST


def _autoconfig_hosts(response) -> set[tuple[str, str]]:
    root = parse_xml(response.content)
    return {(server.get("type"), server.findtext("hostname"))
            for server in root.iter() if server.tag in ("incomingServer", "outgoingServer")}


def test_thunderbird_autoconfig_of_a_resellers_domain_names_its_hosts(shop, domain, settings):
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "autoconfig.shop.example"]
    response = Client().get("/mail/config-v1.1.xml", {"emailaddress": "ann@shop.example"})
    assert response.status_code == 200
    assert _autoconfig_hosts(response) == {("pop3", POP3_HOST), ("smtp", SMTP_HOST)}
    assert OUR_MAIL_HOST not in response.content.decode()
    by_host = Client().get("/mail/config-v1.1.xml", HTTP_HOST="autoconfig.shop.example")
    assert _autoconfig_hosts(by_host) == {("pop3", POP3_HOST), ("smtp", SMTP_HOST)}
    ours = Client().get("/mail/config-v1.1.xml", {"emailaddress": "jane@example.com"})
    assert _autoconfig_hosts(ours) == {("pop3", OUR_MAIL_HOST), ("smtp", OUR_MAIL_HOST)}


AUTODISCOVER = """<?xml version="1.0" encoding="utf-8"?>
<Autodiscover xmlns="http://schemas.microsoft.com/exchange/autodiscover/outlook/requestschema/2006">
  <Request><EMailAddress>{address}</EMailAddress>
  <AcceptableResponseSchema>http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a</AcceptableResponseSchema>
  </Request></Autodiscover>"""


def test_outlook_autodiscover_of_a_resellers_domain_names_its_hosts(shop, domain):
    def servers(address):
        response = Client().post("/autodiscover/autodiscover.xml",
                                 AUTODISCOVER.format(address=address), content_type="text/xml")
        assert response.status_code == 200
        text = response.content.decode()
        return sorted(set(re.findall(r"<Type>(\w+)</Type>\s*<Server>([^<]+)</Server>", text)))

    assert servers("ann@shop.example") == [("POP3", POP3_HOST), ("SMTP", SMTP_HOST)]
    assert servers("jane@example.com") == [("POP3", OUR_MAIL_HOST), ("SMTP", OUR_MAIL_HOST)]


def test_our_own_host_names_are_not_a_resellers(client, reseller):
    assert client.get("/accounts/login/", HTTP_HOST=OUR_HOSTNAME).status_code == 400  # not
    # allowed in this test's ALLOWED_HOSTS: Django refuses it before any reseller lookup.
