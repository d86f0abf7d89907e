"""A directory made up in memory, for routing tests without a database."""

from datetime import date
from pathlib import Path

from mailcore.directory import AutoresponderInfo, Mailbox, Route, Vacation


class FakeDirectory:
    """Hosted domains and their routes, set up by the test."""

    def __init__(self, root: Path, domains=("example.com",)):
        self.root = root
        self.domains = set(domains)
        self.routes: dict[str, Route] = {}
        self.lookups: list[str] = []

    # Setting up.

    def mailbox(self, address: str, **fields) -> Route:
        local, _, domain = address.partition("@")
        mailbox = Mailbox(account_id=len(self.routes) + 1, address=address, domain=domain,
                          maildir=self.root / domain / local, quota_bytes=0)
        if "vacation" in fields and isinstance(fields["vacation"], tuple):
            fields["vacation"] = Vacation(*fields["vacation"])
        return self._add(Route(kind="mailbox", address=address, domain=domain, mailbox=mailbox,
                               **fields))

    def forward(self, address: str, *targets: str, catch_all: bool = False) -> Route:
        return self._add(Route(kind="forward", address=address, domain=address.partition("@")[2],
                               forward_to=targets, via_catch_all=catch_all))

    def autoresponder(self, address: str, copy_to="", subject="Thanks",
                      message="We got it.") -> Route:
        return self._add(Route(kind="autoresponder", address=address,
                               domain=address.partition("@")[2],
                               autoresponder=AutoresponderInfo(copy_to, subject, message)))

    def _add(self, route: Route) -> Route:
        self.routes[route.address] = route
        return route

    # What the routing engine calls.

    def find_route(self, address: str) -> Route | None:
        self.lookups.append(address)
        return self.routes.get(address.lower())

    def is_local_domain(self, domain: str) -> bool:
        return domain in self.domains

    def today(self) -> date:
        return date(2030, 6, 15)
