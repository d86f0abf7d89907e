"""Restoring the live demo to its fixture, and when that happens.

:func:`reset` deletes everything of demo.example (its rows, whatever visitors
added, and its files) and builds it again from :mod:`hostpanel.demo.fixture`,
holding the reset lock so that no page is served from a half-restored demo.
Nothing outside demo.example is touched. Celery beat calls it every
``HOSTPANEL_DEMO_RESET_MINUTES`` (``hostpanel.demo.tasks.reset``); ``make demo``
and ``manage.py demo reset`` call it once.
"""

import logging
import os
import secrets
import shutil
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from hostpanel.demo import DEMO_DOMAIN, fixture
from hostpanel.demo.lock import reset_lock
from hostpanel.domains.models import Account, DeletedMailbox, Domain
from hostpanel.outbound.models import OutboundMessage
from hostpanel.quarantine.models import QuarantinedMessage
from hostpanel.routing.models import AutoReplySent
from hostpanel.spam.models import DomainSpamSettings
from mailcore.filters.spam import store as spam_store
from mailcore.queue.spool import message_path

log = logging.getLogger("hostpanel.demo")

ASIDE_PREFIX = ".demo-reset-"


def _state_path() -> Path:
    return Path(settings.HOSTPANEL_HOME) / "demo-last-reset"


def last_reset() -> datetime | None:
    """When the demo was last restored (by any process); None when it never was."""
    try:
        return datetime.fromisoformat(_state_path().read_text().strip())
    except (OSError, ValueError):
        return None


def next_reset(now: datetime | None = None) -> datetime:
    """When the next scheduled reset runs: the first beat tick after ``now``.

    Beat resets the demo at every minute of the hour that is a multiple of
    ``HOSTPANEL_DEMO_RESET_MINUTES`` (``crontab(minute="*/15")``: :00, :15, :30,
    :45), in ``TIME_ZONE``. A moment exactly on a tick gives the following one.
    Returned in the current time zone; the countdown banner shows the difference.
    """
    step = settings.HOSTPANEL_DEMO_RESET_MINUTES
    local = timezone.localtime(now or timezone.now())
    hour = local.replace(minute=0, second=0, microsecond=0)
    for minute in range(0, 60, step):
        tick = hour + timedelta(minutes=minute)
        if tick > local:
            return tick
    return hour + timedelta(hours=1)


@dataclass
class _Leftovers:
    """What the deletion leaves to do once the transaction is committed."""

    dkim_key: dict | None = None
    files: list[Path] = field(default_factory=list)  # removed after the commit
    folders: list[Path] = field(default_factory=list)


def _demo_trees() -> list[Path]:
    """demo.example's own folders: its Maildirs, and its lists' archives and held posts."""
    return [Path(settings.HOSTPANEL_MAIL_ROOT) / DEMO_DOMAIN,
            Path(settings.HOSTPANEL_LISTS) / DEMO_DOMAIN]


def _move_aside() -> list[tuple[Path, Path]]:
    """Rename the demo's folders out of the way (put back if the rebuild fails).

    Folders a reset that crashed left aside are removed first (the caller holds the
    reset lock: no other reset is running).
    """
    moved = []
    token = secrets.token_hex(4)
    for tree in _demo_trees():
        for stale in tree.parent.glob(f"{ASIDE_PREFIX}*"):
            shutil.rmtree(stale, ignore_errors=True)
        if tree.exists():
            aside = tree.parent / f"{ASIDE_PREFIX}{token}"
            os.rename(tree, aside)
            moved.append((tree, aside))
    return moved


def _put_back(moved: list[tuple[Path, Path]]) -> None:
    for tree, aside in moved:
        shutil.rmtree(tree, ignore_errors=True)
        os.rename(aside, tree)
    for tree in _demo_trees():
        if not any(tree == original for original, _aside in moved):
            shutil.rmtree(tree, ignore_errors=True)  # made by the failed rebuild


def _delete_sessions(domain: Domain) -> None:
    """Sign out every session of an account the fixture does not make again.

    The fixture's accounts come back under the same usernames, so their sessions
    may carry on (the demo middleware signs them in again).
    """
    from allauth.usersessions.models import UserSession

    stable = fixture.usernames()
    for session in UserSession.objects.filter(user__domain=domain) \
            .exclude(user__username__in=stable):
        session.end()


def _delete_demo() -> _Leftovers:
    """Delete every row of demo.example; its files are listed for after the commit."""
    leftovers = _Leftovers()
    domain = Domain.objects.filter(name=DEMO_DOMAIN).first()
    mail_root = Path(settings.HOSTPANEL_MAIL_ROOT)
    deleted = DeletedMailbox.objects.filter(path__startswith=f".deleted/{DEMO_DOMAIN}/")
    leftovers.folders += [mail_root / path for path in deleted.values_list("path", flat=True)]
    deleted.delete()
    AutoReplySent.objects.filter(responder__iendswith=f"@{DEMO_DOMAIN}").delete()
    leftovers.files.append(spam_store.domain_path(Path(settings.HOSTPANEL_SPAM_MODELS),
                                                  DEMO_DOMAIN))
    if domain is None:
        return leftovers
    leftovers.dkim_key = fixture.dkim_key_of(domain)
    _delete_sessions(domain)
    # An entry shared with another domain keeps its files for that domain's row.
    quarantined = QuarantinedMessage.objects.filter(domain=domain)
    entries = dict(quarantined.values_list("entry_id", "path"))
    quarantined.delete()
    kept = set(QuarantinedMessage.objects.filter(entry_id__in=list(entries))
               .values_list("entry_id", flat=True))
    for entry_id, path in entries.items():
        if entry_id not in kept:
            leftovers.files += [Path(path), Path(path).with_suffix(".json")]
    queued = OutboundMessage.objects.filter(domain=domain)
    spool = Path(settings.HOSTPANEL_SPOOL)
    leftovers.files += [message_path(spool, queue_id)
                        for queue_id in queued.values_list("queue_id", flat=True)]
    queued.delete()
    DomainSpamSettings.objects.filter(domain=domain).delete()  # it protects the spam account
    Account.objects.filter(domain=domain).delete()
    domain.delete()
    return leftovers


def _record(now: datetime) -> None:
    path = _state_path()
    tmp = path.with_name(f"{path.name}.{os.getpid()}")
    tmp.write_text(now.isoformat() + "\n")
    os.replace(tmp, path)


def reset(now: datetime | None = None) -> float:
    """Restore demo.example to the fixture; returns the seconds it took.

    Under the exclusive reset lock: the demo's folders are renamed aside, its rows
    deleted and the fixture built in one transaction; then the old folders and files
    go. If the rebuild fails, the transaction is rolled back and the folders are put
    back, so the demo stays as it was.
    """
    started = time.monotonic()
    now = now or timezone.now()
    with reset_lock(exclusive=True):
        moved = _move_aside()
        written: list[Path] = []
        try:
            with transaction.atomic():
                leftovers = _delete_demo()
                fixture.build(now, dkim_key=leftovers.dkim_key, written=written)
        except BaseException:
            for path in written:
                path.unlink(missing_ok=True)
            _put_back(moved)
            raise
        for path in leftovers.files:
            path.unlink(missing_ok=True)
        for folder in [aside for _tree, aside in moved] + leftovers.folders:
            shutil.rmtree(folder, ignore_errors=True)
        _record(now)
    elapsed = time.monotonic() - started
    log.info("demo reset: %s restored to its fixture in %.2f s", DEMO_DOMAIN, elapsed)
    return elapsed
