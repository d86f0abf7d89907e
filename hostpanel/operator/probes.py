"""Is each service up? Short probes, run together in threads, each bounded in time.

A probe returns ``(state, detail)``: ``up``, ``down``, ``warning`` (it answers,
but something is missing, such as a Celery worker) or ``off`` (not configured).
:func:`run_all` waits at most :data:`DEADLINE` seconds for all of them together;
a probe still running then is reported down, and its thread is left to end by
its own timeout, so the page answers in time even when every service hangs.
"""

import asyncio
import socket
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import dataclass

from django.conf import settings
from django.db import connections
from django.utils import timezone, translation
from django.utils.timesince import timesince
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

UP, DOWN, WARNING, OFF = "up", "down", "warning", "off"
PROBE_TIMEOUT = 1.5  # seconds one network probe may take (connect and greeting)
PING_TIMEOUT = 1.0  # seconds Celery workers get to answer a ping
DEADLINE = 2.5  # seconds the page waits for every probe together
BEAT_STALE = 180  # seconds: the heartbeat runs every minute
MAX_LINE = 512


@dataclass(frozen=True)
class Service:
    key: str
    name: str
    address: str
    state: str
    detail: str


def _seconds(value: float) -> str:
    return f"{value:g}"


def _read_line(sock: socket.socket, deadline: float) -> str:
    data = b""
    while b"\n" not in data and len(data) < MAX_LINE:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError
        sock.settimeout(remaining)
        chunk = sock.recv(MAX_LINE)
        if not chunk:
            break
        data += chunk
    return data.split(b"\n", 1)[0].decode("utf-8", "replace").strip()


def greeting(host: str, port: int, expected: str, timeout: float | None = None):
    """Connect, read the server's first line, say QUIT: up when it starts with ``expected``."""
    timeout = PROBE_TIMEOUT if timeout is None else timeout
    deadline = time.monotonic() + timeout
    try:
        with socket.create_connection((host, port), timeout=timeout) as sock:
            line = _read_line(sock, deadline)
            try:
                sock.sendall(b"QUIT\r\n")
            except OSError:
                pass
    except TimeoutError:
        return DOWN, _("no answer within %(seconds)s s") % {"seconds": _seconds(timeout)}
    except OSError as error:
        return DOWN, error.strerror or str(error) or type(error).__name__
    if not line:
        return DOWN, _("the connection was closed without a greeting")
    if line.startswith(expected):
        return UP, line
    return DOWN, _("unexpected greeting: %(line)s") % {"line": line}


def database():
    started = time.monotonic()
    connection = connections["default"]
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as error:  # any driver's error means down
        return DOWN, str(error) or type(error).__name__
    return UP, _("%(vendor)s answered in %(ms)d ms") % {
        "vendor": connection.vendor, "ms": (time.monotonic() - started) * 1000}


def redis_cache():
    if not settings.REDIS_URL:
        return OFF, _("not configured: each process keeps its own cache in memory")
    import redis

    client = redis.Redis.from_url(settings.REDIS_URL, socket_timeout=PROBE_TIMEOUT,
                                  socket_connect_timeout=PROBE_TIMEOUT)
    try:
        client.ping()
        version = client.info("server").get("redis_version", "")
    except redis.RedisError as error:
        return DOWN, str(error)
    finally:
        client.close()
    return UP, _("Redis %(version)s answered") % {"version": version}


def celery_broker():
    """The broker must be reachable; a worker answering a ping is good news, not required."""
    from hostpanel.celery import app

    connection = app.connection_for_write(settings.CELERY_BROKER_URL)
    try:
        try:
            connection.ensure_connection(max_retries=1, interval_start=0, interval_step=0,
                                         timeout=PROBE_TIMEOUT)
        except Exception as error:  # kombu wraps each transport's errors differently
            return DOWN, str(error) or type(error).__name__
        try:
            replies = app.control.ping(timeout=PING_TIMEOUT, connection=connection)
        except Exception:  # a transport without broadcast: nobody can answer
            replies = []
    finally:
        connection.release()
    workers = sorted(name for reply in replies for name in reply)
    if not workers:
        return WARNING, _("broker reachable; no worker answered within %(seconds)s s") % {
            "seconds": _seconds(PING_TIMEOUT)}
    return UP, ngettext("%(count)d worker answered: %(names)s",
                        "%(count)d workers answered: %(names)s", len(workers)) % {
        "count": len(workers), "names": ", ".join(workers)}


def clamd():
    if not settings.HOSTPANEL_CLAMD:
        return OFF, _("not configured: mail is accepted unscanned")
    from mailcore.filters.antivirus import Clamd, ClamdError

    async def ask():
        scanner = Clamd(settings.HOSTPANEL_CLAMD, PROBE_TIMEOUT)
        pong = await scanner.ping()
        return pong, await scanner.version()

    try:
        pong, version = asyncio.run(ask())
    except (ClamdError, ValueError) as error:
        return DOWN, str(error)
    if not pong:
        return DOWN, _("clamd did not answer PING with PONG")
    return UP, version


def beat():
    from hostpanel.operator.models import BEAT, Heartbeat

    row = Heartbeat.objects.filter(pk=BEAT).first()
    if row is None:
        return DOWN, _("never ran: is Celery beat running, and a worker?")
    now = timezone.now()
    detail = _("last ran %(age)s ago") % {"age": timesince(row.at, now)}
    if (now - row.at).total_seconds() > BEAT_STALE:
        return DOWN, detail
    return UP, detail


def _address(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def _without_password(url: str) -> str:
    """``redis://:secret@host:6379/0`` -> ``redis://host:6379/0``: never show a password."""
    if "@" not in url:
        return url
    scheme, _sep, rest = url.partition("://")
    return f"{scheme}://{rest.rpartition('@')[2]}"


def services() -> list[tuple[str, str, str, Callable]]:
    """``(key, name, address, probe)`` of every service the page checks."""
    smtp, pop3 = settings.HOSTPANEL_SMTP_HOST, settings.HOSTPANEL_POP3_HOST
    db = settings.DATABASES["default"]
    return [
        ("smtp", _("SMTP (MX)"), _address(smtp, settings.HOSTPANEL_SMTP_PORT),
         lambda: greeting(smtp, settings.HOSTPANEL_SMTP_PORT, "220")),
        ("submission", _("Submission"), _address(smtp, settings.HOSTPANEL_SUBMISSION_PORT),
         lambda: greeting(smtp, settings.HOSTPANEL_SUBMISSION_PORT, "220")),
        ("pop3", _("POP3"), _address(pop3, settings.HOSTPANEL_POP3_PORT),
         lambda: greeting(pop3, settings.HOSTPANEL_POP3_PORT, "+OK")),
        ("database", _("Database"), db["ENGINE"].rsplit(".", 1)[-1], database),
        ("cache", _("Cache (Redis)"), _without_password(settings.REDIS_URL), redis_cache),
        ("broker", _("Celery broker and workers"),
         _without_password(settings.CELERY_BROKER_URL), celery_broker),
        ("clamd", _("Virus scanner (clamd)"), settings.HOSTPANEL_CLAMD, clamd),
        ("beat", _("Celery beat (heartbeat)"), "", beat),
    ]


def _in_thread(probe: Callable, language: str):
    """Run one probe in a pool thread: the request's language, no database connection left."""
    try:
        with translation.override(language):
            return probe()
    except Exception as error:  # a probe never breaks the page
        return DOWN, f"{type(error).__name__}: {error}"
    finally:
        connections.close_all()


def run_all(extra: dict[str, Callable] | None = None) -> tuple[list[Service], dict]:
    """Every probe (and ``extra`` jobs, such as the disk walk) at once, within DEADLINE.

    Returns the services and the results of ``extra`` (None for a job still running).
    """
    language = translation.get_language()
    specs = services()
    extra = extra or {}
    pool = ThreadPoolExecutor(max_workers=len(specs) + len(extra),
                              thread_name_prefix="status-probe")
    try:
        futures = [pool.submit(_in_thread, probe, language) for *_, probe in specs]
        jobs = {key: pool.submit(_in_thread, job, language) for key, job in extra.items()}
        wait([*futures, *jobs.values()], timeout=DEADLINE)
    finally:
        pool.shutdown(wait=False, cancel_futures=True)
    late = (DOWN, _("no answer within %(seconds)s s") % {"seconds": _seconds(DEADLINE)})
    results = [
        Service(key, name, address, *(future.result() if future.done() else late))
        for (key, name, address, _probe), future in zip(specs, futures, strict=True)
    ]
    return results, {key: job.result() if job.done() else None for key, job in jobs.items()}
