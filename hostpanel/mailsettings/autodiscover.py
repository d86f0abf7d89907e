"""Outlook's autodiscover (the "plain old XML" one): read the request, write the answer.

The request is ``<Autodiscover><Request><EMailAddress>`` in Outlook's request schema;
the answer is in the ``outlook/responseschema/2006a`` schema with one ``<Protocol>``
for POP3 and one for SMTP. Requests come from anybody on the Internet: they are
parsed with defusedxml with DTDs forbidden (no entity expansion, no external
resources), and the caller limits their size (REQUEST_LIMIT).

Error answers use the schema's error codes and English texts: they are protocol
replies for a program, like SMTP's.
"""

import datetime
import xml.etree.ElementTree as ET

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException

from hostpanel.mailsettings.services import ClientSettings, Server
from mailcore.addresses import AddressError, is_valid_local_part, split_address

REQUEST_LIMIT = 64 * 1024
RESPONSE_NS = "http://schemas.microsoft.com/exchange/autodiscover/responseschema/2006"
OUTLOOK_NS = "http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a"
CONTENT_TYPE = "text/xml; charset=utf-8"


class AutodiscoverError(Exception):
    """A request we do not answer with settings: the error code, its text, the HTTP status."""

    def __init__(self, code: int, message: str, status: int):
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status


def invalid_request(status: int = 400) -> AutodiscoverError:
    return AutodiscoverError(600, "Invalid Request", status)


def unknown_address() -> AutodiscoverError:
    return AutodiscoverError(500, "The email address cannot be found", 404)


def _name(element: ET.Element) -> str:
    """The element's name without its namespace, lower-cased (clients differ in both)."""
    return element.tag.rpartition("}")[2].lower() if isinstance(element.tag, str) else ""


def _child(parent: ET.Element, name: str) -> ET.Element | None:
    return next((child for child in parent if _name(child) == name), None)


def requested_address(body: bytes) -> str:
    """The address an Outlook request asks about, as ``local@domain`` (lower-cased IDNA).

    Raises AutodiscoverError for anything that is not such a request.
    """
    try:
        root = SafeET.fromstring(body, forbid_dtd=True, forbid_entities=True,
                                 forbid_external=True)
    except (ET.ParseError, DefusedXmlException, ValueError, LookupError) as error:
        raise invalid_request() from error
    request = _child(root, "request") if _name(root) == "autodiscover" else None
    if request is None:
        raise invalid_request()
    schema = _child(request, "acceptableresponseschema")
    if schema is not None and (schema.text or "").strip() not in ("", OUTLOOK_NS):
        raise AutodiscoverError(601, "Provider is not available for the requested schema", 400)
    address = _child(request, "emailaddress")
    try:
        local, domain = split_address((address.text or "") if address is not None else "")
    except AddressError as error:
        raise invalid_request() from error
    if not is_valid_local_part(local):
        raise invalid_request()
    return f"{local}@{domain}"


def _add(parent: ET.Element, tag: str, text: str) -> ET.Element:
    element = ET.SubElement(parent, tag)
    element.text = text
    return element


def _protocol(account: ET.Element, kind: str, server: Server, login: str) -> ET.Element:
    protocol = ET.SubElement(account, "Protocol")
    _add(protocol, "Type", kind)
    _add(protocol, "Server", server.host)
    _add(protocol, "Port", str(server.port))
    _add(protocol, "LoginName", login)
    _add(protocol, "DomainRequired", "off")
    _add(protocol, "SPA", "off")
    encrypted = server.implicit_tls or server.starttls
    _add(protocol, "SSL", "on" if encrypted else "off")
    # Outlook 2010 and later: SSL is TLS from the first byte, TLS is STARTTLS.
    _add(protocol, "Encryption",
         "SSL" if server.implicit_tls else "TLS" if server.starttls else "None")
    _add(protocol, "AuthRequired", "on")
    return protocol


def response_xml(config: ClientSettings) -> bytes:
    """The answer for ``config.address``: the preferred POP3 and SMTP server."""
    root = ET.Element("Autodiscover", xmlns=RESPONSE_NS)
    response = ET.SubElement(root, "Response", xmlns=OUTLOOK_NS)
    account = ET.SubElement(response, "Account")
    _add(account, "AccountType", "email")
    _add(account, "Action", "settings")
    _protocol(account, "POP3", config.pop3[0], config.login)
    smtp = _protocol(account, "SMTP", config.smtp[0], config.login)
    _add(smtp, "UsePOPAuth", "on")
    _add(smtp, "SMTPLast", "off")
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def error_xml(error: AutodiscoverError) -> bytes:
    root = ET.Element("Autodiscover", xmlns=RESPONSE_NS)
    response = ET.SubElement(root, "Response")
    now = datetime.datetime.now(datetime.UTC).strftime("%H:%M:%S.%f")
    element = ET.SubElement(response, "Error", Time=now)
    _add(element, "ErrorCode", str(error.code))
    _add(element, "Message", error.message)
    ET.SubElement(element, "DebugData")
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)
