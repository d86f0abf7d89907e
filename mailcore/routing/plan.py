"""The delivery plan of one message: which mailboxes, which remote addresses, which replies.

:func:`build_plan` takes the message's facts, its envelope sender and its
recipients' routes (:func:`mailcore.directory.find_route`), and expands them:

- a mailbox in standard mode gets a copy; in forward mode its targets do (and
  the mailbox too with ``save_copy``); in delete mode the message is dropped;
  an active vacation adds a reply, whatever the mode;
- a forward (or a domain's catch-all) sends to each of its targets, which are
  expanded in turn when they are local: a forward to a forward, to an account
  that forwards, to an autoresponder;
- an autoresponder adds a reply and sends its copy-to address a copy;
- a mailing list's address (or service address) adds a list job, which
  :mod:`mailcore.lists` carries out.

Every address is expanded once per message (a mailbox reached by two paths
gets one copy; a remote address gets one). Loops are stopped, never followed:

- an address the message already passed (its ``Delivered-To:`` header, which
  every local delivery and every forwarded copy carries, qmail style) is a
  loop: a forward whose remote copy comes back;
- a recipient whose expansion comes back to itself (``a -> b -> a``) and
  reaches nothing else is a loop;
- more than :data:`MAX_DEPTH` hops is a loop.

Pure but for the directory look-ups of forward targets (a worker thread).
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Protocol

from mailcore.addresses import AddressError, split_address
from mailcore.directory import ListAddress, Mailbox, Route
from mailcore.routing import rfc3834
from mailcore.routing.facts import MessageFacts

MAX_DEPTH = 10  # forwarding hops from a recipient to a mailbox


class Directory(Protocol):
    def find_route(self, address: str) -> Route | None: ...

    def is_local_domain(self, domain: str) -> bool: ...


@dataclass(frozen=True)
class LocalCopy:
    mailbox: Mailbox
    trace: tuple[str, ...]  # the hosted addresses it passed, the mailbox's last


@dataclass(frozen=True)
class RemoteCopy:
    address: str
    trace: tuple[str, ...]  # the hosted addresses that forwarded it; () when sent directly


@dataclass(frozen=True)
class ReplyJob:
    kind: str  # "vacation" or "autoresponder"
    responder: str  # the address that answers (From of the reply)
    recipient: str  # the envelope sender of the message
    subject: str  # as configured; '' for the default ("Re: <subject>")
    text: str


@dataclass(frozen=True)
class ListJob:
    target: ListAddress
    address: str  # the list address the message was sent to
    trace: tuple[str, ...]  # the hosted addresses it passed, the list address last


@dataclass(frozen=True)
class Plan:
    local: tuple[LocalCopy, ...] = ()
    remote: tuple[RemoteCopy, ...] = ()
    replies: tuple[ReplyJob, ...] = ()
    discarded: tuple[str, ...] = ()  # accounts in delete mode
    loops: tuple[str, ...] = ()  # addresses where a loop was stopped
    failed: tuple[tuple[str, str], ...] = ()  # (target, reason): a forward to nowhere
    quiet: tuple[tuple[str, str], ...] = ()  # (responder, reason): replies not sent
    lists: tuple[ListJob, ...] = ()

    @property
    def delivers(self) -> bool:
        """Whether any copy goes somewhere (or is dropped on purpose)."""
        return bool(self.local or self.remote or self.discarded or self.lists)


def keeps_copy(route: Route) -> bool:
    """Whether mail for this mailbox route is stored in the mailbox itself."""
    if route.kind != "mailbox" or route.mode == "delete":
        return False
    return route.mode != "forward" or route.save_copy or not route.forward_to


def build_plan(
    facts: MessageFacts,
    sender: str,
    recipients: Sequence[tuple[str, Route | None]],
    today: date,
    directory: Directory,
) -> Plan:
    """The plan for ``recipients``: ``(address, route)``, route None for a remote address."""
    planner = _Planner(facts, sender, today, directory)
    for address, route in recipients:
        planner.recipient(address, route)
    return planner.plan()


class _Planner:
    def __init__(self, facts: MessageFacts, sender: str, today: date, directory: Directory):
        self.facts = facts
        self.sender = "" if sender == "<>" else sender
        self.today = today
        self.directory = directory
        self.local: dict[Path, LocalCopy] = {}
        self.remote: dict[str, RemoteCopy] = {}
        self.replies: dict[str, ReplyJob] = {}
        self.discarded: list[str] = []
        self.loops: list[str] = []
        self.failed: list[tuple[str, str]] = []
        self.quiet: list[tuple[str, str]] = []
        self.lists: list[ListJob] = []
        self.expanded: set[str] = set()
        self.cycled = False

    def plan(self) -> Plan:
        return Plan(
            local=tuple(self.local.values()), remote=tuple(self.remote.values()),
            replies=tuple(self.replies.values()), discarded=tuple(self.discarded),
            loops=tuple(self.loops), failed=tuple(self.failed), quiet=tuple(self.quiet),
            lists=tuple(self.lists),
        )

    def _outcomes(self) -> int:
        return sum(map(len, (self.local, self.remote, self.replies, self.discarded,
                             self.loops, self.failed, self.quiet, self.lists)))

    def recipient(self, address: str, route: Route | None) -> None:
        before, self.cycled = self._outcomes(), False
        if route is None:
            self._remote(address, ())
        else:
            self._visit(route, ())
        if self.cycled and self._outcomes() == before:
            self.loops.append(route.address if route else address)

    def _visit(self, route: Route, trace: tuple[str, ...]) -> None:
        address = route.address.lower()
        if address in self.facts.delivered_to or len(trace) >= MAX_DEPTH:
            self.loops.append(route.address)
            return
        if address in trace:
            self.cycled = True
            return
        if address in self.expanded:  # reached by another path: one copy is enough
            return
        self.expanded.add(address)
        trace = (*trace, address)
        if route.kind == "mailbox":
            self._mailbox(route, trace)
        elif route.kind == "forward":
            for target in route.forward_to:
                self._target(target, route.domain, trace)
        elif route.kind == "autoresponder":
            info = route.autoresponder
            self._reply("autoresponder", route.address, info.subject, info.message, trace)
            if info.copy_to:
                self._target(info.copy_to, route.domain, trace)
        elif route.kind == "list" and route.list_target is not None:
            self.lists.append(ListJob(route.list_target, route.address, trace))
        else:
            self.failed.append((route.address, f"unknown route {route.kind!r}"))

    def _mailbox(self, route: Route, trace: tuple[str, ...]) -> None:
        vacation = route.vacation
        if vacation is not None and vacation.active_on(self.today):
            self._reply("vacation", route.address, vacation.subject, vacation.message, trace)
        if route.mode == "delete":
            self.discarded.append(route.address)
            return
        if route.mode == "forward":
            for target in route.forward_to:
                self._target(target, route.domain, trace)
        if keeps_copy(route) and route.mailbox.maildir not in self.local:
            self.local[route.mailbox.maildir] = LocalCopy(route.mailbox, trace)

    def _target(self, target: str, domain: str, trace: tuple[str, ...]) -> None:
        """A forward's target: a hosted address (expanded) or a remote one."""
        target = str(target).strip().removeprefix("<").removesuffix(">").strip()
        if "@" not in target:  # a bare name, e.g. a catch-all "jane": same domain
            target = f"{target}@{domain}"
        try:
            local, target_domain = split_address(target)
        except AddressError:
            self.failed.append((target, "invalid address"))
            return
        route = self.directory.find_route(f"{local}@{target_domain}")
        if route is not None:
            self._visit(route, trace)
        elif self.directory.is_local_domain(target_domain):
            self.failed.append((target, "no such user"))
        else:
            self._remote(f"{target.rpartition('@')[0]}@{target_domain}", trace)

    def _remote(self, address: str, trace: tuple[str, ...]) -> None:
        key = address.lower()
        if trace and key in self.facts.delivered_to:
            self.loops.append(address)
        elif key not in self.remote:
            self.remote[key] = RemoteCopy(address, trace)

    def _reply(self, kind: str, responder: str, subject: str, text: str, trace) -> None:
        if responder in self.replies:
            return
        reason = rfc3834.refusal(self.facts, self.sender, trace)
        if reason:
            self.quiet.append((responder, reason))
        else:
            self.replies[responder] = ReplyJob(kind, responder, self.sender, subject, text)
