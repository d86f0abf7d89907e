"""Thunderbird's autoconfiguration file: ``clientConfig`` version 1.1.

The format is Mozilla's (wiki.mozilla.org/Thunderbird:Autoconfiguration:ConfigFileFormat).
The answer depends on the domain alone: the user name is Thunderbird's
``%EMAILADDRESS%`` placeholder, never an address from the request.
"""

import xml.etree.ElementTree as ET

from hostpanel.mailsettings.services import ClientSettings, Server

# Thunderbird puts in the address the user typed.
USERNAME = "%EMAILADDRESS%"
# The password goes over the (TLS) connection as typed: POP3 USER/PASS or AUTH PLAIN/LOGIN.
AUTHENTICATION = "password-cleartext"


def _add(parent: ET.Element, tag: str, text: str) -> None:
    ET.SubElement(parent, tag).text = text


def _server(provider: ET.Element, tag: str, kind: str, server: Server) -> None:
    element = ET.SubElement(provider, tag, type=kind)
    _add(element, "hostname", server.host)
    _add(element, "port", str(server.port))
    _add(element, "socketType", server.socket_type)
    _add(element, "username", USERNAME)
    _add(element, "authentication", AUTHENTICATION)


def config_xml(domain: str, config: ClientSettings) -> bytes:
    """The config-v1.1.xml document for ``domain``, servers in order of preference."""
    root = ET.Element("clientConfig", version="1.1")
    provider = ET.SubElement(root, "emailProvider", id=domain)
    _add(provider, "domain", domain)
    _add(provider, "displayName", domain)
    _add(provider, "displayShortName", domain)
    for server in config.pop3:
        _server(provider, "incomingServer", "pop3", server)
    for server in config.smtp:
        _server(provider, "outgoingServer", "smtp", server)
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)
