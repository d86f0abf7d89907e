"""Bounces to the VERP addresses ``team-return-<n>-<user>=<host>@``: counted per subscriber.

The address names the subscriber whose copy failed, whatever the bounce says
(no parsing of the many DSN dialects; a report that only says "delayed" is
not a bounce). As ezmlm does: after :data:`HARD_BOUNCES` bounces over at
least :data:`MIN_SPAN`, the subscriber gets one warning, sent as message 0
(``team-return-0-<user>=<host>@``): the probe. When the probe bounces too, the
address is removed. Bounces naming nobody (a hosted subscriber's copy goes
with ``team-return-<n>-@``) are only logged.
"""

import logging
import re
from datetime import UTC, datetime, timedelta

from mailcore.directory import ListInfo
from mailcore.lists import cookies, mailer, post, texts

log = logging.getLogger("mailcore.lists")

HARD_BOUNCES = 3
MIN_SPAN = timedelta(days=1)
PROBE = 0  # the message number of warnings
_ACTION = re.compile(rb"^Action:\s*(\w+)", re.IGNORECASE | re.MULTILINE)


def bounced_address(argument: str) -> tuple[int, str] | None:
    """``12-jane=example.org`` -> ``(12, "jane@example.org")``; None when it names nobody."""
    number, dash, encoded = argument.partition("-")
    address = cookies.decode_address(encoded) if dash and number.isdigit() else None
    return (int(number), address) if address else None


def only_delayed(message: bytes) -> bool:
    """A delivery status report whose every recipient is merely delayed (RFC 3464)."""
    actions = {action.lower() for action in _ACTION.findall(message[:200_000])}
    return actions == {b"delayed"}


def handle(router, info: ListInfo, argument: str, message: bytes) -> None:
    found = bounced_address(argument)
    if found is None:
        log.info("%s: bounce to -return-%s names no subscriber", info.address, argument)
        return
    number, address = found
    if only_delayed(message):
        log.info("%s: delay report for <%s> ignored", info.address, address)
        return
    if number == PROBE:
        removed = router.directory.remove_bouncing_member(info.id, address)
        log.info("%s: warning to <%s> bounced: %s", info.address, address,
                 "removed" if removed else "not a warned subscriber")
        return
    state = router.directory.record_list_bounce(info.id, address)
    if state is None:
        log.info("%s: bounce for <%s>, not a subscriber", info.address, address)
        return
    log.info("%s: bounce %d for <%s>", info.address, state.bounces, address)
    if state.bounces >= HARD_BOUNCES and state.warned_at is None and \
            datetime.now(UTC) - state.first_bounce_at >= MIN_SPAN:
        warn(router, info, address)


def warn(router, info: ListInfo, address: str) -> None:
    """Send the probe: a warning whose bounce removes ``address``."""
    subject, text = texts.bounce_warning(info, address)
    data = mailer.notice(info, address, subject, text)
    post.send_to(router, info, data, PROBE, [address])
    router.directory.mark_list_warned(info.id, address)
    log.info("%s: <%s> warned after repeated bounces", info.address, address)
