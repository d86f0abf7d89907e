"""What the dashboard's daily counters learn from each message (hostpanel.dashboard).

Per hosted recipient domain: a message accepted for it counts once as received,
each copy held in its spam account once as spam, and an infected message
refused once as a virus. One directory call (one UPDATE) per message and domain,
from a worker thread; a failure is logged, never felt by the message.
"""

import logging
from collections.abc import Iterable, Sequence

log = logging.getLogger("mailcore.smtp")


def recipient_domains(routes: Iterable[tuple[str, object]]) -> set[str]:
    """Hosted domains among the routed recipients (remote ones have no route)."""
    return {route.domain.lower() for _address, route in routes if route is not None}


def accepted(batches: Sequence, outcomes: Sequence, caught: Sequence[str],
             routes: Sequence[tuple[str, object]]) -> dict[str, dict[str, int]]:
    """``{domain: {"received": 1, "spam": n}}`` for a message whose DATA got 250.

    ``outcomes`` are the router's, one per batch; ``caught`` the recipients whose
    copy went to their domain's spam account instead.
    """
    counts: dict[str, dict[str, int]] = {}
    for batch, outcome in zip(batches, outcomes, strict=False):
        if outcome.accepted:
            for domain in recipient_domains(batch.routes):
                counts.setdefault(domain, {"received": 1})
    by_address = dict(routes)
    for address in caught:
        route = by_address.get(address)
        if route is not None:
            entry = counts.setdefault(route.domain.lower(), {"received": 1})
            entry["spam"] = entry.get("spam", 0) + 1
    return counts


def record(directory, counts: dict[str, dict[str, int]]) -> None:
    """Add ``counts`` to today's counters (blocking: call it from a thread)."""
    count_mail = getattr(directory, "count_mail", None)  # a test's fake may have none
    if count_mail is None:
        return
    for domain, changes in sorted(counts.items()):
        try:
            count_mail(domain, **changes)
        except Exception:  # count_mail logs database errors itself: this is a bug
            log.exception("mail counters of %s not updated", domain)
