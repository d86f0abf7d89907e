"""Thunderbird's config-v1.1.xml: no login, active hosted domains only, the domain alone decides."""

import xml.etree.ElementTree as ET

import pytest
from django.test import Client

from tests.mailsettings.conftest import MAIL_HOST
from tests.mailsettings.helpers import parse_xml

PATHS = ["/mail/config-v1.1.xml", "/.well-known/autoconfig/mail/config-v1.1.xml"]


def _servers(provider: ET.Element, tag: str) -> list[tuple]:
    return [
        (server.get("type"), server.findtext("hostname"), server.findtext("port"),
         server.findtext("socketType"), server.findtext("username"),
         server.findtext("authentication"))
        for server in provider.findall(tag)
    ]


@pytest.mark.parametrize("path", PATHS)
def test_it_describes_the_pop3_and_smtp_servers_of_a_hosted_domain(client, jane,
                                                                   production_ports, path):
    response = client.get(path, {"emailaddress": "jane@example.com"})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/xml; charset=utf-8"
    root = parse_xml(response.content)
    assert (root.tag, root.get("version")) == ("clientConfig", "1.1")
    provider = root.find("emailProvider")
    assert provider.get("id") == provider.findtext("domain") == "example.com"
    user = "%EMAILADDRESS%"
    assert _servers(provider, "incomingServer") == [
        ("pop3", MAIL_HOST, "995", "SSL", user, "password-cleartext"),
        ("pop3", MAIL_HOST, "110", "STARTTLS", user, "password-cleartext"),
    ]
    assert _servers(provider, "outgoingServer") == [
        ("smtp", MAIL_HOST, "465", "SSL", user, "password-cleartext"),
        ("smtp", MAIL_HOST, "587", "STARTTLS", user, "password-cleartext"),
    ]


def test_with_starttls_only_each_protocol_has_one_server(client, domain, starttls_only):
    response = client.get(PATHS[0], {"emailaddress": "jane@example.com"})
    provider = parse_xml(response.content).find("emailProvider")
    assert [(s[2], s[3]) for s in _servers(provider, "incomingServer")] == [("2110", "STARTTLS")]
    assert [(s[2], s[3]) for s in _servers(provider, "outgoingServer")] == [("2587", "STARTTLS")]


def test_the_answer_is_the_same_whether_the_account_exists_or_not(jane, production_ports):
    anonymous = Client()
    existing = anonymous.get(PATHS[0], {"emailaddress": "jane@example.com"})
    missing = anonymous.get(PATHS[0], {"emailaddress": "nobody-here@example.com"})
    assert existing.status_code == missing.status_code == 200
    assert existing.content == missing.content
    assert b"jane" not in existing.content


def test_the_address_may_be_in_any_case(client, domain):
    response = client.get(PATHS[1], {"emailaddress": "Jane@EXAMPLE.com"})
    assert parse_xml(response.content).find("emailProvider").get("id") == "example.com"


def test_without_an_address_the_autoconfig_host_name_tells_the_domain(client, domain, settings):
    settings.ALLOWED_HOSTS = ["testserver", "autoconfig.example.com", "autoconfig.unknown.example"]
    response = client.get(PATHS[0], HTTP_HOST="autoconfig.example.com")
    assert parse_xml(response.content).find("emailProvider").get("id") == "example.com"
    assert client.get(PATHS[0], HTTP_HOST="autoconfig.unknown.example").status_code == 404
    assert client.get(PATHS[0]).status_code == 404  # testserver: not a hosted domain


@pytest.mark.parametrize("path", PATHS)
def test_an_unknown_domain_is_not_found(client, domain, path):
    assert client.get(path, {"emailaddress": "jane@example.org"}).status_code == 404


def test_an_inactive_domain_is_not_found(client, jane):
    jane.domain.is_active = False
    jane.domain.save()
    assert client.get(PATHS[0], {"emailaddress": "jane@example.com"}).status_code == 404


@pytest.mark.parametrize("address", [
    "", "jane", "@example.com", "jane@", "jane@localhost", "jane@exa mple.com",
    "jane@example..com", "jane@<script>.com", "jane@" + "a" * 300 + ".com", "jane@\x00.com",
    "jane@[127.0.0.1]",
])
def test_what_is_not_an_address_of_a_domain_gets_a_4xx(client, domain, address):
    response = client.get(PATHS[0], {"emailaddress": address})
    assert response.status_code in (400, 404)


def test_it_only_reads(client, domain):
    response = client.post(PATHS[0], {"emailaddress": "jane@example.com"})
    assert response.status_code == 405
