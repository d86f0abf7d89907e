"""The Mail settings page: what a person types into a mail program, for their own mailbox."""

import pytest

from hostpanel.mailsettings.services import client_settings
from tests.mailsettings.conftest import MAIL_HOST
from tests.mailsettings.helpers import facts, main_content

EUDORA_HELP = ("For programs such as Eudora that do not accept an @ in a user name. "
               "Both forms work for receiving and for sending.")
AUTHENTICATION = ("This server requires authentication. Use the same user name and password "
                  "as for incoming mail. Leave “Secure Password Authentication (SPA)” off.")


def _page(client, account, query=""):
    client.force_login(account)
    response = client.get("/mail-settings/" + query)
    assert response.status_code == 200
    return response.content.decode()


def test_jane_sees_her_logins_the_servers_their_ports_and_that_smtp_needs_a_login(
        client, jane, production_ports):
    page = facts(_page(client, jane))
    assert page["login"] == [
        ("Email address", "jane@example.com"),
        ("User name", "jane@example.com"),
        ("User name without @", f"jane%example.com {EUDORA_HELP}"),
        ("Password", "Your mailbox password: the one you sign in here with."),
    ]
    assert page["incoming"] == [
        ("Server", MAIL_HOST),
        ("Port and encryption", "Port 995 with SSL/TLS Port 110 with STARTTLS"),
        ("User name", "jane@example.com"),
    ]
    assert page["outgoing"] == [
        ("Server", MAIL_HOST),
        ("Port and encryption", "Port 465 with SSL/TLS Port 587 with STARTTLS"),
        ("Authentication", AUTHENTICATION),
    ]


def test_without_implicit_tls_ports_only_starttls_is_offered(client, jane, starttls_only):
    page = facts(_page(client, jane))
    assert dict(page["incoming"])["Port and encryption"] == "Port 2110 with STARTTLS"
    assert dict(page["outgoing"])["Port and encryption"] == "Port 2587 with STARTTLS"


def test_without_a_certificate_the_page_says_there_is_no_encryption(client, jane, settings):
    settings.HOSTPANEL_TLS_CERT = ""
    settings.HOSTPANEL_POP3S_PORT = 995  # cannot run without a certificate: not shown
    html = _page(client, jane)
    assert dict(facts(html)["incoming"])["Port and encryption"] == "Port 2110 without encryption"
    assert "No TLS certificate is configured on this server" in html
    assert "HOSTPANEL_TLS_CERT" not in html  # a setting's name is for the operator only
    assert "SSL/TLS" not in html


def test_the_mail_host_defaults_to_the_host_name(settings):
    assert settings.HOSTPANEL_MAIL_HOST == settings.HOSTPANEL_HOSTNAME


def test_the_page_links_the_autoconfiguration_files_for_her_address(client, jane):
    html = _page(client, jane)
    query = "?emailaddress=jane%40example.com"
    assert f'href="http://testserver/mail/config-v1.1.xml{query}"' in html
    assert f'href="http://testserver/.well-known/autoconfig/mail/config-v1.1.xml{query}"' in html
    assert "http://testserver/autodiscover/autodiscover.xml" in html
    assert "autoconfig.example.com" not in html  # DNS advice is for the postmaster


def test_a_postmaster_sees_the_settings_of_their_own_mailbox(client, jane, postmaster):
    html = _page(client, postmaster)
    assert dict(facts(html)["login"])["User name"] == "postmaster@example.com"
    assert "jane" not in main_content(html)
    assert "autoconfig.example.com and autodiscover.example.com" in html


@pytest.mark.parametrize("query", [
    "?account=jane@example.com", "?emailaddress=jane@example.com",
    "?address=jane%40example.com&domain=example.com", "?user=jane&domain=example.com",
])
def test_a_postmaster_of_another_domain_cannot_make_it_show_another_account(
        client, jane, other_postmaster, query):
    html = _page(client, other_postmaster, query)
    login = dict(facts(html)["login"])
    assert (login["Email address"], login["User name"]) == ("postmaster@other.org",) * 2
    shown = main_content(html)
    assert "jane" not in shown and "example.com" not in shown


def test_an_operator_without_mailbox_sees_the_generic_settings(client, operator,
                                                               production_ports):
    html = _page(client, operator)
    page = facts(html)
    assert page["login"][:3] == [
        ("Email address", "you@your-domain"),
        ("User name", "you@your-domain"),
        ("User name without @", f"you%your-domain {EUDORA_HELP}"),
    ]
    assert page["login"][3] == ("Password", "The mailbox's password.")
    assert page["incoming"][0] == ("Server", MAIL_HOST)
    assert "Put the mailbox's address in place of you@your-domain." in html
    assert 'href="http://testserver/mail/config-v1.1.xml' not in html  # it would only 404


def test_signed_out_visitors_are_sent_to_the_login(client):
    response = client.get("/mail-settings/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_the_page_only_reads(client, jane):
    client.force_login(jane)
    assert client.post("/mail-settings/").status_code == 405


@pytest.mark.parametrize("who", ["jane", "postmaster", "operator"])
def test_every_logged_in_user_has_it_in_the_main_navigation(client, jane, postmaster, operator,
                                                            who):
    client.force_login({"jane": jane, "postmaster": postmaster, "operator": operator}[who])
    assert 'href="/mail-settings/"' in client.get("/me/").content.decode()
    page = client.get("/mail-settings/").content.decode()
    assert '<a href="/mail-settings/" aria-current="page">Mail settings</a>' in page


def test_a_reseller_can_put_in_its_own_host_name(jane, production_ports):
    config = client_settings(jane, host="mail.reseller.example")
    assert {server.host for server in config.pop3 + config.smtp} == {"mail.reseller.example"}
    assert [(server.port, server.socket_type) for server in config.smtp] == [
        (465, "SSL"), (587, "STARTTLS")]
    assert (config.login, config.percent_login) == ("jane@example.com", "jane%example.com")
