"""Carrying a delivery plan out: Maildir copies, the outbound spool, automatic replies.

Synchronous (directory, disk, spool): the SMTP handlers call :meth:`Router.route`
from a worker thread. When it returns, every local copy is fsynced and every
remote copy spooled (file and record): only then may the client hear 250. An
error propagates (the client is told to try again later; a copy already
stored may then arrive twice, which RFC 5321 prefers to a loss).

When nothing could be delivered because of a loop (or a forward to nowhere),
nothing is done and the caller refuses the message (``554 5.4.6``): the
sending server bounces it. When some copies arrived and others looped, the
sender gets one DSN (:mod:`mailcore.queue.dsn`) for the others.

Mailing lists' jobs (posts, commands) are carried out next, by
:mod:`mailcore.lists.dispatch`, also before the client hears 250.

Automatic replies are sent after that, each on its own: a reply that fails is
logged, never turned into a failure of the message it answers.
"""

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from mailcore import directory as default_directory
from mailcore.addresses import AddressError, split_address
from mailcore.delivery.local import has_room
from mailcore.directory import QueuedMessage, Route, ServerConfig
from mailcore.lists import dispatch as lists
from mailcore.maildir import Maildir, to_lf
from mailcore.queue import dsn, spool
from mailcore.queue.client import FAILED
from mailcore.queue.client import Outcome as Failure
from mailcore.routing.facts import MessageFacts, read_facts
from mailcore.routing.plan import Plan, RemoteCopy, ReplyJob, build_plan
from mailcore.routing.reply import build_reply

log = logging.getLogger("mailcore.routing")

LOOP = "loop"
TOO_MANY_HOPS = "too many hops"
MAILBOX_FULL = "mailbox full"
NO_SUCH_USER = "no such user"


@dataclass(frozen=True)
class Outcome:
    plan: Plan
    refused: str = ""  # why nothing was accepted (LOOP, MAILBOX_FULL, NO_SUCH_USER); '' if it was
    delivered: tuple[str, ...] = ()  # mailboxes that have a durable copy
    over_quota: tuple[str, ...] = ()  # of those, the ones it took over their quota
    queued: tuple[str, ...] = ()  # queue ids of the spooled remote copies
    replied: tuple[str, ...] = ()  # responders whose automatic reply went out

    @property
    def accepted(self) -> bool:
        return not self.refused


def delivered_to(trace: Sequence[str]) -> bytes:
    """``Delivered-To:`` lines for the addresses a copy passed, the latest on top (qmail)."""
    return b"".join(f"Delivered-To: {address}\r\n".encode() for address in reversed(trace))


def _domain(address: str) -> str:
    return address.rpartition("@")[2]


class Router:
    """Routes accepted messages; one per server, shared by its sessions' threads."""

    def __init__(self, config: ServerConfig, directory=default_directory, enqueue=spool.enqueue):
        self.config = config
        self.directory = directory
        self.enqueue = enqueue

    def route(
        self,
        message: bytes,
        sender: str,
        recipients: Sequence[tuple[str, Route | None]],
        *,
        origin: str = "submission",
        domain: str | None = None,
        today: date | None = None,
        max_hops: int = 0,
    ) -> Outcome:
        """Deliver ``message`` (CRLF line endings) from ``sender`` ('' for the null sender).

        ``recipients`` are ``(address, route)``; a route of None is a remote
        address sent to directly, spooled with ``origin`` and ``domain`` (a
        submission's account domain). Forwarded copies are spooled as
        ``forward`` for the forwarding address's domain. A message with more
        than ``max_hops`` Received headers (when given) is refused as a loop.
        """
        sender = "" if sender == "<>" else sender
        facts = read_facts(message)
        if max_hops and facts.received_count > max_hops:
            log.warning("not delivered from=<%s>: %d Received headers", sender,
                        facts.received_count)
            return Outcome(Plan(), refused=TOO_MANY_HOPS)
        plan = build_plan(facts, sender, recipients, today or self.directory.today(),
                          self.directory)
        refused = self._refusal(plan, len(message))
        if refused:
            log.info("not delivered from=<%s>: %s (loops=%s failed=%s)", sender, refused,
                     ",".join(plan.loops), ",".join(target for target, _ in plan.failed))
            return Outcome(plan, refused=refused)
        delivered, over_quota = self._deliver_local(message, plan)
        queued = self._enqueue_remote(message, sender, plan, origin, domain)
        self._report(sender, plan)
        self._bounce(message, sender, plan)
        lists.handle(self, message, sender, plan.lists)
        replied = tuple(self._send_replies(plan, facts))
        return Outcome(plan, delivered=delivered, over_quota=over_quota, queued=queued,
                       replied=replied)

    def _refusal(self, plan: Plan, size: int) -> str:
        if not plan.delivers:
            if plan.loops:
                return LOOP
            return NO_SUCH_USER if plan.failed else ""
        if plan.local and not (plan.remote or plan.discarded or plan.lists) and not any(
            has_room(copy.mailbox, size) for copy in plan.local
        ):
            return MAILBOX_FULL
        return ""

    def _deliver_local(self, message: bytes, plan: Plan):
        """Every local copy, each with its Delivered-To lines; see local.deliver on quota."""
        over_quota = []
        for copy in plan.local:
            data = to_lf(delivered_to(copy.trace) + message)
            if not has_room(copy.mailbox, len(data)):
                over_quota.append(copy.mailbox.address)
                log.warning("%s: delivered over quota (%d bytes) with other recipients",
                            copy.mailbox.address, len(data))
            Maildir(copy.mailbox.maildir).deliver(data)
        return tuple(copy.mailbox.address for copy in plan.local), tuple(over_quota)

    def _enqueue_remote(self, message, sender, plan: Plan, origin, domain) -> tuple[str, ...]:
        """One spooled message per forwarding path (usually one for all remote copies)."""
        groups: dict[tuple[str, ...], list[RemoteCopy]] = {}
        for copy in plan.remote:
            groups.setdefault(copy.trace, []).append(copy)
        queued = []
        for trace, copies in groups.items():
            addresses = [copy.address for copy in copies]
            if trace:
                forwarder = _domain(trace[-1])
                # The queue gives it an SRS envelope sender when it sends it
                # (mailcore.queue.delivery.envelope_sender); the record keeps the
                # original sender, who gets any DSN.
                queued.append(self.enqueue(self.config.spool, delivered_to(trace) + message,
                                           sender, addresses, origin="forward",
                                           domain=forwarder))
            else:
                queued.append(self.enqueue(self.config.spool, message, sender, addresses,
                                           origin=origin, domain=domain))
        return tuple(queued)

    def _report(self, sender: str, plan: Plan) -> None:
        for address in plan.discarded:
            log.info("from=<%s> to=<%s>: dropped (the account deletes all mail)", sender, address)
        for address in plan.loops:
            log.warning("from=<%s>: routing loop at <%s>, that copy is not delivered",
                        sender, address)
        for target, reason in plan.failed:
            log.warning("from=<%s>: forward target <%s> not delivered: %s", sender, target,
                        reason)
        for responder, reason in plan.quiet:
            log.info("from=<%s>: no automatic reply from <%s>: %s", sender, responder, reason)

    def _bounce(self, message: bytes, sender: str, plan: Plan) -> None:
        """One DSN to the sender for the copies that went nowhere while others arrived.

        (When nothing arrived, the SMTP client is refused instead: its server bounces.)
        """
        failures = [Failure(address, FAILED, "5.4.6", "routing loop detected")
                    for address in plan.loops]
        failures += [Failure(target, FAILED, "5.1.1", f"forward target: {reason}")
                     for target, reason in plan.failed]
        if not failures or not dsn.wants_report(sender, "forward"):
            return
        now = datetime.now(UTC)
        record = QueuedMessage(queue_id=spool.new_queue_id(), sender=sender, origin="forward",
                               domain=None, attempts=0, created_at=now, expires_at=now,
                               done=False)
        dsn.notify_sender(record, message, failures, expired=False, config=self.config,
                          directory=self.directory)

    def _send_replies(self, plan: Plan, facts: MessageFacts):
        for job in plan.replies:
            try:
                if self._send_reply(job, facts):
                    yield job.responder
            except Exception:
                log.exception("automatic reply from <%s> to <%s> failed", job.responder,
                              job.recipient)

    def _interval(self, job: ReplyJob) -> timedelta:
        if job.kind == "vacation":
            return timedelta(days=self.config.vacation_interval_days)
        return timedelta(hours=self.config.autoresponder_interval_hours)

    def _send_reply(self, job: ReplyJob, facts: MessageFacts) -> bool:
        recipient = self._reply_recipient(job.recipient)
        if recipient is None:
            log.info("no automatic reply from <%s> to <%s>: not a deliverable address",
                     job.responder, job.recipient)
            return False
        if not self.directory.claim_auto_reply(job.responder, job.recipient,
                                               self._interval(job)):
            log.info("no automatic reply from <%s> to <%s>: already answered recently",
                     job.responder, job.recipient)
            return False
        language = self.directory.mail_language(job.responder)
        reply = build_reply(job, facts, language=language)
        outcome = self.route(reply, "", [recipient], origin="autoreply",
                             domain=_domain(job.responder))
        log.info("automatic reply (%s) from <%s> to <%s>: %s", job.kind, job.responder,
                 job.recipient, outcome.refused or "sent")
        return outcome.accepted

    def _reply_recipient(self, address: str) -> tuple[str, Route | None] | None:
        """``(address, route)`` for a reply to ``address``, or None when it cannot get one."""
        try:
            local, domain = split_address(address)
        except AddressError:
            return None
        route = self.directory.find_route(f"{local}@{domain}")
        if route is not None:
            return address, route
        if self.directory.is_local_domain(domain):
            return None
        return f"{address.rpartition('@')[0]}@{domain}", None
