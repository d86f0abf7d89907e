"""What a mail program needs to reach this host: server names, ports, TLS, login names.

``client_settings()`` is the one source for the Mail settings page and for both
autoconfiguration answers (Thunderbird's config-v1.1.xml, Outlook's autodiscover.xml),
so that they cannot disagree. Its ``host`` argument lets a caller put in another host
name, ``pop3_host`` and ``smtp_host`` one per kind of server (a reseller's own names:
``hostpanel.resellers.access.mail_hosts``); by default it is ``HOSTPANEL_MAIL_HOST``.
"""

from dataclasses import dataclass

from django.conf import settings

from hostpanel.domains.models import Account, Domain
from mailcore.addresses import AddressError, normalize_domain

# What the page shows an operator without a mailbox, in place of an address.
EXAMPLE_ADDRESS = "you@your-domain"

# How a connection is secured, in the words of Mozilla's autoconfig format (socketType).
IMPLICIT_TLS = "SSL"  # TLS from the first byte (POP3S 995, submissions 465)
STARTTLS = "STARTTLS"  # plain connection, then STLS / STARTTLS
PLAIN = "plain"  # no TLS at all: only when no certificate is configured


@dataclass(frozen=True)
class Server:
    host: str
    port: int
    socket_type: str  # IMPLICIT_TLS, STARTTLS or PLAIN

    @property
    def implicit_tls(self) -> bool:
        return self.socket_type == IMPLICIT_TLS

    @property
    def starttls(self) -> bool:
        return self.socket_type == STARTTLS


@dataclass(frozen=True)
class ClientSettings:
    """Settings for one address, or for the EXAMPLE_ADDRESS when ``is_example``.

    ``pop3`` and ``smtp`` list the servers a client may use, the preferred one first
    (implicit TLS when that port is open, RFC 8314 section 3). Both need
    authentication with the same login and password.
    """

    address: str
    is_example: bool
    pop3: tuple[Server, ...]
    smtp: tuple[Server, ...]

    @property
    def login(self) -> str:
        """The login name: the full address."""
        return self.address

    @property
    def percent_login(self) -> str:
        """The login for programs that refuse an @ in a user name (Eudora): jane%example.com."""
        local, _, domain = self.address.rpartition("@")
        return f"{local}%{domain}"

    @property
    def tls(self) -> bool:
        return all(server.socket_type != PLAIN for server in self.pop3 + self.smtp)


def _servers(host: str, plain_port: int, tls_port: int) -> tuple[Server, ...]:
    if not settings.HOSTPANEL_TLS_CERT:
        return (Server(host, plain_port, PLAIN),)  # the servers offer no TLS without a certificate
    servers = [Server(host, plain_port, STARTTLS)]
    if tls_port:
        servers.insert(0, Server(host, tls_port, IMPLICIT_TLS))
    return tuple(servers)


def client_settings(account: Account | str | None, host: str | None = None, *,
                    pop3_host: str | None = None,
                    smtp_host: str | None = None) -> ClientSettings:
    """The settings for ``account``: an Account, an address, or None for the generic ones.

    An account without a mailbox (an operator) gets the generic settings, with
    EXAMPLE_ADDRESS as the address. Nothing here looks an account up: an address
    is taken as given, so the autoconfiguration answers reveal nothing about
    which accounts exist. ``pop3_host`` and ``smtp_host`` (a reseller's own names)
    override ``host`` for one kind of server.
    """
    address = account.address if isinstance(account, Account) else (account or "")
    host = host or settings.HOSTPANEL_MAIL_HOST
    return ClientSettings(
        address=address or EXAMPLE_ADDRESS,
        is_example=not address,
        pop3=_servers(pop3_host or host, settings.HOSTPANEL_POP3_PORT,
                      settings.HOSTPANEL_POP3S_PORT),
        smtp=_servers(smtp_host or host, settings.HOSTPANEL_SUBMISSION_PORT,
                      settings.HOSTPANEL_SUBMISSIONS_PORT),
    )


def hosted_domain(name: str) -> Domain | None:
    """The active hosted domain ``name`` (any case, Unicode or IDNA), or None."""
    try:
        name = normalize_domain(name)
    except AddressError:
        return None
    return Domain.objects.filter(name=name, is_active=True).first()


def domain_of(address: str) -> str:
    """The domain part of ``jane@example.com``; raises AddressError for anything else."""
    local, sep, domain = (address or "").strip().rpartition("@")
    if not sep or not local:
        raise AddressError("not an address")
    return normalize_domain(domain)
