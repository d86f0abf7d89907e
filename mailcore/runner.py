"""Run asyncio servers until SIGTERM or SIGINT, then close them cleanly."""

import asyncio
import logging
import signal
from collections.abc import Awaitable, Callable

log = logging.getLogger(__name__)


async def serve_until_stopped(
    start: Callable[[], Awaitable[list[asyncio.Server]]],
    name: str,
    stop: asyncio.Event | None = None,
) -> None:
    """Start servers with ``start()``, print where they listen, wait for a signal.

    Each listening address is printed as ``<name> listening on HOST:PORT`` on
    stdout (flushed), which is how tests learn the port when they asked for 0.
    """
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    servers = await start()
    for server in servers:
        for sock in server.sockets:
            host, port = sock.getsockname()[:2]
            print(f"{name} listening on {host}:{port}", flush=True)
    try:
        await stop.wait()
    finally:
        log.info("%s stopping", name)
        for server in servers:
            server.close()
        for server in servers:
            await server.wait_closed()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(signum)
