"""One delivery attempt of a queued message (the Celery task ``deliver_outbound``).

The attempt claims the message (a lease: see ``directory.claim_outbound``),
so a task delivered twice, or two workers, never send it at the same time; a
message already finished is left alone. It signs the message with the DKIM
key of its domain, rewrites a forwarded message's envelope sender with SRS,
and sends it to each recipient domain's MX hosts (or the smarthost); a mailing
list's post (origin ``list``) goes in one transaction per recipient, each with
its VERP envelope sender (:func:`verp_sender`). Each
result is recorded as soon as a server has answered, before the session is
closed (and, for a list, before the next copy), so a recipient that got its
copy is never sent another. Temporarily failed recipients are tried again
with a growing delay until the message expires; permanent failures and expiry
send one DSN to the sender. The spool file goes when nothing is left to do.
In the live demo every copy goes to the demo's outbox mailbox instead
(:mod:`mailcore.queue.demo_outbox`): no SMTP connection is ever made.

Killing the worker loses nothing: an unfinished message stays in the spool and
the database, and the sweep re-sends it when its lease is over. Only a kill
between a remote 250 and its recording (one database write, done before QUIT)
sends that copy again: the crash window RFC 5321 section 6.1 accepts.
"""

import logging
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from mailcore import directory as default_directory
from mailcore.lists import oneclick
from mailcore.queue import client, demo_outbox, dkim, dsn, mx, spool, srs
from mailcore.queue.client import DEFERRED, FAILED, Outcome
from mailcore.routing.executor import Router

log = logging.getLogger("mailcore.queue")

LEASE = timedelta(minutes=30)  # longer than any one attempt takes (see BUDGET)
BUDGET = LEASE / 2  # no new domain is started after this: the rest waits for the retry
FIRST_RETRY = timedelta(minutes=5)
MAX_RETRY = timedelta(hours=4)
WAITING = ("pending", "deferred")


def retry_delay(attempts: int) -> timedelta:
    """5 minutes after the first attempt, then 10, 20, ... at most 4 hours."""
    return min(FIRST_RETRY * 2 ** min(max(attempts - 1, 0), 16), MAX_RETRY)


def attempt(queue_id: str, *, directory=default_directory) -> None:
    """Try to deliver the queued message ``queue_id`` once, if it is due and not done."""
    config = directory.server_config()
    message = directory.claim_outbound(queue_id, LEASE)
    if message is None:
        log.info("%s: not due, finished or unknown: nothing to do", queue_id)
        return
    path = spool.message_path(config.spool, queue_id)
    waiting = [r.address for r in message.recipients if r.state in WAITING]
    try:
        original = path.read_bytes()
    except FileNotFoundError:
        log.error("%s: the spool file %s is missing", queue_id, path)
        original = b""
        outcomes = [Outcome(address, FAILED, "5.3.0", "the queued message file is missing")
                    for address in waiting]
        _log_results(message, outcomes)
    else:
        outcomes = _send(config, message, original, waiting, directory) if waiting else []
    _conclude(config, message, original, outcomes, directory)


def envelope_sender(message, config, directory=default_directory) -> str:
    """MAIL FROM: the sender, or for forwarded mail from elsewhere its SRS address."""
    sender = message.sender
    if message.origin != "forward" or not sender:
        return sender
    if directory.is_local_domain(sender.rpartition("@")[2].lower()):
        return sender  # our own domains' SPF lists us already
    return srs.rewrite(sender, message.domain or config.hostname, config.secret)


def verp_sender(sender: str, recipient: str) -> str:
    """A list post's envelope sender for one recipient (VERP).

    ``team-return-12-@example.com`` for ``bob@remote.test`` is
    ``team-return-12-bob=remote.test@example.com``: a bounce names the copy that failed.
    """
    local, _, domain = sender.rpartition("@")
    user, _, host = recipient.rpartition("@")
    return f"{local}{user.lower()}={host.lower()}@{domain}"


def signed(original: bytes, message, directory=default_directory) -> bytes:
    """The message as sent: CRLF line endings, DKIM-signed for its hosted domain.

    Forwarded mail keeps its original signatures and gets none of ours.
    """
    data = client.to_crlf(original)
    if message.domain and message.origin != "forward":
        key = directory.dkim_signing_key(message.domain)
        if key is not None:
            data = dkim.sign(data, key.domain, key.selector, key.private_key)
    return data


def _groups(config, recipients: Sequence[str]) -> dict[str, list[str]]:
    """Recipients by the domain whose servers take them (one group for a smarthost)."""
    if config.smarthost:
        return {"": list(recipients)}
    groups: dict[str, list[str]] = {}
    for address in recipients:
        groups.setdefault(address.rpartition("@")[2].lower(), []).append(address)
    return groups


def _route(config, domain: str, resolver) -> tuple[list[mx.Destination], int]:
    """Where to connect for ``domain`` ('' for the smarthost); raises mx.LookupFailed."""
    if not domain:
        host, port = mx.parse_host_port(config.smarthost, default_port=25)
        if mx.is_ip_address(host):
            return [mx.Destination(host, host)], port
        addresses = mx.host_addresses(host, resolver)
        if not addresses:
            raise mx.LookupFailed("4.4.4", f"smarthost {host} has no address", permanent=False)
        return [mx.Destination(host, address) for address in addresses], port
    return mx.destinations(domain, resolver), config.smtp_delivery_port


def _personal(config, message, original, directory):
    """A list message's copy for one recipient (its own unsubscribe link), signed."""
    route = directory.find_route(message.sender)
    target = route.list_target if route is not None else None
    if target is None or not config.panel_url.startswith("https://"):
        data = signed(original, message, directory)
        return lambda recipient: data
    # A list of a reseller's domain links to the reseller's panel host, not ours.
    brand = directory.brand_for_domain(route.domain)
    panel_url = f"https://{brand.panel_host}" if brand is not None else config.panel_url

    def copy(recipient: str) -> bytes:
        personal = oneclick.personal_copy(client.to_crlf(original), recipient,
                                          panel_url=panel_url, secret=config.secret,
                                          list_id=target.list_id)
        return signed(personal, message, directory)

    return copy


def _send(config, message, original, recipients, directory) -> list[Outcome]:
    if message.origin == "list":
        data = _personal(config, message, original, directory)
    else:
        data = signed(original, message, directory)
    sender = envelope_sender(message, config, directory)
    resolver = mx.make_resolver(config.dns)
    deadline = time.monotonic() + BUDGET.total_seconds()
    outcomes: list[Outcome] = []
    recorded: set[str] = set()

    def record(results: list[Outcome]) -> None:
        """Deliveries (and deferrals) as soon as a server has answered, before the session
        is closed; failures are recorded once their DSN is queued (``_conclude``)."""
        states = [(r.recipient, r.state, r.error) for r in results if r.state != FAILED]
        if states:
            directory.record_outcomes(message.queue_id, states)
        recorded.update(r.recipient for r in results)

    for domain, group in _groups(config, recipients).items():
        if config.demo_outbox:  # the live demo: nothing leaves the machine
            results = demo_outbox.keep(config, message.queue_id, sender, group, data, directory)
        elif time.monotonic() > deadline:
            results = [Outcome(address, DEFERRED, "4.4.7", "not tried in this attempt: "
                               "other domains took too long") for address in group]
        else:
            results = _send_to_domain(config, domain, resolver, sender, group, data,
                                      verp=message.origin == "list", answered=record)
        record([r for r in results if r.recipient not in recorded])
        _log_results(message, results, sender)
        outcomes += results
    return outcomes


def _log_results(message, results: list[Outcome], sender: str | None = None) -> None:
    """One line per recipient of an attempt (each has its own outcome and reply)."""
    for result in results:
        log.info("%s to=<%s> mx=%s result=%s %s", message.queue_id, result.recipient,
                 result.host or "-", result.state, result.diagnostic,
                 extra={"event": "queue.delivery", "queue_id": message.queue_id,
                        "from": message.sender if sender is None else sender,
                        "recipients": [result.recipient], "host": result.host or None,
                        "outcome": result.state, "status": result.status,
                        "reply": result.diagnostic, "remote": result.remote,
                        "attempt": message.attempts, "origin": message.origin})


def _send_to_domain(config, domain, resolver, sender, recipients, data, *,
                    verp: bool = False, answered=None) -> list[Outcome]:
    """``verp``: one transaction per recipient, with its own envelope sender (lists);
    ``answered``: called with each transaction's outcomes before the session ends."""
    try:
        destinations, port = _route(config, domain, resolver)
    except mx.LookupFailed as error:
        state = FAILED if error.permanent else DEFERRED
        return [Outcome(address, state, error.status, error.text) for address in recipients]
    if verp:
        envelopes = [(verp_sender(sender, address), address) for address in recipients]
        return client.deliver_each(destinations, port, envelopes, data, helo=config.hostname,
                                   answered=answered)
    return client.deliver(destinations, port, sender, recipients, data, helo=config.hostname,
                          answered=answered)


def _conclude(config, message, original, outcomes, directory) -> None:
    now = datetime.now(UTC)
    failed = [outcome for outcome in outcomes if outcome.state == FAILED]
    deferred = [outcome for outcome in outcomes if outcome.state == DEFERRED]
    expired = bool(deferred) and now >= message.expires_at
    if expired:
        log.info("%s: expired after %d attempts", message.queue_id, message.attempts,
                 extra={"event": "queue.expired", "queue_id": message.queue_id,
                        "attempt": message.attempts,
                        "recipients": [outcome.recipient for outcome in deferred]})
        failed, deferred = failed + deferred, []
    if failed:
        if message.origin == "list":
            _report_to_list(config, message, original, failed, expired, directory)
        else:
            dsn.notify_sender(message, original, failed, expired=expired, config=config,
                              directory=directory)
        failures = [(outcome.recipient, FAILED, outcome.error) for outcome in failed]
        directory.record_outcomes(message.queue_id, failures)
    if deferred:
        when = min(now + retry_delay(message.attempts), message.expires_at)
        directory.retry_outbound(message.queue_id, when)
        return
    directory.finish_outbound(message.queue_id)
    spool.message_path(config.spool, message.queue_id).unlink(missing_ok=True)


def _report_to_list(config, message, original, failed, expired, directory) -> None:
    """A list post's failed copies: a DSN each to its VERP address, where the list counts it.

    The VERP address is the list's own (hosted here): the router takes it
    straight to :mod:`mailcore.lists.bounces`, as it does bounces from elsewhere.
    """
    router = Router(config, directory)
    for failure in failed:
        address = verp_sender(message.sender, failure.recipient)
        route = directory.find_route(address)
        if route is None:
            log.warning("%s: no list takes the bounce address <%s>", message.queue_id, address)
            continue
        subject, text = dsn.notice_text(config.hostname, [failure], expired=expired,
                                        lifetime_days=config.queue_lifetime_days,
                                        directory=directory)
        report = dsn.failure_report(hostname=config.hostname, queue_id=message.queue_id,
                                    sender=address, arrival=message.created_at,
                                    original=original, failures=[failure], subject=subject,
                                    text=text)
        router.route(report, "", [(address, route)], origin="bounce")
