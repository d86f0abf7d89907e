"""Building and starting the SMTP listeners on the running event loop.

All listeners are plain ``loop.create_server`` servers (not aiosmtpd's
Controller thread), so that MX, submission and anything else share one loop,
one router and one authenticator (its failure throttle counts across ports).
"""

import asyncio
import logging

from mailcore.auth import Authenticator
from mailcore.directory import ServerConfig
from mailcore.routing.executor import Router
from mailcore.smtp.handler import MXHandler
from mailcore.smtp.protocol import SMTPProtocol
from mailcore.smtp.submission import SubmissionHandler
from mailcore.tls import server_context

log = logging.getLogger("mailcore.smtp")

IDENT = "ESMTP hostpanel"


class ConfigurationError(Exception):
    """A listener cannot run with this configuration."""


def _engine_options(config: ServerConfig, loop: asyncio.AbstractEventLoop, tls) -> dict:
    return {
        "hostname": config.hostname,
        "ident": IDENT,
        "data_size_limit": config.message_size_limit or None,
        "enable_SMTPUTF8": True,
        "decode_data": False,  # bytes as received: 8BITMIME is advertised and kept intact
        "tls_context": tls,
        "timeout": config.smtp_timeout,
        "loop": loop,
    }


async def start_servers(
    config: ServerConfig,
    host: str | None = None,
    port: int | None = None,
    submission_port: int | None = None,
    submissions_port: int | None = None,
    *,
    reuse_port: bool = False,
) -> list[asyncio.Server]:
    """Start the MX and submission listeners; returns ``[mx, submission]`` (+ ``submissions``).

    ``host``/``port``/``submission_port`` default to the configuration; port 0
    asks for any free port (read it from the returned servers' sockets). The
    implicit-TLS submission listener runs when ``submissions_port`` is given
    (0: any free port) or, when it is None, ``config.submissions_port`` is not 0.
    With ``reuse_port`` (SO_REUSEPORT), several processes started alike listen on the
    same ports and the kernel spreads the connections among them.
    """
    loop = asyncio.get_running_loop()
    host = host or config.smtp_host
    port = config.smtp_port if port is None else port
    submission_port = config.submission_port if submission_port is None else submission_port
    if submissions_port is None:
        submissions_port = config.submissions_port or None
    tls = server_context(config.tls_cert, config.tls_key)
    if submissions_port is not None and tls is None:
        raise ConfigurationError("the implicit-TLS submission port needs HOSTPANEL_TLS_CERT")
    if tls is None and not config.auth_plaintext_loopback:
        log.warning("submission: no TLS certificate configured, so nobody can log in")
    router = Router(config)
    mx_handler = MXHandler(config, router=router)
    submission_handler = SubmissionHandler(config, router=router,
                                           authenticator=Authenticator(config))
    options = _engine_options(config, loop, tls)
    submission_options = {
        **options,
        "auth_required": True,  # MAIL, RCPT, DATA before AUTH: 530 5.7.0
        "plaintext_auth_loopback": config.auth_plaintext_loopback,
    }
    listeners = [
        # The MX takes no logins: aiosmtpd's built-in mechanisms are off there.
        (lambda: SMTPProtocol(mx_handler, auth_exclude_mechanism=["LOGIN", "PLAIN"], **options),
         port, None),
        (lambda: SMTPProtocol(submission_handler, **submission_options), submission_port, None),
    ]
    if submissions_port is not None:
        implicit = {**submission_options, "tls_context": None, "implicit_tls": True}
        listeners.append(
            (lambda: SMTPProtocol(submission_handler, **implicit), submissions_port, tls)
        )
    servers: list[asyncio.Server] = []
    try:
        for factory, listen_port, ssl in listeners:
            servers.append(await loop.create_server(factory, host, listen_port, ssl=ssl,
                                                    reuse_port=reuse_port or None))
    except BaseException:
        for server in servers:
            server.close()
        raise
    return servers
