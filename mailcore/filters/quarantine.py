"""Putting an infected message in the quarantine, durably, before the client hears 554.

An entry is ``<quarantine>/messages/<entry id>.eml`` (the message as received, with our
Received header) and ``<entry id>.json`` (envelope, virus, time, client IP),
each written to ``tmp/``, fsynced and renamed like the spool's files, then its
database rows (one per hosted domain involved). Synchronous: use a thread.
"""

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from mailcore import directory as default_directory
from mailcore.queue.spool import new_queue_id, write_durably


@dataclass(frozen=True)
class Infected:
    sender: str
    recipients: tuple[str, ...]
    virus: str
    client_ip: str
    domains: tuple[str, ...]  # hosted domains involved: recipients' (and the sender's)


def entry_paths(quarantine: Path, entry_id: str) -> tuple[Path, Path]:
    """``(message file, envelope file)`` of an entry."""
    if not entry_id.isalnum():
        raise ValueError(f"not a quarantine entry: {entry_id!r}")
    folder = Path(quarantine) / "messages"
    return folder / f"{entry_id}.eml", folder / f"{entry_id}.json"


def store(quarantine: Path, message: bytes, infected: Infected,
          directory=default_directory, now: datetime | None = None) -> str:
    """Quarantine ``message``; returns the entry id. Nothing is left half-written on error."""
    now = now or datetime.now(UTC)
    entry_id = new_queue_id()
    message_file, envelope_file = entry_paths(quarantine, entry_id)
    envelope = {
        "sender": infected.sender,
        "recipients": list(infected.recipients),
        "virus": infected.virus,
        "time": now.isoformat(),
        "client_ip": infected.client_ip,
    }
    try:
        write_durably(message_file, message)
        write_durably(envelope_file, json.dumps(envelope, indent=1).encode() + b"\n")
        directory.record_quarantine(
            entry_id, str(message_file), sender=infected.sender,
            recipients=infected.recipients, virus=infected.virus,
            client_ip=infected.client_ip, size=len(message), created_at=now,
            domains=infected.domains)
    except BaseException:
        message_file.unlink(missing_ok=True)
        envelope_file.unlink(missing_ok=True)
        raise
    return entry_id


def domains_involved(recipients: Sequence[tuple[str, object]], sender_domain: str | None):
    """Hosted domains of the routed recipients (a route is None for remote ones)."""
    domains = {address.rpartition("@")[2].lower() for address, route in recipients
               if route is not None}
    if sender_domain:
        domains.add(sender_domain.lower())
    return tuple(sorted(domains))
