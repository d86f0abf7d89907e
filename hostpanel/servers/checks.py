"""System checks: production refuses to start on an unsafe configuration.

With ``HOSTPANEL_PRODUCTION`` on, each problem below is an Error, so every
``manage.py`` command that runs the checks (migrate, smtpd, pop3d, web, ...) stops
with the list; gunicorn (``hostpanel/wsgi.py``) and Celery (``hostpanel/celery.py``)
call :func:`refuse_unsafe_start` for the same effect. Outside production only a
broken mail TLS configuration is reported, as a Warning: ``make run`` needs nothing set.

The secret key: production never uses the key generated into ``HOSTPANEL_HOME``
(settings.py leaves SECRET_KEY empty instead), so a missing key is told apart from
a development one by where it came from. Pointing ``HOSTPANEL_SECRET_KEY_FILE`` at
that generated file is a deliberate choice and accepted.
"""

import ipaddress
import ssl
import sys
from pathlib import Path

from django.conf import settings
from django.core import checks
from django.core.checks.security.base import (  # Django's own measure of a strong key
    SECRET_KEY_INSECURE_PREFIX,
    SECRET_KEY_MIN_LENGTH,
    SECRET_KEY_MIN_UNIQUE_CHARACTERS,
)
from django.core.exceptions import ImproperlyConfigured

LOOPBACK_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost"}


def is_loopback(host: str) -> bool:
    """Whether a listening address is reachable from this machine only ('' or 0.0.0.0: all)."""
    host = host.strip().strip("[]")
    if host.lower() in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _secret_key_problem() -> str | None:
    try:
        key = settings.SECRET_KEY
    except ImproperlyConfigured:
        key = ""
    if not key:
        return "no secret key is set"
    if key.startswith(SECRET_KEY_INSECURE_PREFIX):
        return f"the secret key starts with {SECRET_KEY_INSECURE_PREFIX!r}"
    if len(key) < SECRET_KEY_MIN_LENGTH:
        return f"the secret key is shorter than {SECRET_KEY_MIN_LENGTH} characters"
    if len(set(key)) < SECRET_KEY_MIN_UNIQUE_CHARACTERS:
        return (f"the secret key has fewer than {SECRET_KEY_MIN_UNIQUE_CHARACTERS} "
                "different characters")
    return None


def _mail_listeners_need_tls() -> str | None:
    """Why the mail servers need a certificate, or None (loopback only, no implicit TLS)."""
    for name in ("HOSTPANEL_SMTP_HOST", "HOSTPANEL_POP3_HOST"):
        host = getattr(settings, name)
        if not is_loopback(host):
            return f"{name} is {host or 'every address'!r}, beyond loopback"
    for name in ("HOSTPANEL_SUBMISSIONS_PORT", "HOSTPANEL_POP3S_PORT"):
        if getattr(settings, name):
            return f"{name} is set (implicit TLS)"
    return None


def _readable(path: str) -> str | None:
    """Why a file cannot be read, or None."""
    try:
        with Path(path).open("rb") as fh:
            fh.read(1)
    except OSError as error:
        return error.strerror or str(error)
    return None


def _tls_problems(level) -> list[checks.CheckMessage]:
    """servers.E003-E005 as ``level`` (Error in production; Warning W003-W005 outside)."""
    kind = "E" if level is checks.Error else "W"
    cert, key = settings.HOSTPANEL_TLS_CERT, settings.HOSTPANEL_TLS_KEY
    hint = ("Set HOSTPANEL_TLS_CERT and HOSTPANEL_TLS_KEY to the PEM certificate chain and "
            "private key of the mail host name, readable by the user the servers run as.")
    if not cert:
        if key:
            return [level("HOSTPANEL_TLS_KEY is set but HOSTPANEL_TLS_CERT is not.",
                          hint=hint, id=f"servers.{kind}003")]
        reason = _mail_listeners_need_tls()
        if reason:
            return [level(f"No TLS certificate for the mail servers: HOSTPANEL_TLS_CERT is "
                          f"unset while {reason}, so passwords would cross the network in "
                          "plain text.", hint=hint, id=f"servers.{kind}003")]
        return []
    for name, path in (("HOSTPANEL_TLS_CERT", cert), ("HOSTPANEL_TLS_KEY", key)):
        why = path and _readable(path)
        if why:
            return [level(f"{name} cannot be read: {path} ({why}).", hint=hint,
                          id=f"servers.{kind}004")]
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    try:
        context.load_cert_chain(cert, key or None)
    except (ssl.SSLError, OSError, ValueError) as error:
        return [level(f"HOSTPANEL_TLS_CERT ({cert}) and HOSTPANEL_TLS_KEY ({key or 'unset'}) "
                      f"do not load together as a certificate and its private key: {error}.",
                      hint=hint, id=f"servers.{kind}005")]
    return []


@checks.register("hostpanel")
def check_production_settings(app_configs=None, **kwargs):
    if not settings.HOSTPANEL_PRODUCTION:
        return _tls_problems(checks.Warning)
    errors = []
    if settings.DEBUG:
        errors.append(checks.Error(
            "HOSTPANEL_DEBUG is on in production: error pages would show settings and code.",
            hint="Set HOSTPANEL_DEBUG=false (or leave it unset).", id="servers.E001"))
    problem = _secret_key_problem()
    if problem:
        errors.append(checks.Error(
            f"Unsafe secret key in production: {problem}.",
            hint="Set HOSTPANEL_SECRET_KEY, or HOSTPANEL_SECRET_KEY_FILE to a file holding it, "
                 "to a random value of at least 50 characters, e.g. python3 -c 'import secrets; "
                 "print(secrets.token_urlsafe(50))'.",
            id="servers.E002"))
    hosts = settings.ALLOWED_HOSTS
    if not hosts or "*" in hosts:
        what = "empty" if not hosts else "'*' (any host)"
        errors.append(checks.Error(
            f"HOSTPANEL_ALLOWED_HOSTS is {what} in production.",
            hint="Set HOSTPANEL_ALLOWED_HOSTS to the panel's host names, comma-separated "
                 "(every reseller's panel host included).",
            id="servers.E006"))
    errors += _tls_problems(checks.Error)
    manifest = "Manifest" in settings.STORAGES["staticfiles"]["BACKEND"]
    if manifest and not _manifest_path().is_file():
        errors.append(checks.Error(
            f"The static files are not collected: {_manifest_path()} is missing, so every "
            "page would fail.",
            hint="Run manage.py collectstatic --noinput (after every upgrade).",
            id="servers.E007"))
    return errors


def _manifest_path() -> Path:
    return Path(settings.STATIC_ROOT) / "staticfiles.json"


def refuse_unsafe_start(process: str, exit_code: int = 1) -> None:
    """In production, stop a process that runs outside manage.py when a check fails.

    gunicorn and Celery load Django themselves, so nothing runs the system checks for
    them: this does, prints the errors on stderr and exits with ``exit_code``.
    """
    if not settings.HOSTPANEL_PRODUCTION:
        return
    import django
    from django.apps import apps
    from django.core.checks import run_checks

    if not apps.ready:
        django.setup()
    errors = [message for message in run_checks()
              if message.is_serious() and not message.is_silenced()]
    if not errors:
        return
    lines = [f"hostpanel {process}: refusing to start, the configuration is unsafe:"]
    lines += [f"  {message}" for message in errors]
    sys.stderr.write("\n".join(lines) + "\n")
    sys.stderr.flush()
    raise SystemExit(exit_code)
