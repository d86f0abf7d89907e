"""An instance with something of everything hostpanel keeps, made with the real services."""

import os
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings


@dataclass
class Instance:
    messages: dict[str, list[bytes]] = field(default_factory=dict)  # address -> Maildir files


def mail(subject: str, to: str = "jane@example.com") -> bytes:
    return (f"From: Bob <bob@remote.test>\nTo: <{to}>\nSubject: {subject}\n"
            f"Message-ID: <{subject.replace(' ', '.')}@remote.test>\n\n"
            f"Hello,\n.\nA line with a dot above; {subject}.\n").encode()


@pytest.fixture
def instance(transactional_db, domain_factory, account_factory):
    """Two domains; accounts, a forward, an autoresponder, a catch-all; a list with members,
    an archive and a held post; spam preferences and a learned model; a quarantined
    message; a queued outbound message; Maildir messages in new/ and in cur/ (seen);
    a deleted account's mail kept aside."""
    from hostpanel.domains import services as domains
    from hostpanel.lists import services as lists
    from hostpanel.routing import services as routing
    from hostpanel.spam import services as spam
    from mailcore import directory
    from mailcore.filters.quarantine import Infected, store
    from mailcore.maildir import Maildir, maildir_path
    from mailcore.queue.spool import enqueue

    example = domain_factory("example.com")
    # An account made and deleted first: restored ids must be the original ones, not 1, 2...
    domains.delete_account(account_factory(example, "temp"))
    other = domain_factory("example.org")
    jane = account_factory(example, "jane")
    account_factory(example, "john", password="another-long-password")
    gone = account_factory(other, "gone")
    routing.create_forward(example, "sales", ["jane@example.com", "boss@remote.test"])
    routing.create_autoresponder(example, "info", "Thank you", "We will answer soon.")
    routing.set_catch_all(other, "postmaster@example.org")
    routing.update_routing(jane, vacation_enabled=True, vacation_subject="Away",
                           vacation_message="Back on Monday.")

    team = lists.create_list(example, "team", archive=True, prefix="[team]")
    lists.add_member(team, "ann@remote.test")
    lists.add_member(team, "bill@remote.test")
    directory.number_post(team.pk, mail("First post", "team@example.com"),
                          sender="ann@remote.test", subject="First post")
    directory.hold_post(team.pk, mail("Held post", "team@example.com"),
                        sender="stranger@remote.test", subject="Held post", days=14)

    spam.set_domain_preferences(example, threshold=6.5)
    spam.set_account_preferences(jane, threshold=4.0, whitelist=["friend@remote.test"])
    spam.learn_message(example, mail("Cheap pills now"), is_spam=True)

    store(Path(settings.HOSTPANEL_QUARANTINE), mail("Invoice attached"),
          Infected(sender="bad@remote.test", recipients=("jane@example.com",),
                   virus="Eicar-Test-Signature", client_ip="192.0.2.7",
                   domains=("example.com",)))
    enqueue(Path(settings.HOSTPANEL_SPOOL), mail("Outgoing", "friend@remote.test"),
            "jane@example.com", ["friend@remote.test"], origin="submission",
            domain="example.com")

    created = Instance()
    inbox = Maildir(maildir_path(settings.HOSTPANEL_MAIL_ROOT, "example.com", "jane"))
    for number in range(3):
        inbox.deliver(mail(f"Read {number}"))
    inbox.claim_new()  # a POP3 client saw them: cur/<name>:2,
    seen = inbox.messages()[0].path
    os.rename(seen, seen.with_name(seen.name.removesuffix(":2,") + ":2,S"))
    for number in range(2):
        inbox.deliver(mail(f"Unread {number}"))
    Maildir(maildir_path(settings.HOSTPANEL_MAIL_ROOT, "example.org", "gone")).deliver(
        mail("Kept aside", "gone@example.org"))
    domains.delete_account(gone)
    created.messages["jane@example.com"] = [m.path.read_bytes() for m in inbox.messages()]
    return created
