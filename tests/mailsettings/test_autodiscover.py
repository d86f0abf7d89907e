"""Outlook's autodiscover.xml: a POSTed request in, POP3 and SMTP settings out; never a 500."""

import pytest
from django.test import Client

from tests.mailsettings.conftest import MAIL_HOST
from tests.mailsettings.helpers import parse_xml

URL = "/autodiscover/autodiscover.xml"
REQUEST_NS = "http://schemas.microsoft.com/exchange/autodiscover/outlook/requestschema/2006"
RESPONSE_NS = "http://schemas.microsoft.com/exchange/autodiscover/responseschema/2006"
OUTLOOK_NS = "http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a"
NS = {"a": RESPONSE_NS, "o": OUTLOOK_NS}
BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<Autodiscover><Request><EMailAddress>&lol9;@example.com</EMailAddress></Request></Autodiscover>
"""
EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE a [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<Autodiscover><Request><EMailAddress>&secret;</EMailAddress></Request></Autodiscover>
"""


def outlook_request(address: str, schema: str = OUTLOOK_NS) -> bytes:
    return (f'<?xml version="1.0" encoding="utf-8"?>\n<Autodiscover xmlns="{REQUEST_NS}">'
            f"<Request><EMailAddress>{address}</EMailAddress>"
            f"<AcceptableResponseSchema>{schema}</AcceptableResponseSchema>"
            "</Request></Autodiscover>").encode()


def post(body: bytes, url: str = URL):
    # As Outlook does: no session, no CSRF token.
    return Client(enforce_csrf_checks=True).post(url, body, content_type="text/xml")


def protocols(response) -> dict[str, dict[str, str]]:
    account = parse_xml(response.content).find("o:Response/o:Account", NS)
    assert account.findtext("o:AccountType", namespaces=NS) == "email"
    assert account.findtext("o:Action", namespaces=NS) == "settings"
    return {
        protocol.findtext("o:Type", namespaces=NS): {
            child.tag.rpartition("}")[2]: child.text for child in protocol
        }
        for protocol in account.findall("o:Protocol", NS)
    }


def error_of(response) -> tuple[int, str, str]:
    root = parse_xml(response.content)
    assert root.tag == f"{{{RESPONSE_NS}}}Autodiscover"
    error = root.find("a:Response/a:Error", NS)
    return (response.status_code, error.findtext("a:ErrorCode", namespaces=NS),
            error.findtext("a:Message", namespaces=NS))


@pytest.mark.parametrize("url", [URL, "/Autodiscover/Autodiscover.xml"])
def test_outlook_gets_pop3_and_smtp_with_implicit_tls_preferred(jane, production_ports, url):
    response = post(outlook_request("jane@example.com"), url)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/xml; charset=utf-8"
    common = {"Server": MAIL_HOST, "LoginName": "jane@example.com", "DomainRequired": "off",
              "SPA": "off", "SSL": "on", "Encryption": "SSL", "AuthRequired": "on"}
    assert protocols(response) == {
        "POP3": {"Type": "POP3", "Port": "995", **common},
        "SMTP": {"Type": "SMTP", "Port": "465", **common, "UsePOPAuth": "on", "SMTPLast": "off"},
    }


def test_with_starttls_only_the_encryption_is_tls(jane, starttls_only):
    found = protocols(post(outlook_request("jane@example.com")))
    assert [(p["Port"], p["SSL"], p["Encryption"]) for p in found.values()] == [
        ("2110", "on", "TLS"), ("2587", "on", "TLS")]


def test_the_answer_depends_on_the_domain_not_on_the_account(jane, production_ports):
    existing = protocols(post(outlook_request("jane@example.com")))
    missing = protocols(post(outlook_request("nobody-here@example.com")))
    for found in (existing, missing):
        for protocol in found.values():
            protocol.pop("LoginName")
    assert existing == missing


def test_the_address_is_read_in_any_case_and_without_the_schema(jane):
    body = (b"<Autodiscover><Request><EMailAddress> JANE@Example.COM </EMailAddress>"
            b"</Request></Autodiscover>")
    assert protocols(post(body))["POP3"]["LoginName"] == "jane@example.com"


def test_an_unknown_domain_is_not_found(domain):
    assert error_of(post(outlook_request("jane@example.org"))) == (
        404, "500", "The email address cannot be found")


def test_an_inactive_domain_is_not_found(jane):
    jane.domain.is_active = False
    jane.domain.save()
    assert error_of(post(outlook_request("jane@example.com")))[:2] == (404, "500")


@pytest.mark.parametrize("method", ["get", "head", "put", "delete"])
def test_other_methods_are_not_allowed(client, domain, method):
    response = getattr(client, method)(URL)
    assert response.status_code == 405 and response["Allow"] == "POST"
    if method != "head":
        assert error_of(response) == (405, "600", "Invalid Request")


def test_a_huge_body_is_refused_before_it_is_parsed(domain):
    padding = b" " * (64 * 1024)
    body = outlook_request("jane@example.com").replace(b"<Request>", b"<Request>" + padding)
    assert error_of(post(body))[:2] == (413, "600")


def test_a_body_just_under_the_limit_is_read(jane):
    body = outlook_request("jane@example.com")
    body = body.replace(b"<Request>", b"<Request>" + b" " * (64 * 1024 - len(body)))
    assert len(body) == 64 * 1024
    assert post(body).status_code == 200


@pytest.mark.parametrize("body", [
    pytest.param(BILLION_LAUGHS, id="billion-laughs"),
    pytest.param(EXTERNAL_ENTITY, id="external-entity"),
    pytest.param(b"<!DOCTYPE Autodiscover><Autodiscover><Request><EMailAddress>"
                 b"jane@example.com</EMailAddress></Request></Autodiscover>", id="doctype"),
    pytest.param(b"", id="empty"),
    pytest.param(b"jane@example.com", id="not-xml"),
    pytest.param(b"<Autodiscover><Request>", id="truncated"),
    pytest.param(b"\xff\xfe\x00<\x00", id="bad-encoding"),
    pytest.param(b'<?xml version="1.0" encoding="no-such-charset"?><Autodiscover/>',
                 id="unknown-charset"),
    pytest.param(b"<Autodiscover><Request></Request></Autodiscover>", id="no-address"),
    pytest.param(b"<Autodiscover><Request><EMailAddress/></Request></Autodiscover>",
                 id="empty-address"),
    pytest.param(b"<Autodiscover/>", id="no-request"),
    pytest.param(b"<Other><Request><EMailAddress>jane@example.com</EMailAddress></Request>"
                 b"</Other>", id="wrong-root"),
    pytest.param(outlook_request("jane"), id="no-domain"),
    pytest.param(outlook_request("jane%other.org@example.com"), id="percent-hack"),
    pytest.param(outlook_request('"jane doe"@example.com'), id="quoted"),
    pytest.param(outlook_request("jane@[127.0.0.1]"), id="literal"),
    pytest.param(outlook_request("jane@exa&lt;mple.com"), id="bad-domain"),
    pytest.param(outlook_request("jane@example.com\x01".replace("\x01", "&#1;")),
                 id="control-character"),
])
def test_hostile_or_broken_requests_get_an_invalid_request_answer(domain, body):
    assert error_of(post(body)) == (400, "600", "Invalid Request")


def test_the_external_entity_is_never_read(domain):
    assert b"root:" not in post(EXTERNAL_ENTITY).content


def test_another_response_schema_is_not_provided(domain):
    activesync = "http://schemas.microsoft.com/exchange/autodiscover/mobilesync/responseschema/2006"
    assert error_of(post(outlook_request("jane@example.com", activesync)))[:2] == (400, "601")
