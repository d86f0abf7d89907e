"""Building and starting the SMTP listeners on the running event loop.

Both listeners are plain ``loop.create_server`` servers (not aiosmtpd's
Controller thread), so that MX, submission and anything else share one loop.
"""

import asyncio

from mailcore.directory import ServerConfig
from mailcore.smtp.handler import MXHandler, SubmissionHandler
from mailcore.smtp.protocol import SMTPProtocol
from mailcore.tls import server_context

IDENT = "ESMTP hostpanel"


def _engine_options(config: ServerConfig, loop: asyncio.AbstractEventLoop) -> dict:
    return {
        "hostname": config.hostname,
        "ident": IDENT,
        "data_size_limit": config.message_size_limit or None,
        "enable_SMTPUTF8": True,
        "decode_data": False,  # bytes as received: 8BITMIME is advertised and kept intact
        "tls_context": server_context(config.tls_cert, config.tls_key),
        "timeout": config.smtp_timeout,
        "loop": loop,
        # aiosmtpd's built-in LOGIN and PLAIN are off on both listeners: the MX
        # takes no logins, and submission gets its own with the submission issue.
        "auth_exclude_mechanism": ["LOGIN", "PLAIN"],
    }


async def start_servers(
    config: ServerConfig,
    host: str | None = None,
    port: int | None = None,
    submission_port: int | None = None,
) -> list[asyncio.Server]:
    """Start the MX and the submission listener; returns ``[mx, submission]``.

    ``host``/``port``/``submission_port`` default to the configuration; port 0
    asks for any free port (read it from the returned servers' sockets).
    """
    loop = asyncio.get_running_loop()
    host = host or config.smtp_host
    port = config.smtp_port if port is None else port
    submission_port = config.submission_port if submission_port is None else submission_port
    options = _engine_options(config, loop)
    mx_handler = MXHandler(config)
    submission_handler = SubmissionHandler(config)
    mx = await loop.create_server(lambda: SMTPProtocol(mx_handler, **options), host, port)
    try:
        submission = await loop.create_server(
            lambda: SMTPProtocol(
                submission_handler,
                auth_required=True,  # MAIL before AUTH: 530 (see SubmissionHandler)
                **options,
            ),
            host,
            submission_port,
        )
    except BaseException:
        mx.close()
        raise
    return [mx, submission]
