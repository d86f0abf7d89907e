"""The hourly definitions refresh and what the operator sees of the virus scanner.

freshclam (when found) downloads new definitions; clamd is then asked to
RELOAD and for its VERSION (``ClamAV 1.4.6/27470/Tue Nov 25 09:30:00 2026``:
engine, definitions version, definitions date). The outcome is kept in the
one ScannerStatus row; definitions older than a day get a warning.
"""

import asyncio
import logging
import shutil
import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.utils import timezone

from hostpanel.quarantine.models import ScannerStatus
from mailcore.filters.antivirus import Clamd, ClamdError

log = logging.getLogger("hostpanel.quarantine")

FRESHCLAM_TIMEOUT = 600
MAX_AGE = timedelta(days=1)
MAX_OUTPUT = 4000


@dataclass(frozen=True)
class Version:
    engine: str
    definitions: str = ""
    date: datetime | None = None


def parse_version(answer: str) -> Version:
    """clamd's VERSION answer; the definitions part is absent without a .cvd/.cld database."""
    engine, _, rest = answer.strip().partition("/")
    definitions, _, date_text = rest.partition("/")
    try:
        date = datetime.strptime(" ".join(date_text.split()), "%a %b %d %H:%M:%S %Y")
    except ValueError:
        date = None
    return Version(engine.strip(), definitions.strip(), date.replace(tzinfo=UTC) if date else None)


def _run_freshclam() -> tuple[bool, bool, str]:
    """``(ran, succeeded, output)``."""
    command = settings.HOSTPANEL_FRESHCLAM
    path = shutil.which(command) if command else None
    if not path:
        return False, False, f"{command} not found" if command else "not configured"
    try:
        done = subprocess.run([path], capture_output=True, text=True, errors="replace",
                              timeout=FRESHCLAM_TIMEOUT, check=False)
    except (OSError, subprocess.TimeoutExpired) as error:
        return True, False, str(error)
    output = (done.stdout + done.stderr).strip()[-MAX_OUTPUT:]
    return True, done.returncode == 0, f"exit status {done.returncode}\n{output}".strip()


async def _reload_and_version(address: str, timeout: float) -> tuple[bool, str, str]:
    clamd = Clamd(address, timeout)
    try:
        answer = await clamd.reload()
    except ClamdError as error:
        return False, str(error), ""
    try:
        version = await clamd.version()
    except ClamdError:
        version = ""
    return answer == "RELOADING", answer, version


def refresh_definitions() -> ScannerStatus:
    """Run freshclam, RELOAD clamd, record the outcome; returns the status row."""
    ran, ok, output = _run_freshclam()
    if ran and not ok:
        log.warning("freshclam failed: %s", output.splitlines()[-1] if output else "")
    values = dict(checked_at=timezone.now(), freshclam_ran=ran, freshclam_ok=ok,
                  freshclam_output=output, reload_ok=False, reload_answer="")
    if settings.HOSTPANEL_CLAMD:
        reloaded, answer, version = asyncio.run(_reload_and_version(
            settings.HOSTPANEL_CLAMD, settings.HOSTPANEL_CLAMD_TIMEOUT))
        values.update(reload_ok=reloaded, reload_answer=answer[:500])
        if version:
            parsed = parse_version(version)
            values.update(version=version[:200], definitions_version=parsed.definitions,
                          definitions_date=parsed.date)
        if not reloaded:
            log.warning("clamd did not reload: %s", answer)
    else:
        values["reload_answer"] = "no scanner configured"
    status, _ = ScannerStatus.objects.update_or_create(pk=1, defaults=values)
    return status


@dataclass(frozen=True)
class Report:
    """What the operator's status page shows."""

    configured: bool
    status: ScannerStatus | None
    age: timedelta | None
    warnings: list[str]


def report(now: datetime | None = None) -> Report:
    from django.utils.translation import gettext as _

    now = now or timezone.now()
    status = ScannerStatus.objects.filter(pk=1).first()
    configured = bool(settings.HOSTPANEL_CLAMD)
    warnings = []
    age = None
    if not configured:
        warnings.append(_("No virus scanner is configured: mail is accepted unscanned."))
    elif status is None:
        warnings.append(_("The definitions have not been checked yet."))
    else:
        if status.definitions_date:
            age = now - status.definitions_date
            if age > MAX_AGE:
                warnings.append(_("The virus definitions are more than a day old."))
        else:
            warnings.append(_("clamd did not tell the definitions' date: their age is "
                              "unknown."))
        if not status.reload_ok:
            warnings.append(_("clamd did not reload the definitions: %(answer)s")
                            % {"answer": status.reload_answer})
        if status.freshclam_ran and not status.freshclam_ok:
            warnings.append(_("freshclam failed (see its output below)."))
    return Report(configured, status, age, warnings)
